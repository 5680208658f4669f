"""Ranking metrics for (sample, target) pairs, as pure functions over 1-based ranks (None = not ranked).

One pair has one relevant item, so NDCG@K is 1/log2(rank + 1) when the target is in the top K (the ideal
DCG is 1) and MRR is the mean of 1/rank over the ranked list (0 when the target is missing), as in
CRSLab's and RecBole's implementations of these metrics.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np


def rank_of(target: str, ranked: Sequence[str]) -> int | None:
    """1-based position of `target` in `ranked`, or None when it is not there."""
    for position, item_id in enumerate(ranked, start=1):
        if item_id == target:
            return position
    return None


def recall_at(ranks: Sequence[int | None], k: int) -> float:
    """Share of pairs whose target is in the top k."""
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def ndcg_at(ranks: Sequence[int | None], k: int) -> float:
    return sum(1.0 / math.log2(r + 1) for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def mrr(ranks: Sequence[int | None]) -> float:
    return sum(1.0 / r for r in ranks if r is not None) / len(ranks) if ranks else 0.0


def summarize(ranks: Sequence[int | None], ks: Iterable[int] = (1, 10, 50)) -> dict[str, float]:
    out = {f"recall@{k}": recall_at(ranks, k) for k in ks}
    out["ndcg@10"] = ndcg_at(ranks, 10)
    out["mrr"] = mrr(ranks)
    out["pairs"] = len(ranks)
    return out


def recall_curve(ranks: Sequence[int | None], max_k: int = 50) -> list[float]:
    """recall@1 .. recall@max_k, for plotting."""
    hits = np.zeros(max_k + 1)
    for r in ranks:
        if r is not None and r <= max_k:
            hits[r] += 1
    return list(np.cumsum(hits)[1:] / max(len(ranks), 1))


def percentiles(values: Sequence[float], qs: Iterable[int] = (50, 95)) -> dict[str, float]:
    if not values:
        return {f"p{q}": 0.0 for q in qs}
    return {f"p{q}": float(np.percentile(values, q)) for q in qs}

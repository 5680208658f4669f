"""Reranking as pure functions: a weighted feature score, then maximal-marginal-relevance for diversity.

Inputs are plain arrays so every step can be checked by hand; `retrieval.recommend` gathers the features.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, fields, replace

import numpy as np


@dataclass(frozen=True)
class RerankWeights:
    """Feature weights. dense/cf/popularity/genre_fit were tuned on the ReDial validation split (`python -m
    chat_app.eval tune`); lexical, match and the popularity gate were chosen on the request benchmark and
    ReDial together (BENCHMARKS.md): ungated popularity put Pulp Fiction in 8% of the benchmark's dialogues
    and a third of all picks among the 100 most-rated films, while a gate at 0.1 keeps ReDial R@10 and
    brings those to 5% and 24%. Only the ratios matter. Dislike weights are hand-set (ReDial seekers rarely
    dislike); diversity is a product choice (varied picks), kept low because it costs recall."""

    dense: float = 0.25
    cf: float = 0.1
    popularity: float = 0.25
    popularity_gate: float = 0.1  # popularity counts fully only for items at least this similar (+0.3) to the
    # request, or that mention what it names: a prior among relevant items, never the reason for a pick
    quality: float = 0.0
    dislike: float = 0.8
    genre_fit: float = 0.25
    lexical: float = 0.15  # BM25 against the request's words
    match: float = 0.3  # mentions the themes, people or studios asked for
    seed_genre: float = 0.2  # shares the genres of the liked items ("like Groundhog Day": a comedy)
    comention: float = 0.35  # brought up together with the liked items in ReDial's training conversations;
    # chosen on ReDial (R@10 0.128 -> 0.152; 0.5 gave 0.156) where the request benchmark held (0.5 cost it 0.2
    # points, moods most)
    dislike_floor: float = 0.35  # similarity to a dislike below this is not penalised
    diversity: float = 0.1  # MMR: share of the score given to being unlike earlier picks


def parse_weights(text: str) -> RerankWeights:
    """'dense=0.5,popularity=0.2' -> RerankWeights with those fields changed from the defaults."""
    names = {f.name for f in fields(RerankWeights)}
    changes = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        if name not in names:
            raise argparse.ArgumentTypeError(f"unknown weight {name!r}; known: {', '.join(sorted(names))}")
        try:
            changes[name] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} needs a number, got {value!r}") from None
        if not 0.0 <= changes[name] <= 10.0:
            raise argparse.ArgumentTypeError(f"{name} must be between 0 and 10, got {value}")
    return replace(RerankWeights(), **changes)


def feature_score(dense: np.ndarray, cf: np.ndarray, popularity: np.ndarray, quality: np.ndarray,
                  dislike: np.ndarray, genre_fit: np.ndarray, w: RerankWeights = RerankWeights(), *,
                  lexical: np.ndarray | None = None, match: np.ndarray | None = None,
                  seed_genre: np.ndarray | None = None, comention: np.ndarray | None = None) -> np.ndarray:
    """Linear score; `cf` and `comention` are scaled to [0, 1] by their maximum so their weights mean the same
    for any seeds."""
    cf_max = float(cf.max()) if cf.size and cf.max() > 0 else 1.0
    penalty = np.clip(dislike - w.dislike_floor, 0.0, None)
    score = (w.dense * dense + w.cf * cf / cf_max + w.popularity * popularity + w.quality * quality
             + w.genre_fit * genre_fit - w.dislike * penalty)
    if lexical is not None:
        score = score + w.lexical * lexical
    if match is not None:
        score = score + w.match * match
    if seed_genre is not None:
        score = score + w.seed_genre * seed_genre
    if comention is not None and comention.size and comention.max() > 0:
        score = score + w.comention * comention / float(comention.max())
    return score


def mmr(scores: np.ndarray, vectors: np.ndarray, k: int, diversity: float) -> list[int]:
    """Greedy maximal marginal relevance: indices of k picks, each trading score against redundancy."""
    n = len(scores)
    if n == 0 or k <= 0:
        return []
    picked: list[int] = []
    max_sim = np.full(n, -np.inf)
    available = np.ones(n, dtype=bool)
    for _ in range(min(k, n)):
        redundancy = np.where(np.isfinite(max_sim), max_sim, 0.0)
        value = (1 - diversity) * scores - diversity * redundancy
        value[~available] = -np.inf
        best = int(np.argmax(value))
        picked.append(best)
        available[best] = False
        max_sim = np.maximum(max_sim, vectors @ vectors[best])
    return picked

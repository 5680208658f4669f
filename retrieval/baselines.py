"""Simpler rankers the app's ranking is measured against: popularity, dense only, collaborative only, and
an untuned hybrid (reciprocal-rank fusion of the dense and collaborative lists); and two negative controls
that ignore what was asked (the most popular items, random items), which the quality tests must tell apart.

Each returns up to k catalog ids for a `Query`, obeying its exclusions and hard constraints exactly as
`retrieval.recommend` does, and tops its list up with popular items when its own signal runs out (no liked
item yet, or fewer hits than k), as any deployed recommender would.
"""

from __future__ import annotations

import random
from typing import Callable

from retrieval.catalog import Catalog
from retrieval.collaborative import ItemCF
from retrieval.embeddings import Embedder
from retrieval.recommend import Query, Ranked, excluded, fits, popular, signals, top_cf
from retrieval.store import ItemIndex

RRF_K = 60  # the usual reciprocal-rank-fusion constant (Cormack et al. 2009)
BASELINES = ("popularity", "dense", "cf", "hybrid")
CONTROLS = ("popular", "random")


def rrf(lists: list[list[str]], k: int = RRF_K) -> list[str]:
    """Reciprocal rank fusion: ids ordered by the sum of 1 / (k + rank) over the lists they appear in; ties go
    to the id ranked higher in some list."""
    scores: dict[str, float] = {}
    best: dict[str, int] = {}
    for ranked in lists:
        for rank, item_id in enumerate(ranked, start=1):
            scores[item_id] = scores.get(item_id, 0.0) + 1.0 / (k + rank)
            best[item_id] = min(best.get(item_id, rank), rank)
    return sorted(scores, key=lambda i: (-scores[i], best[i]))


def _top_up(ids: list[str], query: Query, catalog: Catalog, k: int, exclude: set[str]) -> list[str]:
    ids = list(dict.fromkeys(ids))[:k]
    if len(ids) < k:
        ids += popular(query, catalog, k - len(ids), exclude | set(ids))
    return ids


def baseline(name: str, query: Query, catalog: Catalog, index: ItemIndex, embedder: Embedder, cf: ItemCF | None,
             *, k: int = 50, n_candidates: int = 100) -> list[str]:
    if name not in BASELINES:
        raise ValueError(f"unknown baseline {name!r}; choose from {', '.join(BASELINES)}")
    if name == "popularity":
        return popular(query, catalog, k)
    exclude = excluded(query)
    sig = signals(query, index, embedder, cf if name != "dense" else None)
    dense: list[str] = []
    if sig.vector is not None and name in ("dense", "hybrid"):
        dense = [hit.item_id for hit in index.search(sig.vector, n_candidates, where=query.constraints.where(query.domain),
                                                      exclude=frozenset(exclude))
                 if fits(catalog.get(hit.item_id), query, exclude)]
    collaborative = top_cf(sig, query, catalog, n_candidates, exclude)
    return _top_up(rrf([lst for lst in (dense, collaborative) if lst]), query, catalog, k, exclude)


def control_ranker(name: str, catalog: Catalog, seed: int = 0) -> Callable[[Query, int], list[Ranked]]:
    """A ranker that ignores the request but keeps its limits and exclusions: "popular" shows the most-rated
    items that fit, "random" random ones that fit. The app's quality checks must fail with either."""
    if name not in CONTROLS:
        raise ValueError(f"unknown control {name!r}; choose from {', '.join(CONTROLS)}")
    rng = random.Random(seed)

    def rank(query: Query, k: int) -> list[Ranked]:
        if name == "popular":
            ids = popular(query, catalog, k)
        else:
            exclude = excluded(query)
            order = list(catalog.items)
            rng.shuffle(order)
            ids = [item.id for item in order if fits(item, query, exclude)][:k]
        return [Ranked(catalog.get(i), 0.0, 0.0, 0.0, sources=(name,)) for i in ids]

    return rank

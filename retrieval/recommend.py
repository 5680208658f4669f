"""From a composed query to ranked, constraint-checked items: candidates (dense + collaborative) -> rerank.

`Query` is what the dialogue side hands over: weighted texts and items to move towards and away from, hard
constraints, terms an item must not mention (a disliked actor), and ids never to return. Every returned id
is a catalog id that satisfies the constraints; that is checked here, after the filter, not assumed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from retrieval.catalog import Catalog, Item
from retrieval.collaborative import ItemCF
from retrieval.constraints import Constraints
from retrieval.embeddings import Embedder
from retrieval.rerank import RerankWeights, feature_score, mmr
from retrieval.store import ItemIndex

DISLIKE_SHIFT = 0.3  # how far disliked texts/items push the query vector away


@dataclass(frozen=True)
class Query:
    texts: tuple[tuple[str, float], ...] = ()
    items: tuple[tuple[str, float], ...] = ()
    avoid_texts: tuple[tuple[str, float], ...] = ()
    avoid_items: tuple[tuple[str, float], ...] = ()
    constraints: Constraints = Constraints()
    avoid_terms: tuple[str, ...] = ()
    exclude: frozenset[str] = frozenset()
    genre_fit: dict[str, float] = field(default_factory=dict)  # soft: + favoured genre, - unwanted genre


def genre_fit_score(item: Item, fit: dict[str, float]) -> float:
    """Mean of the fit of the item's genres, squashed to [-1, 1]; 0 when nothing is said about genres."""
    values = [fit[g] for g in item.genres if g in fit]
    return math.tanh(sum(values) / max(len(values), 1)) if values else 0.0


@dataclass(frozen=True)
class Ranked:
    item: Item
    score: float
    dense: float
    cf: float
    because: tuple[str, ...] = ()  # ids of liked items this one is closest to
    sources: tuple[str, ...] = field(default=())


def mentions_any(item: Item, terms: tuple[str, ...]) -> bool:
    if not terms:
        return False
    text = " ".join((item.title, item.overview, " ".join(item.tags), " ".join(item.keywords))).lower()
    return any(re.search(r"\b" + re.escape(t.lower()) + r"\b", text) for t in terms if t.strip())


def _weighted_mean(vectors: list[np.ndarray], weights: list[float]) -> np.ndarray | None:
    if not vectors:
        return None
    total = np.sum([w * v for v, w in zip(vectors, weights)], axis=0)
    norm = float(np.linalg.norm(total))
    return total / norm if norm > 0 else None


def _gather(texts, items, index: ItemIndex, embedder: Embedder) -> tuple[list[np.ndarray], list[float]]:
    """Vectors and weights for weighted texts (embedded as queries) and catalog items (their stored vectors)."""
    vectors, weights = [], []
    if texts:
        vectors += list(embedder.embed([t for t, _ in texts], kind="query"))
        weights += [w for _, w in texts]
    for item_id, w in items:
        v = index.vector(item_id)
        if v is not None:
            vectors.append(v)
            weights.append(w)
    return vectors, weights


def query_vector(toward: tuple[list, list], away: tuple[list, list]) -> np.ndarray | None:
    """Normalised mix of liked texts and items, pushed away from disliked ones; None if nothing is liked."""
    mean = _weighted_mean(*toward)
    if mean is None:
        return None
    away_mean = _weighted_mean(*away)
    if away_mean is not None:
        mean = mean - DISLIKE_SHIFT * away_mean
        mean = mean / np.linalg.norm(mean)
    return mean.astype(np.float32)


def recommend(query: Query, catalog: Catalog, index: ItemIndex, embedder: Embedder, cf: ItemCF | None,
              *, k: int = 5, n_candidates: int = 50, weights: RerankWeights = RerankWeights()) -> list[Ranked]:
    exclude = set(query.exclude) | {i for i, _ in query.items} | {i for i, _ in query.avoid_items}
    where = query.constraints.where()
    avoid = _gather(query.avoid_texts, query.avoid_items, index, embedder)
    vector = query_vector(_gather(query.texts, query.items, index, embedder), avoid)
    sources: dict[str, set[str]] = {}
    if vector is not None:
        for hit in index.search(vector, n_candidates, where=where, exclude=frozenset(exclude)):
            sources.setdefault(hit.item_id, set()).add("dense")
    liked_ids = [i for i, _ in query.items]
    cf_scores = cf.scores(liked_ids, [w for _, w in query.items]) if cf and liked_ids else {}
    cf_added = 0
    for item_id, _ in sorted(cf_scores.items(), key=lambda kv: -kv[1]):
        if cf_added >= n_candidates:
            break
        item = catalog.get(item_id)
        if item and item_id not in exclude and query.constraints.satisfies(item):
            sources.setdefault(item_id, set()).add("cf")
            cf_added += 1
    if query.genre_fit and vector is not None:  # a mood asks for genres the liked items may not reach
        favoured = [{"genres": {"$contains": g}} for g, v in sorted(query.genre_fit.items()) if v > 0]
        fit_where = None if not favoured else favoured[0] if len(favoured) == 1 else {"$or": favoured}
        if fit_where:
            where_fit = fit_where if where is None else {"$and": [where, fit_where]}
            for hit in index.search(vector, n_candidates, where=where_fit, exclude=frozenset(exclude)):
                sources.setdefault(hit.item_id, set()).add("dense")
    if not sources:  # nothing liked yet: the best-known items that fit the constraints
        popular = sorted((i for i in catalog if i.id not in exclude and query.constraints.satisfies(i)),
                         key=lambda i: -i.num_ratings)
        for item in popular[:n_candidates]:
            sources[item.id] = {"popular"}

    ids = [i for i in sources
           if (item := catalog.get(i)) and query.constraints.satisfies(item) and not mentions_any(item, query.avoid_terms)]
    if not ids:
        return []
    items = [catalog.get(i) for i in ids]
    vectors = index.vectors[[index.row_of[i] for i in ids]]
    dense = vectors @ vector if vector is not None else np.zeros(len(ids), dtype=np.float32)
    cf_arr = np.array([cf_scores.get(i, 0.0) for i in ids])
    top_pop = math.log1p(max(i.num_ratings for i in catalog))
    popularity = np.array([math.log1p(i.num_ratings) / top_pop for i in items])
    quality = np.array([(i.mean_rating - 3.0) / 2.0 if i.mean_rating and i.num_ratings >= 5 else 0.0 for i in items])
    dislike = (vectors @ np.stack(avoid[0]).T).max(axis=1) if avoid[0] else np.zeros(len(ids))
    fit = np.array([genre_fit_score(i, query.genre_fit) for i in items])
    scores = feature_score(dense, cf_arr, popularity, quality, dislike, fit, weights)
    order = mmr(scores, vectors, k, weights.diversity)
    liked_vectors = [(i, index.vector(i)) for i in liked_ids if index.vector(i) is not None]
    out = []
    for j in order:
        because = tuple(i for i, v in sorted(liked_vectors, key=lambda iv: -float(vectors[j] @ iv[1]))
                        if float(vectors[j] @ v) > 0.35)[:2]
        out.append(Ranked(items[j], float(scores[j]), float(dense[j]), float(cf_arr[j]), because,
                          tuple(sorted(sources[ids[j]]))))
    return out

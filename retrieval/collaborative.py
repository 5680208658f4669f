"""Collaborative signals from ratings: "people who rated X highly also rated Y highly".

Item-item cosine similarity over the binary "liked" matrix (rating >= 4), computed on demand from a sparse
user x item matrix, so no similarity table is stored. Seeds are catalog ids; so are the answers. Items
without ratings simply get no collaborative score. A ratings file is `user,item,rating` with catalog ids
(README: Catalog folders), or the movie folder's MovieLens `userId,movieId,rating`.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from retrieval.catalog import Catalog

DEFAULT_RATINGS = Path(__file__).parent / "data" / "ratings.csv.gz"
LIKED_RATING = 4.0


class ItemCF:
    def __init__(self, liked: sparse.csr_matrix, item_ids: list[str]):
        # column-normalise so X.T @ X is cosine similarity between items
        norms = np.sqrt(np.asarray(liked.multiply(liked).sum(axis=0))).ravel()
        norms[norms == 0] = 1.0
        self._x = sparse.csr_matrix(liked.multiply(1.0 / norms))
        self._xt = self._x.T.tocsr()
        self.item_ids = item_ids
        self.col_of = {item_id: i for i, item_id in enumerate(item_ids)}

    @classmethod
    def from_ratings(cls, ratings: pd.DataFrame, catalog: Catalog, min_rating: float = LIKED_RATING) -> "ItemCF":
        """`ratings` has columns userId, movieId (MovieLens ids), rating; kept items are those in the catalog."""
        to_catalog = catalog.by_ml_id()
        liked = ratings[(ratings.rating >= min_rating) & ratings.movieId.isin(to_catalog.keys())]
        item_ids = sorted({to_catalog[m] for m in liked.movieId})
        col_of = {item_id: i for i, item_id in enumerate(item_ids)}
        users = {u: i for i, u in enumerate(sorted(liked.userId.unique()))}
        rows = liked.userId.map(users).to_numpy()
        cols = np.array([col_of[to_catalog[m]] for m in liked.movieId], dtype=np.int64)
        matrix = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                                   shape=(len(users), len(item_ids)))
        return cls(matrix, item_ids)

    @classmethod
    def from_item_ratings(cls, ratings: pd.DataFrame, catalog: Catalog,
                          min_rating: float = LIKED_RATING) -> "ItemCF":
        """`ratings` has columns user, item (catalog ids), rating."""
        ratings = ratings.assign(item=ratings["item"].astype(str), rating=pd.to_numeric(ratings["rating"],
                                                                                        errors="coerce"))
        liked = ratings[(ratings.rating >= min_rating) & ratings["item"].isin(catalog.by_id.keys())]
        item_ids = sorted(set(liked["item"]))
        col_of = {item_id: i for i, item_id in enumerate(item_ids)}
        users = {u: i for i, u in enumerate(sorted(liked["user"].astype(str).unique()))}
        rows = liked["user"].astype(str).map(users).to_numpy()
        cols = liked["item"].map(col_of).to_numpy()
        matrix = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                                   shape=(len(users), len(item_ids)))
        return cls(matrix, item_ids)

    @classmethod
    def load(cls, catalog: Catalog, path: str | Path = DEFAULT_RATINGS) -> "ItemCF | None":
        path = Path(path)
        if not path.is_file():
            return None
        ratings = pd.read_csv(io.BytesIO(gzip.decompress(path.read_bytes())))
        if {"user", "item", "rating"} <= set(ratings.columns):
            return cls.from_item_ratings(ratings, catalog)
        return cls.from_ratings(ratings, catalog)

    def scores(self, seeds: list[str], weights: list[float] | None = None) -> dict[str, float]:
        """Summed cosine similarity of every item to the seed items (seeds themselves excluded)."""
        cols = [self.col_of[s] for s in seeds if s in self.col_of]
        if not cols:
            return {}
        w = np.ones(len(cols)) if weights is None else np.array(
            [wt for s, wt in zip(seeds, weights) if s in self.col_of], dtype=np.float64)
        profile = self._x[:, cols] @ w  # users x 1: how much each user shares the seeds
        sims = self._xt @ profile / max(w.sum(), 1e-9)
        out = {self.item_ids[j]: float(sims[j]) for j in np.flatnonzero(sims > 0)}
        for s in seeds:
            out.pop(s, None)
        return out

    def _fans(self, col: int) -> np.ndarray:
        return self._xt.indices[self._xt.indptr[col] : self._xt.indptr[col + 1]]

    def co_liked(self, seed: str, item_id: str) -> tuple[int, int]:
        """(how many people liked `seed`, how many of them also liked `item_id`): plain counts, for explanations.
        (0, 0) when the seed has no liked ratings; (n, 0) when the item has none."""
        a, b = self.col_of.get(seed), self.col_of.get(item_id)
        if a is None:
            return 0, 0
        fans = self._fans(a)
        if b is None:
            return len(fans), 0
        return len(fans), int(np.intersect1d(fans, self._fans(b), assume_unique=True).size)

    @property
    def n_users(self) -> int:
        return self._x.shape[0]

    def liked_by(self, item_id: str) -> int:
        """How many people rated the item 4 or more."""
        col = self.col_of.get(item_id)
        return 0 if col is None else len(self._fans(col))

    def top(self, seeds: list[str], n: int, weights: list[float] | None = None) -> list[tuple[str, float]]:
        scores = self.scores(seeds, weights)
        return sorted(scores.items(), key=lambda kv: -kv[1])[:n]

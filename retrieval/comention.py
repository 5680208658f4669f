"""Co-mention signals from recommendation dialogues: "people who brought up X in a conversation about movies
also brought up Y".

EASE (Steck, WWW 2019: a closed-form linear item-item model with a zero diagonal) fitted on the movies each
ReDial training conversation mentions, liked or not (a disliked mention still says what the talk was about;
on held-out training conversations that fit beat liked-only, 0.289 vs 0.283 next-mention recall@10). At
query time the liked seeds add their rows and the disliked ones subtract theirs at DISLIKE_WEIGHT. Only each
item's TOP_K strongest neighbours are kept, so the shipped file stays small.

The model remembers which conversations it was fitted on: `check_unseen` refuses to let it be scored on any
of them. Ids are ReDial movie ids in the file; `CoMention.load` maps them to a catalog's ids, either as they
are (the ReDial evaluation catalog) or through MovieLens ids from `derived_redial_movie_join.csv` (the
shipped catalog, whose ids are MovieLens ids: the same digits can name different movies, so the caller says
which). Left out: mention order and who mentioned what (seeker or recommender); the source file has neither
reliably.

    python -m retrieval.comention --data ../shared/data --out retrieval/data/comention.npz
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from retrieval.catalog import Catalog, Item

DEFAULT_PATH = Path(__file__).parent / "data" / "comention.npz"
FORMAT_VERSION = 1
LAMBDA = 200.0  # L2 strength; 50 / 200 / 500 gave next-mention R@10 0.282 / 0.286 / 0.283 on held-out train
TOP_K = 100  # neighbours kept per item
DISLIKE_WEIGHT = 0.5  # how much a disliked seed's neighbours are pushed down, against a liked seed's push up
ID_SPACES = ("redial", "movielens")


class LeakageError(ValueError):
    """The model would be scored on conversations it was fitted on."""


def fitted_overlap(fitted_on: np.ndarray, conversation_ids: Iterable[str | int]) -> tuple[list[int], int]:
    """The conversations among `conversation_ids` that a model was fitted on (sorted), and how many were asked."""
    asked = {int(c) for c in conversation_ids if str(c).strip().lstrip("-").isdigit()}
    return sorted(asked & set(fitted_on.tolist())), len(asked)


class CoMentionFileError(ValueError):
    """The saved model is not one this code can read; the message says how to rebuild it."""


@dataclass(frozen=True)
class Conversation:
    id: int
    mentions: tuple[tuple[int, bool], ...]  # (ReDial movie id, liked by the seeker), in order of first mention


def read_conversations(path: str | Path, keep_validation: bool = False) -> list[Conversation]:
    """Conversations of `train_mentions.csv`; those also in valid_data.jsonl (`in_valid_data` 1) are dropped
    unless asked for, so nothing fitted here has seen the validation split."""
    df = pd.read_csv(path).dropna(subset=["redial_movie_id"])
    if not keep_validation:
        df = df[df.in_valid_data == 0]
    df = df.sort_values(["conversation", "order"])
    out = []
    for conv, rows in df.groupby("conversation", sort=True):
        seen = dict.fromkeys(zip(rows.redial_movie_id.astype(int), rows.liked.astype(int) == 1))
        out.append(Conversation(int(conv), tuple(seen)))
    return out


def ease(conversations: list[Conversation], lam: float = LAMBDA) -> tuple[np.ndarray, np.ndarray]:
    """(item ids, B): B[i, j] says how much mentioning item i predicts a mention of item j."""
    items = np.array(sorted({m for c in conversations for m, _ in c.mentions}), dtype=np.int64)
    col = {m: i for i, m in enumerate(items)}
    x = np.zeros((len(conversations), len(items)), dtype=np.float32)
    for row, c in enumerate(conversations):
        x[row, [col[m] for m, _ in c.mentions]] = 1.0
    gram = (x.T @ x).astype(np.float64)
    gram[np.diag_indices_from(gram)] += lam
    p = np.linalg.inv(gram)
    b = -p / np.diag(p)
    b[np.diag_indices_from(b)] = 0.0
    return items, b


@dataclass(frozen=True)
class CoMention:
    """A fitted co-mention model over ReDial ids: each item's strongest neighbours and their weights."""

    redial_ids: np.ndarray  # (n,) int64
    neighbours: np.ndarray  # (n, k) int32 rows into redial_ids, -1 where an item has fewer neighbours
    weights: np.ndarray  # (n, k) float32
    fitted_on: np.ndarray  # sorted conversation ids the model was fitted on
    ml_ids: np.ndarray  # (n,) int64 MovieLens id of each item, -1 when the join has none
    lam: float = LAMBDA

    @classmethod
    def fit(cls, conversations: list[Conversation], lam: float = LAMBDA, top_k: int = TOP_K,
            ml_of: dict[int, int] | None = None) -> "CoMention":
        items, b = ease(conversations, lam)
        k = min(top_k, max(len(items) - 1, 1))
        order = np.argsort(-b, axis=1)[:, :k]
        weights = np.take_along_axis(b, order, axis=1).astype(np.float32)
        neighbours = np.where(weights > 0, order, -1).astype(np.int32)
        ml = np.array([(ml_of or {}).get(int(m), -1) for m in items], dtype=np.int64)
        return cls(items, neighbours, np.where(weights > 0, weights, 0).astype(np.float32),
                   np.array(sorted({c.id for c in conversations}), dtype=np.int64), ml, float(lam))

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:  # a file handle: numpy would otherwise append ".npz" to another suffix
            np.savez_compressed(fh, version=np.int64(FORMAT_VERSION), redial_ids=self.redial_ids,
                                neighbours=self.neighbours, weights=self.weights.astype(np.float16),
                                fitted_on=self.fitted_on.astype(np.int32), ml_ids=self.ml_ids.astype(np.int32),
                                lam=np.float64(self.lam))
        return path

    @classmethod
    def read(cls, path: str | Path) -> "CoMention":
        with np.load(path) as z:
            version = int(z["version"]) if "version" in z else None
            if version != FORMAT_VERSION:
                raise CoMentionFileError(f"{path}: co-mention format {version}, this code reads {FORMAT_VERSION}; "
                                         f"rebuild it with `python -m retrieval.comention --out {path}`")
            return cls(z["redial_ids"].astype(np.int64), z["neighbours"].astype(np.int32),
                       z["weights"].astype(np.float32), z["fitted_on"].astype(np.int64),
                       z["ml_ids"].astype(np.int64), float(z["lam"]))

    @classmethod
    def load(cls, catalog: Catalog, ids: str, path: str | Path = DEFAULT_PATH) -> "CatalogCoMention | None":
        """The saved model over `catalog`'s ids, or None when there is no file (the app works without it)."""
        path = Path(path)
        return cls.read(path).for_catalog(catalog, ids) if path.is_file() else None

    def for_catalog(self, catalog: Catalog, ids: str) -> "CatalogCoMention":
        """`ids`: "redial" when the catalog's ids are ReDial ids, "movielens" when they are MovieLens ids."""
        if ids not in ID_SPACES:
            raise ValueError(f"ids must be one of {ID_SPACES}, got {ids!r}")
        if ids == "redial":
            mapped = [str(r) if str(r) in catalog else None for r in self.redial_ids]
        else:
            by_ml = catalog.by_ml_id()
            mapped = [by_ml.get(int(m)) if m >= 0 else None for m in self.ml_ids]
        return CatalogCoMention(self, mapped)

    def check_unseen(self, conversation_ids: Iterable[str | int]) -> None:
        """Raise LeakageError when any of these conversations was part of the fit."""
        seen, asked = fitted_overlap(self.fitted_on, conversation_ids)
        if seen:
            raise LeakageError(f"the co-mention model was fitted on {len(seen)} of the {asked} conversations "
                               f"it would be scored on (e.g. {', '.join(map(str, seen[:5]))}); fit it without "
                               f"them (`python -m retrieval.comention` drops valid_data.jsonl's) or turn it off")


class CatalogCoMention:
    """A fitted model whose items are a catalog's ids; items the catalog lacks are dropped."""

    def __init__(self, model: CoMention, catalog_ids: list[str | None]):
        self.model = model
        self._catalog_ids = np.array([c if c is not None else "" for c in catalog_ids], dtype=object)
        self.rows_of: dict[str, list[int]] = {}
        for row, cid in enumerate(catalog_ids):
            if cid is not None:
                self.rows_of.setdefault(cid, []).append(row)

    def __len__(self) -> int:
        return len(self.rows_of)

    def check_unseen(self, conversation_ids: Iterable[str | int]) -> None:
        self.model.check_unseen(conversation_ids)

    def mentioned_with(self, seed: str, item: str) -> bool:
        """Is `item` among the movies ReDial conversations mention together with `seed` (its fitted
        neighbours, with a positive weight)?"""
        rows = self.rows_of.get(item, ())
        return any(nb in rows and w > 0 for row in self.rows_of.get(seed, ())
                   for nb, w in zip(self.model.neighbours[row], self.model.weights[row]))

    def scores(self, seeds: list[str], weights: list[float] | None = None, avoid: list[str] = (),
               avoid_weights: list[float] | None = None) -> dict[str, float]:
        """Summed neighbour weights of the liked seeds, less DISLIKE_WEIGHT times the disliked ones'; only
        items that end up above zero, never a seed itself."""
        weights = [1.0] * len(seeds) if weights is None else weights
        avoid_weights = [1.0] * len(avoid) if avoid_weights is None else avoid_weights
        total = np.zeros(len(self.model.redial_ids) + 1)  # the last slot collects the -1 padding
        for seed, w, sign in [(s, w, 1.0) for s, w in zip(seeds, weights)] + \
                             [(s, w, -DISLIKE_WEIGHT) for s, w in zip(avoid, avoid_weights)]:
            for row in self.rows_of.get(seed, ()):
                np.add.at(total, self.model.neighbours[row], sign * w * self.model.weights[row])
        total = total[:-1]
        out: dict[str, float] = {}
        for row in np.flatnonzero(total > 0):
            cid = self._catalog_ids[row]
            if cid:
                out[cid] = out.get(cid, 0.0) + float(total[row])
        for s in list(seeds) + list(avoid):
            out.pop(s, None)
        return out


def next_mention_recall(score_fn, conversations: list[Conversation], ks=(1, 10, 50)) -> dict[str, float]:
    """Held-out check: for every mention after the first, rank all items given the earlier ones (liked as
    seeds, disliked as avoided) and count how often the mention is in the top k. `score_fn(liked, disliked)`
    returns {id: score}; ids are strings."""
    hits, n = np.zeros(len(ks)), 0
    for c in conversations:
        for t in range(1, len(c.mentions)):
            earlier = c.mentions[:t]
            liked = [str(m) for m, ok in earlier if ok]
            disliked = [str(m) for m, ok in earlier if not ok]
            scores = {i: s for i, s in score_fn(liked, disliked).items() if i not in liked + disliked}
            target = str(c.mentions[t][0])
            n += 1
            if target in scores:
                rank = sum(s > scores[target] for s in scores.values()) + 1
                hits += [rank <= k for k in ks]
    return {f"recall@{k}": float(h) / max(n, 1) for k, h in zip(ks, hits)}


def held_out_check(conversations: list[Conversation], lam: float = LAMBDA, top_k: int = TOP_K,
                   seed: int = 0) -> dict[str, dict[str, float]]:
    """Next-mention recall on a random fifth of the conversations, fitted on the rest; with popularity
    (mention counts in the rest) as the control."""
    order = np.random.default_rng(seed).permutation(len(conversations))
    cut = len(conversations) // 5
    test = [conversations[i] for i in order[:cut]]
    train = [conversations[i] for i in order[cut:]]
    model = CoMention.fit(train, lam, top_k)
    co = model.for_catalog(Catalog.from_items(Item(id=str(m), title=str(m)) for m in model.redial_ids), "redial")
    counts: dict[str, float] = {}
    for c in train:
        for m, _ in c.mentions:
            counts[str(m)] = counts.get(str(m), 0.0) + 1.0

    def comention(liked: list[str], disliked: list[str]) -> dict[str, float]:
        scores = {i: n * 1e-9 for i, n in counts.items()}  # popularity breaks ties, and ranks when nothing is liked
        for i, value in co.scores(liked, avoid=disliked).items():
            scores[i] = scores.get(i, 0.0) + value
        return scores

    return {"comention": next_mention_recall(comention, test),
            "popularity": next_mention_recall(lambda liked, disliked: counts, test)}


def ml_join(data_dir: Path) -> dict[int, int]:
    join = pd.read_csv(data_dir / "redial" / "derived_redial_movie_join.csv").dropna(subset=["ml_movieId"])
    return dict(zip(join.redial_movieId.astype(int), join.ml_movieId.astype(int)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="folder with redial/")
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH, help="where to write the .npz")
    parser.add_argument("--lam", type=float, default=LAMBDA)
    parser.add_argument("--top-k", type=int, default=TOP_K)
    parser.add_argument("--check", action="store_true",
                        help="also fit on 80%% of the conversations and print next-mention recall on the other "
                             "20%% against a popularity-only control")
    args = parser.parse_args(argv)
    conversations = read_conversations(args.data / "redial" / "train_mentions.csv")
    if args.check:
        print(held_out_check(conversations, args.lam, args.top_k))
    model = CoMention.fit(conversations, args.lam, args.top_k, ml_join(args.data))
    path = model.save(args.out)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB): {len(model.redial_ids)} items, "
          f"{len(model.fitted_on)} conversations (valid_data.jsonl's left out), "
          f"{int((model.ml_ids >= 0).sum())} items with a MovieLens id")


if __name__ == "__main__":
    main()

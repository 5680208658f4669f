"""A learned reranker: LightGBM LambdaMART over the candidates' features, with the hand weights as fallback.

The model scores the same features the hand weights combine (`retrieval.recommend.Features`), plus the
hand-weighted score itself, each feature's rank among the candidates, which sources brought the candidate
and a few facts about the query (how many liked titles, texts, themes). It is trained on ReDial training
conversations by `python -m chat_app.eval train-ranker` (never on the conversations it is scored on: the
file keeps their ids and `check_unseen` refuses them) and shipped as `retrieval/data/ranker.json.gz`.

`LearnedRanker.scores` returns scores in [0, 1] so MMR trades them against redundancy as it does the
weighted score. In "blend" mode the model ranks only turns that ask from liked titles; a turn that names
themes, people, studios, genres or moods is ranked by the hand weights, which the request benchmark was
built around. `load` never fails: a missing or unreadable file, or no lightgbm, gives the hand weights and
one log line saying why. Left out: training (see `chat_app.eval.learn`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from retrieval.comention import LeakageError, fitted_overlap
from retrieval.rerank import RerankWeights

log = logging.getLogger(__name__)

DEFAULT_PATH = Path(__file__).parent / "data" / "ranker.json.gz"
FORMAT_VERSION = 1
MODES = ("ltr", "blend")
SOURCES = ("dense", "lexical", "cf", "comention", "popular", "required")
FEATURES = ("dense", "cf", "popularity", "quality", "dislike", "genre_fit", "lexical", "match", "seed_genre",
            "comention", "hand_score", "hand_rank", "dense_rank", "cf_rank", "comention_rank", "popularity_rank",
            *(f"from_{s}" for s in SOURCES),
            "n_liked", "n_texts", "n_terms", "n_genres", "n_avoided", "n_candidates")


class RankerFileError(ValueError):
    """The saved ranker cannot be read by this code; the message says how to rebuild it."""


def _rank01(values: np.ndarray) -> np.ndarray:
    """Each value's rank among the candidates as a share: 0 for the highest, ties share the best rank."""
    n = len(values)
    if n <= 1:
        return np.zeros(n)
    order = np.sort(values)[::-1]
    return np.searchsorted(-order, -values, side="left") / (n - 1)


def _scaled(values: np.ndarray) -> np.ndarray:
    top = float(values.max()) if values.size else 0.0
    return values / top if top > 0 else np.zeros_like(values, dtype=np.float64)


def feature_matrix(f, query, sources: Sequence[Iterable[str]], weights: RerankWeights = RerankWeights()) -> np.ndarray:
    """One row of FEATURES per candidate of `f` (a `retrieval.recommend.Features`) for `query`."""
    n = len(f.ids)
    hand = f.score(weights)
    comention = f.comention if f.comention is not None else np.zeros(n)
    seed_genre = f.seed_genre if f.seed_genre is not None else np.zeros(n)
    cf = _scaled(np.asarray(f.cf, dtype=np.float64))
    co = _scaled(np.asarray(comention, dtype=np.float64))
    flags = [[float(s in set(src)) for s in SOURCES] for src in sources]
    query_facts = [len(query.items), len(query.texts), len(query.terms),
                   sum(v > 0 for v in query.genre_fit.values()), len(query.avoid_items) + len(query.avoid_texts), n]
    columns = [f.dense, cf, f.popularity, f.quality, f.dislike, f.genre_fit, f.lexical, f.match, seed_genre, co,
               hand, _rank01(hand), _rank01(f.dense), _rank01(cf), _rank01(co), _rank01(f.popularity)]
    out = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if n == 0:
        return out
    out[:, :len(columns)] = np.column_stack([np.asarray(c, dtype=np.float64) for c in columns])
    out[:, len(columns):len(columns) + len(SOURCES)] = np.array(flags).reshape(n, len(SOURCES))
    out[:, len(columns) + len(SOURCES):] = np.array(query_facts, dtype=np.float32)
    return out


def asks_from_titles(query) -> bool:
    """A turn that asks only from liked titles: no themes, people, studios, genres, moods or words."""
    return bool(query.items) and not (query.terms or query.texts or query.genre_fit or query.prefer_obscure)


@dataclass
class LearnedRanker:
    """A trained LambdaMART model over FEATURES; `fallback` ranks what the mode leaves to the hand weights."""

    booster: object  # lightgbm.Booster
    fitted_on: np.ndarray  # sorted ReDial conversation ids the model (and its training features) saw
    mode: str = "ltr"
    fallback: RerankWeights = field(default_factory=RerankWeights)
    meta: dict = field(default_factory=dict)

    @property
    def diversity(self) -> float:
        return self.fallback.diversity

    def uses_model(self, query) -> bool:
        return self.mode == "ltr" or asks_from_titles(query)

    def scores(self, f, query, sources: Sequence[Iterable[str]]) -> np.ndarray:
        """Scores in [0, 1] for the candidates of `f`: the model's, min-max scaled, or the hand weights'."""
        if not self.uses_model(query) or len(f.ids) == 0:
            return f.score(self.fallback)
        raw = self.booster.predict(feature_matrix(f, query, sources, self.fallback), num_threads=1)
        low, high = float(raw.min()), float(raw.max())
        return (raw - low) / (high - low) if high > low else np.zeros(len(raw))

    def check_unseen(self, conversation_ids: Iterable[str | int]) -> None:
        """Raise LeakageError when any of these conversations was part of the training data."""
        seen, asked = fitted_overlap(self.fitted_on, conversation_ids)
        if seen:
            raise LeakageError(f"the learned ranker was trained on {len(seen)} of the {asked} conversations "
                               f"it would be scored on (e.g. {', '.join(map(str, seen[:5]))}); retrain it "
                               f"without them (`python -m chat_app.eval train-ranker` leaves valid_data.jsonl out)")

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = self.booster.model_to_string()
        doc = {"version": FORMAT_VERSION, "features": list(FEATURES), "fitted_on": self.fitted_on.tolist(),
               "meta": self.meta, "sha256": hashlib.sha256(text.encode()).hexdigest(), "lightgbm": text}
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as fh:
            json.dump(doc, fh)
        return path

    @classmethod
    def read(cls, path: str | Path, mode: str = "ltr", fallback: RerankWeights = RerankWeights()) -> "LearnedRanker":
        """The saved model; RankerFileError when the file is not one this code reads (ImportError without
        lightgbm)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        import lightgbm  # only when a model is asked for: importing this module stays light

        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                doc = json.load(fh)
        except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RankerFileError(f"{path}: not a ranker file ({exc})") from exc
        if not isinstance(doc, dict) or doc.get("version") != FORMAT_VERSION:
            version = doc.get("version") if isinstance(doc, dict) else None
            raise RankerFileError(f"{path}: ranker format {version}, this code reads {FORMAT_VERSION}; rebuild it "
                                  f"with `python -m chat_app.eval train-ranker`")
        if doc.get("features") != list(FEATURES):
            raise RankerFileError(f"{path}: trained on other features than this code computes; rebuild it")
        text = doc.get("lightgbm", "")
        if hashlib.sha256(str(text).encode()).hexdigest() != doc.get("sha256"):
            raise RankerFileError(f"{path}: the model text does not match its checksum; rebuild it")
        try:
            booster = lightgbm.Booster(model_str=text)
        except lightgbm.basic.LightGBMError as exc:
            raise RankerFileError(f"{path}: lightgbm cannot read the model ({exc})") from exc
        return cls(booster, np.array(sorted(int(c) for c in doc.get("fitted_on", [])), dtype=np.int64), mode,
                   fallback, dict(doc.get("meta", {})))


def load(path: str | Path = DEFAULT_PATH, mode: str = "ltr",
         fallback: RerankWeights = RerankWeights()) -> LearnedRanker | RerankWeights:
    """The learned ranker, or the hand weights (with a log line saying why) when it cannot be used."""
    path = Path(path)
    if not path.is_file():
        log.warning("no learned ranker at %s; ranking with the hand weights", path)
        return fallback
    try:
        ranker = LearnedRanker.read(path, mode, fallback)
    except ImportError:
        log.warning("lightgbm is not installed; ranking with the hand weights (pip install lightgbm)")
        return fallback
    except RankerFileError as exc:
        log.warning("%s; ranking with the hand weights", exc)
        return fallback
    log.info("learned ranker (%s mode) from %s", mode, path)
    return ranker

"""Train the learned reranker (`retrieval.ltr`) on ReDial training conversations and choose it on validation.

Training queries come from two sources, both run through the app's own candidate generation and features
(`retrieval.recommend.gather` / `features`) over the ReDial evaluation catalog:
- `train_mentions.csv`: each conversation's rated mentions in order; a query is the profile a person who
  liked (and disliked) the mentions so far would have, with no words, and the next mention is its answer;
- `train_500.jsonl`: full training dialogues replayed through the turn pipeline exactly as the harness
  replays the validation split (the rules reading of the text), with every movie the recommender's
  message mentions as an answer.
Conversations in `valid_data.jsonl` (`in_valid_data` = 1) are never used. The co-mention feature is
cross-fitted: a training query is scored with an EASE model fitted on the other folds of the training
conversations, so the feature is as uninformed about its own answer as it is at validation time. Each
training conversation's own mentions are taken out of the popularity counts for the same reason.

Hyperparameters are chosen on the validation split's replayed candidates (recall@10 + 0.5 recall@50, the
objective `chat_app.eval.tune` uses), a few settings only. Left out: the harness run (see `__main__`).
"""

from __future__ import annotations

import logging
import math
import pickle
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from chat_app.eval.dialogues import read_dialogues
from chat_app.eval.replay import APP, replay
from chat_app.pipeline import Services
from retrieval.comention import CoMention, Conversation, ml_join, read_conversations
from retrieval.ltr import FEATURES, LearnedRanker, feature_matrix
from retrieval.recommend import Query, excluded, features, gather

log = logging.getLogger(__name__)
FOLDS = 3
HAND = FEATURES.index("hand_score")
GRID = (  # a few LambdaMART settings; the number of trees is found by early stopping on held-out training
    {"num_leaves": 7, "min_data_in_leaf": 50, "learning_rate": 0.05},
    {"num_leaves": 15, "min_data_in_leaf": 100, "learning_rate": 0.05},
)
# which training rankings: the replayed dialogues alone, or with the mention lists (dialogues repeated 4 times
# so that they still weigh more). On 450 validation dialogues (2026-11-29), lists outnumbering dialogues 5 to 1
# dragged R@10 below the hand weights (0.136 vs 0.159): a profile of liked titles without words is not what
# the harness asks.
MIXES = ("dialogues", "lists+dialogues")
# features the model is not shown (their columns are zeroed in training, so no tree splits on them): with
# popularity the model reached R@10 0.175 on those 450 dialogues, without it 0.171, but put 41.8% of the
# request benchmark's picks among the 100 most-rated films (without: 32.5%; hand weights 22.6%)
DROP = ("popularity", "popularity_rank")


def training_mix(groups: list["Group"], mix: str) -> list["Group"]:
    dialogues = [g for g in groups if g.source == "dialogue"]
    return dialogues if mix == "dialogues" else [g for g in groups if g.source == "list"] + dialogues * 4


@dataclass
class Group:
    """One ranking: the candidates' feature rows and which of them are answers."""

    conversation: int
    x: np.ndarray  # (n, len(FEATURES)) float32
    ids: list[str]
    targets: list[str]  # answers (the first is the one for the "list" source)
    context: tuple[str, ...] = ()  # ids mentioned earlier (for the new-items protocol)
    source: str = "list"

    def labels(self) -> np.ndarray:
        wanted = set(self.targets)
        return np.array([float(i in wanted) for i in self.ids])


def fold_of(conversation: int) -> int:
    return int(conversation) % FOLDS


def fold_models(conversations: list[Conversation], ml_of: dict[int, int] | None = None) -> list[CoMention]:
    """EASE models, the i-th fitted without the conversations of fold i."""
    return [CoMention.fit([c for c in conversations if fold_of(c.id) != i], ml_of=ml_of) for i in range(FOLDS)]


def recency_weights(n: int) -> list[float]:
    """Newer mentions count more, as the app's profile weighs newer turns (chat_app.compose.RECENCY)."""
    logits = [-0.6 * (n - 1 - i) for i in range(n)]
    exps = [math.exp(v) for v in logits]
    return [e / sum(exps) for e in exps]


def list_queries(conversations: list[Conversation], per_conversation: int, rng: np.random.Generator
                 ) -> list[tuple[Conversation, Query, str]]:
    """(conversation, the profile of liked/disliked mentions before a position, the mention at it)."""
    out = []
    for c in conversations:
        ids = [str(m) for m, _ in c.mentions]
        positions = [t for t in range(1, len(ids)) if any(liked for _, liked in c.mentions[:t])]
        for t in rng.permutation(positions)[:per_conversation]:
            before = c.mentions[:t]
            liked = [str(m) for m, ok in before if ok]
            disliked = [str(m) for m, ok in before if not ok]
            query = Query(items=tuple(zip(liked, recency_weights(len(liked)))),
                          avoid_items=tuple(zip(disliked, recency_weights(len(disliked)))) if disliked else (),
                          exclude=frozenset(ids[:t]))
            out.append((c, query, ids[t]))
    return out


def own_popularity(f, catalog, own: Counter):
    """Features with each candidate's popularity recounted without this conversation's own mentions."""
    if not own:
        return f
    top = math.log1p(catalog.popularity_count(catalog.by_popularity[0]))
    popularity = np.array([math.log1p(max(catalog.popularity_count(catalog.get(i)) - own[i], 0)) / top
                           if i in own else p for i, p in zip(f.ids, f.popularity)])
    return replace(f, popularity=popularity)


def ranking_group(services: Services, query: Query, conversation: int, targets: list[str], own: Counter,
                  context: tuple[str, ...] = (), source: str = "list") -> Group:
    cands = gather(query, services.catalog, services.index, services.embedder, services.cf,
                   services.n_candidates, services.lexicon, services.k, services.comention)
    f = own_popularity(features(cands, query, services.catalog, services.index, services.lexicon),
                       services.catalog, own)
    x = feature_matrix(f, query, [cands.sources[i] for i in f.ids], services.weights)
    return Group(conversation, x, list(f.ids), [t for t in targets if t not in excluded(query)], context, source)


def training_groups(services: Services, data: Path, lists_per_conversation: int = 3, max_lists: int | None = None,
                    dialogues_limit: int | None = None, seed: int = 0, progress=print) -> tuple[list[Group], set[int]]:
    """Groups from both training sources, with the ids of every conversation they (or their EASE folds) saw."""
    rng = np.random.default_rng(seed)
    conversations = read_conversations(data / "redial" / "train_mentions.csv")
    catalog_convs = [c for c in conversations]
    models = [m.for_catalog(services.catalog, "redial") for m in fold_models(catalog_convs, ml_join(data))]
    progress(f"{len(conversations)} training conversations; EASE fitted on {FOLDS} folds")
    seen = {c.id for c in conversations}
    groups: list[Group] = []
    queries = list_queries(conversations, lists_per_conversation, rng)
    if max_lists is not None and len(queries) > max_lists:
        queries = [queries[i] for i in sorted(rng.choice(len(queries), max_lists, replace=False))]
    for n, (c, query, target) in enumerate(queries):
        fold_services = replace(services, comention=models[fold_of(c.id)])
        own = Counter(str(m) for m, _ in c.mentions)
        groups.append(ranking_group(fold_services, query, c.id, [target], own))
        if n % 1000 == 999:
            progress(f"mention lists: {n + 1}/{len(queries)} queries")
    dialogues = read_dialogues(data / "redial" / "train_500.jsonl")
    if dialogues_limit is not None:
        dialogues = dialogues[:dialogues_limit]
    for n, d in enumerate(dialogues):
        conv = int(d.id)
        seen.add(conv)
        fold_services = replace(services, comention=models[fold_of(conv)])
        own = Counter(m for u in d.utterances for m in u.mentions)
        by_query: dict[int, tuple[Query, list[str], tuple[str, ...]]] = {}
        for s in replay(d, fold_services, (APP,)):
            if s.query is not None:
                by_query.setdefault(id(s.query), (s.query, [], s.context))[1].append(s.target)
        for query, targets, context in by_query.values():
            groups.append(ranking_group(fold_services, query, conv, targets, own, context, "dialogue"))
        if n % 100 == 99:
            progress(f"training dialogues: {n + 1}/{len(dialogues)}")
    return groups, seen


def validation_groups(services: Services, dialogues) -> list[Group]:
    """The validation split replayed as the harness does, one group per (ranking, target) kept as one group
    per ranking with all its targets; nothing here is trained on."""
    groups = []
    for d in dialogues:
        by_query: dict[int, tuple[Query, list[str], tuple[str, ...]]] = {}
        for s in replay(d, services, (APP,)):
            if s.query is not None:
                by_query.setdefault(id(s.query), (s.query, [], s.context))[1].append(s.target)
        for query, targets, context in by_query.values():
            # all targets, repeated ones included: they count as misses under "all" when excluded
            g = ranking_group(services, query, int(d.id) if d.id.isdigit() else -1, [], Counter(), context,
                              "validation")
            g.targets = targets
            groups.append(g)
    return groups


def recall(groups: list[Group], score, ks=(1, 10, 50), protocol: str = "all") -> dict[str, float]:
    """Recall@k over (ranking, target) pairs when each group is ordered by `score(x)`; a target outside the
    candidates is a miss. "new": targets mentioned earlier dropped (earlier mentions are never candidates)."""
    hits, pairs = np.zeros(len(ks)), 0
    for g in groups:
        s = score(g.x) if len(g.ids) else np.zeros(0)
        for t in g.targets:
            if protocol == "new" and t in g.context:
                continue
            pairs += 1
            if t in g.ids:
                mine = s[g.ids.index(t)]
                # ties broken at random, in expectation: a score shared with m others ranks m / 2 lower
                rank = int((s > mine).sum()) + 1 + (int((s == mine).sum()) - 1) / 2
                hits += [rank <= k for k in ks]
    return {f"recall@{k}": float(h) / max(pairs, 1) for k, h in zip(ks, hits)} | {"pairs": pairs}


def objective(r: dict) -> float:
    return r["recall@10"] + 0.5 * r["recall@50"]


def stack(groups: list[Group], drop: tuple[str, ...] = ()) -> tuple[np.ndarray, np.ndarray, list[int]]:
    kept = [g for g in groups if len(g.ids) and g.labels().any()]
    x = np.vstack([g.x for g in kept])
    x[:, [FEATURES.index(name) for name in drop]] = 0.0
    return x, np.concatenate([g.labels() for g in kept]), [len(g.ids) for g in kept]


def fit(groups: list[Group], params: dict, seed: int = 0, drop: tuple[str, ...] = DROP):
    """LambdaMART on the groups, the number of trees chosen by early stopping on a tenth of the conversations;
    the `drop` features are zeroed, so the model never uses them."""
    import lightgbm

    held = [g for g in groups if g.conversation % 10 == 0]
    rest = [g for g in groups if g.conversation % 10 != 0]
    x, y, size = stack(rest, drop)
    vx, vy, vsize = stack(held, drop)
    train = lightgbm.Dataset(x, y, group=size, feature_name=list(FEATURES), free_raw_data=False)
    valid = lightgbm.Dataset(vx, vy, group=vsize, reference=train)
    full = {"objective": "lambdarank", "metric": "ndcg", "eval_at": [10, 50], "lambdarank_truncation_level": 50,
            "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "seed": seed, "verbose": -1,
            "num_threads": 2, **params}
    return lightgbm.train(full, train, num_boost_round=600, valid_sets=[valid],
                          callbacks=[lightgbm.early_stopping(50, first_metric_only=False, verbose=False)])


def choose(train: list[Group], valid: list[Group], seen: set[int], drop: tuple[str, ...] = DROP,
           progress=print) -> tuple[LearnedRanker, list]:
    """Fit each GRID setting on training groups; keep the best on validation. Returns the ranker and a table
    of (setting, trees, validation recall) rows, the hand weights' first."""
    table = [("hand weights", 0, recall(valid, lambda x: x[:, HAND]), recall(valid, lambda x: x[:, HAND], protocol="new"))]
    best, best_value = None, -1.0
    for mix in MIXES:
        for params in GRID:
            booster = fit(training_mix(train, mix), params, drop=drop)
            score = lambda x, b=booster: b.predict(x, num_threads=2)
            setting = {"mix": mix, **params}
            row = (setting, booster.best_iteration, recall(valid, score), recall(valid, score, protocol="new"))
            table.append(row)
            progress(f"{setting} trees {booster.best_iteration}: all {row[2]} new {row[3]}")
            if objective(row[2]) > best_value:
                best, best_value = (booster, setting, row), objective(row[2])
    booster, params, row = best
    meta = {"params": params, "trees": booster.best_iteration, "dropped": list(drop), "train_groups": len(training_mix(train, params["mix"])),
            "validation": {"all": row[2], "new": row[3]}, "hand_weights_validation": {"all": table[0][2]}}
    return LearnedRanker(booster, np.array(sorted(seen), dtype=np.int64), meta=meta), table


def cache(path: Path, build):
    """pickle-cached result of build() (training features take minutes; the choice is re-run in seconds)."""
    if path.is_file():
        with open(path, "rb") as fh:
            return pickle.load(fh)
    value = build()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        pickle.dump(value, fh)
    return value

"""Tune the reranker's feature weights on replayed ReDial samples (coordinate ascent over a grid).

The features are exactly the app's (`retrieval.recommend.features` over `gather`'s candidates for each
sample's query), so the tuned weights drop into `RerankWeights` unchanged. A sample whose target is not
among the candidates is a miss whatever the weights. The objective is recall@10 + 0.5 * recall@50 on the
literature's protocol. Only ever run this on the validation split: the report says which file it used.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

import numpy as np

from chat_app.eval.replay import Sample
from chat_app.pipeline import Services
from retrieval.recommend import excluded, features, gather
from retrieval.rerank import RerankWeights, mmr

GRID = {
    "dense": (0.25, 0.5, 0.75, 1.0, 1.5),
    "cf": (0.0, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0),
    "popularity": (0.0, 0.12, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0),
    "quality": (0.0, 0.06, 0.15, 0.3),
    "genre_fit": (0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5),
    "comention": (0.0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0),
}


@dataclass
class Case:
    features: object  # retrieval.recommend.Features
    target: int  # index of the target among the candidates, -1 when it is not one


def cases(samples: list[Sample], services: Services) -> list[Case]:
    """Candidate features for every sample (computed once per distinct query)."""
    out, memo = [], {}
    for s in samples:
        if s.query is None:
            continue
        key = id(s.query)
        if key not in memo:
            cands = gather(s.query, services.catalog, services.index, services.embedder, services.cf,
                           services.n_candidates, services.lexicon, services.k, services.comention)
            memo[key] = features(cands, s.query, services.catalog, services.index, services.lexicon)
        f = memo[key]
        out.append(Case(f, f.ids.index(s.target) if s.target in f.ids and s.target not in excluded(s.query) else -1))
    return out


def recalls(cases: list[Case], weights: RerankWeights, ks=(1, 10, 50), diversity: float | None = None) -> dict:
    hits = np.zeros(len(ks))
    for case in cases:
        if case.target < 0:
            continue
        scores = case.features.score(weights)
        if diversity:
            order = mmr(scores, case.features.vectors, max(ks), diversity)
            rank = order.index(case.target) + 1 if case.target in order else None
        else:
            rank = int((scores > scores[case.target]).sum()) + 1
        if rank is not None:
            hits += [rank <= k for k in ks]
    return {f"recall@{k}": float(h) / max(len(cases), 1) for k, h in zip(ks, hits)}


def objective(r: dict) -> float:
    return r["recall@10"] + 0.5 * r["recall@50"]


def tune(cases: list[Case], start: RerankWeights = RerankWeights(), rounds: int = 3,
         progress=print) -> tuple[RerankWeights, dict]:
    best = replace(start, diversity=0.0)
    best_value = objective(recalls(cases, best))
    for round_no in range(rounds):
        improved = False
        for name, values in GRID.items():
            for value in values:
                trial = replace(best, **{name: value})
                value_now = objective(recalls(cases, trial))
                if value_now > best_value + 1e-9:
                    best, best_value, improved = trial, value_now, True
        progress(f"round {round_no + 1}: {asdict(best)} -> objective {best_value:.4f}")
        if not improved:
            break
    return best, recalls(cases, best)


def sweep_diversity(cases: list[Case], weights: RerankWeights, values=(0.0, 0.1, 0.25)) -> dict[str, dict]:
    return {str(d): recalls(cases, replace(weights, diversity=d), diversity=d) for d in values}


def weights_dict(weights: RerankWeights) -> dict:
    return {f.name: getattr(weights, f.name) for f in fields(weights)}

"""Replay ReDial dialogues through the app's turn pipeline and rank for every recommendation sample.

For each recommender message that mentions movies, the system has read the seeker's messages before it
(through `run_turn`, exactly as in the app: extraction -> profile -> query -> candidates -> rerank) and
returns ranked lists; every movie that message mentions is one (sample, target) pair. The app's own list
is `run_turn`'s picks (k = 50); the comparison variants rank the same `Query` other ways, and the LLM
variant reorders the app's top 20. Recommender messages are not read as the seeker's words; their
mentions become the "last picks" the seeker's next message can refer to ("seen it", "the first one").
Explanations are never generated here: the pipeline is stopped once the picks are visible.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

from chat_app.eval.dialogues import Dialogue
from chat_app.listwise import LABELS, blend_order, listwise_rerank
from chat_app.pipeline import Services, rank, run_turn
from chat_app.session import SessionState
from retrieval.baselines import baseline
from retrieval.recommend import Query, excluded, fits, gather, popular, score
from retrieval.rerank import RerankWeights

APP = "hybrid+rerank"
LLM = "hybrid+rerank+llm"
VARIANTS = ("popularity", "dense", "cf", "hybrid", APP, LLM)
COMENTION_ONLY = "co-mention only"
Extra = Callable[[Query], dict[str, list[str]]]


def comention_only(query: Query, services: Services, k: int) -> list[str]:
    """Ranked by the EASE co-mention score with the liked titles alone, topped up with popular items that fit."""
    exclude = excluded(query)
    scores = services.comention.scores([i for i, _ in query.items], [w for _, w in query.items],
                                       [i for i, _ in query.avoid_items], [w for _, w in query.avoid_items]
                                       ) if services.comention is not None and query.items else {}
    ids = [i for i, _ in sorted(scores.items(), key=lambda kv: -kv[1]) if fits(services.catalog.get(i), query, exclude)]
    ids = ids[:k]
    return ids + popular(query, services.catalog, k - len(ids), exclude | set(ids)) if len(ids) < k else ids


def extra_rankers(services: Services, learned=None) -> Extra:
    """The same query ranked the other ways the report compares with the app's: the co-mention score alone,
    the hand weights and the learned ranker in both modes (whichever the app is not), on one shared set of
    candidates."""
    app = services.weights
    others = {"hand weights": app if isinstance(app, RerankWeights) else app.fallback}
    if learned is not None:
        for mode in ("ltr", "blend"):
            others[f"learned ({mode})"] = type(learned)(learned.booster, learned.fitted_on, mode, others["hand weights"],
                                                        learned.meta)
    others = {name: w for name, w in others.items()
              if not (isinstance(w, RerankWeights) and isinstance(app, RerankWeights))
              and getattr(w, "mode", None) != getattr(app, "mode", None)}

    def rank(query: Query) -> dict[str, list[str]]:
        lists = {COMENTION_ONLY: comention_only(query, services, services.k)}
        if others:
            cands = gather(query, services.catalog, services.index, services.embedder, services.cf,
                           max(services.n_candidates, services.k), services.lexicon, services.k, services.comention)
            for name, weights in others.items():
                lists[name] = [r.item.id for r in score(cands, query, services.catalog, services.index, k=services.k,
                                                         weights=weights, lexicon=services.lexicon)]
        return lists

    rank.names = (COMENTION_ONLY, *others)
    return rank


@dataclass
class Sample:
    dialogue_id: str
    utterance: int
    target: str
    context: tuple[str, ...]  # ids mentioned in the dialogue before this message
    lists: dict[str, list[str]]  # variant -> ranked ids
    llm_scores: list[float] = field(default_factory=list)  # LLM log-prob per item of lists[APP][:20]
    timings: dict[str, float] = field(default_factory=dict)
    query: Query | None = None  # what the lists were ranked for (kept for tuning the reranker)

    @property
    def repeated(self) -> bool:
        return self.target in self.context


def _read_and_rank(services: Services, state: SessionState, text: str, variants: tuple[str, ...],
                   listwise: bool, extra: Extra | None = None
                   ) -> tuple[dict[str, list[str]], list[float], dict[str, float], Query]:
    start = time.perf_counter()
    query = picks = None
    timings: dict[str, float] = {}
    turn = run_turn(services, state, text)
    try:
        for view in turn:
            timings.update(view.timings)
            if view.query is not None:
                query, picks = view.query, [r.ranked for r in view.recommendations]
                break
            if view.finished:
                break
    finally:
        turn.close()  # stop before explanations are written
    if query is None:  # small talk or a question: no picks this turn, but the profile still ranks
        query, picks = rank(services, state, "")
        timings.setdefault("extract_s", time.perf_counter() - start)
        timings["retrieve_s"] = time.perf_counter() - start - timings["extract_s"]
    lists = {APP: [p.item.id for p in picks]}
    for name in variants:
        if name in (APP, LLM):
            continue
        t = time.perf_counter()
        lists[name] = baseline(name, query, services.catalog, services.index, services.embedder, services.cf,
                               k=services.k, n_candidates=services.n_candidates)
        timings[f"{name}_s"] = time.perf_counter() - t
    if extra is not None:
        t = time.perf_counter()
        lists.update(extra(query))
        timings["other_rankers_s"] = time.perf_counter() - t
    scores: list[float] = []
    if listwise:
        t = time.perf_counter()
        result = listwise_rerank(services.llm, state.user_messages[-4:], state.profile, [p.item for p in picks])
        scores = result.scores
        timings["llm_rerank_s"] = time.perf_counter() - t
    return lists, scores, timings, query


def replay(dialogue: Dialogue, services: Services, variants: tuple[str, ...] = VARIANTS,
           extra: Extra | None = None) -> Iterator[Sample]:
    state = SessionState(session_id=f"redial-{dialogue.id}")
    listwise = LLM in variants and services.llm is not None
    pending: list[str] = []  # seeker messages not read yet
    mentioned: list[str] = []
    ranked = None
    for position, utterance in enumerate(dialogue.utterances):
        if utterance.seeker:
            pending.append(dialogue.readable(utterance.text))
        elif utterance.mentions:
            if pending or ranked is None:
                recommender_picks = state.last_picks
                ranked = _read_and_rank(services, state, "\n".join(pending), variants, listwise, extra)
                state.shown, state.last_picks = [], recommender_picks  # our picks were never shown
                pending = []
            lists, scores, timings, query = ranked
            for target in utterance.mentions:
                yield Sample(dialogue.id, position, target, tuple(mentioned), lists, scores, timings, query)
                timings = {}  # latency counts once per ranking, not once per target
            ranked = (lists, scores, timings, query)
            state.last_picks = [m for m in utterance.mentions if m in services.catalog]
        for m in utterance.mentions:
            if m not in mentioned:
                mentioned.append(m)


def with_listwise(sample: Sample, blend: float) -> list[str]:
    """The app's list with its top 20 reordered by the LLM scores at the given blend."""
    app = sample.lists[APP]
    if not sample.llm_scores:
        return app
    n = min(len(LABELS), len(app), len(sample.llm_scores))
    head = [app[i] for i in blend_order(sample.llm_scores[:n], n, blend)]
    return head + app[n:]

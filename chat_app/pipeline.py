"""The turn pipeline: message -> interests -> query -> candidates -> ranked items -> explained reply.

`run_turn` reads top to bottom, one call per arrow, and yields `TurnView` snapshots as the reply grows:
first what was understood and which items were picked (so they are visible at once), then each item's
explanation as it streams. It mutates only the `SessionState` it is given. The app, the scripted dialogue
tests and the benchmarks all call this same function.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Iterator

from chat_app.compose import compose_query
from chat_app.explain import citations, explain_stream
from chat_app.extract import extract
from chat_app.listwise import LABELS, listwise_rerank
from chat_app.llm.base import ChatModel
from chat_app.profile import Profile, merge
from chat_app.session import SessionState, clean_message
from retrieval.catalog import Catalog
from retrieval.collaborative import ItemCF
from retrieval.embeddings import Embedder
from retrieval.recommend import Query, Ranked, recommend
from retrieval.rerank import RerankWeights
from retrieval.store import ItemIndex
from retrieval.titles import TitleIndex


@dataclass(frozen=True)
class Services:
    """The read-only parts a turn uses, built once by launch.py (or a test) and shared by all sessions."""

    catalog: Catalog
    titles: TitleIndex
    index: ItemIndex
    embedder: Embedder
    cf: ItemCF | None
    llm: ChatModel | None
    writer: ChatModel | None = None  # the model that writes explanations; defaults to `llm`
    k: int = 5
    n_candidates: int = 50
    max_message_chars: int = 4000
    llm_timeout_s: float = 60.0
    latest_year: int = 2018
    weights: RerankWeights = RerankWeights()
    llm_rerank: bool = False  # reorder the top candidates with the LLM (listwise) before showing k
    rerank_blend: float = 0.5


@dataclass(frozen=True)
class Recommendation:
    ranked: Ranked
    explanation: str = ""
    done: bool = False
    cites: tuple[str, ...] = ()  # the ledger entries the pick relies on


@dataclass(frozen=True)
class TurnView:
    notice: str = ""
    recommendations: tuple[Recommendation, ...] = ()
    profile: Profile = field(default_factory=Profile)
    finished: bool = False
    timings: dict = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    intent: str = ""
    query: Query | None = None  # what the picks were ranked for (the evaluation reranks it other ways)


def describe_item(item) -> str:
    """An answer about one movie from its catalog facts only."""
    facts = [", ".join(item.genres), f"{item.runtime} minutes" if item.runtime else ""]
    parts = [f"{item.label}: " + " · ".join(f for f in facts if f) + "."]
    if item.overview:
        parts.append(item.overview)
    known = list(dict.fromkeys(list(item.keywords[:5]) + list(item.tags[:5])))
    if known:
        parts.append("Known for: " + ", ".join(known) + ".")
    if item.mean_rating and item.num_ratings >= 5:
        parts.append(f"MovieLens users rate it {item.mean_rating:.1f}/5 ({item.num_ratings} ratings).")
    return " ".join(parts)


def _intro(profile: Profile, truncated: bool, n: int) -> str:
    parts = []
    if truncated:
        parts.append("Your message was very long, so I read only its beginning.")
    limits = profile.constraints.describe()
    head = "Here is 1 pick" if n == 1 else f"Here are {n} picks"
    parts.append(head + (f" ({'; '.join(limits)})" if limits else "") + ":")
    return " ".join(parts)


def rank(services: Services, state: SessionState, fallback_text: str = "") -> tuple[Query, list[Ranked]]:
    """The profile as one query, and the items it ranks highest (never ones already shown)."""
    query = compose_query(state.profile, fallback_text=fallback_text, exclude=set(state.shown))
    listwise = services.llm_rerank and services.llm is not None
    picks = recommend(query, services.catalog, services.index, services.embedder, services.cf,
                      k=max(services.k, len(LABELS)) if listwise else services.k,
                      n_candidates=services.n_candidates, weights=services.weights)
    if listwise:
        reordered = listwise_rerank(services.llm, state.user_messages[-4:], state.profile,
                                    [p.item for p in picks], blend=services.rerank_blend)
        picks = [picks[i] for i in reordered.order] + picks[len(reordered.order):]
    return query, picks[: services.k]


def run_turn(services: Services, state: SessionState, message: object) -> Iterator[TurnView]:
    start = time.perf_counter()
    clean = clean_message(message, services.max_message_chars)
    if not clean.text:
        yield TurnView("Tell me what you feel like watching — a movie you loved, a mood, a genre, an era.",
                       profile=state.profile, finished=True)
        return
    state.turn += 1
    extraction = extract(services.llm, state.profile, state.recent(), clean.text, state.turn, services.titles,
                         latest_year=services.latest_year, timeout_s=services.llm_timeout_s,
                         last_picks=state.last_picks)
    state.profile = merge(state.profile, extraction.delta, state.turn)
    state.user_messages.append(clean.text)
    timings = {"extract_s": time.perf_counter() - start}
    problems = (extraction.problem,) if extraction.problem else ()
    said_nothing_new = not (extraction.delta.preferences or extraction.delta.constraints or extraction.delta.seen
                            or extraction.delta.lifted)
    if said_nothing_new and extraction.delta.intent == "chitchat":
        notice = ("Hi! Tell me about a movie you loved, or what you are in the mood for, and I will suggest a "
                  "few from the catalog." if state.profile.is_empty else
                  "Happy to help. Tell me more (a mood, an era, a movie you loved) and I will find more.")
        yield TurnView(notice, profile=state.profile, finished=True, timings=timings, problems=problems,
                       intent=extraction.delta.intent)
        return

    about = extraction.delta.about if extraction.delta.intent == "question" and said_nothing_new else None
    if about and (item := services.catalog.get(about)):
        yield TurnView(describe_item(item), profile=state.profile, finished=True, timings=timings,
                       problems=problems, intent="question")
        return

    query, picks = rank(services, state, clean.text)
    timings["retrieve_s"] = time.perf_counter() - start - timings["extract_s"]
    if not picks:
        limits = "; ".join(state.profile.constraints.describe()) or "what you asked"
        yield TurnView(f"Nothing left in the catalog fits {limits}. Try loosening a limit, e.g. "
                       "\"any year is fine\" or \"horror is ok\".", profile=state.profile, finished=True,
                       timings=timings, problems=problems, intent=extraction.delta.intent)
        return
    state.shown.extend(p.item.id for p in picks)
    state.last_picks = [p.item.id for p in picks]
    recs = [Recommendation(p, cites=citations(p, state.profile)) for p in picks]
    view = TurnView(_intro(state.profile, clean.truncated, len(picks)), tuple(recs), state.profile,
                    timings=timings, problems=problems, intent=extraction.delta.intent, query=query)
    timings["first_visible_s"] = time.perf_counter() - start
    yield view

    explain_start = time.perf_counter()
    for i, pick in enumerate(picks):
        text = ""
        for text in explain_stream(services.writer or services.llm, pick, state.profile, services.catalog,
                                   timeout_s=services.llm_timeout_s):
            recs[i] = replace(recs[i], explanation=text)
            yield replace(view, recommendations=tuple(recs))
        recs[i] = replace(recs[i], done=True)
    timings["explain_s"] = time.perf_counter() - explain_start
    timings["total_s"] = time.perf_counter() - start
    yield replace(view, recommendations=tuple(recs), finished=True, timings=timings)

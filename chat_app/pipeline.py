"""The turn pipeline: message -> interests -> query -> candidates -> ranked items -> explained reply.

`run_turn` reads top to bottom, one call per arrow, and yields `TurnView` snapshots as the reply grows:
first what was understood and which items were picked (so they are visible at once), then each item's
explanation as it streams. It mutates only the `SessionState` it is given. The app, the scripted dialogue
tests and the benchmarks all call this same function.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator

from chat_app.answers import answer, describe_item
from chat_app.compose import compose_query
from chat_app.evidence import Evidence, citations, gather_evidence, why_line
from chat_app.explain import write_prose
from chat_app.extract import extract
from chat_app.listwise import LABELS, listwise_rerank
from chat_app.llm.base import ChatModel
from chat_app.profile import Profile, merge
from chat_app.reading.relative import relative_years
from chat_app.reading.limits import shorter_than
from chat_app.session import SessionState, clean_message
from retrieval.catalog import Catalog
from retrieval.collaborative import ItemCF
from retrieval.comention import CatalogCoMention
from retrieval.concepts import ConceptIndex
from retrieval.domain import Domain, movie_domain
from retrieval.embeddings import Embedder
from retrieval.lexical import Lexicon
from retrieval.meaning import MeaningReader
from retrieval.recommend import Query, Ranked, nothing_asked, recommend
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
    writer: ChatModel | None = None  # rephrases each pick's evidence (--explain llm); None: the why lines stand
    k: int = 5
    n_candidates: int = 50
    max_message_chars: int = 4000
    llm_timeout_s: float = 60.0
    latest_year: int = 2018
    weights: RerankWeights = RerankWeights()
    llm_rerank: bool = False  # reorder the top candidates with the LLM (listwise) before showing k
    rerank_blend: float = 0.5
    lexicon: Lexicon | None = None  # BM25 and literal term matching over the catalog
    reading: str = "gloss"  # how the LLM reads a message: "gloss" or "json" (chat_app.extract)
    ranker: Callable[[Query, int], list[Ranked]] | None = None  # replaces the app's ranking (baselines, tests)
    comention: CatalogCoMention | None = None  # what ReDial's training conversations mention together
    concepts: ConceptIndex | None = None  # the catalog's topic words, embedded: a gloss's words -> catalog terms
    multilingual: ConceptIndex | None = None  # the same words for the multilingual embedder: other languages
    meaning: MeaningReader | None = None  # which catalog term an English sentence describes (retrieval.meaning)

    @property
    def domain(self) -> Domain:
        """What kind of items the catalog holds (its folder's domain.yaml)."""
        return self.catalog.domain


@dataclass(frozen=True)
class Recommendation:
    ranked: Ranked
    explanation: str = ""  # the why line from the evidence, or a model sentence that passed the check
    done: bool = False
    cites: tuple[str, ...] = ()  # the ledger entries the pick relies on
    evidence: Evidence | None = None
    explained_by: str = "evidence"  # "llm" once a model sentence passed the faithfulness check
    rejected: tuple[str, ...] = ()  # the unsupported claims that kept a model sentence out


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
    read_as: str = ""  # the LLM's plain-English gloss of the message, when it wrote one (chat_app.extract)


def _intro(profile: Profile, truncated: bool, n: int, domain: Domain | None = None) -> str:
    parts = []
    if truncated:
        parts.append("Your message was very long, so I read only its beginning.")
    limits = profile.constraints.describe(domain)
    head = "Here is 1 pick" if n == 1 else f"Here are {n} picks"
    parts.append(head + (f" ({'; '.join(limits)})" if limits else "") + ":")
    return " ".join(parts)


def rank(services: Services, state: SessionState, fallback_text: str = "",
         unmeant: tuple[str, ...] = ()) -> tuple[Query, list[Ranked]]:
    """The profile as one query, and the items it ranks highest (never ones already shown, nor those whose title
    the message only used as words)."""
    synonyms = services.concepts.synonyms if services.concepts is not None else None
    query = compose_query(state.profile, fallback_text=fallback_text, exclude=set(state.shown) | set(unmeant),
                          domain=services.domain, latest_year=services.latest_year, synonyms=synonyms,
                          known_words=services.lexicon.words if services.lexicon is not None else None)
    listwise = services.llm_rerank and services.llm is not None
    k = max(services.k, len(LABELS)) if listwise else services.k
    if services.ranker is not None:
        picks = services.ranker(query, k)
    else:
        picks = recommend(query, services.catalog, services.index, services.embedder, services.cf, k=k,
                          n_candidates=services.n_candidates, weights=services.weights, lexicon=services.lexicon,
                          comention=services.comention,
                          seed=zlib.crc32(fallback_text.encode("utf-8")))  # "surprise me": varied by the message
    if listwise:
        reordered = listwise_rerank(services.llm, state.user_messages[-4:], state.profile,
                                    [p.item for p in picks], blend=services.rerank_blend, domain=services.domain)
        picks = [picks[i] for i in reordered.order] + picks[len(reordered.order):]
    return query, picks[: services.k]


def shortfall(services: Services, query: Query, picks: list[Ranked]) -> str:
    """An honest word when the request's required words could not fill the reply: how many items mention
    them within the limits, and that the rest are only the closest."""
    if services.lexicon is None or not query.required_terms or not picks:
        return ""
    if all(set(p.matched) & set(query.required_terms) for p in picks):
        return ""
    terms = " or ".join(f"“{t}”" for t in query.required_terms)
    limits = query.constraints.describe(query.domain)
    within = f" within your limits ({'; '.join(limits)})" if limits else ""
    found = sum(bool(set(p.matched) & set(query.required_terms)) for p in picks)
    if not found:
        return f"Nothing I have mentions {terms}{within}; these are the closest I could find."
    return f"Only {found} of these mention {terms}{within}; the others are the closest I could find."


def unverified_people(profile: Profile, picks: list[Ranked]) -> str:
    """An honest word when a person is ruled out but the catalog lists nobody for some picks: those could not
    be checked (most catalog entries name no cast)."""
    people = [p.text for p in profile.disliked("person")]
    unknown = [p.item.label for p in picks if not p.item.people]
    if not people or not unknown:
        return ""
    return (f"I could not check {', '.join(unknown)} for {' or '.join(people)}: the catalog lists no cast "
            f"for {'it' if len(unknown) == 1 else 'them'}.")


def run_turn(services: Services, state: SessionState, message: object) -> Iterator[TurnView]:
    start = time.perf_counter()
    clean = clean_message(message, services.max_message_chars)
    if not clean.text:
        yield TurnView(services.domain.texts.ask, profile=state.profile, finished=True)
        return
    state.turn += 1
    extraction = extract(services.llm, state.profile, state.recent(), clean.text, state.turn, services.titles,
                         latest_year=services.latest_year, timeout_s=services.llm_timeout_s,
                         last_picks=state.last_picks, lexicon=services.lexicon, reading=services.reading,
                         concepts=services.concepts, multilingual=services.multilingual, meaning=services.meaning,
                         domain=services.domain)
    length = services.domain.length
    delta, unmeasured = shorter_than(clean.text, extraction.delta, state.profile.liked("item"),
                                     lambda i: (item := services.catalog.get(i)) and item.number(length.field),
                                     services.domain)
    # "anything else from that era", "older than that": years from the liked items'
    delta = relative_years(clean.text, delta, state.profile.liked("item"),
                           lambda i: (item := services.catalog.get(i)) and item.year, state.profile.constraints)
    state.profile = merge(state.profile, delta, state.turn, services.domain)
    state.user_messages.append(clean.text)
    timings = {"extract_s": time.perf_counter() - start}
    problems = (extraction.problem,) if extraction.problem else ()
    degraded = ""  # the model did not answer: said once per session, and the problem is in every turn's record
    if extraction.problem and not state.degraded_said:
        degraded, state.degraded_said = services.domain.texts.degraded, True

    def told(notice: str) -> str:
        return " ".join(filter(None, [degraded, notice]))

    said_nothing_new = not (extraction.delta.preferences or extraction.delta.constraints or extraction.delta.seen
                            or extraction.delta.lifted)
    if said_nothing_new and extraction.delta.intent == "chitchat":
        texts = services.domain.texts
        notice = texts.greeting if state.profile.is_empty else texts.thanks
        yield TurnView(told(notice), profile=state.profile, finished=True, timings=timings, problems=problems,
                       intent=extraction.delta.intent, read_as=extraction.gloss)
        return

    asked = [item for i in extraction.delta.asked if (item := services.catalog.get(i))]
    if extraction.delta.intent == "question" and extraction.delta.asks and asked:  # "who directed the first one?"
        yield TurnView(told(answer(asked, extraction.delta.asks, services.domain)), profile=state.profile,
                       finished=True, timings=timings, problems=problems, intent="question", read_as=extraction.gloss)
        return
    about = extraction.delta.about if extraction.delta.intent == "question" and said_nothing_new else None
    if about and (item := services.catalog.get(about)):
        yield TurnView(told(describe_item(item, services.domain)), profile=state.profile, finished=True,
                       timings=timings, problems=problems, intent="question", read_as=extraction.gloss)
        return

    query, picks = rank(services, state, clean.text, extraction.delta.unmeant)
    unknown_length = (f"I don't know how long {services.catalog.get(unmeasured).label} is, so I could not keep "
                      f"to shorter ones; tell me a limit in {services.domain.length.unit} instead."
                      if unmeasured and services.catalog.get(unmeasured) else "")
    vague = nothing_asked(query) and not state.profile.liked() and picks
    honest = told(" ".join(filter(None, [shortfall(services, query, picks), unverified_people(state.profile, picks),
                                         unknown_length, services.domain.texts.vague if vague else ""])))
    timings["retrieve_s"] = time.perf_counter() - start - timings["extract_s"]
    if not picks:
        limits = "; ".join(state.profile.constraints.describe(services.domain)) or "what you asked"
        yield TurnView(told(f"Nothing left in the catalog fits {limits}. Try loosening a limit, e.g. "
                            "\"any year is fine\" or \"horror is ok\"."), profile=state.profile, finished=True,
                       timings=timings, problems=problems, intent=extraction.delta.intent, read_as=extraction.gloss)
        return
    state.shown.extend(p.item.id for p in picks)
    state.last_picks = [p.item.id for p in picks]
    # every pick is shown at once with its evidence and the why line built from it (true by construction)
    evidence_start = time.perf_counter()
    evidence = [gather_evidence(p, state.profile, services.catalog, services.cf, services.comention) for p in picks]
    writer = services.writer  # None: the why lines are the explanations (--explain evidence)
    recs = [Recommendation(p, why_line(e), done=writer is None, cites=citations(e), evidence=e)
            for p, e in zip(picks, evidence)]
    view = TurnView(" ".join(filter(None, [honest, _intro(state.profile, clean.truncated, len(picks),
                                                          services.domain)])),
                    tuple(recs), state.profile,
                    timings=timings, problems=problems, intent=extraction.delta.intent, read_as=extraction.gloss,
                    query=query)
    timings["evidence_s"] = time.perf_counter() - evidence_start  # records and why lines for every pick
    timings["first_visible_s"] = time.perf_counter() - start
    explain_start = time.perf_counter()
    if writer is not None:
        yield view
        for i, e in enumerate(evidence):  # a model sentence replaces a why line only once it passes the check
            prose = write_prose(writer, e, services.catalog, timeout_s=services.llm_timeout_s)
            recs[i] = replace(recs[i], explanation=prose.text, done=True, explained_by=prose.by,
                              rejected=prose.rejected)
            yield replace(view, recommendations=tuple(recs))
    timings["explain_s"] = time.perf_counter() - explain_start
    timings["total_s"] = time.perf_counter() - start
    yield replace(view, recommendations=tuple(recs), finished=True, timings=timings)

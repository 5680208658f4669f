"""Interest extraction: the rules' reading of a message, plus what an LLM adds where rules fail.

Two LLM readings exist, chosen by `Settings.reading`:

- "gloss" (the default, `chat_app.gloss`): the LLM restates a message the rules could not read (another
  language, a topic in other words) as a few plain English words, which the rules then read. 5-20
  generated tokens: under a second on 2 CPU cores with the default model.
- "json": the LLM answers a JSON schema (constrained decoding on llama.cpp, validated everywhere) with
  titles, likes, dislikes and the turn's intent. Richer, but 60-160 generated tokens (5 s on 2 cores), and
  on the request benchmark it added nothing the rules did not read (BENCHMARKS.md); for fast engines.

Either answer is grounded: titles, people and studios must be written in the message and are linked to
catalog ids by fuzzy matching; a language counts only when the message names one; a dislike read off a
gloss counts only when the message negates something. The rules' reading wins where both read something.
If the LLM fails, the rules' reading alone is used, and the turn records why.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace

from chat_app.gloss import (gloss, meaning_theme, multilingual_theme, needs_gloss, read_gloss, reconcile, within_tokens,
                            written_in)
from chat_app.llm.base import ChatModel, ModelError, complete_json
from chat_app.profile import ASPECT_KINDS, INTENTS, Delta, Preference, Profile
from chat_app.reading.kinds import LANGUAGES, NATIVE_LANGUAGES, language_said
from chat_app.reading.picks import PICK_REFERENCE
from chat_app.reading.titles import ITEM_QUESTION
from chat_app.rules import read_message
from prompts import load_prompt
from retrieval.domain import Domain, movie_domain
from retrieval.concepts import ConceptIndex
from retrieval.lexical import Lexicon
from retrieval.match import fold, singular_forms
from retrieval.meaning import MeaningReader
from retrieval.titles import TitleIndex

log = logging.getLogger(__name__)

_ASPECT = {"type": "object", "properties": {"kind": {"type": "string", "enum": list(ASPECT_KINDS)},
                                            "text": {"type": "string", "maxLength": 60}},
           "required": ["kind", "text"]}
_TITLES = {"type": "array", "items": {"type": "string", "maxLength": 120}, "maxItems": 6, "default": []}
# Small on purpose: every output token costs ~50 ms on a 2-core CPU. Years, lengths and excluded categories
# are read exactly by chat_app.rules, so the LLM is asked only for what rules cannot read well.
EXTRACT_SCHEMA = {
    "type": "object",
    "properties": {
        "intent": {"type": "string", "enum": list(INTENTS), "default": "new_request"},
        "liked_titles": _TITLES,
        "disliked_titles": _TITLES,
        "likes": {"type": "array", "items": _ASPECT, "maxItems": 6, "default": []},
        "dislikes": {"type": "array", "items": _ASPECT, "maxItems": 6, "default": []},
    },
    "required": ["intent", "liked_titles", "disliked_titles", "likes", "dislikes"],
}
_NOT_A_TITLE = re.compile(r"^(it|that|this|that one|this one|them|those|these|the movie|the film)$", re.IGNORECASE)
READINGS = ("gloss", "json")


@dataclass(frozen=True)
class Extraction:
    delta: Delta
    source: str  # "llm+rules" or "rules"
    problem: str | None = None  # why the LLM reading was not used
    gloss: str = ""  # the LLM's plain-English restatement (reading "gloss")


def describe_profile(profile: Profile, domain: Domain | None = None) -> str:
    if profile.is_empty:
        return "nothing yet."
    likes = ", ".join(p.text for p in profile.liked()) or "-"
    dislikes = ", ".join(p.text for p in profile.disliked()) or "-"
    limits = "; ".join(profile.constraints.describe(domain)) or "-"
    return f"likes: {likes}. dislikes: {dislikes}. limits: {limits}."


# what the LLM may call an audience, as the audiences the constraints know
AUDIENCE_ALIASES = {"kids": "family", "kid": "family", "children": "family", "child": "family", "family": "family",
                    "family-friendly": "family", "toddlers": "family", "date": "date", "date night": "date",
                    "couple": "date", "couples": "date", "adults": "adults", "adult": "adults", "grown-ups": "adults"}


def _language_code(text: str) -> str | None:
    lowered = text.lower().strip()
    if lowered in LANGUAGES:
        return LANGUAGES[lowered]
    return next((code for code, names in NATIVE_LANGUAGES.items() if lowered in names), None)


def ground(raw: dict, message: str, titles: TitleIndex, turn: int, domain: Domain | None = None) -> Delta:
    """Keep what the LLM said that the message supports, with titles linked to the catalog.

    Limits the LLM reads (an audience, a language) are kept only when the message names an audience or a
    language at all, in any language: a Spanish message is not a request for Spanish films."""
    domain = domain or movie_domain()
    prefs: list[Preference] = []
    constraints: dict = {}
    for field_name, polarity in (("liked_titles", "like"), ("disliked_titles", "dislike")):
        for title in raw.get(field_name, []):
            if _NOT_A_TITLE.match(title.strip()) or PICK_REFERENCE.search(title):
                continue  # "it", "the second one": references are resolved by the rules, not titles
            if written_in(title, message):
                prefs.append(Preference("item", " ".join(title.split()), polarity, turn, item_id=titles.link(title)))
    for field_name, polarity in (("likes", "like"), ("dislikes", "dislike")):
        for aspect in raw.get(field_name, []):
            text = " ".join(aspect["text"].split())
            if not text or (aspect["kind"] in ("person", "studio") and not written_in(text, message)):
                continue
            if aspect["kind"] == "audience":  # a domain's own audience name, or a movie alias ("kids": family)
                said = text.lower()
                audience = said if said in domain.audiences else AUDIENCE_ALIASES.get(said)
                negated = domain.audiences[audience].negated if audience in domain.audiences else None
                if audience and polarity == "like":
                    constraints["audience"] = audience
                elif negated:
                    constraints["audience"] = negated  # "not for kids"
                continue
            if aspect["kind"] == "language":
                code = _language_code(text)
                if code and polarity == "like" and language_said(message, domain) == code:
                    constraints["languages"] = (code,)
                continue
            genre = domain.category(text)
            kind, text = ("genre", genre) if genre else (aspect["kind"], text)
            prefs.append(Preference(kind, text, polarity, turn))
    return Delta(intent=raw.get("intent", "new_request"), preferences=tuple(prefs), constraints=constraints)


def combine(primary: Delta, extra: Delta) -> Delta:
    """`primary`'s entries and constraints win; `extra` adds entries about things `primary` did not name."""
    keys = {p.key for p in primary.preferences}
    texts = {p.text.lower() for p in primary.preferences}
    added = tuple(p for p in extra.preferences if p.key not in keys and p.text.lower() not in texts)
    intent = extra.intent if primary.intent == "new_request" else primary.intent
    if intent == "chitchat" and (primary.preferences or added or primary.constraints):
        intent = "new_request"
    return replace(primary, intent=intent, preferences=primary.preferences + added,
                   constraints={**extra.constraints, **primary.constraints},
                   lifted=tuple(dict.fromkeys(primary.lifted + extra.lifted)),
                   seen=tuple(dict.fromkeys(primary.seen + extra.seen)),
                   change_of_mind=primary.change_of_mind or extra.change_of_mind, adds=primary.adds or extra.adds)


def settle_question(delta: Delta, message: str) -> Delta:
    """A "question" stays one only when the message asks about a movie; asking about a title is not liking it."""
    if delta.intent != "question":
        return delta
    if delta.about:
        return replace(delta, preferences=tuple(p for p in delta.preferences if p.kind != "item"))
    about = next((p.item_id for p in delta.preferences if p.item_id), None)
    if about is None or not ITEM_QUESTION.search(message):  # "anything like Heat?" is a request
        return replace(delta, intent="new_request")
    return replace(delta, about=about, preferences=tuple(p for p in delta.preferences if p.kind != "item"))


AGREES_THRESHOLD = 0.6  # a gloss theme this similar to the meaning reader's term says the same


def agrees(theme: str, terms: list[str], meaning: MeaningReader | None) -> bool:
    """Does a theme the gloss named say what one of the meaning reader's terms says (a shared word, or embeddings
    at least `AGREES_THRESHOLD` similar)?"""
    words = {f for w in fold(theme).split() for f in singular_forms(w)}
    if any(words & {f for w in fold(t).split() for f in singular_forms(w)} for t in terms):
        return True
    if meaning is None:
        return False
    vectors = meaning.concepts.embedder.embed([theme, *terms], kind="query")
    return bool((vectors[1:] @ vectors[0]).max() >= AGREES_THRESHOLD)


def extract(llm: ChatModel | None, profile: Profile, recent: list[str], message: str, turn: int,
            titles: TitleIndex, *, latest_year: int = 2018, timeout_s: float | None = 60,
            last_picks: list[str] = (), lexicon: Lexicon | None = None, reading: str = "gloss",
            domain: Domain | None = None, concepts: ConceptIndex | None = None,
            multilingual: ConceptIndex | None = None, meaning: MeaningReader | None = None) -> Extraction:
    """The turn's reading: the rules', the LLM's where they could not read (see the module doc), and the topic
    the catalog's vocabulary finds where no reader named one (`meaning_theme` for English, `multilingual_theme`
    for other languages); where that topic is found, the gloss's themes stay only where they agree with it."""
    domain = domain or movie_domain()
    rules = read_message(message, titles, turn, latest_year, last_picks, lexicon, domain)
    topic = lambda delta: delta if delta.intent in ("question", "feedback", "chitchat") else \
        meaning_theme(message, multilingual_theme(message, delta, turn, multilingual), turn, meaning, domain)
    if llm is None:
        return Extraction(topic(rules), "rules")
    if reading == "gloss":
        if not needs_gloss(rules, message, domain):
            return Extraction(topic(rules), "rules")
        try:
            text = gloss(llm, message, timeout_s, domain)
        except ModelError as exc:
            log.warning("the gloss fell back to rules: %s", exc)
            return Extraction(topic(rules), "rules", str(exc))
        extra = read_gloss(text, message, titles, turn, latest_year, lexicon, domain, concepts)
        # the embedders' topic, read once: it depends on the message, and the gloss only narrows when it is added
        meant = topic(rules)
        agreed = [p.text for p in meant.preferences if p.kind == "theme" and p not in rules.preferences]
        if agreed:  # the catalog's vocabulary named the topic (the meaning reader's two views, or the multilingual
            # embedder's term): the gloss's themes stay only where they say the same
            extra = replace(extra, preferences=tuple(p for p in extra.preferences if p.kind != "theme"
                                                     or agrees(p.text, agreed, meaning)))
        return Extraction(combine(reconcile(meant, extra, text), extra), "llm+rules", gloss=text)
    prompt = load_prompt("extract").render(
        profile=describe_profile(profile, domain),
        recent=("Earlier in the chat: " + " | ".join(recent)) if recent else "",
        message=within_tokens(llm, message), noun=domain.noun, plural=domain.plural,
        attributes=domain.describe_attributes())
    try:
        raw = complete_json(llm, prompt, EXTRACT_SCHEMA, max_tokens=160, temperature=0.0, timeout_s=timeout_s)
    except ModelError as exc:
        log.warning("interest extraction fell back to rules: %s", exc)
        return Extraction(rules, "rules", str(exc))
    # rule-read titles, people and constraints are exact; the LLM adds what rules cannot read
    # (typo'd titles, themes, moods in other words) and the turn's intent
    return Extraction(settle_question(combine(rules, ground(raw, message, titles, turn, domain)), message),
                      "llm+rules")

"""LLM prose on top of evidence: one sentence that rephrases a pick's evidence record, shown only if it checks out.

The prompt holds the evidence record alone (its why line and the item's facts) — not the request, not the
catalog text — so the model has nothing else to draw on. Its answer is never streamed to the person: it is
cut to its first complete sentence, checked by `chat_app.faithfulness.unsupported_claims`, and shown only
when it carries something of the evidence (a title, a matched word, a genre, a number) and names no title,
person, genre, mood or number the evidence does not hold. Otherwise, or when the model fails, the
evidence's own why line stays. Building the evidence lives in `chat_app.evidence`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from chat_app.evidence import Evidence, why_line
from chat_app.faithfulness import unsupported_claims
from chat_app.llm.base import ChatModel, ModelError, complete
from prompts import load_prompt
from retrieval.catalog import Catalog
from retrieval.match import fold

log = logging.getLogger(__name__)
_PLAIN = frozenset("the and for with from that this its you your who all too did".split())
MAX_SENTENCE_CHARS = 240
# a period after one of these does not end a sentence: "J.R.R. Tolkien", "Mr. Smith", "vs. the world"
_NOT_AN_END = re.compile(r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|vs|No|Vol|Pt|Ft|Mt|etc|e\.g|i\.e))\.$")


@dataclass(frozen=True)
class Prose:
    """What the writer produced for one pick: the text shown, and why a model sentence was not used."""

    text: str
    by: str  # "llm" when the model's sentence passed the check, else "evidence"
    rejected: tuple[str, ...] = ()  # the unsupported claims (or the failure) that kept the model's sentence out


def first_sentence(text: str) -> str:
    """The first complete sentence of a model's answer, or "" when it was cut off before one ended."""
    text = re.sub(r"\s+", " ", text).strip().strip('"“”').strip()
    text = re.sub(r"^(answer|explanation|sentence)\s*:\s*", "", text, flags=re.IGNORECASE)
    for m in re.finditer(r"[.!?](?=\s|$)", text):
        candidate = text[: m.end()]
        if not _NOT_AN_END.search(candidate):
            return candidate if len(candidate) <= MAX_SENTENCE_CHARS else ""
    return ""


def evidence_words(evidence: Evidence) -> set[str]:
    """The folded words that carry the record's content: titles, matched and shared words, genres, numbers."""
    texts = [*evidence.item.genres]
    for m in evidence.matches:
        texts += [m.asked, *m.words]
    for s in evidence.similar:
        texts += [s.title, *s.genres, *s.keywords, *s.tags, *s.people]
    for c in evidence.co_liked:
        texts += [c.title, f"{c.percent}%"]
    facts = evidence.facts()
    if facts["mean_rating"] is not None:
        texts.append(f"{facts['mean_rating']:.1f}")
    return {w for t in texts for w in fold(t).split() if len(w) > 2 or w.isdigit()} - _PLAIN


def evidence_prompt(evidence: Evidence) -> str:
    """The record as the model sees it: facts and reasons, nothing else (in the domain's words: "Movie:",
    "Runtime: 120 minutes"; "Book:", "Length: 320 pages")."""
    facts, domain = evidence.facts(), evidence.domain
    parts = [f"{domain.noun.capitalize()}: {facts['title']}" + (f" ({facts['year']})" if facts["year"] else "")]
    if facts["genres"]:
        parts.append("Genres: " + ", ".join(facts["genres"]))
    if domain.length and facts.get(domain.length.field):
        parts.append(f"{domain.length.name.capitalize()}: {facts[domain.length.field]} {domain.length.unit}")
    parts.append("Why it was picked: " + why_line(evidence))
    return "\n".join(parts)


def write_prose(llm: ChatModel | None, evidence: Evidence, catalog: Catalog, *, max_tokens: int = 48,
                timeout_s: float | None = 30) -> Prose:
    """One checked sentence from the model, or the why line (always true) when there is no usable one."""
    fallback = why_line(evidence)
    if llm is None:
        return Prose(fallback, "evidence")
    messages = load_prompt("explain").render(evidence=evidence_prompt(evidence), noun=evidence.domain.noun)
    try:
        answer = complete(llm, messages, max_tokens=max_tokens, temperature=0.2, timeout_s=timeout_s)
    except ModelError as exc:
        log.warning("prose for %s fell back to the evidence line: %s", evidence.item.id, exc)
        return Prose(fallback, "evidence", (f"model failed: {exc}",))
    sentence = first_sentence(answer)
    if len(sentence) < 15:
        return Prose(fallback, "evidence", ("no complete sentence",))
    claims = unsupported_claims(sentence, evidence, catalog)
    if not set(fold(sentence).split()) & evidence_words(evidence):
        claims.append("says nothing from the evidence")
    elif fold(sentence) in fold(fallback):
        claims.append("only copies part of the why line")  # the whole line says more
    if claims:
        log.info("prose for %s rejected: %s", evidence.item.id, "; ".join(claims))
        return Prose(fallback, "evidence", tuple(claims))
    return Prose(sentence, "llm")

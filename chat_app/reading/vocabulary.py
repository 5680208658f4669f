"""A domain's words as the rules read them (`Vocabulary`), compiled once per domain: one-word titles that are
everyday words, the verbs that say an item was seen, the nouns for an item, how a length limit is said in the
domain's units, the audiences' patterns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from retrieval.domain import Domain, Unit, movie_domain

# one-word titles that are everyday words in any domain; the domain adds its own (`Domain.not_titles`)
COMMON = {"something", "anything", "tonight", "the", "and", "please", "thanks", "also", "maybe", "more", "less",
          "love", "like", "good", "great", "it", "her", "up", "go", "yes", "no", "ok", "okay", "now", "again", "still",
          "older", "newer", "old", "new", "before", "after"}
# "under", "no longer than", "nothing over": what caps the domain's length
_LIMIT = (r"\b(?:under|less than|shorter than|at most|max(?:imum)?|no (?:more|longer) than|within|"
          r"(?:nothing|not|none|no \w+)\s+(?:over|longer than|more than|above))\s*")
# after the amount: "90 min max", "2 hours tops", "100 minutes or less"
_LIMIT_AFTER = r"\s*(?:max(?:imum)?\b|tops\b|or (?:less|under|shorter)\b|at (?:the )?most\b)"
# time to spend: "i only got like 90 min before bed", "we have about 2 hours"; not what another thing lasts
# ("got a 6 hr drive tomorrow", "have a 2 hour flight")
_BUDGET = r"\b(?:only|just)?\s*(?:got|have|has|had)\s+(?:like\s+|about\s+|around\s+|maybe\s+|roughly\s+)?"
_NOT_ITS_LENGTH = r"(?!\s*(?:[\w-]+\s+)?(?:drive|flight|trip|commute|ride|layover|wait|class|shift|meeting|train)s?\b)"


def _words(words) -> str:
    """An alternation of literal words, longest first."""
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


@dataclass(frozen=True)
class Vocabulary:
    """A domain's words as the rules read them, compiled once per domain (`vocabulary`)."""

    domain: Domain
    common: frozenset[str]  # one-word titles that count only after "loved", "seen", ...
    past: str  # the domain's past-tense verbs and "already did" as a regex alternation: a title follows them
    nouns: frozenset[str]  # "movie", "films": a lower-case phrase ending in one is a description
    seen: re.Pattern  # "seen", "watched" ("read" for books)
    seen_all: re.Pattern  # "seen them all"
    seen_every: re.Pattern  # "seen every ..."
    anaphora: re.Pattern  # "it", "that one", "that movie" when the last reply had a single pick
    recent: re.Pattern  # "newer movies"
    lengths: tuple[tuple[re.Pattern, Unit], ...]  # "under 2 hours", "under 300 pages": tried in order
    any_length: re.Pattern | None  # "any length" lifts the limit
    audiences: tuple[tuple[str, re.Pattern, str | None], ...]  # (audience, what asks for it, what "not for" it is)


@lru_cache(maxsize=16)
def vocabulary(domain: Domain | None = None) -> Vocabulary:
    domain = domain or movie_domain()
    past = "|".join(re.escape(w) for w in domain.verb_past)
    past_cues = past + "|already did|already done"  # "already did vertigo": a title follows
    lengths = []
    if domain.length:
        for unit in domain.length.units:
            low, high = unit.digits
            number = r"(\d+(?:\.\d+)?|an?|one|two|three)\s*(?:and a half\s*)?" if unit.fractions \
                else rf"(\d{{{low},{high}}})\s*"
            tail = r"(?:\s+and a half)?" if unit.fractions else ""
            said = number + rf"(?:{_words(unit.words)})\b" + tail
            lengths.append((re.compile(_LIMIT + said), unit))  # "under 2 hours"
            lengths.append((re.compile(r"\b" + said + _LIMIT_AFTER), unit))  # "90 min max", "2 hours or less"
            lengths.append((re.compile(_BUDGET + said + _NOT_ITS_LENGTH), unit))  # "only got like 90 min"
    any_length = re.compile(rf"\b(any ({_words(domain.length.any_words)})|length doesn'?t matter)\b") \
        if domain.length and domain.length.any_words else None
    return Vocabulary(
        domain, frozenset(COMMON | {w.lower() for w in domain.not_titles}), past_cues,
        frozenset(w.lower() for w in domain.nouns + domain.plural_nouns),
        seen=re.compile(rf"\b(seen|saw|{past}|already (?:know|did|done|{past}|seen))\b", re.IGNORECASE),
        seen_all=re.compile(rf"\b(seen|saw|{past})\s+(them all|all of (them|these|those)|these|those|all)\b",
                            re.IGNORECASE),
        seen_every=re.compile(rf"\b(seen|{past}|saw)\s+(every|all|all the|all of the|each)\s+$", re.IGNORECASE),
        anaphora=re.compile(r"\b(it|that one|this one|" + "|".join(f"that {re.escape(n)}|this {re.escape(n)}"
                                                                   for n in domain.nouns) + r")\b", re.IGNORECASE),
        recent=re.compile(rf"\b(recent|new(er)? (ones|{_words(domain.plural_nouns)}|releases|stuff)|latest)\b"),
        lengths=tuple(lengths), any_length=any_length,
        audiences=tuple((name, re.compile("|".join(rule.said), re.IGNORECASE), rule.negated)
                        for name, rule in domain.audiences.items() if rule.said))

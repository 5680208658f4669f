"""What a message says of the last reply's picks: "#2", "the second one", "the last one" and the reaction around
the reference ("seen #1, more like #2", "not the last one"), "it" when the reply had a single pick, and a
the words that say a person is drawn to something or put off by it.
"""

from __future__ import annotations

import re
from typing import Iterator

from chat_app.reading.negation import NEG_BEFORE, NEGATIONS
from chat_app.reading.vocabulary import vocabulary
from retrieval.domain import Domain

_ORDINAL = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
            "fifth": 5, "5th": 5, "last": -1}
PICK_REFERENCE = re.compile(
    r"#\s?(?P<n1>\d{1,2})\b|\bnumber\s+(?P<n2>\d{1,2})\b|\bno\.\s?(?P<n3>\d{1,2})\b"
    r"|\bthe\s+(?P<o1>first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)\b(?:\s+one)?"
    r"|\b(?P<o2>first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)\s+one\b", re.IGNORECASE)
_PUT_OFF = re.compile(r"\b(boring|meh|nope|not for me|not that|no to|hate|hated|dislike|skip|pass on|"
                      r"don'?t like|didn'?t like|not into|awful|bad)\b", re.IGNORECASE)
# ("like" as in "like 400 times", "like a million times" says how often, not that they liked it)
DRAWN = re.compile(r"\b(more like|like(?!\s+(?:\d|a (?:million|hundred|thousand)|(?:ten|twenty|fifty|a hundred) "
                   r"times))|liked|love|loved|enjoyed|great|perfect|yes|sounds good|interesting|nice|"
                   r"good one|awesome|amazing|favou?rite|my (?:style|thing|taste|jam|kind of|type of|sort of)|"
                   r"cup of tea|up my (?:alley|street)|appeals?|intrigu\w*|fun)\b", re.IGNORECASE)
# what is seen is not wanted again when they ask for something else ("watched frozen 400 times, pls something else")
ELSE = re.compile(r"\b(?:something|anything|smth|sth) (?:else|different|new)\b(?!\s+(?:like|similar))"
                  r"|\bnot (?:that|those|these) again\b", re.IGNORECASE)  # "something else like it" likes it
_HOLD_BACK = re.compile(r"\b(" + NEGATIONS + r"|haven'?t|hasn'?t|have not|wasn'?t|not sure)\b", re.IGNORECASE)


def clause_around(text: str, start: int, end: int, commas: bool = False) -> str:
    """The sentence part around a span: from the last stop or 'but' (or comma) before it to the next one."""
    stops = r"[.;!?,]|\bbut\b" if commas else r"[.;!?]|\bbut\b"
    before = re.split(stops, text[:start])[-1]
    after = re.split(stops, text[end:])[0]
    return before + text[start:end] + after


def referenced_picks(text: str, last_picks) -> Iterator[tuple[str, re.Match]]:
    """(id, match) for each in-range reference to a numbered pick of the last reply."""
    for m in PICK_REFERENCE.finditer(text):
        number = next((g for g in (m.group("n1"), m.group("n2"), m.group("n3")) if g), None)
        position = int(number) if number else _ORDINAL.get((m.group("o1") or m.group("o2") or "").lower(), 0)
        if last_picks and 0 < abs(position) <= len(last_picks):
            yield (last_picks[position - 1] if position > 0 else last_picks[-1]), m


def single_pick_reaction(text: str, last_picks: list[str], domain: Domain | None = None) -> tuple[str, str] | None:
    """(id, "like" | "dislike" | "seen") when the last reply had one pick and this message reacts to "it"
    (a person recommending one item at a time)."""
    vocab = vocabulary(domain)
    if len(last_picks) != 1 or not (m := vocab.anaphora.search(text)):
        return None
    clause = clause_around(text, m.start(), m.end(), commas=True)
    if _PUT_OFF.search(clause):
        return last_picks[0], "dislike"
    if _HOLD_BACK.search(clause):
        return None  # "haven't seen it", "not sure about it": no reaction to record
    if DRAWN.search(clause):
        return last_picks[0], "like"
    if vocab.seen.search(clause):
        return last_picks[0], "seen"
    return None


def picked_references(text: str, last_picks: list[str],
                      domain: Domain | None = None) -> list[tuple[str, str, int, int]]:
    """References to the last recommendations ("#2", "the second one", "the last one"): (id, action, start, end).

    The action is "seen", "dislike" or "like", read from the words around the reference; a reference with
    none of those cues ("tell me about #2") changes nothing.
    """
    out = []
    seen = vocabulary(domain).seen
    for item_id, m in referenced_picks(text, last_picks):
        clause = clause_around(text, m.start(), m.end(), commas=True)  # "seen #1, more like #2": two reactions
        if seen.search(clause):
            action = "seen"
        elif _PUT_OFF.search(clause) or NEG_BEFORE.search(text[max(0, m.start() - 30) : m.start()]):
            action = "dislike"
        elif DRAWN.search(clause):
            action = "like"
        else:
            continue
        out.append((item_id, action, m.start(), m.end()))
    return out

"""Hard limits said in so many words: years ("before 1990", "the nineties", "2000 or later"), the domain's length
("under 2 hours", "under 300 pages", "only got like 90 min"), and a length relative to a liked item ("like
Titanic but shorter"). Decades and lengths in other languages are `chat_app.reading.numbers`'.
"""

from __future__ import annotations

import re
from dataclasses import replace

from chat_app.profile import Delta, Preference
from chat_app.reading.negation import NEG_BEFORE
from chat_app.reading.numbers import decade_in, length_limit_in
from chat_app.reading.vocabulary import vocabulary
from retrieval.domain import Domain

_AMOUNT_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3}
_DECADE_WORDS = {"twen": "2", "thir": "3", "for": "4", "fif": "5", "six": "6", "seven": "7", "eigh": "8", "nine": "9"}


def years_and_length(text: str, latest_year: int = 2018, domain: Domain | None = None) -> tuple[dict, list[str]]:
    """Hard constraints on year and length ("under 2 hours", "under 300 pages") said in so many words;
    returns (fields, lifted fields)."""
    vocab = vocabulary(domain)
    t = re.sub(r"\b(twen|thir|for|fif|six|seven|eigh|nine)ties\b", lambda m: _DECADE_WORDS[m.group(1)] + "0s",
               text.lower())  # "the nineties" reads as "the 90s"
    t = re.sub(r"\b(?:the\s+)?(?:noughties|aughts|two thousands)\b", "2000s", t)  # the 2000s
    out: dict = {}
    lifted: list[str] = []
    if m := re.search(r"\bbetween\s+(\d{4})\s+(?:and|&)\s+(\d{4})\b|\b(\d{4})\s*(?:-|–|to)\s*(\d{4})\b", t):
        a, b = (int(x) for x in m.groups() if x)
        out["year_min"], out["year_max"] = min(a, b), max(a, b)
    else:
        for m in re.finditer(r"\b(before|pre-?|older than|earlier than|prior to|until|up to|after|post-?|"
                             r"newer than|later than)\s*(\d{4})\b", t):
            year, word = int(m.group(2)), m.group(1)
            upper = word.startswith(("before", "pre", "older", "earlier", "prior", "until", "up to"))
            inclusive = word in ("until", "up to")
            clause = re.split(r"[,.;!?]|\bbut\b", t[max(0, m.start() - 30) : m.start()])[-1]
            if NEG_BEFORE.search(clause):  # "nothing before 1990" (not "no horror, before 1990")
                upper, inclusive = not upper, True
            if upper:
                out["year_max"] = year - (0 if inclusive else 1)
            else:
                out["year_min"] = year + (0 if inclusive else 1)
        if m := re.search(r"\b(?:since|from)\s*(\d{4})\b(?!s)", t):
            out["year_min"] = int(m.group(1))
        for m in re.finditer(r"\b(\d{4})\s+or\s+(later|after|newer|more recent|earlier|before|older)\b", t):
            bound = "year_min" if m.group(2) in ("later", "after", "newer", "more recent") else "year_max"
            out[bound] = int(m.group(1))
        if m := re.search(r"\b(?:(1[89]|20)?(\d)0)(?:'?s)\b", t):
            century = m.group(1) or ("20" if m.group(2) in "012" else "19")
            start = int(century + m.group(2) + "0")
            if not re.search(r"\b(?:before|after|since|pre|post)\b\s*(?:the\s+)?$", t[: m.start()]):
                out["year_min"], out["year_max"] = start, start + 9
    if "year_min" not in out and vocab.recent.search(t):
        out["year_min"] = latest_year - 5
    if re.search(r"\b(any (year|era|decade)|don'?t care (about|when)|year doesn'?t matter)\b", t):
        lifted += ["year_min", "year_max"]
    for pattern, unit in vocab.lengths:  # the first unit said wins: "2 hours" before "100 minutes"
        if m := pattern.search(t):
            amount = _AMOUNT_WORDS.get(m.group(1)) or float(m.group(1))
            half = 0.5 if "and a half" in m.group(0) else 0
            out["length_max"] = int(round((float(amount) + half) * unit.factor))
            break
    if vocab.any_length and vocab.any_length.search(t):
        lifted.append("length_max")
    return out, lifted



def read_limits(digits: str, text: str, latest_year: int, domain: Domain) -> tuple[dict, list[str]]:
    """Years and length from the message with numbers spelled as digits, then decades and lengths said in
    another language ("90년대", "anni '70", "не длиннее полутора часов", "unter 100 Minuten")."""
    constraints, lifted = years_and_length(digits, latest_year, domain)
    if "year_min" not in constraints and "year_max" not in constraints and (decade := decade_in(text)):
        constraints["year_min"], constraints["year_max"] = decade
    if "length_max" not in constraints and (cap := length_limit_in(text, domain)):
        constraints["length_max"] = cap
    return constraints, lifted


_SHORTER = re.compile(r"\b(shorter|quicker|briefer|not as long|less long)\b", re.IGNORECASE)
SHORTER_SHARE = 0.85  # "like Titanic but shorter": at most 85% of its length (165 of 194 minutes)


def shorter_than(text: str, delta: Delta, earlier_likes: list[Preference], length_of,
                 domain: Domain) -> tuple[Delta, str | None]:
    """"like X but shorter", "more like #2, shorter": a cap on the domain's length relative to the liked item
    this message names (or else the newest one liked before) when its length is known; the message's own
    number ("under 300 pages") wins. `length_of(item_id)` is the item's length, or None. Also returns the id
    of the item "shorter" was measured against when its length is unknown (the reply says so), else None."""
    if domain.length is None or "length_max" in delta.constraints or not _SHORTER.search(text):
        return delta, None
    named = [p.item_id for p in delta.preferences if p.item_id and p.polarity == "like"]
    before = [p.item_id for p in sorted(earlier_likes, key=lambda p: -p.turn) if p.item_id]
    for item_id in (named or before)[:1]:
        if size := length_of(item_id):
            cap = max(int(size * SHORTER_SHARE), domain.length.range[0])
            return replace(delta, constraints={**delta.constraints, "length_max": cap}), None
        return delta, item_id
    return delta, None

"""Years said relative to something else: the items a person liked ("anything else from that era", "same era",
"older than that", "like the first one but newer", "from the same decade"), a title the message names ("nothing
newer than robocop", "older than the matrix", "the same year as pulp fiction"), the limits already set ("go
older than that" after "90s thrillers"), and the person's own birth year ("made before i was born, im an 88
baby").

A title said as a yardstick is not a taste: it leaves the likes, and stays out of the picks. The anchor of "that"
is what this message likes (a title, a referenced pick), else the year limits already set, else the newest items
liked before. "That era" is the anchors' years widened by `ERA_SLACK` on each side; "older"/"newer" than them is
a bound just past them. A year the message states itself ("from the 60s", "before 1990") wins, and nothing
changes without an anchor whose year is known.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable

from chat_app.profile import Delta, Preference
from retrieval.constraints import Constraints

ERA_SLACK = 5  # "from that era" of a 1963 and a 1967 film: 1958-1972
_ERA = re.compile(r"\b(?:from|of|in|around) (?:that|the same|this|those|their) (?:era|period|time|decade|years?|"
                  r"days)\b|\bsame (?:era|period|decade|time period|vintage)\b|\baround (?:that|the same) time\b"
                  r"|\bfrom back then\b|\bof that vintage\b", re.IGNORECASE)
_DECADE = re.compile(r"\b(?:that|the same|this|those|their) decade\b|\bsame decade\b", re.IGNORECASE)
_OLDER = re.compile(r"\b(?:older|earlier) than (?:that|those|these|it|them|this)\b|\bbut older\b|"
                    r"\b(?:an )?older one\b|\b(?:go|even|any|something|bit|little) older\b|\bolder (?:stuff|ones)\b",
                    re.IGNORECASE)
_NEWER = re.compile(r"\b(?:newer|more recent|later) than (?:that|those|these|it|them|this)\b|\bbut (?:newer|"
                    r"more recent)\b|\b(?:a )?newer one\b|\b(?:go|even|any|something|bit|little) (?:newer|more "
                    r"recent)\b|\bnewer (?:stuff|ones)\b", re.IGNORECASE)
# what comes before a title said as a yardstick of years
_YARDSTICK = (r"\b(?P<how>(?P<no>nothing|nothin|none|not(?: anything)?|no(?:thing)?(?: one)?)?\s*(?:(?:that'?s|thats|"
              r"any|anything|something|stuff|movies?|films?|books?|games?)\s+)?"
              r"(?P<dir>newer|more recent|later|older|earlier|after|before|(?:from |in )?the same year as|"
              r"same year as|(?:around )?the same time as)"
              r"(?:\s+than)?)\s+(?:the\s+)?(?:movie\s+|film\s+|book\s+|game\s+)?$")
_CAME_OUT = re.compile(r"\s*(?:came out|was (?:released|made|out)|did)\b", re.IGNORECASE)
_BORN = re.compile(r"\bborn in (?:(?P<century>19|20)|')?(?P<year>\d\d)\b|\b(?:an?|the)\s+(?:(?P<century2>19|20)|')?"
                   r"(?P<year2>\d\d)\s+(?:baby|kid)\b", re.IGNORECASE)
_BEFORE_BORN = re.compile(r"\bbefore i (?:was|were) (?:even |ever )?born\b", re.IGNORECASE)
_SINCE_BORN = re.compile(r"\b(?:since|after) i (?:was|were) born\b", re.IGNORECASE)
_YEAR_BORN = re.compile(r"\b(?:the year|when) i (?:was|were) born\b|\bmy (?:birth ?year|year of birth)\b|"
                        r"\bthe year of my birth\b", re.IGNORECASE)


def relative_years(text: str, delta: Delta, earlier_likes: list[Preference],
                   year_of: Callable[[str], int | None], earlier: Constraints | None = None) -> Delta:
    """`delta` with year limits read relative to titles, the limits already set, the liked items or the person's
    birth year, when the message asks for them that way."""
    if "year_min" in delta.constraints or "year_max" in delta.constraints:
        return delta
    return (yardstick_years(text, delta, year_of) or born_years(text, delta)
            or anchored_years(text, delta, earlier_likes, year_of, earlier or Constraints()) or delta)


def yardstick_years(text: str, delta: Delta, year_of: Callable[[str], int | None]) -> Delta | None:
    """"nothing newer than robocop", "older than the matrix", "same year as pulp fiction": the bound from that
    title's year; the title leaves the likes and dislikes and is kept out of the picks."""
    for pref in delta.preferences:
        if pref.kind != "item" or not pref.item_id or not (year := year_of(pref.item_id)):
            continue
        at = text.lower().find(pref.text.lower())
        before = re.search(_YARDSTICK, text[:at], re.IGNORECASE) if at >= 0 else None
        if before is None:
            continue
        how, negated = before.group("dir").lower(), bool(before.group("no"))
        after_title = text[at + len(pref.text):]
        if how in ("before", "after") and not _CAME_OUT.match(after_title):
            continue  # "after inception i want something light" is not a year
        older = how in ("older", "earlier", "before")
        if "same year" in how:
            bounds = {"year_min": year, "year_max": year}
        elif "same time" in how:
            bounds = {"year_min": year - ERA_SLACK, "year_max": year + ERA_SLACK}
        elif older != negated:  # "older than X", "before X came out", "nothing newer than X"
            bounds = {"year_max": year if negated else year - 1}
        else:  # "newer than X", "nothing older than X"
            bounds = {"year_min": year if negated else year + 1}
        return replace(delta, constraints={**delta.constraints, **bounds},
                       preferences=tuple(p for p in delta.preferences if p is not pref),
                       seen=tuple(dict.fromkeys((*delta.seen, pref.item_id))))
    return None


def born_years(text: str, delta: Delta) -> Delta | None:
    """"im an 88 baby, horror made before i was born": years from the person's birth year."""
    m = _BORN.search(text)
    if m is None:
        return None
    century, year = m.group("century") or m.group("century2"), int(m.group("year") or m.group("year2"))
    born = int(century) * 100 + year if century else (1900 + year if year > 25 else 2000 + year)
    if _BEFORE_BORN.search(text):
        bounds = {"year_max": born - 1}
    elif _SINCE_BORN.search(text):
        bounds = {"year_min": born}
    elif _YEAR_BORN.search(text):
        bounds = {"year_min": born, "year_max": born}
    else:
        return None
    said = m.group(0).lower()  # "an 88 baby" says when, not what about
    return replace(delta, constraints={**delta.constraints, **bounds},
                   preferences=tuple(p for p in delta.preferences if p.kind != "theme" or p.text.lower() not in said))


def anchored_years(text: str, delta: Delta, earlier_likes: list[Preference], year_of: Callable[[str], int | None],
                   earlier: Constraints) -> Delta | None:
    """"older than that", "same era": relative to this message's liked items, else to the year limits already
    set ("90s thrillers" ... "go older than that"), else to the items liked before."""
    era, older, newer = _ERA.search(text), _OLDER.search(text), _NEWER.search(text)
    if not (era or older or newer):
        return None
    named = [p.item_id for p in delta.preferences if p.item_id and p.polarity == "like"]
    constraints = dict(delta.constraints)
    if not named and (older or newer) and (earlier.year_min is not None or earlier.year_max is not None):
        if older and earlier.year_min is not None:  # before the years asked so far, and no longer within them
            constraints["year_max"] = earlier.year_min - 1
            lifted = ("year_min",)
        elif newer and earlier.year_max is not None:
            constraints["year_min"] = earlier.year_max + 1
            lifted = ("year_max",)
        else:
            return None
        return replace(delta, constraints=constraints, lifted=tuple(dict.fromkeys((*delta.lifted, *lifted))))
    newest = max((p.turn for p in earlier_likes if p.item_id), default=None)
    before = [p.item_id for p in earlier_likes if p.item_id and p.turn == newest]
    years = [y for i in (named or before) if (y := year_of(i))]
    if not years:
        return None
    if older:
        constraints["year_max"] = min(years) - 1
    elif newer:
        constraints["year_min"] = max(years) + 1
    elif _DECADE.search(text):  # "from the same decade": the decades the anchors are from
        constraints["year_min"], constraints["year_max"] = min(years) // 10 * 10, max(years) // 10 * 10 + 9
    else:
        constraints["year_min"], constraints["year_max"] = min(years) - ERA_SLACK, max(years) + ERA_SLACK
    return replace(delta, constraints=constraints)

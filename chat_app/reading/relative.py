"""Years said relative to the items a person liked: "anything else from that era", "same era", "older than
that", "like the first one but newer", "from the same decade".

The anchor is what this message likes (a title, a referenced pick), else the newest items liked before. "That
era" is the anchors' years widened by `ERA_SLACK` on each side; "older"/"newer" than them is a bound just past
them. A year the message states itself ("from the 60s", "before 1990") wins, and nothing changes without an
anchor whose year the catalog knows.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable

from chat_app.profile import Delta, Preference

ERA_SLACK = 5  # "from that era" of a 1963 and a 1967 film: 1958-1972
_ERA = re.compile(r"\b(?:from|of|in|around) (?:that|the same|this|those|their) (?:era|period|time|decade|years?|"
                  r"days)\b|\bsame (?:era|period|decade|time period|vintage)\b|\baround (?:that|the same) time\b"
                  r"|\bfrom back then\b|\bof that vintage\b", re.IGNORECASE)
_DECADE = re.compile(r"\b(?:that|the same|this|those|their) decade\b|\bsame decade\b", re.IGNORECASE)
_OLDER = re.compile(r"\b(?:older|earlier) than (?:that|those|these|it|them|this)\b|\bbut older\b|"
                    r"\b(?:an )?older one\b", re.IGNORECASE)
_NEWER = re.compile(r"\b(?:newer|more recent|later) than (?:that|those|these|it|them|this)\b|\bbut (?:newer|"
                    r"more recent)\b|\b(?:a )?newer one\b", re.IGNORECASE)


def relative_years(text: str, delta: Delta, earlier_likes: list[Preference],
                   year_of: Callable[[str], int | None]) -> Delta:
    """`delta` with year limits read relative to the liked items, when the message asks for them that way."""
    if "year_min" in delta.constraints or "year_max" in delta.constraints:
        return delta
    era, older, newer = _ERA.search(text), _OLDER.search(text), _NEWER.search(text)
    if not (era or older or newer):
        return delta
    named = [p.item_id for p in delta.preferences if p.item_id and p.polarity == "like"]
    newest = max((p.turn for p in earlier_likes if p.item_id), default=None)
    before = [p.item_id for p in earlier_likes if p.item_id and p.turn == newest]
    years = [y for i in (named or before) if (y := year_of(i))]
    if not years:
        return delta
    constraints = dict(delta.constraints)
    if older:
        constraints["year_max"] = min(years) - 1
    elif newer:
        constraints["year_min"] = max(years) + 1
    elif _DECADE.search(text):  # "from the same decade": the decades the anchors are from
        constraints["year_min"], constraints["year_max"] = min(years) // 10 * 10, max(years) // 10 * 10 + 9
    else:
        constraints["year_min"], constraints["year_max"] = min(years) - ERA_SLACK, max(years) + ERA_SLACK
    return replace(delta, constraints=constraints)

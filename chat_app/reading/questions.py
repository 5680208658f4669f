"""Questions about the picks: "who directed the first one?", "is the third one scary?", "how long is #2?",
"is it ok for kids?", "who's in it?" — asked of items already shown, never a new request.

`read_question` says which items are asked about (a numbered pick, a title, or "it"/"they" for the last
reply's picks) and what is asked (a people role, the length, the year, whether it suits children, whether it
is frightening, what it is about, its kinds, how it is rated). The answer is built from each item's catalog
facts by `chat_app.answers`. A message that asks for more items ("anything like #2?", "is there something
shorter?") is a request, not a question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.domain import Domain

# what is asked, tried in order; the people roles come from the domain (a role is asked with its label too)
ASKS = (
    ("directors", r"\bwho (?:directed|made|did|shot)\b|\bdirect(?:or|ed)\b"),
    ("writers", r"\bwho wrote\b|\bwritten by\b|\b(?:writer|author|screenplay)\b"),
    ("composers", r"\bwho (?:did|wrote|composed) the (?:music|score|soundtrack)\b|\bcomposer\b|\bsoundtrack\b"),
    ("cast", r"\bwho(?:'s|’s| is| are)? (?:in|starring|acting)\b|\bwho (?:stars|plays|acts)\b|\bcast\b|\bactors?\b"
             r"|\bactress\b|\bstarring\b|\bwho(?:'s|’s| is) the (?:lead|star)\b"),
    ("length", r"\bhow long\b|\bhow many (?:minutes|hours|pages)\b|\bruntime\b|\blength\b|\bhow short\b"),
    ("year", r"\bwhen (?:did|was|is)\b|\bwhat year\b|\bhow old\b|\bwhich year\b|\bhow recent\b"),
    ("children", r"\b(?:ok|okay|fine|good|safe|suitable|appropriate|alright|right) for (?:the )?(?:kids|children|"
                 r"a child|my (?:son|daughter|kids)|little ones|\d+[- ]?(?:year[- ]?olds?|yos?))\b|\bkid[- ]?friendly\b"
                 r"|\bfamily[- ]friendly\b|\bfor kids\b"),
    ("scary", r"\b(?:scary|frightening|creepy|violent|gory|gruesome|disturbing|intense|graphic|bloody|too dark)\b"),
    ("about", r"\bwhat(?:'s|’s| is| are)? (?:it|that|this|they|the \w+ one|#\d|[^?]{1,60}?)(?: one)? about\b|\bplot\b"
              r"|\bwhat happens\b|\bstory\b|\btell me (?:more )?about\b|\bdescribe\b|\bsummary\b"),
    ("genres", r"\bwhat (?:kind|sort|type) of\b|\bgenres?\b|\bis (?:it|that) (?:a )?(?:comedy|funny|horror|drama)\b"
               r"|\banimated\b|\blive[- ]action\b|\bcartoon\b"),
    ("rating", r"\bany good\b|\bis (?:it|that one|this one) good\b|\brated\b|\brating\b|\bworth (?:it|watching|"
               r"reading)\b|\breviews?\b"),
)
# a question starts a clause with one of these, or ends with "?"; what comes before it in the clause is a filler
# ("wait who made #1", "and the last one, is that animated?", "ok so how long is it")
_QUESTION = re.compile(r"\?\s*$|(?:^|[,;:.!]|\b(?:wait|ok|okay|so|and|also|oh|hmm+|um+|btw|but|hey|quick question|"
                       r"actually|sorry|then|lol))\s*(?:who|what|how|is|isn't|are|does|did|was|were|when|which|can|"
                       r"could|would|tell me|describe)(?:'s|’s)?\b", re.IGNORECASE)
# what people type without the apostrophe: "whos in it", "hows the 2nd one", "whats #3 about", "isnt it"
_INFORMAL = {"whos": "who's", "whats": "what's", "hows": "how's", "whens": "when's", "wheres": "where's",
             "isnt": "isn't", "doesnt": "doesn't", "wasnt": "wasn't", "arent": "aren't"}
_INFORMAL_WORD = re.compile(r"\b(" + "|".join(_INFORMAL) + r")\b", re.IGNORECASE)


def formal(text: str) -> str:
    """The message with the apostrophes people leave out put back ("whos in it" -> "who's in it")."""
    return _INFORMAL_WORD.sub(lambda m: _INFORMAL[m.group(1).lower()], text)
# asking for items, not about them
_REQUEST = re.compile(r"\b(?:something|anything|another|other ones?|others|more like|more of|recommend|suggest|"
                      r"similar|instead|alternatives?|is there|are there|any (?:more|other)|give me|show me|"
                      r"find me|got any|do you have)\b", re.IGNORECASE)
_THEY = re.compile(r"\b(?:it|that one|this one|they|them|these|those|any of (?:them|these|those)|"
                   r"all of (?:them|these|those)|that|this)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Question:
    asks: str  # a key of ASKS
    items: tuple[str, ...]  # catalog ids, in the order asked


def what_is_asked(text: str, domain: Domain) -> str | None:
    roles = {r.field for r in domain.roles}
    for asks, pattern in ASKS:
        if asks in ("directors", "writers", "composers", "cast") and asks not in roles:
            continue  # a role this catalog does not credit
        if re.search(pattern, text, re.IGNORECASE):
            return asks
    for role in domain.roles:  # "who's the author of #2?" in a domain with that label
        if re.search(rf"\b{re.escape(role.label)}s?\b", text, re.IGNORECASE):
            return role.field
    return None


def read_question(text: str, referenced: list[str], titled: list[str], last_picks: list[str],
                  domain: Domain) -> Question | None:
    """The question a message asks about shown items, or None. `referenced` are the picks it numbers ("#2",
    "the first one"), `titled` the catalog items it names by title."""
    text = formal(text)
    if not _QUESTION.search(text) or _REQUEST.search(text):
        return None
    asks = what_is_asked(text, domain)
    if asks is None:
        return None
    items = referenced or titled
    if not items and last_picks and _THEY.search(text):
        items = last_picks  # "is it ok for kids?" after several picks: each of them
    return Question(asks, tuple(dict.fromkeys(items))) if items else None

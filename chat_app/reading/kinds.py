"""Kinds of item said in other languages ("komedia romantyczna", "恋愛映画", "ein Krimi"), from data.

`languages.yaml: genre_words` maps patterns in many languages to the English category word the domain knows
("comedy", "science fiction"); a domain without that word ignores it (books have no "western" category). The
LLM's gloss reads these too, but the packaged 1.5B model drops them often enough that a kind of item, like a
number, must not depend on it alone.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from chat_app.reading.negation import negated_before
from chat_app.reading.numbers import DATA
from retrieval.domain import Domain


@cache
def genre_patterns(path: Path = DATA) -> tuple[tuple[str, re.Pattern], ...]:
    """(English category word, pattern): Latin and Cyrillic words whole, other scripts anywhere."""
    table = yaml.safe_load(path.read_text(encoding="utf-8"))["genre_words"]
    out = []
    for word, pattern in table.items():
        parts = [p for p in str(pattern).split("|") if p]
        spaced = [p for p in parts if re.search(r"[a-zA-Zà-žА-я]", p)]
        unspaced = [p for p in parts if p not in spaced]
        alternatives = ([rf"(?<!\w)(?:{'|'.join(spaced)})(?!\w)"] if spaced else []) + unspaced
        out.append((str(word), re.compile("|".join(alternatives), re.IGNORECASE)))
    return tuple(out)


def genres_in(text: str, domain: Domain) -> tuple[set[str], set[str]]:
    """(liked, excluded) categories of the domain that `text` names in another language."""
    liked, excluded = set(), set()
    for word, pattern in genre_patterns():
        categories = domain.categories_of(word)
        if not categories:
            continue
        for m in pattern.finditer(text):
            (excluded if negated_before(text, m.start()) else liked).update(categories)
    return liked - excluded, excluded

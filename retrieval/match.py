"""Literal matching of request words against what the catalog says about an item.

One definition of "this item is about X" serves the ranking (a requested theme is required, a disliked one
excludes), the explanations (which catalog words matched) and the tests (share of picks matching a theme).
A term matches when it appears as whole words, case-insensitively, in one of the item's descriptive fields;
a trailing plural "s" on either side is ignored ("zombies" matches "zombie").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from retrieval.catalog import Item

# the fields a request word is looked up in, with the name an explanation uses for each
FIELDS = ("title", "alt_titles", "keywords", "tags", "overview", "tagline", "cast", "directors", "writers",
          "composers", "companies", "countries")


_NON_WORD = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation to spaces: 'Amélie' -> 'amelie', 'sci-fi' -> 'sci fi'."""
    if text.isascii():
        return " ".join(_NON_WORD.sub(" ", text.lower()).split())
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


# English words that end in -s and are no plural: "news" is not "new", "series" not "serie"
NOT_PLURALS = frozenset("""news series species politics physics economics mathematics athletics gymnastics aerobics
    ethics electronics robotics genetics graphics linguistics mechanics statistics olympics measles mumps diabetes
    herpes rabies billiards jeans pants shorts glasses scissors thanks lens bus gas""".split())


def singular_forms(word: str) -> tuple[str, ...]:
    """The word and what it may be the plural of: 'zombies' -> (zombies, zombie, zomby); 'heroes' -> (heroes,
    heroe, hero). English plurals cannot be undone by one rule, so callers try each form."""
    forms = [word]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")) and word not in NOT_PLURALS:
        forms.append(word[:-1])
        if word.endswith("es") and len(word) > 4:
            forms.append(word[:-2])
        if word.endswith("ies") and len(word) > 4:
            forms.append(word[:-3] + "y")
        if word.endswith("ves") and len(word) > 4:  # "werewolves", "knives"
            forms += [word[:-3] + "f", word[:-3] + "fe"]
    return tuple(forms)


def _word_pattern(word: str) -> str:
    """A regex for the word in singular or plural: 'zombies' and 'zombie' both give zomb(?:y|ie|ies)."""
    if word in NOT_PLURALS:
        return re.escape(word)
    if len(word) > 4 and word.endswith("ies"):
        return re.escape(word[:-3]) + r"(?:y|ie|ies)"
    if len(word) > 3 and word.endswith(("y", "ie")) and not word.endswith(("ay", "ey", "oy", "uy")):
        return re.escape(word[: -1 if word.endswith("y") else -2]) + r"(?:y|ie|ies)"
    if len(word) > 4 and word.endswith("es"):
        return re.escape(word[:-2]) + r"(?:es|e|s)?"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return re.escape(word[:-1]) + r"(?:s|es)?"
    return re.escape(word) + r"(?:s|es)?"


@lru_cache(maxsize=4096)
def _pattern(term: str) -> re.Pattern | None:
    words = fold(term).split()
    if not words:
        return None
    # each word may carry a plural; words are separated by anything non-word in the folded text
    return re.compile(r"\b" + r" ".join(_word_pattern(w) for w in words) + r"\b")


def field_values(item: Item, name: str) -> tuple[str, ...]:
    value = getattr(item, name)
    return value if isinstance(value, tuple) else ((value,) if value else ())


@lru_cache(maxsize=32768)
def _folded(item: Item) -> tuple[tuple[str, str, str], ...]:
    """(field, original value, folded value) for every descriptive value of the item, computed once."""
    return tuple((name, value, fold(value)) for name in FIELDS for value in field_values(item, name))


def matched_fields(item: Item, term: str) -> list[tuple[str, str]]:
    """(field, catalog text) pairs where the term occurs; the text is the keyword, tag or name that matched,
    or the field name for long texts (overview, tagline)."""
    pattern = _pattern(term)
    if pattern is None:
        return []
    return [(name, value if name not in ("overview", "tagline") else name)
            for name, value, folded in _folded(item) if pattern.search(folded)]


def mentions(item: Item, terms) -> bool:
    """Whether any of the terms occurs in any descriptive field of the item."""
    return any(matched_fields(item, t) for t in terms if t and t.strip())

"""Title parsing and fuzzy title linking.

`split_title` undoes MovieLens' "Matrix, The (1999)" convention; `TitleIndex.link` maps what a person typed
("the matrx", "Matrix 1999", "Inception") to a catalog id or to nothing. It never invents an id: below the
score cutoff the answer is None and the caller keeps the title as text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz, process

_YEAR_AT_END = re.compile(r"\s*\((\d{4})(?:[-–]\d{0,4})?\)\s*$")
_AKA_AT_END = re.compile(r"\s*\(([^()]*)\)\s*$")
_ARTICLES = ("The", "A", "An", "Les", "La", "Le", "L'", "Il", "Das", "Der", "Die", "El", "Los", "Las", "Det")
_INVERTED = re.compile(r"^(?P<body>.+), (?P<article>" + "|".join(re.escape(a) for a in _ARTICLES) + r")$")
_LEADING_ARTICLE = re.compile(r"^(the|a|an)\s+")
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")  # Thai, kana, CJK
_YEAR_IN_TEXT = re.compile(r"\(?\b(19\d\d|20\d\d)\b\)?")
TOPIC_ITEMS = 8  # a title that is a keyword or tag of this many other items is also a topic ("femme fatale")


def uninvert(title: str) -> str:
    """'Matrix, The' -> 'The Matrix'; "Homme, L'" -> "L'Homme"."""
    m = _INVERTED.match(title.strip())
    if not m:
        return title.strip()
    article = m.group("article")
    return f"{article}{m.group('body')}" if article.endswith("'") else f"{article} {m.group('body')}"


def split_title(raw: str) -> tuple[str, int | None, str]:
    """Split a MovieLens title into (display title, year, alternative title)."""
    text = raw.strip()
    year = None
    m = _YEAR_AT_END.search(text)
    if m:
        year = int(m.group(1))
        text = text[: m.start()]
    aka = ""
    m = _AKA_AT_END.search(text)
    if m and m.start() > 0:
        aka = uninvert(m.group(1).removeprefix("a.k.a. "))
        text = text[: m.start()]
    return uninvert(text), year, aka


def _drop_accents(text: str) -> str:
    """Accents off Latin, Greek and Cyrillic letters ('Amélie' -> 'Amelie'); the marks other scripts spell
    with (Devanagari vowel signs, Japanese voicing marks: ゴ is not コ) stay."""
    kept, base_is_alphabet = [], True  # a mark with no letter before it goes, as it always did
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch) and base_is_alphabet:
            continue
        if not unicodedata.category(ch).startswith("M"):
            base_is_alphabet = ch < "\u0530" or "\u1e00" <= ch <= "\u1fff"
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


def normalize(title: str) -> str:
    """Lower-case, accent-free, punctuation-free, without a leading English article; any script."""
    text = _drop_accents(title).lower().replace("&", " and ")
    text = "".join(ch if ch.isalnum() or ch.isspace() or ch == "_" or unicodedata.category(ch).startswith("M")
                   else " " for ch in text)
    text = re.sub(r"\s+", " ", text).strip()
    return _LEADING_ARTICLE.sub("", text)


def pull_year(text: str) -> tuple[str, int | None]:
    """'Heat 1995' / 'Heat (1995)' -> ('Heat', 1995). Titles that are only a year stay as they are."""
    m = None
    for m in _YEAR_IN_TEXT.finditer(text):
        pass
    if m is None:
        return text, None
    rest = (text[: m.start()] + text[m.end():]).strip(" ,-")
    return (rest, int(m.group(1))) if rest else (text, None)


@dataclass(frozen=True)
class TitleEntry:
    item_id: str
    key: str
    year: int | None
    popularity: int
    alternative: bool = False  # an alt_titles key: yields to an item that carries the title as its own


class TitleIndex:
    """Fuzzy title -> id lookup over a catalog, preferring exact keys, then year matches, then popularity."""

    def __init__(self, entries: list[TitleEntry], cutoff: float = 88.0, labels: dict[str, str] | None = None,
                 topics: frozenset[str] = frozenset()):
        self.entries = entries
        self.topics = topics  # title keys the catalog also uses as a topic: words, unless a cue says title
        self._labels = labels or {}
        self.cutoff = cutoff
        self._keys = [e.key for e in entries]
        self._exact: dict[str, list[TitleEntry]] = {}
        self._unspaced: list[str] | None = None
        for entry in entries:
            self._exact.setdefault(entry.key, []).append(entry)

    @classmethod
    def from_catalog(cls, catalog, cutoff: float = 88.0) -> "TitleIndex":
        entries = []
        used: Counter = Counter()
        for item in catalog:
            used.update({normalize(word) for word in (*item.keywords, *item.tags)})
        for item in catalog:
            own = {normalize(name) for name in (item.title, item.aka) if name}
            popularity = item.num_ratings + item.mentions
            for key in dict.fromkeys(normalize(name) for name in (item.title, item.aka, *item.alt_titles) if name):
                if key:
                    entries.append(TitleEntry(item.id, key, item.year, popularity, alternative=key not in own))
        titled = Counter(e.key for e in entries)
        topics = frozenset(e.key for e in entries if used[e.key] - titled[e.key] >= TOPIC_ITEMS)
        return cls(entries, cutoff, {item.id: item.title for item in catalog}, topics)

    @staticmethod
    def _best(candidates: list[TitleEntry], year: int | None) -> TitleEntry:
        if year is not None:
            same_year = [e for e in candidates if e.year is not None and abs(e.year - year) <= 1]
            if same_year:
                candidates = same_year
        return max(candidates, key=lambda e: (not e.alternative, e.popularity))

    def keys_without_spaces(self) -> list[str]:
        """Title keys in scripts written without spaces (卧虎藏龙, 千と千尋の神隠し), two characters or more,
        longest first: they are found inside a sentence, not word by word."""
        if self._unspaced is None:
            self._unspaced = sorted((k for k in self._exact if len(k) >= 2 and _UNSPACED.search(k)),
                                    key=len, reverse=True)
        return self._unspaced

    def label_of(self, item_id: str) -> str:
        """The display title of an indexed item ("" if unknown)."""
        return self._labels.get(item_id, "")

    def same_title(self, text: str) -> list[str]:
        """Every id whose own title is exactly this one ("Halloween": the 1978 film and its 2007 remake); a year
        in the text keeps only that one."""
        title, year = pull_year(text)
        entries = [e for e in self._exact.get(normalize(title), []) if not e.alternative]
        if year is not None:
            return [self._best(entries, year).item_id] if entries else []
        return list(dict.fromkeys(e.item_id for e in entries))

    def link(self, text: str) -> str | None:
        """The catalog id a typed title most likely means, or None when nothing is close enough."""
        title, year = pull_year(text)
        key = normalize(title)
        if not key:
            return None
        if key in self._exact:
            return self._best(self._exact[key], year).item_id
        if len(key) < 4:  # "Up", "It", "Her": short titles only match exactly
            return None
        hits = process.extract(key, self._keys, scorer=fuzz.ratio, score_cutoff=self.cutoff, limit=8)
        if not hits:
            return None
        top = hits[0][1]
        close = [self.entries[i] for _, score, i in hits if score >= top - 2]
        return self._best(close, year).item_id

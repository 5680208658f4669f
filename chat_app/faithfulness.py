"""Faithfulness: the claims an explanation makes that neither the pick's catalog record nor its evidence supports.

`unsupported_claims(text, evidence, catalog)` returns one readable line per unsupported claim; an empty list
means nothing made up was found. Pure functions; the catalog's title list is built once per catalog. Claims:

- titles: a catalog title that is neither the pick nor a title in its evidence ("closely follows Collateral"),
  or one said to be liked by the person that is not a liked title of the evidence ("you loved Hoop Dreams");
- names: any other proper name (a person, a place, an award) found nowhere in the item's record or evidence;
- genres: a genre word ("comedy", "animated") for a genre the item does not have, unless negated ("no horror");
- moods: a mood word the item's genres do not support (`evidence.mood_genres`) and its keywords/tags do not say;
- numbers: a year, runtime, rating, percentage or count that is not the item's, the evidence's or its text's;
- requests: "you wanted X" where X is none of the request words the evidence matched.

Genre and mood words are the catalog domain's (`Catalog.domain`). It checks stated facts, not taste ("you'll
love it" passes), and reads English. Left out: number words ("two
hours"), a one-word title that opens a sentence, and claims with no name, genre, mood or number in them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from chat_app.evidence import Evidence, mood_genres
from retrieval.catalog import Catalog
from retrieval.domain import Domain
from retrieval.match import fold

# mood words a person does not type but a writer does, read as the mood they claim
WRITER_MOODS = {"heartwarming": "feel-good", "heart-warming": "feel-good", "touching": "feel-good",
                "charming": "feel-good", "whimsical": "light-hearted", "comedic": "funny", "witty": "funny",
                "chilling": "scary", "terrifying": "scary", "creepy": "scary", "spooky": "scary",
                "tense": "intense", "suspenseful": "intense", "thrilling": "intense", "gripping": "intense",
                "bleak": "dark", "grim": "dark", "disturbing": "dark", "poignant": "emotional",
                "tearjerker": "emotional", "inspiring": "uplifting", "inspirational": "uplifting"}


@lru_cache(maxsize=16)
def moods(domain: Domain) -> dict[str, str]:
    """Mood words a person or a writer uses -> the mood they claim."""
    return {**domain.moods, **WRITER_MOODS}


@lru_cache(maxsize=16)
def genre_terms(domain: Domain) -> dict[str, tuple[str, ...]]:
    """Words that claim a category (those that are not also mood words): the categories each names, one of
    which the item must have ("rom-com": a romance or a comedy)."""
    return {w: domain.categories_of(w) for w in domain.category_words if w not in moods(domain)}


# words that claim a genre only when they say who it is for: "for the kids", "a family movie", not "two kids"
AUDIENCE_TERMS = {"kids", "children", "family"}
_FOR_AUDIENCE = re.compile(r"(?:\bfor\s+(?:the\s+|your\s+|all\s+the\s+|young\s+)?$)|(?:^[\s-]*(?:friendly|"
                           r"movies?|films?|fare|audiences?|night)\b)")
ALWAYS_FINE = ("I",)  # and the domain's ratings source ("MovieLens")
CONNECTORS = {"of", "the", "a", "an", "and", "in", "on", "to", "with", "for", "at", "from", "by", "de", "la",
              "le", "du", "von", "van", "der", "del", "da"}
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)?)(\s*%|\s*/\s*5\b|\s*out of 5\b|'?s\b)?")
_NEGATION = re.compile(r"\b(no|not|without|non|never|nothing|unlike|instead of|rather than|isn't|is not)\b\W*"
                       r"(\w+\W+){0,2}$", re.IGNORECASE)
_LIKED = re.compile(r"\byou\s+(?:\w+\s+)?(?:loved|liked|enjoyed|adored|named|mentioned|picked|chose)\s+"
                    r"(?:(?:in|the|movie|film|watching|about|so much)\s+){0,3}$", re.IGNORECASE)
_WANTED = re.compile(r"\byou\s+(?:wanted|asked for|requested|were looking for)\s+"
                     r"(?:an?\s+|the\s+|some\s+|something\s+)?([^.,;:!?()]{1,60})", re.IGNORECASE)


@dataclass(frozen=True)
class Names:
    """The catalog's titles, folded ("the matrix"), with their longest length in words."""

    titles: frozenset[str]
    longest: int


_NAMES: dict[str, Names] = {}


def catalog_names(catalog: Catalog) -> Names:
    """Built once per catalog (keyed by its fingerprint): every title, other title and article-less title."""
    names = _NAMES.get(catalog.fingerprint)
    if names is None:
        titles = set()
        for item in catalog:
            for title in (item.title, item.aka, *item.alt_titles):
                folded = fold(title)
                if folded:
                    titles.add(folded)
                    if folded.startswith(("the ", "a ", "an ")) and len(folded.split()) > 2:
                        titles.add(folded.split(" ", 1)[1])
        names = Names(frozenset(titles), max((len(t.split()) for t in titles), default=1))
        if len(_NAMES) > 8:
            _NAMES.clear()
        _NAMES[catalog.fingerprint] = names
    return names


@dataclass
class _Support:
    """What the item's record and evidence allow a text to name, in the forms the checks compare."""

    names: list[str]  # strings the text may contain as they are: titles, people, catalog words
    titles: set[str]  # folded titles the text may name
    liked: set[str]  # folded titles the person liked, per the evidence
    folded: str  # everything the item's record and evidence say, folded, for proper names
    numbers: set[float]
    percents: set[int]
    rating: float | None
    years: set[int]
    asked: list[str]  # folded request words the evidence matched
    domain: Domain | None = None

    @property
    def fine(self) -> tuple[str, ...]:  # capitalised words that are never a claim
        return ALWAYS_FINE + ((self.domain.texts.ratings_source,) if self.domain else ())


def _support(evidence: Evidence, catalog: Catalog) -> _Support:
    item = evidence.item
    own_titles = [item.title, item.label, item.aka, *item.alt_titles]
    liked_titles = []
    for ref_id, ref_title in [(r.item_id, r.title) for r in (*evidence.similar, *evidence.co_liked)] + \
            list(evidence.co_mentioned):
        other = catalog.get(ref_id)
        liked_titles += [ref_title] + ([other.title, other.aka, *other.alt_titles] if other else [])
    words = [*item.people, *item.companies, *item.countries, *item.keywords, *item.tags, *evidence.avoided]
    for m in evidence.matches:
        words += [m.asked, *m.words]
    for s in evidence.similar:
        words += [*s.people, *s.keywords, *s.tags]
    words += evidence.limits  # the person's own limits, quoted back ("kept to genre: Comedy or Drama")
    if evidence.co_mentioned:
        words.append("ReDial")  # the conversations the co-mention evidence comes from
    names = sorted({n for n in own_titles + liked_titles + words if n and len(n) > 1}, key=len, reverse=True)
    texts = names + [item.overview, item.tagline]
    numbers = {float(n) for t in texts for n in re.findall(r"\d+(?:\.\d+)?", t or "")}
    facts = evidence.facts()
    length = catalog.domain.length
    size = item.number(length.field) if length else None
    for value in (item.year, item.runtime, size, facts["num_ratings"], facts["mean_rating"], 4, 5):
        if value is not None:
            numbers.add(float(value))
    if size and length.display == "duration":  # minutes, also said as hours and minutes
        size = int(size)
        numbers |= {float(size // 60), float(-(-size // 60)), float(size % 60)}
    for c in evidence.co_liked:
        numbers |= {float(c.raters), float(c.also)}
    years = {int(n) for n in numbers if 1870 <= n <= 2100 and n == int(n)}
    return _Support(
        names=names, titles={fold(t) for t in own_titles + liked_titles if t},
        liked={fold(t) for t in liked_titles if t}, folded=" " + " ".join(fold(t or "") for t in texts) + " ",
        numbers=numbers, percents={p for c in evidence.co_liked for p in (c.percent, c.overall_percent)},
        rating=facts["mean_rating"], years=years,
        asked=[fold(x) for m in evidence.matches for x in (m.asked, *m.words)], domain=catalog.domain)


def _mask(text: str, spans) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


@lru_cache(maxsize=65536)
def _literal(needle: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", re.IGNORECASE)


def _find(text: str, needle: str):
    return _literal(needle).finditer(text)


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'“‘([")
    if not before or before[-1] in "\n":
        return True
    if before[-1] not in ".!?":
        return False
    return not re.search(r"(?:^|[\s.])[A-Z]\.$", before)  # "J.R.R. Tolkien": an initial, not a sentence end


def _capitalised(word: str) -> bool:
    return word[0].isupper() or word[0].isdigit()


def _in_longer_name(text: str, words: list, i: int) -> bool:
    """Whether word i is part of a run of capitalised words ("Ray" in "Ray Liotta" is not the film "Ray")."""
    before = i > 0 and words[i - 1].group()[0].isupper() and not text[words[i - 1].end() : words[i].start()].strip()
    after = i + 1 < len(words) and words[i + 1].group()[0].isupper() and \
        not text[words[i].end() : words[i + 1].start()].strip()
    return bool(before or after)


def _titles(text: str, support: _Support, names: Names, claims: list[str]) -> str:
    """Flag catalog titles the evidence does not hold, and 'you liked X' for an X the person did not like."""
    words = list(_WORD.finditer(text))
    spans = []
    i = 0
    while i < len(words):
        if not _capitalised(words[i].group()):
            i += 1
            continue
        found = None
        for n in range(min(names.longest, len(words) - i), 0, -1):
            run = words[i : i + n]
            if not _capitalised(run[-1].group()) or any(
                    not _capitalised(w.group()) and w.group().lower() not in CONNECTORS for w in run):
                continue
            if any(re.search(r"[;,()\n]|\s[-–—]\s", text[a.end() : b.start()]) for a, b in zip(run, run[1:])):
                continue
            phrase = fold(text[run[0].start() : run[-1].end()])
            if phrase not in names.titles or phrase.replace(" ", "").isdigit():  # "21", "9": numbers, checked as such
                continue
            if n == 1 and (_sentence_start(text, run[0].start()) or run[0].group() in support.domain.categories
                           or run[0].group() in support.fine or run[0].group().lower() in moods(support.domain)
                           or _in_longer_name(text, words, i)):
                continue
            found = (run, phrase)
            break
        if not found:
            i += 1
            continue
        run, phrase = found
        start, end = run[0].start(), run[-1].end()
        if phrase not in support.titles:
            claims.append(f"names a title that is not in the evidence: {text[start:end]}")
        elif _LIKED.search(text[:start]) and phrase not in support.liked:
            claims.append(f"says the person liked {text[start:end]}, which the evidence does not show")
        spans.append((start, end))
        i += len(run)
    return _mask(text, spans)


def _proper_names(text: str, support: _Support, claims: list[str]) -> None:
    """Flag runs of capitalised words that the item's record and evidence never mention."""
    words = [w for w in _WORD.finditer(text)]
    runs, run = [], []
    for w in words:
        word = w.group()
        domain = support.domain
        named = word[0].isupper() and word not in domain.categories and word not in support.fine \
            and word.lower() not in moods(domain) and word.lower() not in domain.category_words and not (
                word in ("Sci", "Fi", "Noir", "Film"))
        gap = text[run[-1].end() : w.start()] if run else ""
        if named and run and re.fullmatch(r"[\s.'’-]*", gap):
            run.append(w)
        elif named:
            runs.append(run)
            run = [w]
        else:
            runs.append(run)
            run = []
    runs.append(run)
    for run in filter(None, runs):
        if len(run) == 1 and _sentence_start(text, run[0].start()):  # "Expect", "Fans": ordinary words
            run = []
        if not run:
            continue
        name = text[run[0].start() : run[-1].end()]
        if f" {fold(name)} " not in support.folded:
            claims.append(f"names something the evidence does not mention: {name}")


def _negated(text: str, start: int) -> bool:
    clause = re.split(r"[.;,!?]", text[max(0, start - 30) : start])[-1]
    return bool(_NEGATION.search(clause))


def _genres_and_moods(text: str, evidence: Evidence, claims: list[str], domain: Domain) -> None:
    item = evidence.item
    lower = text.lower()
    mood_words = moods(domain)
    for word, genres in genre_terms(domain).items():
        for m in _find(lower, word):
            if word in AUDIENCE_TERMS and not (_FOR_AUDIENCE.search(lower[max(0, m.start() - 20) : m.start()])
                                               or _FOR_AUDIENCE.search(lower[m.end() : m.end() + 12])):
                continue
            if not set(genres) & set(item.genres) and not _negated(lower, m.start()):
                claims.append(f"calls it {word}, but its genres are {', '.join(item.genres) or 'not known'}")
                break
    for word in sorted(mood_words, key=len, reverse=True):  # "light-hearted" before "light"
        for m in _find(lower, word):
            lower = lower[: m.start()] + " " * (m.end() - m.start()) + lower[m.end() :]
            if not mood_genres(mood_words[word], item.genres, domain) and not _negated(text.lower(), m.start()):
                claims.append(f"calls it {word}, which its genres ({', '.join(item.genres) or 'none'}) do not "
                              "support")
                break


def _numbers(text: str, support: _Support, claims: list[str]) -> None:
    for m in _NUMBER.finditer(text):
        raw, unit = m.group(1), (m.group(2) or "").strip()
        value = float(raw.replace(",", "")) if raw.count(",") == 1 and len(raw.split(",")[1]) == 3 else \
            float(raw.replace(",", "."))
        if unit == "%":
            ok = int(value) == value and int(value) in support.percents
        elif "5" in unit:
            ok = support.rating is not None and abs(value - support.rating) < 0.051
        elif unit.endswith("s") and value == int(value) and value % 10 == 0:  # a decade: "90s", "1990s"
            start = int(value) + (1900 if value < 100 else 0)
            ok = any(start <= y <= start + 9 for y in support.years) or (value < 100 and any(
                start + 100 <= y <= start + 109 for y in support.years))
        elif "." in raw and value <= 5:
            ok = support.rating is not None and abs(value - support.rating) < 0.051
        else:
            ok = value in support.numbers
        if not ok:
            claims.append(f"states a number the evidence does not hold: {m.group(0).strip()}")


def _requests(text: str, support: _Support, claims: list[str]) -> None:
    for m in _WANTED.finditer(text):
        said = f" {fold(m.group(1))} "
        if not any(a and f" {a} " in said for a in support.asked):
            claims.append(f"says the person asked for {m.group(1).strip()}, which this item's evidence does "
                          "not match")


def unsupported_claims(text: str, evidence: Evidence, catalog: Catalog) -> list[str]:
    """Every claim in `text` about the pick `evidence.item` that its catalog record and evidence do not support."""
    support = _support(evidence, catalog)
    claims: list[str] = []
    # "you wanted X" and "you liked X" are read on the whole text, before any allowed words are masked
    _requests(text, support, claims)
    allowed: list[tuple[int, int]] = []  # longest first: "Toy Story" inside "Toy Story 2" is not Toy Story
    for name in (n for n in support.names if fold(n) in support.titles):
        allowed += [(m.start(), m.end()) for m in _find(text, name)
                    if not any(m.start() < end and start < m.end() for start, end in allowed)]
    for start, end in allowed:
        if _LIKED.search(text[:start]) and fold(text[start:end]) not in support.liked:
            claims.append(f"says the person liked {text[start:end]}, which the evidence does not show")
    # every allowed name (titles, people, catalog words) is blanked before looking for ones not allowed
    named = _mask(text, [(m.start(), m.end()) for name in support.names for m in _find(text, name)])
    words = _titles(named, support, catalog_names(catalog), claims)
    _proper_names(words, support, claims)
    _genres_and_moods(words, evidence, claims, catalog.domain)
    _numbers(words, support, claims)
    return list(dict.fromkeys(claims))

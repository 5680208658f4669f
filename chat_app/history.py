"""A person's exported history (Letterboxd, IMDb, Goodreads) read, matched to the catalog and put in the ledger.

`read_history(data, limits, filename)` decodes the bytes (UTF-8 with or without a BOM, UTF-16 with a BOM,
else Windows-1252), tells the format from the header and turns each row into an `Entry`: title, year, people,
ids, and a verdict on that format's own scale:

    Letterboxd ratings.csv, diary.csv   Rating 0.5-5 stars   liked >= 4, disliked <= 2, otherwise seen
    Letterboxd watched.csv              no rating            seen
    IMDb ratings export                 Your Rating 1-10     liked >= 8, disliked <= 4, otherwise seen
    Goodreads library export            My Rating 1-5        liked >= 4, disliked <= 2, otherwise seen
                                        (0 = not rated: seen; the to-read shelf is skipped, it is not history)

A row without a rating, or with one that cannot be read (out of range, not a number), counts as seen only.
`match_history(history, HistoryMatcher(items))` links each row to one catalog item from titles, years and
people alone (any catalog: movies, books), and never guesses: see `HistoryMatcher`. `apply_outcome` puts the matches
in the ledger through the same merge as a typed message. Bad input raises `HistoryError` with a message for
the person, before anything changes. Left out: dates, reviews, tags, rewatch counts; watchlists and lists
are refused (they hold what a person has not seen).
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from dataclasses import dataclass, field
from typing import Iterable

from rapidfuzz import fuzz, process

from chat_app.profile import Delta, Preference, Profile, merge
from retrieval.titles import normalize, uninvert
from retrieval.domain import Domain

ACCEPTED = ("a Letterboxd export (ratings.csv, watched.csv or diary.csv), an IMDb ratings export "
            "(Your Ratings, then Export) or a Goodreads library export (My Books, then Import and export)")
IMPORTED_SHARE = 2.0  # all imported likes together weigh as much as two titles named in a message (so do dislikes)
AMBIGUOUS = "matches more than one"  # the reason a row left unmatched because several items fit
MAX_TITLE = 500  # characters; a longer "title" is no title
_SERIES = re.compile(r"\s*\([^()]*#\s*\d[\d.\-–]*\)\s*$")  # Goodreads' "(The Hunger Games, #1)"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_IMDB_ID = re.compile(r"tt\d{5,10}")


class HistoryError(ValueError):
    """A history file that cannot be imported; the message says why and what to upload instead."""


@dataclass(frozen=True)
class HistoryLimits:
    max_bytes: int = 20 * 2**20
    max_rows: int = 20_000


def limits_from(settings) -> HistoryLimits:
    """The limits `Settings` (--history-max-mb, --history-max-rows) set."""
    return HistoryLimits(int(settings.history_max_mb * 2**20), settings.history_max_rows)


@dataclass(frozen=True)
class Scale:
    low: float
    high: float
    like: float  # this rating and above: liked
    dislike: float  # this rating and below: disliked
    unrated: float | None = None  # the value a format writes for "no rating" (Goodreads: 0)

    def verdict(self, text: str) -> tuple[str, bool]:
        """(like | dislike | seen, whether the rating was unreadable) for a rating as written."""
        value = _rating(text)
        if value is None or value == self.unrated:
            return "seen", bool(text.strip()) and value is None
        if not self.low <= value <= self.high:
            return "seen", True
        return ("like" if value >= self.like else "dislike" if value <= self.dislike else "seen"), False

    def rule(self) -> str:
        return (f"ratings of {self.like:g} and up count as liked, {self.dislike:g} and below as disliked, "
                "the rest and unrated titles as seen")


SCALES = {"Letterboxd": Scale(0.5, 5, 4, 2), "IMDb": Scale(1, 10, 8, 4), "Goodreads": Scale(1, 5, 4, 2, unrated=0)}


@dataclass(frozen=True)
class Entry:
    """One row of a history file, as read: nothing about the catalog yet."""

    line: int
    title: str
    year: int | None = None
    verdict: str = "seen"  # like | dislike | seen
    people: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()  # IMDb ids, ISBNs
    other_titles: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


@dataclass
class History:
    format: str
    entries: list[Entry]
    rows: int  # data rows in the file
    read: int  # rows read (at most the row limit)
    skipped: dict[str, int] = field(default_factory=dict)  # why -> rows
    rated: int = 0  # rows with a rating, readable or not
    bad_ratings: int = 0
    duplicates: int = 0
    encoding: str = "UTF-8"


# ---------------------------------------------------------------- reading a file


def read_upload(source: object, limits: HistoryLimits) -> tuple[bytes, str]:
    """The bytes and file name of what Gradio or a caller handed in (a path, a file object, bytes), refusing
    a file above the size limit before reading it."""
    if isinstance(source, (bytes, bytearray)):
        data, name = bytes(source), ""
    else:
        path = getattr(source, "path", None) or getattr(source, "name", None) or source
        if not isinstance(path, (str, os.PathLike)) or not str(path):
            raise HistoryError(f"Choose a file to import first: {ACCEPTED}.")
        try:
            size = os.path.getsize(path)
            if size > limits.max_bytes:
                raise HistoryError(_too_big(size, limits))
            with open(path, "rb") as fh:
                data = fh.read(limits.max_bytes + 1)
        except OSError as exc:
            raise HistoryError(f"The file could not be read ({exc.strerror or exc}). Please upload it again.") from None
        name = os.path.basename(str(path))
    if len(data) > limits.max_bytes:
        raise HistoryError(_too_big(len(data), limits))
    return data, name


def _too_big(size: int, limits: HistoryLimits) -> str:
    return (f"The file is {size / 2**20:.1f} MB; this app imports files of at most "
            f"{limits.max_bytes / 2**20:.0f} MB. Export only your ratings, or split the file. Nothing was changed.")


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise HistoryError("The file says it is UTF-16 but is not; save it again as CSV (UTF-8).") from None
    for encoding, name in (("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        try:
            return data.decode(encoding), name
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _clean(text: object, limit: int = MAX_TITLE + 1) -> str:
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", str(text or "")[: limit * 4])).strip()[:limit]


def _rating(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    if set(text) <= set("★½☆ "):  # "★★★½"
        return text.count("★") + 0.5 * text.count("½")
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _year(*texts: str) -> int | None:
    for text in texts:
        m = re.fullmatch(r"\s*(\d{4})(?:\.0*)?\s*", text or "") or re.match(r"\s*(\d{4})-\d\d-\d\d", text or "")
        if m and 1800 <= int(m.group(1)) <= 2100:
            return int(m.group(1))
    return None


def _names(*texts: str) -> tuple[str, ...]:
    names = (_clean(n, 200) for text in texts for n in (text or "").split(","))
    return tuple(dict.fromkeys(n for n in names if n))


def _unwrap(text: str) -> str:
    """Goodreads writes ISBNs as spreadsheet formulas (="0439023483") so that leading zeros survive; this
    reads the digits out. It never evaluates anything."""
    m = re.fullmatch(r'\s*="?([0-9Xx-]*)"?\s*', text or "")
    return (m.group(1) if m else text or "").replace("-", "").upper()


def _detect(header: list[str], filename: str) -> str:
    cols = set(header)
    if "watchlist" in filename.lower():
        raise HistoryError(f"“{filename}” is a watchlist: what you mean to watch, not what you have seen. "
                           f"Import {ACCEPTED} instead. Nothing was changed.")
    if {"name", "letterboxd uri"} <= cols:
        return "Letterboxd"
    if "const" in cols and "title" in cols:
        if not cols & {"your rating", "you rated"}:
            raise HistoryError("This is an IMDb list, not your ratings: it says nothing about what you have "
                               "seen. Export Your Ratings instead. Nothing was changed.")
        return "IMDb"
    if "book id" in cols and "title" in cols:
        return "Goodreads"
    first = ",".join(header)[:120]
    raise HistoryError(f"I cannot tell what this file is (its first line reads “{first}”). I can import "
                       f"{ACCEPTED}. Nothing was changed.")


def _entry(fmt: str, row: dict, line: int, history: History) -> Entry | None:
    get = lambda key: row.get(key) or ""  # noqa: E731
    if fmt == "Letterboxd":
        title, year, people, ids, others, rating = get("name"), _year(get("year")), (), (), (), get("rating")
    elif fmt == "IMDb":
        title, year = get("title"), _year(get("year"), get("release date"))
        people, others = _names(get("directors")), (_clean(get("original title")),)
        ids = tuple(m.group(0) for m in [_IMDB_ID.fullmatch(get("const").strip())] if m)
        rating = get("your rating") or get("you rated")
        if "position" in row and not rating.strip():  # a watchlist export: unrated rows are not history
            history.skipped["on a list but not rated"] = history.skipped.get("on a list but not rated", 0) + 1
            return None
    else:  # Goodreads
        shelf = get("exclusive shelf").strip().lower()
        if shelf == "to-read":
            history.skipped["on your to-read shelf"] = history.skipped.get("on your to-read shelf", 0) + 1
            return None
        title = get("title")
        year = _year(get("original publication year"), get("year published"))
        people, others = _names(get("author"), get("additional authors")), ()
        ids = tuple(x for x in (_unwrap(get("isbn13")), _unwrap(get("isbn"))) if x)
        rating = get("my rating")
    title = _clean(title)
    if not title:
        history.skipped["without a title"] = history.skipped.get("without a title", 0) + 1
        return None
    verdict, bad = SCALES[fmt].verdict(rating)
    history.rated += bool(rating.strip()) and _rating(rating) != SCALES[fmt].unrated
    history.bad_ratings += bad
    return Entry(line, title, year, verdict, people, ids, tuple(o for o in others if o and o != title))


def read_history(data: bytes, limits: HistoryLimits = HistoryLimits(), filename: str = "") -> History:
    """The entries of a history file, or HistoryError saying why it cannot be read."""
    if len(data) > limits.max_bytes:
        raise HistoryError(_too_big(len(data), limits))
    if data.startswith(b"PK\x03\x04"):
        raise HistoryError("This is a zip archive (or a spreadsheet workbook), not a CSV file: unzip the export "
                           f"and upload the CSV inside, or save the sheet as CSV. I can import {ACCEPTED}.")
    text, encoding = _decode(data)
    text = text.replace("\x00", "")
    if not text.strip():
        raise HistoryError(f"The file is empty. Upload {ACCEPTED}.")
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    try:
        header = [_clean(h, 100).lower() for h in next(reader)]
        fmt = _detect(header, filename)
        history = History(fmt, [], 0, 0, encoding=encoding)
        chosen: dict[tuple[str, int | None], Entry] = {}
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            history.rows += 1
            if history.rows > limits.max_rows:
                continue  # counted, not read
            history.read += 1
            entry = _entry(fmt, dict(zip(header, row)), reader.line_num, history)
            if entry is None:
                continue
            key = (normalize(entry.title), entry.year)
            if key in chosen:
                history.duplicates += 1
                if entry.verdict == "seen" and chosen[key].verdict != "seen":
                    continue  # a rated row says more than an unrated one; otherwise the later row wins
            chosen[key] = entry
    except StopIteration:
        raise HistoryError(f"The file is empty. Upload {ACCEPTED}.") from None
    except csv.Error as exc:
        raise HistoryError(f"Line {reader.line_num} of the file cannot be read as CSV ({exc}). Export the file "
                           "again, without editing it. Nothing was changed.") from None
    if not history.rows:
        raise HistoryError(f"The file has a {fmt} header but no rows: there is nothing to import.")
    history.entries = list(chosen.values())
    return history


# ---------------------------------------------------------------- matching to the catalog


def _person(name: str) -> str:
    return normalize(name).replace(" ", "")  # "J.K. Rowling" and "J. K. Rowling" are one person


def _keys(title: str) -> tuple[list[str], list[str]]:
    """(strict keys, loose keys) of a title: itself, un-inverted ("Matrix, The") and without a Goodreads series
    note; loosely, the part before a subtitle ("Sapiens: A Brief History..." -> "sapiens")."""
    bare = _SERIES.sub("", title).strip() or title
    strict = list(dict.fromkeys(k for k in (normalize(t) for t in (title, uninvert(title), bare, uninvert(bare))) if k))
    head = bare.split(":", 1)[0] if ":" in bare else ""
    loose = [k for k in (normalize(head),) if len(k) >= 4 and k not in strict]
    return strict, loose


@dataclass(frozen=True)
class Miss:
    line: int
    title: str
    year: int | None
    reason: str  # "not in the catalog ..." or AMBIGUOUS + ": the items"

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


class HistoryMatcher:
    """Rows -> catalog items from titles, years and people only (Item.title, aka, alt_titles, year, directors,
    writers, cast), so it serves any catalog. Built once per catalog; matching is pure.

    A row's title matches an item's title exactly (after the catalog's own `normalize`: case, accents,
    punctuation, a leading article) or, failing that, fuzzily above `cutoff` (rapidfuzz ratio) among items of
    the same year (within one) or by one of the row's people. Among several items, a shared person and then
    the year decide; a fuzzy or subtitle-less match needs that support. When several items remain, or only
    items of another year, the row stays unmatched with the reason: nothing is guessed. An id the row carries
    (IMDb `tt…`, an ISBN) decides at once when the catalog's items carry the same id (imdb_id, isbn13, isbn).
    """

    ID_FIELDS = ("imdb_id", "isbn13", "isbn")

    def __init__(self, items: Iterable, cutoff: float = 90.0):
        self.items = list(items)
        self.cutoff = cutoff
        self.strict: dict[str, list[int]] = {}
        self.loose: dict[str, list[int]] = {}
        self.by_year: dict[int, list[tuple[str, int]]] = {}
        self.by_person: dict[str, list[int]] = {}
        self.by_id: dict[str, int] = {}
        self.people: list[frozenset[str]] = []
        self.keys: list[list[str]] = []
        for i, item in enumerate(self.items):
            names = (item.title, getattr(item, "aka", ""), *getattr(item, "alt_titles", ()))
            strict, loose = [], []
            for name in filter(None, names):
                s, lo = _keys(name)
                strict += s
                loose += lo
            strict = list(dict.fromkeys(strict))
            self.keys.append(strict)
            for key in strict:
                self.strict.setdefault(key, []).append(i)
            for key in dict.fromkeys(k for k in loose if k not in strict):
                self.loose.setdefault(key, []).append(i)
            if item.year is not None:
                self.by_year.setdefault(item.year, []).extend((k, i) for k in strict)
            people = frozenset(_person(p) for p in (*getattr(item, "directors", ()), *getattr(item, "writers", ()),
                                                   *getattr(item, "cast", ())) if _person(p))
            self.people.append(people)
            for p in people:
                self.by_person.setdefault(p, []).append(i)
            for name in self.ID_FIELDS:
                value = getattr(item, name, None)
                if value:
                    self.by_id[str(value).upper()] = i

    def match(self, entry: Entry) -> tuple[int | None, str]:
        """(item index, "") or (None, why not)."""
        for ident in entry.ids:
            if ident.upper() in self.by_id:
                return self.by_id[ident.upper()], ""
        if len(entry.title) > MAX_TITLE:
            return None, "not in the catalog"
        people = {_person(p) for p in entry.people} - {""}
        keys = [_keys(t) for t in (entry.title, *entry.other_titles)]
        strict = [k for s, _ in keys for k in s]
        loose = [k for _, lo in keys for k in lo]
        found = [i for k in strict for i in self.strict.get(k, ())]
        decided = self._decide(found, entry, people, need_support=False)
        if decided[0] is not None or decided[1].startswith(AMBIGUOUS):
            return decided
        # a subtitle on one side only ("Sapiens" / "Sapiens: A Brief History of Humankind"), then a typo:
        # both need a year or a person to agree
        found = [i for k in strict for i in self.loose.get(k, ())] + [
            i for k in loose for i in (*self.strict.get(k, ()), *self.loose.get(k, ()))]
        for found in (found, [i for k in keys[0][0] for i in self._fuzzy(k, entry, people)]):
            if found:
                near = self._decide(found, entry, people, need_support=True)
                if near[0] is not None or near[1].startswith(AMBIGUOUS):
                    return near
        return decided

    def _fuzzy(self, key: str, entry: Entry, people: set[str]) -> list[int]:
        if len(key) < 4:  # "Up", "It", "Her": short titles only match exactly
            return []
        pool: list[tuple[str, int]] = []
        if entry.year is not None:
            for year in (entry.year - 1, entry.year, entry.year + 1):
                pool += self.by_year.get(year, ())
        for p in people:
            pool += [(k, i) for i in self.by_person.get(p, ()) for k in self.keys[i]]
        if not pool:
            return []
        hits = process.extract(key, [k for k, _ in pool], scorer=fuzz.ratio, score_cutoff=self.cutoff, limit=8)
        top = hits[0][1] if hits else 0
        return [pool[j][1] for _, score, j in hits if score >= top - 2]

    def _decide(self, found: list[int], entry: Entry, people: set[str], need_support: bool) -> tuple[int | None, str]:
        candidates = list(dict.fromkeys(found))
        if not candidates:
            return None, "not in the catalog"
        supported = False
        shared = [i for i in candidates if self.people[i] & people]
        if shared:
            candidates, supported = shared, True
        if entry.year is not None and not (supported and len(candidates) == 1):
            years = [self.items[i].year for i in candidates]
            same = [i for i, y in zip(candidates, years) if y == entry.year]
            near = [i for i, y in zip(candidates, years) if y is not None and abs(y - entry.year) <= 1]
            unknown = [i for i, y in zip(candidates, years) if y is None]
            if same or near:
                candidates, supported = same or near, True
            elif unknown:
                candidates = unknown  # the catalog does not say the year: the title alone decides
            else:
                return None, f"not in the catalog (it has only {self._labels(candidates)})"
        if need_support and not supported:
            return None, "not in the catalog"
        if len(candidates) > 1:
            return None, f"{AMBIGUOUS}: {self._labels(candidates)}"
        return candidates[0], ""

    def _labels(self, indices: list[int]) -> str:
        labels = [getattr(self.items[i], "label", self.items[i].title) for i in indices[:3]]
        return ", ".join(labels) + (f" and {len(indices) - 3} more" if len(indices) > 3 else "")


@dataclass
class Outcome:
    history: History
    liked: list = field(default_factory=list)  # catalog items
    disliked: list = field(default_factory=list)
    seen: list = field(default_factory=list)  # seen only: no rating, or a middling one
    unmatched: list[Miss] = field(default_factory=list)
    duplicates: int = 0  # rows folded into another row for the same item
    kept: int = 0  # liked or disliked titles the ledger held already: what the person said stands

    @property
    def imported(self) -> int:
        return len(self.liked) + len(self.disliked) + len(self.seen)

    def summary(self, shown: int = 8) -> str:
        """What happened, for the person (plain text: the caller escapes it)."""
        h = self.history
        rule = f" ({SCALES[h.format].rule()})" if h.rated else " (the file holds no ratings)"
        parts = [f"Imported {self.imported:,} of {self.imported + len(self.unmatched):,} titles from your {h.format} "
                 f"export: {len(self.liked):,} liked, {len(self.disliked):,} disliked, {len(self.seen):,} seen{rule}."]
        ambiguous = [m for m in self.unmatched if m.reason.startswith(AMBIGUOUS)]
        for misses, word in (([m for m in self.unmatched if m not in ambiguous], "not in the catalog"),
                             (ambiguous, "could be more than one catalog title, so I left {} out")):
            if misses:
                more = f" and {len(misses) - shown:,} more" if len(misses) > shown else ""
                word = word.format("it" if len(misses) == 1 else "them")
                parts.append(f"{len(misses):,} {word}: " + "; ".join(m.label for m in misses[:shown]) + more + ".")
        if self.kept:
            parts.append(f"{self.kept:,} of these {'was' if self.kept == 1 else 'were'} in your ledger already "
                         "and stay as you said.")
        duplicates = h.duplicates + self.duplicates
        if duplicates:
            parts.append(f"{duplicates:,} repeated row{'s' if duplicates > 1 else ''} counted once.")
        for why, count in h.skipped.items():
            parts.append(f"{count:,} row{'s' if count > 1 else ''} {why} skipped.")
        if h.bad_ratings:
            parts.append(f"{h.bad_ratings:,} rating{'s' if h.bad_ratings > 1 else ''} I could not read "
                         f"(not a number, or out of range) counted as seen only.")
        if h.rows > h.read:
            parts.append(f"Only the first {h.read:,} of {h.rows:,} rows were read: this app imports at most "
                         f"{h.read:,} at a time.")
        return " ".join(parts)

    def to_json(self, limit: int = 1000) -> dict:
        h = self.history
        ids = lambda items: [item.id for item in items]  # noqa: E731
        return {"format": h.format, "encoding": h.encoding, "rows": h.rows, "read": h.read,
                "imported": self.imported, "liked": ids(self.liked), "disliked": ids(self.disliked),
                "seen": ids(self.seen), "duplicates": h.duplicates + self.duplicates, "skipped": dict(h.skipped),
                "bad_ratings": h.bad_ratings, "unmatched_count": len(self.unmatched),
                "unmatched": [{"line": m.line, "title": m.title, "year": m.year, "reason": m.reason}
                              for m in self.unmatched[:limit]]}


def match_history(history: History, matcher: HistoryMatcher) -> Outcome:
    """Each entry matched to one item or listed as unmatched; an item reached by two rows counts once (the
    later row's verdict)."""
    outcome = Outcome(history)
    verdicts: dict[int, str] = {}
    for entry in history.entries:
        index, why = matcher.match(entry)
        if index is None:
            outcome.unmatched.append(Miss(entry.line, entry.title, entry.year, why))
            continue
        if index in verdicts:
            outcome.duplicates += 1
            if entry.verdict == "seen" and verdicts[index] != "seen":
                continue
            del verdicts[index]
        verdicts[index] = entry.verdict
    for index, verdict in verdicts.items():
        {"like": outcome.liked, "dislike": outcome.disliked, "seen": outcome.seen}[verdict].append(matcher.items[index])
    return outcome


def in_ledger(profile: Profile, outcome: Outcome) -> int:
    """How many of the liked and disliked titles the ledger holds already (they keep their entries)."""
    held = {p.item_id for p in profile.preferences if p.item_id}
    return sum(item.id in held for item in (*outcome.liked, *outcome.disliked))


def apply_outcome(profile: Profile, outcome: Outcome, turn: int, domain: Domain | None = None) -> Profile:
    """The profile with the matched titles as liked, disliked and seen entries, merged as a typed turn would be.
    Imported likes share the weight of `IMPORTED_SHARE` typed titles, so that what the person asks for in
    the chat still leads; a title the ledger holds already keeps its entry (the chat is their word now, the
    file may be years old)."""
    held = {p.item_id for p in profile.preferences if p.item_id}
    prefs = []
    for polarity, items in (("like", outcome.liked), ("dislike", outcome.disliked)):
        weight = min(1.0, IMPORTED_SHARE / len(items)) if items else 1.0
        prefs += [Preference("item", item.title, polarity, turn, item.id, weight) for item in items
                  if item.id not in held]
    delta = Delta(intent="feedback", preferences=tuple(prefs), seen=tuple(item.id for item in outcome.seen))
    return merge(profile, delta, turn, domain)  # the catalog's domain keeps its limits (a books audience)


def import_history(profile: Profile, source: object, matcher: HistoryMatcher, turn: int,
                   limits: HistoryLimits = HistoryLimits(), filename: str = "",
                   domain: Domain | None = None) -> tuple[Profile, Outcome]:
    """Read, match and apply a history file (a path, file object or bytes): the new profile and what happened.
    HistoryError leaves the caller's profile as it was."""
    data, name = read_upload(source, limits)
    outcome = match_history(read_history(data, limits, filename or name), matcher)
    if not outcome.imported:
        raise HistoryError(outcome.summary().replace("Imported 0 of", "Nothing imported: none of", 1)
                           + " Nothing was changed.")
    outcome.kept = in_ledger(profile, outcome)
    return apply_outcome(profile, outcome, turn, domain), outcome

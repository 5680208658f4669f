"""Readers for the datasets that give catalog items people, companies, countries and a language.

DBpedia (the graph around the ReDial movies) and the Netflix titles file are read here into plain dicts of
`Item` fields; `merge_fields` combines such dicts from several sources, keeping the first source's order,
counting a name once however each source spells it, and capping each list. Both catalog builds use these:
`retrieval.build_catalog` (the shipped MovieLens catalog) and `retrieval.redial_catalog` (ReDial ids).
Raw text is data: control characters are dropped, lengths capped, and a malformed row or edge is counted in
the caller's `skipped` counter instead of stopping the build. Netflix descriptions are never read (they
remain Netflix's text); TMDB parsing lives with the rest of the MovieLens build.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable
from urllib.parse import unquote

from retrieval.match import fold
from retrieval.titles import normalize

MAX_NAME = 80
# list lengths after merging all sources; DBpedia lists the main cast, Netflix the billing order
CAPS = {"cast": 12, "directors": 4, "writers": 6, "composers": 4, "companies": 6, "countries": 5, "alt_titles": 4}

# DBpedia relation ids (unnamed upstream; read from examples such as Heat (1995) and Crouching Tiger)
RELATIONS = {69: "cast", 122: "directors", 125: "writers", 71: "composers", 183: "companies",
             25: "countries", 150: "language"}
# DBpedia language resources (after dropping "_language" and the like) -> ISO 639-1, as TMDB writes them
# (TMDB's "cn" for Cantonese included). "Silent film", "Intertitles", "Cinema of X" and peoples say nothing.
_LANGUAGES = {
    "English": "en", "American English": "en", "British English": "en", "Hindi": "hi", "Cantonese": "cn",
    "German": "de", "Italian": "it", "French": "fr", "Malayalam": "ml", "Japanese": "ja", "Spanish": "es",
    "Standard Chinese": "zh", "Standard Mandarin": "zh", "Mandarin Chinese": "zh", "Chinese": "zh",
    "Russian": "ru", "Telugu": "te", "Tamil": "ta", "Filipino": "tl", "Tagalog": "tl", "Arabic": "ar",
    "Kannada": "kn", "Bengali": "bn", "Portuguese": "pt", "Swedish": "sv", "Persian": "fa", "Thai": "th",
    "Greek": "el", "Danish": "da", "Norwegian": "no", "Dutch": "nl", "Korean": "ko", "Urdu": "ur",
    "Hungarian": "hu", "Irish": "ga", "Vietnamese": "vi", "Yiddish": "yi", "Hebrew": "he", "Turkish": "tr",
    "Czech": "cs", "Polish": "pl", "Finnish": "fi", "Marathi": "mr", "Punjabi": "pa", "Gujarati": "gu",
    "Serbian": "sr", "Bulgarian": "bg", "Georgian": "ka", "Nepali": "ne", "Khmer": "km", "Zulu": "zu",
    "Afrikaans": "af", "Welsh": "cy", "Kurdish": "ku", "Sinhala": "si", "Sinhalese": "si", "Icelandic": "is",
    "Romanian": "ro", "Indonesian": "id", "Malay": "ms", "Ukrainian": "uk",
}
# the languages most films of a country are made in (TMDB codes); a country missing here tells nothing
COUNTRY_LANGUAGES = {
    "United States": {"en"}, "United Kingdom": {"en"}, "Ireland": {"en"}, "Australia": {"en"},
    "New Zealand": {"en"}, "Canada": {"en", "fr"}, "France": {"fr"}, "Belgium": {"fr", "nl"},
    "Switzerland": {"de", "fr", "it"}, "Germany": {"de"}, "West Germany": {"de"}, "East Germany": {"de"},
    "Austria": {"de"}, "Italy": {"it"}, "Spain": {"es"}, "Mexico": {"es"}, "Argentina": {"es"}, "Chile": {"es"},
    "Colombia": {"es"}, "Peru": {"es"}, "Cuba": {"es"}, "Japan": {"ja"}, "South Korea": {"ko"},
    "China": {"zh", "cn"}, "Hong Kong": {"cn", "zh"}, "Taiwan": {"zh"}, "Russia": {"ru"}, "Soviet Union": {"ru"},
    "Sweden": {"sv"}, "Denmark": {"da"}, "Norway": {"no", "nb"}, "Finland": {"fi"}, "Iceland": {"is"},
    "Netherlands": {"nl"}, "Brazil": {"pt"}, "Portugal": {"pt"}, "Poland": {"pl"}, "Czech Republic": {"cs"},
    "Hungary": {"hu"}, "Romania": {"ro"}, "Greece": {"el"}, "Turkey": {"tr"}, "Iran": {"fa"}, "Israel": {"he"},
    "Thailand": {"th"}, "Indonesia": {"id"}, "Egypt": {"ar"},
    "India": {"hi", "ta", "te", "ml", "kn", "bn", "mr", "pa", "en"},
}
_LANGUAGE_SUFFIX = re.compile(r"[ -]?(\(language\)|language)$", re.IGNORECASE)
# country spellings that differ between the sources -> the one the catalog uses
_COUNTRY_ALIASES = {"United States of America": "United States", "US": "United States", "USA": "United States",
                    "UK": "United Kingdom", "Republic of Ireland": "Ireland",
                    "United Kingdom of Great Britain and Ireland": "United Kingdom"}
_QUALIFIER = re.compile(r"\s*\([^()]*\)$")
_URI_QUALIFIER = re.compile(r"_\(([^()]*)\)$")
_FILM_QUALIFIER = re.compile(r".*film|(\d{4}_)?(TV_series|miniseries|serial)")


def clean_text(value: object, limit: int) -> str:
    """One printable line: control and format characters dropped (joiners kept), whitespace collapsed, cut at
    a word boundary to about `limit` characters (with an ellipsis). Anything but a string gives ""."""
    if not isinstance(value, str):
        return ""
    if not value.isprintable():
        value = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in value
                        if unicodedata.category(ch) != "Cf" or ch in "\u200c\u200d")
    text = " ".join(value.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 that was read as cp1252 ('JosÃ©' -> 'José'); any other text comes back unchanged."""
    if text.isascii():
        return text
    raw = bytearray()
    for ch in text:
        try:
            raw += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 0xFF:
                return text
            raw.append(ord(ch))  # the five bytes cp1252 leaves undefined come through as U+0081 and so on
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return text


def entity_name(uri: str) -> str:
    """'<http://dbpedia.org/resource/Michael_Mann_(director)>' -> 'Michael Mann'; 'Tom_Hanks__1' -> 'Tom Hanks'."""
    name = unquote(str(uri).strip().strip("<>").split("/resource/", 1)[-1])
    name = re.sub(r"__\d+$", "", name).replace("_", " ")
    return clean_text(_QUALIFIER.sub("", name).strip() or name, MAX_NAME)


def uri_year(uri: str) -> int | None:
    """The year a DBpedia film URI names ('Heat_(1995_film)' -> 1995), or None."""
    m = re.search(r"_\((\d{4})_[^()]*\)>?$", str(uri))
    return int(m.group(1)) if m else None


def country_name(name: str) -> str:
    name = clean_text(name, MAX_NAME).removeprefix("Cinema of the ").removeprefix("Cinema of ")
    return _COUNTRY_ALIASES.get(name, name)


def language_code(name: str) -> str | None:
    """ISO 639-1 code of a DBpedia language resource ('Standard_Mandarin' -> 'zh'), None if it names none."""
    return _LANGUAGES.get(_LANGUAGE_SUFFIX.sub("", entity_name(name)).strip())


def language_from_countries(countries: Iterable[str], stated: str | None, original_title: bool) -> str | None:
    """A language for an item no source gives one for, only where a check against TMDB's languages found it
    reliable: DBpedia's one stated language when a country of the item speaks it (48 of 49 agreed), else the
    one language all its countries speak, when that is English (2,585 of 2,588 agreed) or the item also has
    an original-language title, MovieLens' "Title (Original title)" (77 of 79)."""
    spoken = [COUNTRY_LANGUAGES.get(c, set()) for c in countries]
    if stated and any(stated in languages for languages in spoken):
        return stated
    if not spoken or not all(spoken):
        return None
    languages = set().union(*spoken)
    return languages.pop() if len(languages) == 1 and (languages == {"en"} or original_title) else None


def dedupe(values: Iterable[str], cap: int | None = None) -> tuple[str, ...]:
    """Values in first-seen order, each once by its folded form ('Chow Yun-fat' = 'Chow Yun Fat'), at most `cap`."""
    seen, out = set(), []
    for value in values:
        key = fold(value) if value else ""
        if key and key not in seen:
            seen.add(key)
            out.append(value)
    return tuple(out[:cap] if cap else out)


def merge_fields(*parts: dict) -> dict:
    """Item fields from several sources in order of trust: lists are joined, deduplicated and capped (CAPS);
    a single value (language, overview) comes from the first source that has one."""
    out: dict = {}
    for part in parts:
        for name, value in part.items():
            if isinstance(value, (tuple, list)):
                out[name] = out.get(name, ()) + tuple(value)
            elif value not in (None, "") and out.get(name) in (None, ""):
                out[name] = value
    return {name: dedupe(value, CAPS.get(name)) if isinstance(value, tuple) else value
            for name, value in out.items()}


def other_titles(candidates: Iterable[str], *known: str) -> tuple[str, ...]:
    """The candidates that are not just another spelling of a known title (case, accents, articles)."""
    taken = {normalize(t) for t in known if t}
    return tuple(t for t in candidates if normalize(t) and normalize(t) not in taken)


@dataclass(frozen=True)
class DBpediaFilm:
    uri: str
    year: int | None  # from the URI, when it names one
    fields: dict


def load_dbpedia(folder: Path, countries: set[str], skipped: Counter) -> dict[str, DBpediaFilm]:
    """ReDial movieId -> the film DBpedia links it to, with cast, directors, writers, composers, distributors
    (as companies), countries (only names in `countries`) and the language when only one is listed.
    Links to things that are not films (an album, a pitcher, a film series) are counted and left out."""
    graph = json.loads((folder / "dbpedia_subkg.json").read_text(encoding="utf-8"))
    entity_ids = json.loads((folder / "entity2id.json").read_text(encoding="utf-8"))
    links = json.loads((folder / "redial_movie_to_dbpedia.json").read_text(encoding="utf-8"))
    uris = {entity_id: uri for uri, entity_id in entity_ids.items()}
    films = {}
    for redial_id, uri in links.items():
        if not isinstance(uri, str) or not uri:
            continue
        qualifier = _URI_QUALIFIER.search(uri.strip("<>"))
        if qualifier and not _FILM_QUALIFIER.fullmatch(qualifier.group(1)):
            skipped["dbpedia: link to something that is not a film"] += 1
            continue
        values: dict[str, list[str]] = {name: [] for name in RELATIONS.values()}
        for edge in graph.get(str(entity_ids.get(uri)), []):
            if not (isinstance(edge, list) and len(edge) == 2 and edge[1] in uris):
                skipped["dbpedia: malformed edge"] += 1
                continue
            if edge[0] in RELATIONS:
                values[RELATIONS[edge[0]]].append(uris[edge[1]])
        fields = {name: tuple(entity_name(v) for v in found) for name, found in values.items()
                  if name not in ("countries", "language")}
        fields["countries"] = tuple(c for c in map(country_name, map(entity_name, values["countries"]))
                                    if c in countries)
        languages = set(filter(None, map(language_code, values["language"])))
        fields["language"] = languages.pop() if len(languages) == 1 else None  # the list's order is not kept
        films[str(redial_id)] = DBpediaFilm(uri, uri_year(uri), fields)
    return films


def dbpedia_fields(films: Iterable[DBpediaFilm | None], year: int | None, skipped: Counter) -> dict:
    """The fields of the film that best fits the item's year: a URI naming that very year, else one naming
    no year (Wikipedia's main article, usually the best-known film), else one a year off. A film of another
    year (a remake, a namesake) is counted and ignored."""
    def fit(film: DBpediaFilm) -> int:
        if film.year is None or year is None:
            return 1
        return {0: 0, 1: 2}.get(abs(film.year - year), 3)

    fitting = sorted((fit(f), n, f) for n, f in enumerate(f for f in films if f is not None))
    skipped["dbpedia: link to a film of another year"] += sum(1 for rank, _, _ in fitting if rank == 3)
    return fitting[0][2].fields if fitting and fitting[0][0] < 3 else {}


@dataclass
class NetflixIndex:
    """Netflix movies by normalised title: director, cast (billing order) and countries, nothing else."""

    by_key: dict[str, list[tuple[int, int, dict]]] = field(default_factory=dict)  # key -> [(year, row, fields)]
    countries: set[str] = field(default_factory=set)
    skipped: Counter = field(default_factory=Counter)

    def find(self, titles: Iterable[str], year: int | None) -> dict:
        """Fields of the one Netflix movie with one of these titles released within a year of `year`; {} when
        there is none, or when two movies fit equally well."""
        if year is None:
            return {}
        hits = {row: (abs(y - year), fields) for title in titles if title
                for y, row, fields in self.by_key.get(normalize(title), []) if abs(y - year) <= 1}
        if not hits:
            return {}
        best = min(distance for distance, _ in hits.values())
        found = [fields for distance, fields in hits.values() if distance == best]
        if len(found) > 1:
            self.skipped["netflix: two movies fit one title"] += 1
            return {}
        return found[0]


def _people(raw: object, cap: int, skipped: Counter) -> tuple[str, ...]:
    names = [clean_text(repair_mojibake(n), MAX_NAME) for n in raw.split(",")] if isinstance(raw, str) else []
    lost = [n for n in names if "?" in n]  # a letter the file lost ("Pavel K?íž"): not a name to match
    skipped["netflix: name with a lost letter"] += len(lost)
    return dedupe((n for n in names if n and n not in lost), cap)


def load_netflix(path: Path, skipped: Counter) -> NetflixIndex:
    """Read netflix_titles.csv: movies only, repeated header rows and malformed rows counted and skipped,
    names repaired where the file double-encoded them."""
    index = NetflixIndex(skipped=skipped)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = csv.DictReader(fh)
        for number in itertools.count():
            try:
                row = next(rows)
            except StopIteration:
                break
            except csv.Error:
                skipped["netflix: unreadable row"] += 1
                continue
            if row.get("show_id") == "show_id":
                skipped["netflix: repeated header row"] += 1
                continue
            if row.get("type") != "Movie":
                continue
            title = clean_text(repair_mojibake(row.get("title") or ""), 200)
            year = str(row.get("release_year") or "").strip()
            if not normalize(title) or not year.isdigit():
                skipped["netflix: movie without a title or year"] += 1
                continue
            countries = tuple(country_name(repair_mojibake(c)) for c in str(row.get("country") or "").split(","))
            fields = {"directors": _people(row.get("director"), CAPS["directors"], skipped),
                      "cast": _people(row.get("cast"), CAPS["cast"], skipped),
                      "countries": dedupe(countries, CAPS["countries"])}
            index.countries.update(fields["countries"])
            index.by_key.setdefault(normalize(title), []).append((int(year), number, fields))
    return index

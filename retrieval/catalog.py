"""The item catalog: typed items, loading the shipped file, and the text each item is embedded as.

A catalog is a folder (README "Catalog folders"): a gzipped JSON-lines file of items (one per line), the
`domain.yaml` that says what kind of items they are (`retrieval.domain`), and optionally ratings. This module
finds the folder for a `--catalog` value, reads and validates the items; it knows nothing about embeddings,
Chroma or dialogue. Building the shipped movie folder from the raw datasets lives in `retrieval.build_catalog`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from retrieval.domain import Domain, DomainError, load_domain, movie_domain

MOVIES_DIR = Path(__file__).parent / "data"  # the shipped movie catalog folder
DEFAULT_CATALOG = MOVIES_DIR / "catalog.jsonl.gz"
CATALOGS_DIR = Path(__file__).resolve().parents[1] / "catalogs"  # other shipped or built folders, by name
ITEM_FILES = ("items.jsonl.gz", "items.jsonl", "catalog.jsonl.gz")  # the movie folder's file keeps its old name
RATINGS_FILE = "ratings.csv.gz"
DOMAIN_FILE = "domain.yaml"

# MovieLens' genre vocabulary (the movie domain's categories), for the movie catalog builders.
GENRES = (
    "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
)


NUMBER_FIELDS = ("year", "runtime", "num_ratings", "mentions", "mean_rating")
TUPLE_FIELDS = ("genres", "keywords", "tags", "alt_titles", "cast", "directors", "writers", "composers",
                "companies", "countries")


class CatalogError(Exception):
    """The catalog file is missing or unreadable; the message says what to do."""


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    year: int | None = None
    genres: tuple[str, ...] = ()
    overview: str = ""
    tagline: str = ""
    keywords: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    runtime: int | None = None
    language: str | None = None
    num_ratings: int = 0
    mentions: int = 0  # times people brought it up in recommendation dialogues (ReDial catalogs only)
    mean_rating: float | None = None
    ml_id: int | None = None
    tmdb_id: int | None = None
    aka: str = ""
    alt_titles: tuple[str, ...] = ()  # other names: original-language title (e.g. 卧虎藏龙), translations
    cast: tuple[str, ...] = ()  # billing order
    directors: tuple[str, ...] = ()
    writers: tuple[str, ...] = ()
    composers: tuple[str, ...] = ()
    companies: tuple[str, ...] = ()  # production companies and distributors
    countries: tuple[str, ...] = ()  # production countries, English names
    # other numbers by name, e.g. (("pages", 320),): what a domain's length may read (`Domain.length.field`)
    attributes: tuple[tuple[str, float], ...] = ()

    def number(self, name: str) -> float | None:
        """A numeric field by name: one of the item's own (runtime, year) or one of its `attributes`."""
        if name in NUMBER_FIELDS:
            return getattr(self, name)
        return next((v for k, v in self.attributes if k == name), None)

    @property
    def people(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.directors + self.cast + self.writers + self.composers))

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    def document(self, domain: Domain | None = None) -> str:
        """The text this item is embedded as: what it is, what it is about, how people describe it (and who
        made it, in the domain's words: "Directed by", "By")."""
        domain = domain or movie_domain()
        parts = [self.label + "."]
        if self.genres:
            parts.append("Genres: " + ", ".join(self.genres) + ".")
        if self.tagline:
            parts.append(self.tagline)
        if self.overview:
            parts.append(self.overview)
        if self.keywords:
            parts.append("Keywords: " + ", ".join(self.keywords) + ".")
        if self.tags:
            parts.append(f"{domain.texts.tags_label}: " + ", ".join(self.tags) + ".")
        for role in domain.roles:
            if (names := getattr(self, role.field)) and role.limit:
                parts.append(f"{role.says} " + ", ".join(names[: role.limit]) + ".")
        if self.companies:
            parts.append("From " + ", ".join(self.companies[:3]) + ".")
        if self.countries:
            parts.append("Made in " + ", ".join(self.countries[:3]) + ".")
        return " ".join(parts)

    def to_json(self) -> dict:
        out = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()
               if v not in (None, "", (), 0) or k in ("id", "title")}
        if self.attributes:
            out["attributes"] = dict(self.attributes)
        return out

    @classmethod
    def from_json(cls, raw: dict) -> "Item":
        if not isinstance(raw, dict) or not raw.get("id") or not raw.get("title"):
            raise ValueError("an item needs at least 'id' and 'title'")
        known = {f for f in cls.__dataclass_fields__}
        kwargs = {k: v for k, v in raw.items() if k in known}
        for key in TUPLE_FIELDS:
            kwargs[key] = tuple(str(x) for x in kwargs.get(key) or ())
        kwargs["id"] = str(kwargs["id"])
        numbers = kwargs.get("attributes") or {}
        if not isinstance(numbers, dict):
            raise ValueError("'attributes' must be an object of numbers, e.g. {\"pages\": 320}")
        kwargs["attributes"] = tuple(sorted(
            (str(k), int(v) if float(v).is_integer() else float(v)) for k, v in numbers.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)))
        return cls(**kwargs)


@dataclass
class Catalog:
    items: list[Item]
    fingerprint: str
    path: Path | None = None
    domain: Domain = field(default_factory=movie_domain, repr=False)  # what kind of items these are
    by_id: dict[str, Item] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.by_id = {item.id: item for item in self.items}
        if len(self.by_id) != len(self.items):
            raise CatalogError("the catalog has duplicate item ids; rebuild it")
        self._by_mentions = any(item.mentions for item in self.items)
        counts = [self.popularity_count(item) for item in self.items]
        self._top_popularity = math.log1p(max(counts, default=0)) or 1.0
        self.by_popularity = [item for _, item in sorted(zip(counts, self.items), key=lambda ci: -ci[0])]

    def popularity_count(self, item: Item) -> int:
        """How often people chose the item: dialogue mentions where a catalog has them, else ratings."""
        return item.mentions if self._by_mentions else item.num_ratings

    def popularity(self, item: Item) -> float:
        """log-scaled popularity in [0, 1], 1 for the catalog's most popular item."""
        return math.log1p(self.popularity_count(item)) / self._top_popularity

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.by_id

    def get(self, item_id: str) -> Item | None:
        return self.by_id.get(item_id)

    def by_ml_id(self) -> dict[int, str]:
        return {item.ml_id: item.id for item in self.items if item.ml_id is not None}

    @property
    def folder(self) -> Path | None:
        return self.path.parent if self.path else None

    @classmethod
    def from_items(cls, items: Iterable[Item], domain: Domain | None = None) -> "Catalog":
        items = list(items)
        digest = hashlib.sha256()
        for item in items:
            digest.update(json.dumps(item.to_json(), sort_keys=True).encode())
        return cls(items, digest.hexdigest()[:16], domain=domain or movie_domain())


def known_catalogs() -> dict[str, Path]:
    """The catalog folders a name reaches: `movies` (shipped) and every folder under `catalogs/`."""
    found = {"movies": MOVIES_DIR}
    if CATALOGS_DIR.is_dir():
        found |= {p.name: p for p in sorted(CATALOGS_DIR.iterdir()) if p.is_dir() and items_file(p)}
    return found


def items_file(folder: Path) -> Path | None:
    return next((folder / name for name in ITEM_FILES if (folder / name).is_file()), None)


def resolve_catalog(value: str | Path) -> Path:
    """A --catalog value as a path: a folder or items file as given, or a known name ("movies", "books").
    Raises CatalogError naming the known catalogs when it is neither."""
    path = Path(value).expanduser()
    if path.exists():
        return path
    name = str(value)
    known = known_catalogs()
    if name in known:
        return known[name]
    if "/" not in name and "\\" not in name:
        raise CatalogError(f"no catalog named {name!r}: the known ones are {', '.join(known)} "
                           "(a name is a folder under catalogs/); or give the path of a catalog folder")
    raise CatalogError(f"catalog folder not found: {path}")


def load_catalog(path: str | Path = MOVIES_DIR) -> Catalog:
    """Load a catalog folder (or one items file; its folder's domain.yaml, else movies), or raise CatalogError
    saying what is wrong and how to fix it."""
    path = Path(path)
    if path.is_dir():
        folder = path
        if (found := items_file(folder)) is None:
            raise CatalogError(f"the catalog folder {folder} has no {' or '.join(ITEM_FILES)}; build one with "
                               "`python -m retrieval.ingest` (README: Catalog folders)")
        path = found
    else:
        folder = path.parent
    if not path.is_file():
        raise CatalogError(
            f"catalog file not found: {path}. Pass --catalog with a catalog built by "
            "`python -m retrieval.build_catalog`, or restore the shipped retrieval/data/catalog.jsonl.gz."
        )
    try:
        domain = load_domain(folder / DOMAIN_FILE) if (folder / DOMAIN_FILE).is_file() else movie_domain()
    except DomainError as exc:
        raise CatalogError(str(exc)) from exc
    raw = path.read_bytes()
    try:
        text = gzip.decompress(raw).decode("utf-8") if raw[:2] == b"\x1f\x8b" else raw.decode("utf-8")
        items = [Item.from_json(json.loads(line)) for line in text.splitlines() if line.strip()]
    except (OSError, EOFError, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise CatalogError(
            f"catalog file {path} is corrupt ({exc}). Rebuild it with `python -m retrieval.build_catalog` "
            "or restore it with `git checkout -- retrieval/data`."
        ) from exc
    if not items:
        raise CatalogError(f"catalog file {path} has no items.")
    return Catalog(items, hashlib.sha256(raw).hexdigest()[:16], path, domain)


def save_catalog(items: Iterable[Item], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(item.to_json(), ensure_ascii=False, sort_keys=True) + "\n" for item in items)
    # mtime=0 keeps the file byte-identical across rebuilds, so its fingerprint only moves with content.
    path.write_bytes(gzip.compress(lines.encode("utf-8"), compresslevel=9, mtime=0))
    return path

"""The item catalog: typed items, loading the shipped file, and the text each item is embedded as.

A catalog is one gzipped JSON-lines file (one item per line) plus an optional ratings file beside it.
This module reads and validates it; it knows nothing about embeddings, Chroma or dialogue.
Building the shipped file from the raw datasets lives in `retrieval.build_catalog`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

DEFAULT_CATALOG = Path(__file__).parent / "data" / "catalog.jsonl.gz"

# MovieLens' genre vocabulary; every catalog item uses these names so filters stay exact.
GENRES = (
    "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
)


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

    @property
    def people(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.directors + self.cast + self.writers + self.composers))

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    def document(self) -> str:
        """The text this item is embedded as: what it is, what it is about, how people describe it."""
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
            parts.append("Viewers say: " + ", ".join(self.tags) + ".")
        if self.directors:
            parts.append("Directed by " + ", ".join(self.directors[:3]) + ".")
        if self.cast:
            parts.append("Starring " + ", ".join(self.cast[:5]) + ".")
        if self.companies:
            parts.append("From " + ", ".join(self.companies[:3]) + ".")
        if self.countries:
            parts.append("Made in " + ", ".join(self.countries[:3]) + ".")
        return " ".join(parts)

    def to_json(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()
                if v not in (None, "", (), 0) or k in ("id", "title")}

    @classmethod
    def from_json(cls, raw: dict) -> "Item":
        if not isinstance(raw, dict) or not raw.get("id") or not raw.get("title"):
            raise ValueError("an item needs at least 'id' and 'title'")
        known = {f for f in cls.__dataclass_fields__}
        kwargs = {k: v for k, v in raw.items() if k in known}
        for key in TUPLE_FIELDS:
            kwargs[key] = tuple(str(x) for x in kwargs.get(key) or ())
        kwargs["id"] = str(kwargs["id"])
        return cls(**kwargs)


@dataclass
class Catalog:
    items: list[Item]
    fingerprint: str
    path: Path | None = None
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

    @classmethod
    def from_items(cls, items: Iterable[Item]) -> "Catalog":
        items = list(items)
        digest = hashlib.sha256()
        for item in items:
            digest.update(json.dumps(item.to_json(), sort_keys=True).encode())
        return cls(items, digest.hexdigest()[:16])


def load_catalog(path: str | Path = DEFAULT_CATALOG) -> Catalog:
    """Load a catalog file, or raise CatalogError saying what is wrong and how to fix it."""
    path = Path(path)
    if not path.is_file():
        raise CatalogError(
            f"catalog file not found: {path}. Pass --catalog with a catalog built by "
            "`python -m retrieval.build_catalog`, or restore the shipped retrieval/data/catalog.jsonl.gz."
        )
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
    catalog = Catalog(items, hashlib.sha256(raw).hexdigest()[:16], path)
    return catalog


def save_catalog(items: Iterable[Item], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(item.to_json(), ensure_ascii=False, sort_keys=True) + "\n" for item in items)
    # mtime=0 keeps the file byte-identical across rebuilds, so its fingerprint only moves with content.
    path.write_bytes(gzip.compress(lines.encode("utf-8"), compresslevel=9, mtime=0))
    return path

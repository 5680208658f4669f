"""The field map of `retrieval.ingest`: which column of a person's file becomes which catalog field.

A map is a small YAML file (or the same thing given as flags). Like a RecBole atomic file's header
(`title:token_seq`, `year:float`), it gives each catalog field its source column; the field's type is fixed by
the catalog (`FIELDS` below), so a map only says where to read and how to split:

    items: {format: csv, encoding: utf-8}          # both optional: format from the file name; UTF-8 with fallbacks
    fields:
      id: book_id                                  # a column name ...
      title: {column: title, parenthetical: keywords}   # ... or a spec; a trailing "(...)" goes to keywords
      year: original_publication_year              # a year, a date or a float such as 2008.0
      categories: {column: genres, split: "|"}     # the domain's categories (genres in items.jsonl)
      text: [description, blurb]                   # free text, joined: the item's overview
      people: {writers: {column: authors, split: ","}}   # roles: cast, directors, writers, composers
      attributes: {pages: {column: num_pages, unit: pages}}   # numbers by name; runtime is minutes
      language: language_code                      # ISO 639-1, 639-2 ("eng", "fre") or a tag ("en-US")
    interactions: {user: user_id, item: book_id, rating: rating}   # or count: plays (implicit feedback)
    unique: [title, writers]                       # one item per title and authors: later editions are skipped
    domain: books7k.domain.yaml                    # copied into the folder; a file in the map's folder
    attribution: books7k.attribution.md            # the same

A spec's keys: column (or columns, several, in order), split (a separator of 1-5 characters), parenthetical (a
field that takes a trailing "(...)" of the value), parenthetical_category (a category the items with one get:
"(Harry Potter, #1)" -> Series), zfill (pad an id with zeros to that width), unit,
max_chars (text), liked_at (count). Unknown keys, wrong types and paths that leave the map's folder are errors
(`MapError`) naming the key; nothing in a map is executed or evaluated (`yaml.safe_load`, no regexes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

# catalog field -> its type (RecBole's vocabulary: token, token_seq, float; plus text, year, language)
FIELDS = {
    "id": "token", "title": "token", "year": "year", "categories": "token_seq", "text": "text",
    "tagline": "text", "keywords": "token_seq", "tags": "token_seq", "alt_titles": "token_seq",
    "language": "language", "num_ratings": "count", "mean_rating": "float", "companies": "token_seq",
    "countries": "token_seq",
}
ROLES = ("cast", "directors", "writers", "composers")
SPEC_KEYS = {"column", "columns", "split", "parenthetical", "parenthetical_category", "zfill", "unit", "max_chars"}
INTERACTION_KEYS = {"user", "item", "rating", "count", "liked_at", "format", "encoding"}
TOP_KEYS = {"items", "fields", "interactions", "domain", "attribution", "unique"}
MAX_MAP_BYTES = 256 * 1024


class MapError(Exception):
    """The map (file or flags) cannot be used; the message names the key and what is allowed."""


@dataclass(frozen=True)
class Spec:
    columns: tuple[str, ...]
    split: str | None = None
    parenthetical: str | None = None
    parenthetical_category: str | None = None
    zfill: int | None = None
    unit: str | None = None
    max_chars: int | None = None


@dataclass
class FieldMap:
    fields: dict[str, Spec] = field(default_factory=dict)  # catalog field -> spec
    people: dict[str, Spec] = field(default_factory=dict)  # role -> spec
    attributes: dict[str, Spec] = field(default_factory=dict)  # name -> spec
    format: str | None = None
    encoding: str | None = None
    interactions: dict = field(default_factory=dict)  # user/item/rating/count -> column; liked_at, format, encoding
    domain: Path | None = None
    attribution: Path | None = None
    unique: tuple[str, ...] = ()  # catalog fields whose values together name one item (other editions are skipped)

    def columns(self) -> dict[str, str]:
        """Every column the map reads -> the map key that reads it (for messages)."""
        out = {}
        for group, specs in (("", self.fields), ("people.", self.people), ("attributes.", self.attributes)):
            for name, spec in specs.items():
                for column in spec.columns:
                    out.setdefault(column, group + name)
        return out

    def to_json(self) -> dict:
        spec = lambda s: {k: v for k, v in vars(s).items() if v not in (None, ())} | {"columns": list(s.columns)}
        return {"fields": {k: spec(s) for k, s in self.fields.items()},
                "people": {k: spec(s) for k, s in self.people.items()},
                "attributes": {k: spec(s) for k, s in self.attributes.items()},
                "interactions": dict(self.interactions)}


def _name(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise MapError(f"{where}: expected a column name (text, 1-200 characters), got {value!r:.80}")
    return value.strip()


def parse_spec(raw: object, where: str) -> Spec:
    if isinstance(raw, str):
        return Spec((_name(raw, where),))
    if isinstance(raw, list):
        if not raw or len(raw) > 20:
            raise MapError(f"{where}: a list of 1-20 column names, got {len(raw)}")
        return Spec(tuple(_name(c, where) for c in raw))
    if not isinstance(raw, dict):
        raise MapError(f"{where}: expected a column name, a list of them or a mapping with 'column', "
                       f"got {type(raw).__name__}")
    unknown = set(map(str, raw)) - SPEC_KEYS
    if unknown:
        raise MapError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(SPEC_KEYS)}")
    if ("column" in raw) == ("columns" in raw):
        raise MapError(f"{where}: give exactly one of 'column' or 'columns'")
    columns = parse_spec(raw.get("column", raw.get("columns")), where).columns
    split = raw.get("split")
    if split is not None and not (isinstance(split, str) and 1 <= len(split) <= 5):
        raise MapError(f"{where}.split: a separator of 1-5 characters, got {split!r:.40}")
    parenthetical = raw.get("parenthetical")
    if parenthetical is not None and FIELDS.get(parenthetical) not in ("token_seq", "text"):
        raise MapError(f"{where}.parenthetical: a list or text field "
                       f"({', '.join(k for k, t in FIELDS.items() if t in ('token_seq', 'text'))}), "
                       f"got {parenthetical!r:.40}")
    category = raw.get("parenthetical_category")
    if category is not None and not (isinstance(category, str) and 0 < len(category) <= 60):
        raise MapError(f"{where}.parenthetical_category: a category name, got {category!r:.40}")
    for key, low, high in (("zfill", 1, 64), ("max_chars", 10, 1_000_000)):
        value = raw.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high):
            raise MapError(f"{where}.{key}: a whole number from {low} to {high}, got {value!r:.40}")
    unit = raw.get("unit")
    if unit is not None and not (isinstance(unit, str) and 0 < len(unit) <= 40):
        raise MapError(f"{where}.unit: a short word such as pages or minutes, got {unit!r:.40}")
    return Spec(columns, split, parenthetical, category, raw.get("zfill"), unit, raw.get("max_chars"))


def _named_group(raw: object, where: str, allowed: tuple[str, ...] | None) -> dict[str, Spec]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise MapError(f"{where}: a mapping of names to columns, got {type(raw).__name__}")
    out = {}
    for key, spec in raw.items():
        key = str(key)
        if allowed is not None and key not in allowed:
            raise MapError(f"{where}.{key}: unknown role; the catalog's people roles are {', '.join(allowed)} "
                           "(a book's authors are writers)")
        if allowed is None and not (key.replace("_", "").isalnum() and key.isascii() and len(key) <= 40):
            raise MapError(f"{where}.{key}: an attribute name is letters, digits and _ (at most 40)")
        out[key] = parse_spec(spec, f"{where}.{key}")
    return out


def _inside(base: Path, raw: object, where: str) -> Path:
    """A file the map names, inside the map's folder: a map someone sent you cannot copy ~/.ssh into a catalog."""
    if not isinstance(raw, str) or not raw.strip():
        raise MapError(f"{where}: a file name relative to the map, got {raw!r:.80}")
    path = Path(raw)
    resolved = (base / path).resolve()
    if path.is_absolute() or not resolved.is_relative_to(base.resolve()):
        raise MapError(f"{where}: {raw!r:.80} must be a file in the map's folder, not an absolute path or one "
                       "that climbs out of it (pass --{where} to use another file)")
    if not resolved.is_file():
        raise MapError(f"{where}: no file {resolved}")
    return resolved


def parse_map(raw: object, base: Path | None = None) -> FieldMap:
    """A FieldMap from the YAML's data; `base` is the map's folder (for domain and attribution files)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise MapError(f"the map must be a YAML mapping with a 'fields' key, got {type(raw).__name__}")
    unknown = set(map(str, raw)) - TOP_KEYS
    if unknown:
        raise MapError(f"unknown top-level keys {sorted(unknown)}; allowed: {sorted(TOP_KEYS)}")
    fields_raw = raw.get("fields") or {}
    if not isinstance(fields_raw, dict):
        raise MapError(f"fields: a mapping of catalog fields to columns, got {type(fields_raw).__name__}")
    out = FieldMap()
    for key, spec in fields_raw.items():
        key = str(key)
        if key == "people":
            out.people = _named_group(spec, "fields.people", ROLES)
        elif key == "attributes":
            out.attributes = _named_group(spec, "fields.attributes", None)
        elif key in FIELDS:
            out.fields[key] = parse_spec(spec, f"fields.{key}")
        else:
            raise MapError(f"fields.{key}: not a catalog field; the fields are {', '.join(FIELDS)}, people, "
                           "attributes")
    items = raw.get("items") or {}
    if not isinstance(items, dict) or set(map(str, items)) - {"format", "encoding"}:
        raise MapError("items: a mapping with only 'format' and 'encoding'")
    out.format, out.encoding = _optional_text(items, "format", "items"), _optional_text(items, "encoding", "items")
    inter = raw.get("interactions") or {}
    if not isinstance(inter, dict) or set(map(str, inter)) - INTERACTION_KEYS:
        raise MapError(f"interactions: a mapping with keys from {sorted(INTERACTION_KEYS)}")
    for key, value in inter.items():
        if key == "liked_at":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise MapError(f"interactions.liked_at: a positive number, got {value!r:.40}")
            out.interactions[key] = float(value)
        else:
            out.interactions[key] = _name(value, f"interactions.{key}")
    unique = raw.get("unique") or []
    allowed = ("title", "year", "language") + ROLES
    if not isinstance(unique, list) or not all(isinstance(u, str) and u in allowed for u in unique):
        raise MapError(f"unique: a list of catalog fields from {', '.join(allowed)}, e.g. [title, writers]")
    out.unique = tuple(unique)
    for key in ("domain", "attribution"):
        if raw.get(key) is not None:
            if base is None:
                raise MapError(f"{key}: only a map file may name files (pass --{key} on the command line)")
            setattr(out, key, _inside(base, raw[key], key))
    return out


def _optional_text(raw: dict, key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is not None and not (isinstance(value, str) and 0 < len(value) <= 40):
        raise MapError(f"{where}.{key}: a short name, got {value!r:.40}")
    return value


def load_map(path: str | Path) -> FieldMap:
    path = Path(path)
    if not path.is_file():
        raise MapError(f"no map file {path}")
    data = path.read_bytes()
    if len(data) > MAX_MAP_BYTES:
        raise MapError(f"{path} is {len(data):,} bytes; a map is a few lines (at most {MAX_MAP_BYTES:,} bytes)")
    try:
        raw = yaml.safe_load(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise MapError(f"{path} is not UTF-8 text ({exc})") from None
    except yaml.YAMLError as exc:
        raise MapError(f"{path} is not valid YAML: {exc}") from None
    return parse_map(raw, path.parent)

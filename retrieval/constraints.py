"""Hard constraints on items: one typed record, compiled to a Chroma `where` filter and checked per item.

The filter narrows the vector search; `satisfies` is applied again to every shown item, so a constraint
holds even if the filter and the data disagree. Items whose year or length is unknown fail a constraint on
that field: we never claim a movie is "under 2 hours" (or a book "under 300 pages") without knowing it.
What the categories, audiences and the length attribute are comes from the catalog's `Domain`; each method
takes it (the movie domain when none is given).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from retrieval.catalog import Item
from retrieval.domain import Domain, movie_domain

YEAR_RANGE = (1870, 2100)
LANGUAGE_NAMES = {"en": "English", "fr": "French", "es": "Spanish", "de": "German", "it": "Italian", "ja": "Japanese",
                  "ko": "Korean", "zh": "Chinese", "cn": "Cantonese", "hi": "Hindi", "ru": "Russian",
                  "sv": "Swedish", "da": "Danish", "pt": "Portuguese", "nl": "Dutch", "no": "Norwegian",
                  "fi": "Finnish", "pl": "Polish", "tr": "Turkish", "fa": "Persian", "th": "Thai", "el": "Greek",
                  "he": "Hebrew", "ar": "Arabic", "hu": "Hungarian", "cs": "Czech", "id": "Indonesian",
                  "ta": "Tamil", "te": "Telugu", "ro": "Romanian", "is": "Icelandic"}


def _clamp_int(value: Any, low: int, high: int) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if low <= number <= high else None


@dataclass(frozen=True)
class Constraints:
    year_min: int | None = None
    year_max: int | None = None
    length_max: int | None = None  # in the domain's length unit: minutes of a film, pages of a book
    genres_required: tuple[str, ...] = ()  # any of these (the domain's categories)
    genres_excluded: tuple[str, ...] = ()  # none of these
    languages: tuple[str, ...] = ()  # ISO 639-1 codes, any of these
    audience: str | None = None  # a key of the domain's audiences

    def normalized(self, domain: Domain | None = None) -> "Constraints":
        """Drop values that cannot be right (unknown categories, impossible years) and order ranges."""
        domain = domain or movie_domain()
        year_min = _clamp_int(self.year_min, *YEAR_RANGE)
        year_max = _clamp_int(self.year_max, *YEAR_RANGE)
        if year_min is not None and year_max is not None and year_min > year_max:
            year_min, year_max = year_max, year_min
        languages = tuple(sorted({str(v).lower() for v in self.languages if str(v).isalpha() and len(str(v)) == 2}))
        audience = self.audience if isinstance(self.audience, str) and self.audience in domain.audiences else None
        length = _clamp_int(self.length_max, *domain.length.range) if domain.length else None
        return Constraints(year_min, year_max, length, domain.known_categories(self.genres_required),
                           domain.known_categories(self.genres_excluded), languages, audience)

    def without(self, name: str) -> "Constraints":
        if name not in {f.name for f in fields(self)}:
            return self
        default = () if isinstance(getattr(self, name), tuple) else None
        return replace(self, **{name: default})

    def where(self, domain: Domain | None = None) -> dict | None:
        """The Chroma metadata filter, or None when nothing is constrained."""
        domain = domain or movie_domain()
        clauses: list[dict] = []
        if self.year_min is not None:
            clauses.append({"year": {"$gte": self.year_min}})
        if self.year_max is not None:
            clauses += [{"year": {"$lte": self.year_max}}, {"year": {"$gt": 0}}]
        if self.length_max is not None and domain.length:
            key = domain.length.metadata_key()
            clauses += [{key: {"$lte": self.length_max}}, {key: {"$gt": 0}}]
        if self.genres_required:
            anyof = [{"genres": {"$contains": g}} for g in self.genres_required]
            clauses.append(anyof[0] if len(anyof) == 1 else {"$or": anyof})
        clauses += [{"genres": {"$not_contains": g}} for g in self.genres_excluded]
        if self.languages:
            clauses.append({"language": {"$in": list(self.languages)}})
        if self.audience in domain.audiences:
            rule = domain.audiences[self.audience]
            anyof = [{"genres": {"$contains": g}} for g in rule.any]
            if anyof:
                clauses.append(anyof[0] if len(anyof) == 1 else {"$or": anyof})
            clauses += [{"genres": {"$not_contains": g}} for g in rule.none if g not in self.genres_excluded]
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def satisfies(self, item: Item, domain: Domain | None = None) -> bool:
        return not self.violations(item, domain)

    def violations(self, item: Item, domain: Domain | None = None) -> list[str]:
        domain = domain or movie_domain()
        out = []
        if self.year_min is not None and (item.year is None or item.year < self.year_min):
            out.append(f"year before {self.year_min}")
        if self.year_max is not None and (item.year is None or item.year > self.year_max):
            out.append(f"year after {self.year_max}")
        if self.length_max is not None and domain.length:
            value = item.number(domain.length.field)
            if value is None or value > self.length_max:
                out.append(f"{domain.length.name} over {self.length_max} {domain.length.short} or unknown")
        if self.genres_required and not set(self.genres_required) & set(item.genres):
            out.append(f"none of {', '.join(self.genres_required)}")
        if set(self.genres_excluded) & set(item.genres):
            out.append(f"excluded genre {', '.join(sorted(set(self.genres_excluded) & set(item.genres)))}")
        if self.languages and item.language not in self.languages:
            out.append(f"language not {', '.join(self.languages)}")
        if self.audience in domain.audiences:
            rule = domain.audiences[self.audience]
            if (rule.any and not set(rule.any) & set(item.genres)) or set(rule.none) & set(item.genres):
                out.append(f"not {rule.says}")
        return out

    def describe(self, domain: Domain | None = None) -> list[str]:
        """The constraints as a person would say them."""
        domain = domain or movie_domain()
        out = []
        if self.year_min and self.year_max:
            out.append(f"from {self.year_min} to {self.year_max}")
        elif self.year_min:
            out.append(f"from {self.year_min} on")
        elif self.year_max:
            out.append(f"up to {self.year_max}")
        if self.length_max and domain.length:
            out.append(f"at most {self.length_max} {domain.length.unit}")
        if self.genres_required:
            out.append("genre: " + " or ".join(self.genres_required))
        if self.genres_excluded:
            out.append("no " + ", no ".join(self.genres_excluded))
        if self.languages:
            out.append("in " + " or ".join(LANGUAGE_NAMES.get(code, code) for code in self.languages))
        if self.audience in domain.audiences:
            out.append(domain.audiences[self.audience].says)
        return out


def item_metadata(item: Item) -> dict:
    """The metadata stored with each item in Chroma; the fields `Constraints.where` filters on (an item's
    `attributes` as `attr_<name>`, so a domain's length can be any of them)."""
    meta = {"year": item.year or 0, "runtime": item.runtime or 0, "language": item.language or "",
                  "title": item.title, "num_ratings": item.num_ratings,
                  # never empty: a missing key would make `$not_contains` drop the item
                  "genres": list(item.genres) or ["(none)"]}
    meta |= {f"attr_{name}": value for name, value in item.attributes}
    return meta


LIMIT_FIELDS = tuple(f.name for f in fields(Constraints))  # every limit a person can see and remove

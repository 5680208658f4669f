"""Hard constraints on items: one typed record, compiled to a Chroma `where` filter and checked per item.

The filter narrows the vector search; `satisfies` is applied again to every shown item, so a constraint
holds even if the filter and the data disagree. Items whose year or runtime is unknown fail a constraint on
that field: we never claim a movie is "under 2 hours" without knowing it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from retrieval.catalog import GENRES, Item

YEAR_RANGE = (1870, 2100)
# who the items are for, as genre rules: "any" of these genres is required, "none" of those may appear
AUDIENCES = {
    "family": {"any": ("Children", "Animation"), "none": ("Horror", "Thriller", "War", "Crime", "Film-Noir")},
    "adults": {"any": (), "none": ("Children",)},
    "date": {"any": (), "none": ("Children", "Documentary", "War")},
}
AUDIENCE_WORDS = {"family": "for the family", "adults": "for grown-ups", "date": "for a date night"}
LANGUAGE_NAMES = {"en": "English", "fr": "French", "es": "Spanish", "de": "German", "it": "Italian", "ja": "Japanese",
                  "ko": "Korean", "zh": "Chinese", "cn": "Cantonese", "hi": "Hindi", "ru": "Russian",
                  "sv": "Swedish", "da": "Danish", "pt": "Portuguese", "nl": "Dutch", "no": "Norwegian",
                  "fi": "Finnish", "pl": "Polish", "tr": "Turkish", "fa": "Persian", "th": "Thai", "el": "Greek",
                  "he": "Hebrew", "ar": "Arabic", "hu": "Hungarian", "cs": "Czech", "id": "Indonesian",
                  "ta": "Tamil", "te": "Telugu", "ro": "Romanian", "is": "Icelandic"}
RUNTIME_RANGE = (1, 1000)


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
    runtime_max: int | None = None  # minutes
    genres_required: tuple[str, ...] = ()  # any of these
    genres_excluded: tuple[str, ...] = ()  # none of these
    languages: tuple[str, ...] = ()  # ISO 639-1 codes, any of these
    audience: str | None = None  # a key of AUDIENCES

    def normalized(self) -> "Constraints":
        """Drop values that cannot be right (unknown genres, impossible years) and order ranges."""
        year_min = _clamp_int(self.year_min, *YEAR_RANGE)
        year_max = _clamp_int(self.year_max, *YEAR_RANGE)
        if year_min is not None and year_max is not None and year_min > year_max:
            year_min, year_max = year_max, year_min
        genres = {g.lower(): g for g in GENRES}
        pick = lambda values: tuple(sorted({genres[str(v).lower()] for v in values if str(v).lower() in genres}))
        languages = tuple(sorted({str(v).lower() for v in self.languages if str(v).isalpha() and len(str(v)) == 2}))
        audience = self.audience if isinstance(self.audience, str) and self.audience in AUDIENCES else None
        return Constraints(year_min, year_max, _clamp_int(self.runtime_max, *RUNTIME_RANGE),
                           pick(self.genres_required), pick(self.genres_excluded), languages, audience)

    def without(self, name: str) -> "Constraints":
        if name not in {f.name for f in fields(self)}:
            return self
        default = () if isinstance(getattr(self, name), tuple) else None
        return replace(self, **{name: default})

    def where(self) -> dict | None:
        """The Chroma metadata filter, or None when nothing is constrained."""
        clauses: list[dict] = []
        if self.year_min is not None:
            clauses.append({"year": {"$gte": self.year_min}})
        if self.year_max is not None:
            clauses += [{"year": {"$lte": self.year_max}}, {"year": {"$gt": 0}}]
        if self.runtime_max is not None:
            clauses += [{"runtime": {"$lte": self.runtime_max}}, {"runtime": {"$gt": 0}}]
        if self.genres_required:
            anyof = [{"genres": {"$contains": g}} for g in self.genres_required]
            clauses.append(anyof[0] if len(anyof) == 1 else {"$or": anyof})
        clauses += [{"genres": {"$not_contains": g}} for g in self.genres_excluded]
        if self.languages:
            clauses.append({"language": {"$in": list(self.languages)}})
        if self.audience:
            rule = AUDIENCES[self.audience]
            anyof = [{"genres": {"$contains": g}} for g in rule["any"]]
            if anyof:
                clauses.append(anyof[0] if len(anyof) == 1 else {"$or": anyof})
            clauses += [{"genres": {"$not_contains": g}} for g in rule["none"] if g not in self.genres_excluded]
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def satisfies(self, item: Item) -> bool:
        return not self.violations(item)

    def violations(self, item: Item) -> list[str]:
        out = []
        if self.year_min is not None and (item.year is None or item.year < self.year_min):
            out.append(f"year before {self.year_min}")
        if self.year_max is not None and (item.year is None or item.year > self.year_max):
            out.append(f"year after {self.year_max}")
        if self.runtime_max is not None and (item.runtime is None or item.runtime > self.runtime_max):
            out.append(f"runtime over {self.runtime_max} min or unknown")
        if self.genres_required and not set(self.genres_required) & set(item.genres):
            out.append(f"none of {', '.join(self.genres_required)}")
        if set(self.genres_excluded) & set(item.genres):
            out.append(f"excluded genre {', '.join(sorted(set(self.genres_excluded) & set(item.genres)))}")
        if self.languages and item.language not in self.languages:
            out.append(f"language not {', '.join(self.languages)}")
        if self.audience:
            rule = AUDIENCES[self.audience]
            if (rule["any"] and not set(rule["any"]) & set(item.genres)) or set(rule["none"]) & set(item.genres):
                out.append(f"not {AUDIENCE_WORDS[self.audience]}")
        return out

    def describe(self) -> list[str]:
        """The constraints as a person would say them."""
        out = []
        if self.year_min and self.year_max:
            out.append(f"from {self.year_min} to {self.year_max}")
        elif self.year_min:
            out.append(f"from {self.year_min} on")
        elif self.year_max:
            out.append(f"up to {self.year_max}")
        if self.runtime_max:
            out.append(f"at most {self.runtime_max} minutes")
        if self.genres_required:
            out.append("genre: " + " or ".join(self.genres_required))
        if self.genres_excluded:
            out.append("no " + ", no ".join(self.genres_excluded))
        if self.languages:
            out.append("in " + " or ".join(LANGUAGE_NAMES.get(code, code) for code in self.languages))
        if self.audience:
            out.append(AUDIENCE_WORDS[self.audience])
        return out


def item_metadata(item: Item) -> dict:
    """The metadata stored with each item in Chroma; the fields `Constraints.where` filters on."""
    meta = {"year": item.year or 0, "runtime": item.runtime or 0, "language": item.language or "",
                  "title": item.title, "num_ratings": item.num_ratings,
                  # never empty: a missing key would make `$not_contains` drop the item
                  "genres": list(item.genres) or ["(none)"]}
    return meta


LIMIT_FIELDS = tuple(f.name for f in fields(Constraints))  # every limit a person can see and remove

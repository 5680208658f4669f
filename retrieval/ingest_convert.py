"""Rows of a person's item file -> item records (the JSON of `retrieval.catalog.Item`), and the report of
everything that could not be used.

Part of `retrieval.ingest`. Types follow the field map (`retrieval.ingest_map.FIELDS`): text is cleaned to one
line and cut at MAX_TEXT characters (a 10 MB cell costs no more than a short one); lists are split and capped;
years are read from numbers ("2008.0", "-750") or dates ("2004-05-12"); languages from ISO 639-1/639-2 codes,
tags ("en-US") or English names; numbers may have thousands commas or a unit after them ("320 pages"). A value
that cannot be read is left out and counted; a row without id or title, or repeating an id, is skipped and
listed. Categories are matched to the domain's vocabulary when a domain is given; others become keywords.
Values are never evaluated: "=cmd|' /C calc'!A0" is stored as that text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from retrieval.ingest_map import FIELDS, FieldMap, MapError, Spec

MAX_TEXT, MAX_TOKEN, MAX_TOKENS, MAX_TITLE = 2000, 200, 50, 300
EXAMPLES = 20  # skipped rows listed on screen; skipped.csv has them all
# ISO 639-2 (bibliographic and terminology) codes of common languages -> ISO 639-1
_ISO3 = {"eng": "en", "fre": "fr", "fra": "fr", "spa": "es", "ger": "de", "deu": "de", "ita": "it", "por": "pt",
         "dut": "nl", "nld": "nl", "swe": "sv", "dan": "da", "nor": "no", "nob": "no", "fin": "fi", "pol": "pl",
         "rus": "ru", "tur": "tr", "ara": "ar", "heb": "he", "per": "fa", "fas": "fa", "hin": "hi", "jpn": "ja",
         "kor": "ko", "fil": "tl", "tgl": "tl", "chi": "zh", "zho": "zh", "gre": "el", "ell": "el", "cze": "cs", "ces": "cs", "hun": "hu",
         "rum": "ro", "ron": "ro", "ind": "id", "tha": "th", "vie": "vi", "ukr": "uk", "cat": "ca", "ice": "is",
         "isl": "is", "tam": "ta", "tel": "te", "ben": "bn", "urd": "ur", "msa": "ms", "may": "ms"}
_YEAR = re.compile(r"(?<![\d.])(1\d{3}|20\d{2})(?![\d])")
_NUMBER = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)")
_PARENTHETICAL = re.compile(r"^(?P<head>.*\S)\s*\((?P<inner>[^()]{1,200})\)\s*$")
_TIME_UNITS = {"minutes": 1.0, "minute": 1.0, "min": 1.0, "hours": 60.0, "hour": 60.0, "h": 60.0,
               "seconds": 1 / 60, "second": 1 / 60, "s": 1 / 60}


@dataclass
class Report:
    """What the ingest could not use, for the screen and manifest.json."""

    rows_read: int = 0
    items: int = 0
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # (line, id, why)
    dropped: Counter = field(default_factory=Counter)  # "year: not a year" -> values left out
    cut: Counter = field(default_factory=Counter)  # field -> values cut to length
    ignored_columns: list[str] = field(default_factory=list)
    categories: Counter = field(default_factory=Counter)  # as kept
    not_categories: Counter = field(default_factory=Counter)  # values the domain does not know (kept as keywords)
    notes: list[str] = field(default_factory=list)
    interactions: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        reasons = Counter(why.split(" (")[0] for _, _, why in self.skipped)
        return {"rows_read": self.rows_read, "items": self.items, "skipped": len(self.skipped),
                "skipped_by_reason": dict(reasons), "skipped_examples": [list(s) for s in self.skipped[:EXAMPLES]],
                "values_left_out": dict(self.dropped), "values_cut": dict(self.cut),
                "ignored_columns": self.ignored_columns, "categories": dict(self.categories.most_common()),
                "not_in_domain_categories": dict(self.not_categories.most_common(50)), "notes": self.notes,
                "interactions": self.interactions}

    def text(self) -> str:
        lines = [f"read {self.rows_read:,} rows -> {self.items:,} items"]
        lines += [f"  note: {n}" for n in self.notes]
        if self.skipped:
            lines.append(f"  skipped {len(self.skipped):,} rows:")
            lines += [f"    line {line}: {why}" + (f" (id {item_id[:40]!r})" if item_id else "")
                      for line, item_id, why in self.skipped[:EXAMPLES]]
            if len(self.skipped) > EXAMPLES:
                lines.append(f"    ... and {len(self.skipped) - EXAMPLES:,} more (all in skipped.csv)")
        for what, count in sorted(self.dropped.items()):
            lines.append(f"  left out {count:,} values: {what}")
        for what, count in sorted(self.cut.items()):
            lines.append(f"  cut {count:,} over-long values of {what}")
        if self.ignored_columns:
            lines.append(f"  columns not used: {', '.join(self.ignored_columns)}")
        if self.not_categories:
            top = ", ".join(f"{c} ({n})" for c, n in self.not_categories.most_common(8))
            lines.append(f"  {sum(self.not_categories.values()):,} category values the domain does not list, kept "
                         f"as keywords: {top}")
        if self.interactions:
            lines.append("  interactions: " + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}"
                                                        for k, v in self.interactions.items()))
        return "\n".join(lines)


def _text(value: object, limit: int, report: Report, name: str) -> str:
    """One clean line of text (control characters dropped, whitespace collapsed), cut to `limit`."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit * 4:  # a 10 MB cell: look at no more than needed
        text = text[: limit * 4]
    text = " ".join("".join(" " if ch < " " or "\x7f" <= ch <= "\x9f" else ch for ch in text).split())
    if len(text) > limit:
        report.cut[name] += 1
        text = text[:limit].rsplit(" ", 1)[0] + "…"
    return text


def _values(row: dict, spec: Spec) -> list[object]:
    return [row.get(c) for c in spec.columns if row.get(c) not in (None, "")]


def _tokens(row: dict, spec: Spec, report: Report, name: str) -> list[str]:
    out: list[str] = []
    for value in _values(row, spec):
        parts = value if isinstance(value, (list, tuple)) else (
            str(value).split(spec.split) if spec.split else [value])
        out += [t for p in parts if (t := _text(p, MAX_TOKEN, report, name))]
    unique = list(dict.fromkeys(out))
    if len(unique) > MAX_TOKENS:
        report.cut[name] += 1
    return unique[:MAX_TOKENS]


def to_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().replace("_", "")
        if thousands := re.match(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?(?![\d,])", text):  # "1,412 pages"
            text = thousands.group(0).replace(",", "")
        match = _NUMBER.match(text)
        if not match:
            return None
        number = float(match.group(1))
    return number if math.isfinite(number) else None


def _year(value: object) -> int | None:
    number = to_number(value) if not isinstance(value, str) or re.fullmatch(r"\s*[-+]?\d+(\.0*)?\s*", value) else None
    if number is None:
        match = _YEAR.search(str(value))
        number = float(match.group(1)) if match else None
    if number is None or number != int(number) or not -3000 <= number <= 2100:
        return None
    return int(number)


def _language(value: object) -> str | None:
    from retrieval.constraints import LANGUAGE_NAMES

    code = str(value).strip().lower().replace("_", "-")
    code = code.split("-")[0]
    if len(code) == 2 and code.isalpha() and code.isascii():
        return code
    if code in _ISO3:
        return _ISO3[code]
    by_name = {name.lower(): iso for iso, name in LANGUAGE_NAMES.items()}
    return by_name.get(code)


class Converter:
    """Rows -> item records (the JSON of `retrieval.catalog.Item`), with everything left out counted."""

    def __init__(self, fmap: FieldMap, domain=None):
        self.fmap, self.domain = fmap, domain
        self.report = Report()
        self.first_line: dict[str, int] = {}  # id -> line it was first read from
        self.first_unique: dict[tuple, int] = {}  # the map's `unique` fields' values -> line first read from

    def item_id(self, value: object) -> str:
        text = _text(value, MAX_TOKEN, self.report, "id")
        spec = self.fmap.fields["id"]
        if spec.zfill and text:
            text = text.removesuffix(".0").zfill(spec.zfill) if re.fullmatch(r"\d+(\.0)?", text) else text
        return text

    def convert(self, line: int, row: dict) -> dict | None:
        report, fmap = self.report, self.fmap
        report.rows_read += 1
        id_values = _values(row, fmap.fields["id"])
        item_id = self.item_id(id_values[0]) if id_values else ""
        if not item_id:
            report.skipped.append((line, "", f"no id (column {fmap.fields['id'].columns[0]!r} is empty)"))
            return None
        if item_id in self.first_line:
            report.skipped.append((line, item_id, f"repeats the id of line {self.first_line[item_id]}"))
            return None
        spec = fmap.fields["title"]
        title_values = _values(row, spec)
        title = _text(title_values[0], MAX_TITLE, report, "title") if title_values else ""
        record: dict = {"id": item_id}
        if spec.parenthetical and (match := _PARENTHETICAL.match(title)):
            title = match.group("head")
            inner = match.group("inner").strip()
            if FIELDS[spec.parenthetical] == "text":
                record["overview" if spec.parenthetical == "text" else spec.parenthetical] = inner + "."
            else:
                record[spec.parenthetical] = [inner]
            flagged = [spec.parenthetical_category] if spec.parenthetical_category else []
        else:
            flagged = []
        if not title:
            report.skipped.append((line, item_id, f"no title (column {spec.columns[0]!r} is empty)"))
            return None
        self.first_line[item_id] = line
        record["title"] = title
        for name, spec in fmap.fields.items():
            if name not in ("id", "title"):
                self._field(record, name, FIELDS[name], spec, row)
        if flagged:
            record["genres"] = list(dict.fromkeys(record.get("genres", []) + self._categories(flagged, record)))
        for role, spec in fmap.people.items():
            if names := _tokens(row, spec, report, role):
                record[role] = names
        for name, spec in fmap.attributes.items():
            self._attribute(record, name, spec, row)
        if fmap.unique:
            key = tuple(str(record.get(f, "")).lower() for f in fmap.unique)
            if key in self.first_unique:
                del self.first_line[item_id]
                report.skipped.append((line, item_id, f"the same {', '.join(fmap.unique)} as line "
                                                      f"{self.first_unique[key]}"))
                return None
            self.first_unique[key] = line
        if "alt_titles" in record:
            record["alt_titles"] = [t for t in record["alt_titles"] if t.lower() != title.lower()]
        return {k: v for k, v in record.items() if v not in ([], "", None, {})}

    def _field(self, record: dict, name: str, kind: str, spec: Spec, row: dict) -> None:
        report = self.report
        values = _values(row, spec)
        if kind == "token_seq":
            tokens = _tokens(row, spec, report, name)
            if name == "categories":
                record["genres"] = self._categories(tokens, record)
            else:
                record[name] = list(dict.fromkeys(record.get(name, []) + tokens))
        elif kind == "text":
            text = _text(" ".join(str(v) for v in values), spec.max_chars or MAX_TEXT, report, name)
            key = "overview" if name == "text" else name
            record[key] = " ".join(filter(None, [record.get(key, ""), text]))
        elif not values:
            return
        elif kind == "year":
            if (year := _year(values[0])) is None:
                report.dropped[f"{name}: not a year ({str(values[0])[:20]!r}, ...)"] += 1
            else:
                record["year"] = year
        elif kind == "language":
            if (code := _language(values[0])) is None:
                report.dropped["language: not a language code or name"] += 1
            else:
                record["language"] = code
        else:  # count, float
            number = to_number(values[0])
            if number is None or number < 0:
                report.dropped[f"{name}: not a number of 0 or more"] += 1
            else:
                record[name] = int(number) if kind == "count" else round(number, 4)

    def _categories(self, tokens: list[str], record: dict) -> list[str]:
        if self.domain is None:
            self.report.categories.update(tokens)
            return tokens
        kept, other = [], []
        for token in tokens:
            category = self.domain.category(token)
            if category:
                kept.append(category)
            else:
                other.append(token)
        self.report.categories.update(set(kept))
        self.report.not_categories.update(other)
        if other:
            record["keywords"] = list(dict.fromkeys(record.get("keywords", []) + other))
        return sorted(set(kept))

    def _attribute(self, record: dict, name: str, spec: Spec, row: dict) -> None:
        values = _values(row, spec)
        if not values:
            return
        number = to_number(values[0])
        if number is None or number <= 0:
            self.report.dropped[f"attributes.{name}: not a number above 0 (0 is read as unknown)"] += 1
            return
        if name == "runtime":  # the Item field, in minutes
            factor = _TIME_UNITS.get((spec.unit or "minutes").lower())
            if factor is None:
                raise MapError(f"fields.attributes.runtime.unit: {spec.unit!r} is not a unit of time "
                               f"({', '.join(_TIME_UNITS)})")
            record["runtime"] = max(1, round(number * factor))
        else:
            record.setdefault("attributes", {})[name] = int(number) if number == int(number) else round(number, 4)

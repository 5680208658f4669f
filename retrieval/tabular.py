"""Read the rows of a CSV, JSON-lines or Parquet file as dicts, robustly, saying what could not be read.

Used by `retrieval.ingest`; knows nothing about items or catalogs. Each row comes with its line (CSV, JSONL)
or row number (Parquet) so a report can point at it. What it tolerates, and counts in `ReadNotes`:
- text that is not UTF-8: a byte-order mark is dropped; a line that does not decode as UTF-8 is read as
  cp1252 (Excel's "ANSI" on Windows), or as latin-1 for the five bytes cp1252 leaves undefined;
- a very long CSV field (up to MAX_FIELD characters; `retrieval.ingest` cuts it down);
- a JSONL line that is not a JSON object: skipped with its line number and the parser's message.
What stops the read, as a `TableError` with a message to act on: a missing or empty file, an unknown
format, a CSV without a header or with a repeated column name, a Parquet file pyarrow cannot open.
Nothing in a cell is interpreted: a cell reading `=cmd|' /C calc'!A0` is that string.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

FORMATS = ("csv", "tsv", "jsonl", "parquet")
MAX_FIELD = 64 * 1024 * 1024  # characters in one CSV field; larger ones stop the read with a message
PARQUET_BATCH = 4096


class TableError(Exception):
    """The file cannot be read as a table; the message says why and what to do."""


@dataclass
class ReadNotes:
    non_utf8_lines: list[int] = field(default_factory=list)  # read as cp1252 / latin-1
    bom: bool = False
    bad_lines: list[tuple[int, str]] = field(default_factory=list)  # (line, why) rows that could not be read
    columns: list[str] = field(default_factory=list)  # as the file names them (JSONL: every key seen)


def guess_format(path: Path) -> str:
    name = path.name.lower()
    for suffix in (".gz", ".bz2", ".xz"):
        name = name.removesuffix(suffix)
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    fmt = {"csv": "csv", "tsv": "tsv", "tab": "tsv", "jsonl": "jsonl", "ndjson": "jsonl", "json": "jsonl",
           "parquet": "parquet", "pq": "parquet"}.get(ext)
    if fmt is None:
        raise TableError(f"cannot tell the format of {path.name} from its name; pass --format with one of "
                         f"{', '.join(FORMATS)}")
    return fmt


def _open_binary(path: Path):
    if path.name.endswith(".gz"):
        import gzip
        return gzip.open(path, "rb")
    if path.name.endswith(".bz2"):
        import bz2
        return bz2.open(path, "rb")
    if path.name.endswith(".xz"):
        import lzma
        return lzma.open(path, "rb")
    return path.open("rb")


def decoded_lines(raw: Iterator[bytes], notes: ReadNotes, encoding: str | None = None) -> Iterator[str]:
    """Lines as text: UTF-8 (BOM dropped), a line that is not UTF-8 as cp1252 (else latin-1), counted.
    With an explicit `encoding` every line is decoded with it (undecodable bytes become U+FFFD, counted)."""
    for number, line in enumerate(raw, start=1):
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line, notes.bom = line[3:], True
        if encoding:
            text = line.decode(encoding, errors="replace")
            if "\ufffd" in text and b"\xef\xbf\xbd" not in line:
                notes.non_utf8_lines.append(number)
            yield text
            continue
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError:
            notes.non_utf8_lines.append(number)
            try:
                yield line.decode("cp1252")
            except UnicodeDecodeError:
                yield line.decode("latin-1")


def read_rows(path: str | Path, fmt: str | None = None, encoding: str | None = None,
              notes: ReadNotes | None = None) -> Iterator[tuple[int, dict]]:
    """(line or row number, row) for every readable row; `notes` collects what was repaired or skipped.
    For CSV and Parquet `notes.columns` is set before the first row is yielded."""
    path = Path(path)
    notes = notes if notes is not None else ReadNotes()
    if not path.is_file():
        raise TableError(f"no such file: {path}")
    if path.stat().st_size == 0:
        raise TableError(f"{path} is empty (0 bytes): nothing to read")
    fmt = fmt or guess_format(path)
    if fmt not in FORMATS:
        raise TableError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if encoding:
        try:
            "".encode(encoding)
        except LookupError:
            raise TableError(f"unknown encoding {encoding!r} (try utf-8, cp1252 or latin-1)") from None
    if fmt == "parquet":
        yield from _parquet_rows(path, notes)
    elif fmt == "jsonl":
        yield from _jsonl_rows(path, notes, encoding)
    else:
        yield from _csv_rows(path, notes, encoding, "\t" if fmt == "tsv" else ",")


class _LineCounter:
    """Wraps decoded lines so the CSV reader's rows can be given the physical line they start on."""

    def __init__(self, lines: Iterator[str]):
        self.lines, self.line = lines, 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        text = next(self.lines)
        self.line += 1
        return text


def _csv_rows(path: Path, notes: ReadNotes, encoding: str | None, delimiter: str) -> Iterator[tuple[int, dict]]:
    csv.field_size_limit(MAX_FIELD)
    with _open_binary(path) as raw:
        lines = _LineCounter(decoded_lines(raw, notes, encoding))
        reader = csv.reader(lines, delimiter=delimiter)
        try:
            header = next(reader, None)
            while header is not None and not any(cell.strip() for cell in header):
                header = next(reader, None)  # blank lines before the header
            if header is None:
                raise TableError(f"{path} has no header row (only blank lines)")
            header = [cell.strip() for cell in header]
            repeated = sorted({c for c in header if header.count(c) > 1 and c})
            if repeated:
                raise TableError(f"{path}: the header names these columns more than once: {repeated}; rename them")
            notes.columns = [c for c in header if c]
            start = lines.line + 1
            for cells in reader:
                line, start = start, lines.line + 1
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) > len(header):
                    notes.bad_lines.append((line, f"{len(cells)} cells for {len(header)} columns (a stray comma "
                                                  "or an unclosed quote?)"))
                    continue
                yield line, {name: cell for name, cell in zip(header, cells) if name}
        except csv.Error as exc:
            raise TableError(f"{path}, line {lines.line}: the CSV cannot be read past here ({exc}); "
                             "fix that line (an unclosed quote or a field over "
                             f"{MAX_FIELD // (1024 * 1024)} MB) and run again") from None


def _jsonl_rows(path: Path, notes: ReadNotes, encoding: str | None) -> Iterator[tuple[int, dict]]:
    seen: dict[str, None] = {}
    with _open_binary(path) as raw:
        for line, text in enumerate(decoded_lines(raw, notes, encoding), start=1):
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except ValueError as exc:
                notes.bad_lines.append((line, f"not JSON ({exc})"))
                continue
            if not isinstance(row, dict):
                notes.bad_lines.append((line, f"a JSON {type(row).__name__}, not an object"))
                continue
            for key in row:
                if key not in seen:
                    seen[key] = None
                    notes.columns.append(str(key))
            yield line, row


def _parquet_rows(path: Path, notes: ReadNotes) -> Iterator[tuple[int, dict]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise TableError("reading Parquet needs pyarrow: pip install pyarrow") from None
    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError and others for a file it cannot read
        raise TableError(f"{path} is not a readable Parquet file ({type(exc).__name__}: {exc})") from None
    notes.columns = list(parquet.schema_arrow.names)
    number = 0
    for batch in parquet.iter_batches(batch_size=PARQUET_BATCH):
        for row in batch.to_pylist():
            number += 1
            yield number, row


def write_text_table(rows: list[list[object]], out: io.TextIOBase) -> None:
    """A CSV a person may open in a spreadsheet: cells that a spreadsheet would run as a formula (starting
    with = + - @, a tab or a carriage return) are written with a leading apostrophe, so they stay text."""
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([_neutral(cell) for cell in row])


def _neutral(cell: object) -> str:
    text = "" if cell is None else str(cell)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

"""Turn a person's item file (CSV, JSON lines or Parquet) into a catalog folder the app opens with --catalog.

    python -m retrieval.ingest items.csv --map map.yaml --out catalogs/NAME [--interactions ratings.csv]
    python -m retrieval.ingest books.parquet --id isbn --title title --text description --out catalogs/mine

The map (`retrieval.ingest_map`) says which column is which catalog field; flags override it. The command
reads every row, converts what it can, and only then writes the folder (README "Catalog folders"):
items.jsonl.gz, ratings.csv.gz when an interactions file is given, domain.yaml and ATTRIBUTION.md when given
(kept when the folder already has them), manifest.json (sources, map, counts and what was left out) and,
when rows were skipped, skipped.csv. Then it builds the item index with a progress bar, as the app would at
start-up, so the first start is quick (`--no-index` leaves that to the app).

Bad input loses nothing silently: a map that names a column the file lacks stops before anything is written,
with the columns the file has; a row without an id or a title, a repeated id or an unreadable line is skipped
and listed with its line and why; a value that cannot be read (a year of "soon") is left out and counted;
columns the map does not use are named. Over-long text is cut (counted), never fatal. Cell values are data:
nothing is evaluated, and the one CSV meant for people (skipped.csv) writes formula-looking cells as text.
What this module leaves out: reading files (`retrieval.tabular`), parsing the map (`retrieval.ingest_map`).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

from retrieval.ingest_convert import Converter, Report, to_number
from retrieval.ingest_map import FIELDS, FieldMap, MapError, load_map, parse_map, parse_spec
from retrieval.tabular import ReadNotes, TableError, guess_format, read_rows, write_text_table


class IngestError(Exception):
    """The input cannot become a catalog; the message says what to change. Nothing was written."""


def _check_columns(fmap: FieldMap, columns: list[str], path: Path, what: str = "") -> None:
    """Stop (IngestError) when the map names a column the file does not have: which, and what exists."""
    import difflib

    wanted = fmap.columns() if not what else {c: f"interactions.{k}" for k, c in fmap.interactions.items()
                                              if k in ("user", "item", "rating", "count")}
    missing = [c for c in wanted if c not in columns]
    if not missing:
        return
    lowered = {c.lower().strip(): c for c in columns}
    parts = []
    for column in missing:
        near = lowered.get(column.lower().strip()) or next(iter(difflib.get_close_matches(column, columns, 1)), None)
        parts.append(f"{column!r} (for {wanted[column]}" + (f"; did you mean {near!r}?)" if near else ")"))
    shown = ", ".join(repr(c) for c in columns[:60]) + (f" and {len(columns) - 60} more" if len(columns) > 60 else "")
    raise IngestError(f"{path.name}: the map names {'a column' if len(missing) == 1 else 'columns'} the file does "
                      f"not have: {', '.join(parts)}. The file's columns are: {shown or '(none)'}. "
                      "Fix the map (or the flag) and run again; nothing was written.")


def read_items(path: Path, fmap: FieldMap, domain=None, progress: bool = True) -> tuple[list[dict], Report, ReadNotes]:
    """Every row of the item file converted (nothing written); IngestError when the file or map cannot work."""
    from tqdm.auto import tqdm

    if "id" not in fmap.fields or "title" not in fmap.fields:
        absent = [k for k in ("id", "title") if k not in fmap.fields]
        raise IngestError(f"the map must name the column for {' and '.join(absent)} (fields.{absent[0]} in the map, "
                          f"or --{absent[0]} COLUMN)")
    converter, notes, records = Converter(fmap, domain), ReadNotes(), []
    try:
        header_first = (fmap.format or guess_format(path)) != "jsonl"  # JSONL: keys are known at the end
        with tqdm(desc=f"reading {path.name}", unit=" rows", disable=not progress, mininterval=0.5) as bar:
            for line, row in read_rows(path, fmap.format, fmap.encoding, notes):
                if header_first and not bar.n:
                    _check_columns(fmap, notes.columns, path)
                if (record := converter.convert(line, row)) is not None:
                    records.append(record)
                bar.update()
    except TableError as exc:
        raise IngestError(str(exc)) from None
    _check_columns(fmap, notes.columns, path)  # JSONL (keys seen anywhere), and a header with no rows
    report = converter.report
    for line, why in notes.bad_lines:
        report.rows_read += 1
        report.skipped.append((line, "", why))
    report.skipped.sort()
    if notes.bom:
        report.notes.append("the file starts with a byte-order mark (dropped)")
    if notes.non_utf8_lines:
        lines = ", ".join(map(str, notes.non_utf8_lines[:10])) + (" ..." if len(notes.non_utf8_lines) > 10 else "")
        report.notes.append(f"{len(notes.non_utf8_lines):,} lines were not UTF-8 and were read as cp1252/latin-1 "
                            f"(lines {lines}); check their accents, or pass --encoding")
    used = set(fmap.columns())
    report.ignored_columns = [c for c in notes.columns if c not in used]
    report.items = len(records)
    if not records:
        reasons = Counter(why.split(" (")[0] for _, _, why in report.skipped).most_common(3)
        raise IngestError(f"{path.name}: no row could be used ({report.rows_read:,} read"
                          + (f"; {', '.join(f'{n:,} {why}' for why, n in reasons)}" if reasons else "")
                          + "). Nothing was written.")
    return records, report, notes


def read_interactions(path: Path, fmap: FieldMap, converter_ids: dict[str, str],
                      item_id, progress: bool = True) -> tuple[list[tuple[int, str, float]], dict]:
    """(user number, item id, rating) rows for the collaborative signal, and counts of what was left out.
    User ids are replaced by numbers: the folder never holds the source's user names."""
    from tqdm.auto import tqdm

    inter = fmap.interactions
    for key in ("user", "item"):
        if key not in inter:
            raise IngestError(f"interactions: the map must name the {key} column (interactions.{key}, or --{key})")
    if ("rating" in inter) == ("count" in inter):
        raise IngestError("interactions: name exactly one of a rating column (interactions.rating, --rating) or a "
                          "count column (interactions.count, --count)")
    value_key = "rating" if "rating" in inter else "count"
    liked_at = inter.get("liked_at")
    notes, counts = ReadNotes(), Counter()
    latest: dict[tuple[int, str], float] = {}
    users: dict[str, int] = {}
    try:
        header_first = (inter.get("format") or guess_format(path)) != "jsonl"
        with tqdm(desc=f"reading {path.name}", unit=" rows", disable=not progress, mininterval=0.5) as bar:
            for _, row in read_rows(path, inter.get("format"), inter.get("encoding"), notes):
                if header_first and not counts["rows"]:
                    _check_columns(fmap, notes.columns, path, "interactions")
                counts["rows"] += 1
                bar.update()
                user, raw_item = row.get(inter["user"]), row.get(inter["item"])
                value = to_number(row.get(inter[value_key], ""))
                item = converter_ids.get(item_id(raw_item)) if raw_item not in (None, "") else None
                if user in (None, "") or raw_item in (None, ""):
                    counts["no user or item"] += 1
                elif item is None:
                    counts["item not in the catalog"] += 1
                elif value is None or value < 0:
                    counts[f"{value_key} not a number of 0 or more"] += 1
                else:
                    if liked_at is not None or value_key == "count":
                        value = 5.0 if value >= (liked_at or 1.0) else 1.0
                    number = users.setdefault(str(user), len(users) + 1)
                    counts["repeated user and item (the last kept)"] += (number, item) in latest
                    latest[(number, item)] = float(value)
    except TableError as exc:
        raise IngestError(f"interactions: {exc}") from None
    _check_columns(fmap, notes.columns, path, "interactions")
    counts["unreadable lines"] += len(notes.bad_lines)
    summary = {"rows": counts.pop("rows", 0), "kept": len(latest), "users": len(users),
               **{k: v for k, v in counts.items() if v}}
    return [(u, i, r) for (u, i), r in latest.items()], summary


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_text(source: Path, target: Path, limit: int = 1 << 20) -> None:
    if source.stat().st_size > limit:
        raise IngestError(f"{source} is over {limit // 1024} KB; a domain or attribution file is a page of text")
    if source.resolve() != target.resolve():
        shutil.copyfile(source, target)


def write_folder(out: Path, records: list[dict], report: Report, *, sources: list[Path], fmap: FieldMap,
                 ratings: list[tuple[int, str, float]] | None = None, domain: Path | None = None,
                 attribution: Path | None = None) -> Path:
    """Write the catalog folder: each file first to a temporary name beside it, then moved in place, so a
    failure half-way leaves the folder's earlier files as they were."""
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {}
    if ratings is not None:
        table = "user,item,rating\n" + "".join(f"{u},{_csv_cell(i)},{r:g}\n" for u, i, r in ratings)
        files["ratings.csv.gz"] = gzip.compress(table.encode("utf-8"), compresslevel=9, mtime=0)
    if report.skipped:
        text = io.StringIO()
        write_text_table([["line", "id", "why"], *[list(s) for s in report.skipped]], text)
        files["skipped.csv"] = text.getvalue().encode("utf-8")
    if not attribution and not (out / "ATTRIBUTION.md").is_file():
        names = ", ".join(p.name for p in sources)
        files["ATTRIBUTION.md"] = (f"# Where this catalog comes from\n\nBuilt by `python -m retrieval.ingest` from "
                                   f"{names}.\n\nLicence: not stated. Write here where the data comes from and "
                                   "under which licence before you share this folder.\n").encode("utf-8")
        report.notes.append("no attribution given: ATTRIBUTION.md says the licence is not stated; fill it in "
                            "(or pass --attribution FILE)")
    if not domain and not (out / "domain.yaml").is_file():
        report.notes.append("no domain.yaml given: the app reads this folder as movies; pass --domain FILE "
                            "(see retrieval/data/domain.yaml)")
    manifest = {"built_by": "python -m retrieval.ingest",
                "sources": [{"file": p.name, "bytes": p.stat().st_size, "sha256": _sha256(p)} for p in sources],
                "map": fmap.to_json(), "report": report.to_json()}
    files["manifest.json"] = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    with tempfile.TemporaryDirectory(dir=out, prefix=".ingest-") as tmp:
        with (Path(tmp) / "items.jsonl.gz").open("wb") as raw, \
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as fh:
            for record in records:  # one line at a time: 200,000 items never become one string
                fh.write((json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
        for name, data in files.items():
            (Path(tmp) / name).write_bytes(data)
        for source, name in ((domain, "domain.yaml"), (attribution, "ATTRIBUTION.md")):
            if source:
                _copy_text(source, Path(tmp) / name)
        for part in Path(tmp).iterdir():
            part.replace(out / part.name)
    if not report.skipped and (out / "skipped.csv").is_file():
        (out / "skipped.csv").unlink()  # left by an earlier run
    return out


def _csv_cell(text: str) -> str:
    """An item id as a CSV cell (quoted when it holds a comma or a quote); kept as it is otherwise, so it
    still names the item. ratings.csv.gz is read by the app, not meant for a spreadsheet."""
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n\r') else text


def build_index(folder: Path, index_dir: Path, progress: bool = True) -> None:
    """Build (or find current) the folder's item index the way the app opens it, with a progress bar, and write
    the item vectors into the folder (`retrieval.vectors`)."""
    from retrieval.catalog import load_catalog
    from retrieval.embeddings import SentenceTransformerEmbedder
    from retrieval.store import ItemIndex, collection_name, persistent_client

    from retrieval.vectors import save_vectors

    catalog = load_catalog(folder)
    embedder = SentenceTransformerEmbedder()
    index = ItemIndex(persistent_client(index_dir), catalog, embedder, collection_name(catalog))
    index.open(progress=None if progress else False)
    # the vectors travel with the folder: another machine or index folder opens it without embedding
    save_vectors(catalog, embedder, {item.id: index.vectors[index.row_of[item.id]] for item in catalog})


def ingest(items: Path, fmap: FieldMap, out: Path, *, interactions: Path | None = None, domain: Path | None = None,
           attribution: Path | None = None, progress: bool = True) -> Report:
    """Read, convert and write one catalog folder (no index); IngestError (nothing written) when it cannot."""
    from retrieval.domain import DomainError, load_domain

    domain = domain or fmap.domain or ((out / "domain.yaml") if (out / "domain.yaml").is_file() else None)
    try:
        vocabulary = load_domain(domain) if domain else None
    except DomainError as exc:
        raise IngestError(f"{exc}. Nothing was written.") from None
    records, report, _ = read_items(items, fmap, vocabulary, progress)
    ratings = None
    if interactions:
        converter = Converter(fmap)
        ids = {r["id"]: r["id"] for r in records}
        ratings, report.interactions = read_interactions(interactions, fmap, ids, converter.item_id, progress)
        if not ratings:
            report.notes.append("no interaction could be used: the folder has no ratings.csv.gz")
            ratings = None
    if vocabulary and not report.categories and "categories" in fmap.fields:
        report.notes.append(f"no value of the categories column is a category of {domain.name}")
    write_folder(out, records, report, sources=[items] + ([interactions] if interactions else []), fmap=fmap,
                 ratings=ratings, domain=domain if domain and domain.parent.resolve() != out.resolve() else None,
                 attribution=attribution or fmap.attribution)
    return report


def _pairs(values: list[str] | None, flag: str) -> list[tuple[str, str]]:
    out = []
    for value in values or []:
        name, sep, column = value.partition("=")
        if not sep or not name.strip() or not column.strip():
            raise MapError(f"{flag} {value!r}: write NAME=COLUMN")
        out.append((name.strip(), column.strip()))
    return out


def map_from_args(args: argparse.Namespace) -> FieldMap:
    """The map file (if any) with every flag applied over it."""
    fmap = load_map(args.map) if args.map else FieldMap()
    split = args.split
    spec = lambda column, sep=None: parse_spec({"column": column, **({"split": sep} if sep else {})}, "flag")
    for name in ("id", "title", "year", "language", "num_ratings", "mean_rating"):
        if getattr(args, name):
            fmap.fields[name] = spec(getattr(args, name))
    if args.text:
        fmap.fields["text"] = parse_spec(args.text, "--text")
    if args.categories:
        fmap.fields["categories"] = spec(args.categories, split)
    for name, column in _pairs(args.field, "--field"):
        if name not in FIELDS:
            raise MapError(f"--field {name}: not a catalog field; the fields are {', '.join(FIELDS)}")
        fmap.fields[name] = spec(column, split if FIELDS[name] == "token_seq" else None)
    for role, column in _pairs(args.people, "--people"):
        fmap.people.update(parse_map({"fields": {"people": {role: {
            "column": column, **({"split": split} if split else {})}}}}).people)
    for name, column in _pairs(args.attribute, "--attribute"):
        column, _, unit = column.partition(":")
        fmap.attributes.update(parse_map({"fields": {"attributes": {name: {
            "column": column, **({"unit": unit} if unit else {})}}}}).attributes)
    for key in ("user", "item", "rating", "count"):
        if getattr(args, key):
            fmap.interactions[key] = getattr(args, key)
    if args.format:
        fmap.format = args.format
    if args.encoding:
        fmap.encoding = args.encoding
    return fmap


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m retrieval.ingest", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("items", type=Path, help="the item file: .csv, .tsv, .jsonl or .parquet (.gz too)")
    parser.add_argument("--map", type=Path, help="field map YAML (see retrieval/ingest_map.py); flags override it")
    parser.add_argument("--out", type=Path, required=True, help="the catalog folder to write, e.g. catalogs/mine")
    parser.add_argument("--interactions", type=Path, help="user,item,rating (or count) file: collaborative signal")
    parser.add_argument("--domain", type=Path, help="domain.yaml to copy into the folder (default: keep the folder's)")
    parser.add_argument("--attribution", type=Path, help="ATTRIBUTION.md to copy into the folder")
    parser.add_argument("--format", choices=("csv", "tsv", "jsonl", "parquet"), help="default: from the file name")
    parser.add_argument("--encoding", help="default: UTF-8, lines that are not read as cp1252")
    for name in ("id", "title", "year", "language", "categories", "num_ratings", "mean_rating"):
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, metavar="COLUMN")
    parser.add_argument("--text", action="append", metavar="COLUMN", help="free-text column (repeat for several)")
    parser.add_argument("--split", help="separator inside list cells given by flags (categories, people), e.g. '|'")
    parser.add_argument("--field", action="append", metavar="FIELD=COLUMN", help="any other catalog field")
    parser.add_argument("--people", action="append", metavar="ROLE=COLUMN", help="writers=authors, cast=actors, ...")
    parser.add_argument("--attribute", action="append", metavar="NAME=COLUMN[:UNIT]", help="pages=num_pages, ...")
    for name in ("user", "item", "rating", "count"):
        parser.add_argument(f"--{name}", metavar="COLUMN", help=f"interactions: the {name} column")
    parser.add_argument("--no-index", action="store_true", help="do not build the item index (the app will)")
    parser.add_argument("--index-dir", type=Path, default=None, help="default: the app's, ~/.cache/cinechat/index")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    try:
        fmap = map_from_args(args)
        report = ingest(args.items, fmap, args.out, interactions=args.interactions, domain=args.domain,
                        attribution=args.attribution, progress=not args.quiet)
    except (MapError, IngestError) as exc:
        print(f"ingest: {exc}", file=sys.stderr)
        return 2
    print(report.text())
    print(f"wrote {args.out}/ ({', '.join(sorted(p.name for p in args.out.iterdir() if not p.name.startswith('.')))})")
    if not args.no_index:
        index_dir = args.index_dir or _default_index_dir()
        build_index(args.out, index_dir, progress=not args.quiet)
        print(f"index ready in {index_dir}; start the app with: python launch.py --catalog {args.out}")
    return 0


def _default_index_dir() -> Path:
    """The app's default (chat_app.settings), which retrieval cannot import."""
    import os

    if os.environ.get("CINECHAT_INDEX_DIR"):
        return Path(os.environ["CINECHAT_INDEX_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cinechat" / "index"


if __name__ == "__main__":
    sys.exit(main())

"""retrieval.ingest: good files in every format become catalog folders the app reads; bad files and bad maps
stop with a message that says what to fix, or lose only the rows they name, and nothing is ever evaluated."""

from __future__ import annotations

import gzip
import io
import json
import time
from pathlib import Path

import pytest

from conftest import HashEmbedder
from retrieval.catalog import load_catalog
from retrieval.ingest import IngestError, ingest, main
from retrieval.ingest_convert import MAX_TEXT
from retrieval.ingest_map import MapError, load_map, parse_map
from retrieval.tabular import write_text_table

HEADER = "book_id,title,authors,genres,year,pages,lang,blurb\n"
ROWS = [
    '1,"The Hobbit (Middle-earth, #0)","J.R.R. Tolkien",Fantasy|Adventure,1937.0,310,eng,"A hobbit goes on a journey."\n',
    '2,Dune,Frank Herbert,Science Fiction,1965-08-01,"1,412 pages",en-US,"Desert planet, spice, prophecy."\n',
    '3,Emma,Jane Austen,Romance|Classics,1815,474,English,"Matchmaking in Highbury."\n',
]
MAP = """
fields:
  id: book_id
  title: {column: title, parenthetical: keywords}
  year: year
  categories: {column: genres, split: "|"}
  text: blurb
  language: lang
  people: {writers: {column: authors, split: ","}}
  attributes: {pages: {column: pages, unit: pages}}
"""


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def items_of(folder: Path) -> list[dict]:
    return [json.loads(line) for line in gzip.decompress((folder / "items.jsonl.gz").read_bytes()).splitlines()]


def run(tmp_path: Path, data: Path, map_text: str = MAP, *extra: str) -> tuple[int, Path]:
    out = tmp_path / "catalog"
    code = main([str(data), "--map", str(write(tmp_path, "map.yaml", map_text)), "--out", str(out), "--no-index",
                 "--quiet", *extra])
    return code, out


def test_a_good_csv_becomes_a_folder_the_app_reads(tmp_path, capsys):
    code, out = run(tmp_path, write(tmp_path, "books.csv", HEADER + "".join(ROWS)))
    assert code == 0
    hobbit, dune, emma = items_of(out)
    assert hobbit == {"id": "1", "title": "The Hobbit", "keywords": ["Middle-earth, #0"], "writers": ["J.R.R. Tolkien"],
                      "genres": ["Fantasy", "Adventure"], "year": 1937, "attributes": {"pages": 310}, "language": "en",
                      "overview": "A hobbit goes on a journey."}
    assert (dune["year"], dune["attributes"], dune["language"]) == (1965, {"pages": 1412}, "en")
    assert emma["language"] == "en"  # a language name
    catalog = load_catalog(out)
    assert [i.title for i in catalog] == ["The Hobbit", "Dune", "Emma"]
    assert catalog.get("2").number("pages") == 1412
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["report"]["items"] == 3 and manifest["sources"][0]["file"] == "books.csv"
    printed = capsys.readouterr().out
    assert "read 3 rows -> 3 items" in printed
    assert not (out / "skipped.csv").exists()


def test_jsonl_and_parquet_give_the_same_items_as_csv(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    _, from_csv = run(tmp_path, write(tmp_path, "books.csv", HEADER + "".join(ROWS)))
    expected = items_of(from_csv)
    rows = [{"book_id": 1, "title": "The Hobbit (Middle-earth, #0)", "authors": "J.R.R. Tolkien",
             "genres": ["Fantasy", "Adventure"], "year": 1937.0, "pages": 310, "lang": "eng",
             "blurb": "A hobbit goes on a journey."}]
    jsonl = write(tmp_path, "books.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "books.parquet")
    for data in (jsonl, tmp_path / "books.parquet"):
        (tmp_path / "catalog" / "items.jsonl.gz").unlink()
        code, out = run(tmp_path, data)
        assert code == 0 and items_of(out) == expected[:1], data.name


def test_a_misnamed_column_names_it_and_the_columns_that_exist_and_writes_nothing(tmp_path, capsys):
    data = write(tmp_path, "books.csv", HEADER + ROWS[0])
    code, out = run(tmp_path, data, MAP.replace("title: {column: title", "title: {column: Title_"))
    err = capsys.readouterr().err
    assert code == 2
    assert "'Title_' (for title; did you mean 'title'?)" in err
    assert "'book_id', 'title', 'authors'" in err and "nothing was written" in err
    assert not out.exists()
    with pytest.raises(IngestError, match="'cover' \\(for attributes.pages\\)"):
        ingest(data, parse_map({"fields": {"id": "book_id", "title": "title", "attributes": {"pages": "cover"}}}),
               tmp_path / "other", progress=False)
    assert not (tmp_path / "other").exists()


def test_a_map_without_id_or_title_says_which(tmp_path):
    data = write(tmp_path, "books.csv", HEADER + ROWS[0])
    with pytest.raises(IngestError, match="column for title"):
        ingest(data, parse_map({"fields": {"id": "book_id"}}), tmp_path / "out", progress=False)


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"\n\n\n", "no header row"),
    (HEADER.encode(), "no row could be used"),
    (b"book_id,title,title\n1,a,b\n", "more than once"),
])
def test_an_empty_or_headless_file_stops_and_writes_nothing(tmp_path, capsys, content, message):
    code, out = run(tmp_path, write(tmp_path, "books.csv", content))
    assert code == 2 and message in capsys.readouterr().err
    assert not out.exists()


def test_a_failed_run_leaves_an_earlier_folder_as_it_was(tmp_path):
    code, out = run(tmp_path, write(tmp_path, "books.csv", HEADER + "".join(ROWS)))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    code, _ = run(tmp_path, write(tmp_path, "books.csv", HEADER))
    assert code == 2 and {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_duplicate_ids_and_rows_without_id_or_title_are_skipped_and_listed(tmp_path, capsys):
    rows = ROWS + ['2,Dune Messiah,Frank Herbert,,1969,,,\n', ',No Id,Someone,,,,,\n', '9,,Someone,,,,,\n']
    code, out = run(tmp_path, write(tmp_path, "books.csv", HEADER + "".join(rows)))
    assert code == 0
    assert [i["title"] for i in items_of(out)] == ["The Hobbit", "Dune", "Emma"]  # the first "2" is kept
    printed = capsys.readouterr().out
    assert "skipped 3 rows" in printed
    assert "line 5: repeats the id of line 3" in printed
    assert "line 6: no id" in printed and "line 7: no title" in printed
    assert (out / "skipped.csv").read_text().splitlines()[1:] == [
        "5,2,repeats the id of line 3", "6,,no id (column 'book_id' is empty)", "7,9,no title (column 'title' is empty)"]
    report = json.loads((out / "manifest.json").read_text())["report"]
    assert report["skipped_by_reason"] == {"repeats the id of line 3": 1, "no id": 1, "no title": 1}


def test_a_quoted_field_over_several_lines_keeps_the_line_numbers_right(tmp_path, capsys):
    rows = ['1,"A\nlong\ntitle",X,,,,,\n', '1,Again,X,,,,,\n']
    code, _ = run(tmp_path, write(tmp_path, "books.csv", HEADER + "".join(rows)))
    assert code == 0 and "line 5: repeats the id of line 2" in capsys.readouterr().out


def test_cp1252_latin1_bytes_and_a_bom_are_read_and_reported(tmp_path, capsys):
    content = ("\ufeff" + HEADER).encode("utf-8") + "1,Café Society,Zoë Heller,,2001,,,\n".encode("utf-8") \
        + "2,Café € Crème,Renée,,2002,,,\n".encode("cp1252") + b"3,Na\xefve \x81,X,,2003,,,\n"
    code, out = run(tmp_path, write(tmp_path, "books.csv", content))
    assert code == 0
    titles = [i["title"] for i in items_of(out)]
    assert titles == ["Café Society", "Café € Crème", "Naïve"]  # 0x81 is not cp1252: read as latin-1, a control
    assert items_of(out)[0]["id"] == "1"  # the BOM is not part of the first column's name
    printed = capsys.readouterr().out
    assert "byte-order mark" in printed and "2 lines were not UTF-8" in printed and "lines 3, 4" in printed


def test_an_explicit_encoding_is_used(tmp_path):
    content = HEADER.encode() + "1,Ærø,Jens,,1990,,,\n".encode("latin-1")
    code, out = run(tmp_path, write(tmp_path, "books.csv", content), MAP, "--encoding", "latin-1")
    assert code == 0 and items_of(out)[0]["title"] == "Ærø"


def test_a_10mb_text_field_is_cut_not_fatal(tmp_path, capsys):
    huge = "word " * (2 * 1024 * 1024)  # 10 MB
    started = time.perf_counter()
    code, out = run(tmp_path, write(tmp_path, "books.csv", HEADER + f'1,Big,X,,2000,,,"{huge}"\n' + ROWS[1]))
    assert code == 0 and time.perf_counter() - started < 30
    big, dune = items_of(out)
    assert len(big["overview"]) <= MAX_TEXT + 1 and big["overview"].startswith("word word")
    assert dune["title"] == "Dune"
    assert "cut 1 over-long values of text" in capsys.readouterr().out


FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(A1:A2)", "-2+3", "@SUM(1)", "=HYPERLINK(\"http://x\")"]


def test_formula_looking_cells_are_stored_as_text_and_neutralised_in_the_report(tmp_path):
    rows = [f'"{f.replace(chr(34), chr(34) * 2)}","{f.replace(chr(34), chr(34) * 2)}",X,,,,,\n' for f in FORMULAS]
    dup = '"=cmd|\' /C calc\'!A0",again,X,,,,,\n'
    code, out = run(tmp_path, write(tmp_path, "books.csv", HEADER + "".join(rows) + dup),
                    "fields: {id: book_id, title: title}")
    assert code == 0
    assert [(i["id"], i["title"]) for i in items_of(out)] == [(f, f) for f in FORMULAS]  # data, unchanged
    skipped = (out / "skipped.csv").read_text().splitlines()
    assert skipped[1] == "7,'=cmd|' /C calc'!A0,repeats the id of line 2"
    assert load_catalog(out).get(FORMULAS[0]).title == FORMULAS[0]


def test_the_report_writer_neutralises_every_formula_prefix():
    out = io.StringIO()
    write_text_table([FORMULAS + ["\tx", "plain", 12, None]], out)
    cells = next(iter(__import__("csv").reader(io.StringIO(out.getvalue()))))
    assert cells[:6] == ["'" + f for f in FORMULAS] + ["'\tx"]
    assert cells[6:] == ["plain", "12", ""]


def test_a_catalog_of_one_item_opens_and_is_searched(tmp_path):
    from retrieval.store import ItemIndex, ephemeral_client

    code, out = run(tmp_path, write(tmp_path, "books.csv", HEADER + ROWS[1]))
    assert code == 0
    catalog = load_catalog(out)
    embedder = HashEmbedder()
    index = ItemIndex(ephemeral_client(), catalog, embedder, name="one-item").open(progress=False)
    hits = index.search(embedder.embed(["desert planet spice"], kind="query")[0], 5)
    assert [h.item_id for h in hits] == ["2"]


def test_a_malformed_jsonl_line_is_skipped_with_its_line_the_rest_kept(tmp_path, capsys):
    lines = ['{"book_id": 1, "title": "A"}', '{"book_id": 2, "title": "B"', '[1, 2]', '', '{"book_id": 3, "title": "C"}']
    code, out = run(tmp_path, write(tmp_path, "books.jsonl", "\n".join(lines) + "\n"),
                    "fields: {id: book_id, title: title}")
    assert code == 0 and [i["title"] for i in items_of(out)] == ["A", "C"]
    printed = capsys.readouterr().out
    assert "line 2: not JSON" in printed and "line 3: a JSON list, not an object" in printed


def test_unreadable_values_are_left_out_and_counted_not_the_row(tmp_path, capsys):
    code, out = run(tmp_path, write(tmp_path, "books.csv", HEADER + "1,Odd,X,,soon,many,klingon,\n"))
    assert code == 0 and items_of(out) == [{"id": "1", "title": "Odd", "writers": ["X"]}]
    printed = capsys.readouterr().out
    assert "year: not a year ('soon'" in printed and "attributes.pages" in printed and "language" in printed


def test_columns_the_map_does_not_use_are_named(tmp_path, capsys):
    run(tmp_path, write(tmp_path, "books.csv", HEADER + ROWS[0]), "fields: {id: book_id, title: title}")
    assert "columns not used: authors, genres, year, pages, lang, blurb" in capsys.readouterr().out


def test_flags_override_the_map(tmp_path):
    code, out = run(tmp_path, write(tmp_path, "books.csv", HEADER + ROWS[0]), MAP, "--title", "authors",
                    "--people", "cast=title", "--attribute", "minutes=pages:min")
    assert code == 0
    item = items_of(out)[0]
    assert item["title"] == "J.R.R. Tolkien" and item["cast"] == ["The Hobbit (Middle-earth, #0)"]
    assert item["attributes"] == {"pages": 310, "minutes": 310}


def test_interactions_become_ratings_the_collaborative_signal_reads(tmp_path, capsys):
    from retrieval.collaborative import ItemCF

    inter = write(tmp_path, "ratings.csv", "reader,book,stars\nalice@example.com,1,5\nalice@example.com,2,5\n"
                  "bob,1,4\nbob,2,5\nbob,3,1\ncarol,99,5\ncarol,1,lots\n,2,5\n")
    code, out = run(tmp_path, write(tmp_path, "books.csv", HEADER + "".join(ROWS)),
                    MAP + "interactions: {user: reader, item: book, rating: stars}\n", "--interactions", str(inter))
    assert code == 0
    table = gzip.decompress((out / "ratings.csv.gz").read_bytes()).decode()
    assert table.splitlines() == ["user,item,rating", "1,1,5", "1,2,5", "2,1,4", "2,2,5", "2,3,1"]
    assert "alice" not in table  # people's names never reach the folder
    printed = capsys.readouterr().out
    assert "item not in the catalog 1" in printed and "rating not a number of 0 or more 1" in printed
    cf = ItemCF.load(load_catalog(out), out / "ratings.csv.gz")
    assert cf is not None and cf.top(["1"], 2)[0][0] == "2"


def test_counts_are_implicit_feedback(tmp_path):
    inter = write(tmp_path, "plays.csv", "u,i,n\na,1,3\na,2,1\nb,2,0\n")
    code, out = run(tmp_path, write(tmp_path, "books.csv", HEADER + "".join(ROWS)), MAP,
                    "--interactions", str(inter), "--user", "u", "--item", "i", "--count", "n")
    assert code == 0
    table = gzip.decompress((out / "ratings.csv.gz").read_bytes()).decode().splitlines()
    assert table == ["user,item,rating", "1,1,5", "1,2,5", "2,2,1"]


def test_a_misnamed_interactions_column_stops_before_writing(tmp_path, capsys):
    inter = write(tmp_path, "ratings.csv", "user_id,book_id,rating\n1,1,5\n")
    code, out = run(tmp_path, write(tmp_path, "books.csv", HEADER + ROWS[0]),
                    MAP + "interactions: {user: user, item: book_id, rating: rating}\n", "--interactions", str(inter))
    assert code == 2 and "'user' (for interactions.user; did you mean 'user_id'?)" in capsys.readouterr().err
    assert not out.exists()


# ---- the map file: malformed or hostile --------------------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("fields: {id: book_id, title: [unclosed", "not valid YAML"),
    ("- just\n- a list\n", "must be a YAML mapping"),
    ("fields: {id: book_id, title: title, colour: red}", "fields.colour: not a catalog field"),
    ("fields: {id: book_id, title: title}\nrun: rm -rf /", "unknown top-level keys ['run']"),
    ("fields: {id: {column: book_id, regex: '(a+)+$'}, title: title}", "unknown keys ['regex']"),
    ("fields: {id: book_id, title: {column: title, split: ''}}", "separator of 1-5 characters"),
    ("fields: {id: book_id, title: title, people: {authors: a}}", "unknown role"),
    ("fields: {id: book_id, title: title, attributes: {'pages; drop': p}}", "attribute name"),
    ("fields: {id: 12, title: title}", "expected a column name"),
    ("fields: {id: {column: book_id, zfill: 10000}, title: title}", "zfill"),
    ("fields: {id: book_id, title: title}\ndomain: /etc/passwd", "not an absolute path"),
    ("fields: {id: book_id, title: title}\nattribution: ../../../../etc/hostname", "climbs out"),
    ("fields: !!python/object/apply:os.system ['touch PWNED']", "not valid YAML"),
])
def test_a_malformed_or_hostile_map_is_refused_with_the_key(tmp_path, text, message):
    path = write(tmp_path, "map.yaml", text)
    with pytest.raises(MapError, match=__import__("re").escape(message)):
        load_map(path)
    assert not (tmp_path / "PWNED").exists() and not Path("PWNED").exists()


def test_a_map_of_aliases_or_a_huge_map_is_refused_quickly(tmp_path):
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)) + "fields: {id: *j, title: title}\n"
    started = time.perf_counter()
    with pytest.raises(MapError):
        load_map(write(tmp_path, "laughs.yaml", laughs))
    with pytest.raises(MapError, match="a map is a few lines"):
        load_map(write(tmp_path, "huge.yaml", "# " + "x" * 300_000))
    assert time.perf_counter() - started < 5


def test_a_map_names_domain_and_attribution_files_beside_it_and_a_rebuild_keeps_them(tmp_path):
    from retrieval.domain import MOVIE_DOMAIN

    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "domain.yaml").write_bytes(MOVIE_DOMAIN.read_bytes())
    (tmp_path / "maps" / "credits.md").write_text("# From my shelf\nCC0\n")
    fmap_path = write(tmp_path / "maps", "map.yaml", MAP + "domain: domain.yaml\nattribution: credits.md\n")
    data = write(tmp_path, "books.csv", HEADER + "".join(ROWS))
    out = tmp_path / "catalog"
    assert main([str(data), "--map", str(fmap_path), "--out", str(out), "--no-index", "--quiet"]) == 0
    assert (out / "ATTRIBUTION.md").read_text().startswith("# From my shelf")
    # the domain's categories, spelled its way ("Science Fiction" is a word for Sci-Fi); others become keywords
    hobbit, dune, emma = items_of(out)
    assert (hobbit["genres"], dune["genres"], emma["genres"]) == (["Adventure", "Fantasy"], ["Sci-Fi"], ["Romance"])
    assert "Classics" in emma["keywords"]
    assert main([str(data), "--map", str(write(tmp_path, "plain.yaml", MAP)), "--out", str(out), "--no-index",
                 "--quiet"]) == 0
    assert (out / "ATTRIBUTION.md").read_text().startswith("# From my shelf") and (out / "domain.yaml").is_file()


def test_without_attribution_the_folder_says_the_licence_is_not_stated(tmp_path, capsys):
    code, out = run(tmp_path, write(tmp_path, "books.csv", HEADER + ROWS[0]))
    assert "Licence: not stated" in (out / "ATTRIBUTION.md").read_text()
    assert "no domain.yaml given" in capsys.readouterr().out


def test_unique_fields_skip_other_editions(tmp_path, capsys):
    rows = ROWS + ['7,Dune,Frank Herbert,,1990,896,eng,\n', '8,Dune,Brian Herbert,,2002,667,eng,\n']
    code, out = run(tmp_path, write(tmp_path, "books.csv", HEADER + "".join(rows)), MAP + "unique: [title, writers]\n")
    assert code == 0 and [i["id"] for i in items_of(out)] == ["1", "2", "3", "8"]
    assert "line 5: the same title, writers as line 3" in capsys.readouterr().out
    with pytest.raises(MapError, match="unique"):
        parse_map({"fields": {"id": "a", "title": "b"}, "unique": ["overview"]})


@pytest.mark.slow
def test_the_index_ingest_builds_is_the_one_the_app_opens(tmp_path, real_embedder, capsys):
    from retrieval.store import ItemIndex, collection_name, persistent_client

    data = write(tmp_path, "books.csv", HEADER + "".join(ROWS))
    out, index_dir = tmp_path / "catalog", tmp_path / "index"
    code = main([str(data), "--map", str(write(tmp_path, "map.yaml", MAP)), "--out", str(out), "--index-dir",
                 str(index_dir), "--quiet"])
    assert code == 0 and f"python launch.py --catalog {out}" in capsys.readouterr().out
    catalog = load_catalog(out)
    index = ItemIndex(persistent_client(index_dir), catalog, real_embedder, collection_name(catalog))
    assert index.stale_reason() is None  # the app's start finds it current: no second build


def test_an_ingested_folder_carries_its_item_vectors(tmp_path):
    """With its index built, the folder holds the vectors too: another index folder (or machine) opens it
    without embedding again (retrieval/vectors.py)."""
    from retrieval.catalog import load_catalog
    from retrieval.vectors import FILE, shipped_vectors

    out = tmp_path / "catalog"
    assert main([str(write(tmp_path, "books.csv", HEADER + "".join(ROWS))), "--map",
                 str(write(tmp_path, "map.yaml", MAP)), "--out", str(out), "--index-dir", str(tmp_path / "index"),
                 "--quiet"]) == 0

    class Packaged:
        name, dim = "all-MiniLM-L6-v2", 384

    catalog = load_catalog(out)
    assert (out / FILE).is_file() and len(shipped_vectors(catalog, Packaged())) == len(catalog)

"""Importing a person's exported history: real-shaped Letterboxd, IMDb and Goodreads files matched to the
movie catalog (and Goodreads to a books catalog), bad files refused with a message and nothing lost, and the
imported ledger steering the next recommendations, in the session and for a signed-in user on disk."""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import replace
from pathlib import Path

import gradio as gr
import pytest

from chat_app.history import (ACCEPTED, IMPORTED_SHARE, HistoryError, HistoryLimits, HistoryMatcher, apply_outcome,
                              import_history, in_ledger, limits_from, match_history, read_history, read_upload)
from chat_app.persist import SessionStore
from chat_app.profile import Delta, Preference, Profile, merge
from chat_app.ui import build_ui, make_import, make_respond
from conftest import REPO, free_port
from retrieval.catalog import Catalog, Item
from retrieval.constraints import Constraints
from retrieval.domain import load_domain

DATA = Path(__file__).parent / "data" / "history"
CHROMIUM = "/usr/bin/chromium"
LETTERBOXD_HEADER = "Date,Name,Year,Letterboxd URI,Rating\n"


def final(gen):
    out = None
    for out in gen:
        pass
    return out


@pytest.fixture(scope="module")
def movies(full_catalog) -> HistoryMatcher:
    return HistoryMatcher(full_catalog)


def outcome_of(matcher, text: str | bytes, filename: str = "ratings.csv", limits=HistoryLimits()):
    data = text.encode() if isinstance(text, str) else text
    return match_history(read_history(data, limits, filename), matcher)


def labels(items) -> list[str]:
    return [item.label for item in items]


def letterboxd(*rows: str) -> str:
    """A Letterboxd ratings.csv of "title,year,rating" rows (year and rating may be empty)."""
    lines = []
    for row in rows:
        title, year, rating = row.rsplit(",", 2)
        lines.append(f'2021-01-01,"{title.replace(chr(34), chr(34) * 2)}",{year},https://boxd.it/x,{rating}\n')
    return LETTERBOXD_HEADER + "".join(lines)


# ---------------------------------------------------------------- the three formats, as exported


def test_letterboxd_ratings_become_likes_dislikes_and_seen(movies):
    outcome = outcome_of(movies, (DATA / "letterboxd_ratings.csv").read_bytes())
    assert outcome.history.format == "Letterboxd"
    assert labels(outcome.liked) == ["The Matrix (1999)", "Amelie (2001)", "Seven (1995)"]  # Amélie, Se7en
    assert labels(outcome.disliked) == ["Heat (1995)"]
    assert labels(outcome.seen) == ["Fargo (1996)"]  # 3.5 stars: neither
    assert [(m.title, m.year) for m in outcome.unmatched] == [("Spider-Man: No Way Home", 2021), ("Suspiria", 2018)]
    assert "Suspiria (1977)" in outcome.unmatched[1].reason  # the catalog's is the original, not the remake
    summary = outcome.summary()
    assert summary.startswith("Imported 5 of 7 titles from your Letterboxd export: 3 liked, 1 disliked, 1 seen")
    assert "4 and up count as liked, 2 and below as disliked" in summary
    assert "2 not in the catalog: Spider-Man: No Way Home (2021); Suspiria (2018)." in summary


def test_letterboxd_watched_is_seen_only(movies):
    outcome = outcome_of(movies, (DATA / "letterboxd_watched.csv").read_bytes(), "watched.csv")
    assert not outcome.liked and not outcome.disliked
    assert labels(outcome.seen) == ["Toy Story (1995)", "Alien (1979)", "Inception (2010)", "Paddington 2 (2017)"]
    assert "(the file holds no ratings)" in outcome.summary()
    assert [m.title for m in outcome.unmatched] == ["Everything Everywhere All at Once"]


def test_imdb_ratings_export_with_its_original_titles_and_years(movies):
    outcome = outcome_of(movies, (DATA / "imdb_ratings.csv").read_bytes())
    assert outcome.history.format == "IMDb"
    assert labels(outcome.liked) == ["The Shawshank Redemption (1994)", "The Godfather (1972)",
                                     "Life Is Beautiful (1997)"]
    assert labels(outcome.disliked) == ["Pulp Fiction (1994)"]
    assert labels(outcome.seen) == ["Forrest Gump (1994)", "Titanic (1997)"]  # 6 and 7; Titanic (1953) by year
    assert [m.title for m in outcome.unmatched] == ["Breaking Bad"]  # a TV series: not in a film catalog
    assert "8 and up count as liked, 4 and below as disliked" in outcome.summary()


def test_an_old_imdb_export_with_other_column_names_is_read(movies):
    text = ("position,const,created,modified,description,Title,Title type,Directors,You rated,IMDb Rating,"
            "Runtime (mins),Year,Genres,Num. Votes,Release Date (month/day/year),URL\n"
            "1,tt0133093,Mon Jan 2 2017,,,The Matrix,Feature Film,Lana Wachowski,9,8.7,136,1999,sci_fi,1500000,"
            "1999-03-31,http://www.imdb.com/title/tt0133093/\n")
    assert labels(outcome_of(movies, text).liked) == ["The Matrix (1999)"]


def test_imdb_ids_decide_when_the_catalog_carries_them():
    class Film:  # a catalog whose items carry IMDb ids (the matcher reads any item with title and year)
        def __init__(self, id, title, year, imdb_id):
            self.id, self.title, self.year, self.imdb_id, self.label = id, title, year, imdb_id, f"{title} ({year})"

    matcher = HistoryMatcher([Film("a", "Sabrina", 1954, "tt0047437"), Film("b", "Sabrina", 1995, "tt0114319")])
    text = (DATA / "imdb_ratings.csv").read_text().splitlines()[0] + "\n" + \
        "tt0114319,9,2023-01-02,Sabrina (remake),,https://www.imdb.com/title/tt0114319,Movie,6.3,127,1994,,1,,\n"
    outcome = outcome_of(matcher, text)  # title and year are off: the id alone decides
    assert [item.id for item in outcome.liked] == ["b"]


def books_catalog() -> Catalog:
    """A books catalog as goodbooks-10k titles its books: series in brackets, authors as writers."""
    books = [("1", "The Hunger Games (The Hunger Games, #1)", 2008, "Suzanne Collins"),
             ("2", "Harry Potter and the Sorcerer's Stone (Harry Potter, #1)", 1997, "J. K. Rowling"),
             ("3", "To Kill a Mockingbird", 1960, "Harper Lee"),
             ("4", "The Great Gatsby", 1925, "F. Scott Fitzgerald"),
             ("5", "Sapiens", 2011, "Yuval Noah Harari"),
             ("6", "Twilight (Twilight, #1)", 2005, "Stephenie Meyer"),
             ("7", "Pride and Prejudice", 1813, "Jane Austen"),
             ("8", "Dune (Dune, #1)", 1965, "Frank Herbert"),
             ("9", "Twilight", 2005, "Someone Else"),  # the same title and year, by another author
             ("10", "The Hunger Games", 2008, "Another Writer")]
    return Catalog.from_items(Item(id, title, year, writers=(author,)) for id, title, year, author in books)


def test_goodreads_library_export_against_a_books_catalog():
    outcome = outcome_of(HistoryMatcher(books_catalog()), (DATA / "goodreads_library_export.csv").read_bytes(),
                         "goodreads_library_export.csv")
    assert outcome.history.format == "Goodreads"
    # the author settles two books of one title and year; "J.K." and "J. K." are one person
    assert [i.id for i in outcome.liked] == ["1", "2"]
    assert [i.id for i in outcome.disliked] == ["3", "6"]  # 2 stars; 1 star
    # 3 stars; rated 0 (not rated) with a subtitle the catalog leaves out; currently reading
    assert [i.id for i in outcome.seen] == ["4", "5", "7"]
    assert [m.title for m in outcome.unmatched] == ["A Self-Published Chapbook Nobody Has Heard Of"]
    assert outcome.history.skipped == {"on your to-read shelf": 1}  # Dune: not read, so not seen
    assert "1 row on your to-read shelf skipped." in outcome.summary()


def test_goodreads_library_export_against_the_shipped_books_catalog():
    with gzip.open(REPO / "catalogs" / "books" / "items.jsonl.gz", "rt", encoding="utf-8") as fh:
        books = [Item.from_json(json.loads(line)) for line in fh if line.strip()]
    outcome = outcome_of(HistoryMatcher(books), (DATA / "goodreads_library_export.csv").read_bytes())
    assert labels(outcome.liked) == ["The Hunger Games (2008)", "Harry Potter and the Sorcerer's Stone (1997)"]
    assert labels(outcome.disliked) == ["To Kill a Mockingbird (1960)", "Twilight (2005)"]
    assert labels(outcome.seen) == ["The Great Gatsby (1925)", "Sapiens: A Brief History of Humankind (2011)",
                                    "Pride and Prejudice (1813)"]
    assert [m.title for m in outcome.unmatched] == ["A Self-Published Chapbook Nobody Has Heard Of"]


@pytest.mark.parametrize("name, fmt", [("letterboxd_ratings.csv", "Letterboxd"),
                                       ("letterboxd_watched.csv", "Letterboxd"), ("imdb_ratings.csv", "IMDb"),
                                       ("goodreads_library_export.csv", "Goodreads")])
def test_every_format_is_told_from_its_header_whatever_the_file_name(name, fmt):
    history = read_history((DATA / name).read_bytes(), filename="export.csv")
    assert history.format == fmt and history.entries and history.rows == len(history.entries) + sum(
        history.skipped.values())


# ---------------------------------------------------------------- matching never guesses


def test_a_title_several_films_share_is_settled_by_year_or_left_out(movies):
    outcome = outcome_of(movies, letterboxd("Hamlet,,", "Hamlet,1990,4", "Crash,2004,5"))
    assert labels(outcome.liked) == ["Hamlet (1990)", "Crash (2004)"]
    assert [m.title for m in outcome.unmatched] == ["Hamlet"]  # no year: five films are called Hamlet
    assert outcome.unmatched[0].reason.startswith("matches more than one: Hamlet (")
    assert "1 could be more than one catalog title, so I left it out: Hamlet." in outcome.summary()


def test_two_items_of_one_title_and_year_stay_unmatched_unless_a_person_decides():
    matcher = HistoryMatcher([Item("a", "Twins", 1988, directors=("Ivan Reitman",)),
                              Item("b", "Twins", 1988, directors=("David Cronenberg",))])
    outcome = outcome_of(matcher, letterboxd("Twins,1988,5"))
    assert not outcome.imported and outcome.unmatched[0].reason.startswith("matches more than one")
    imdb = (DATA / "imdb_ratings.csv").read_text().splitlines()[0] + "\n" + \
        "tt0096320,9,2023-01-02,Twins,Twins,https://x,Movie,6.1,107,1988,Comedy,1,1988-12-09,Ivan Reitman\n"
    assert [i.id for i in outcome_of(matcher, imdb).liked] == ["a"]


def test_a_misspelt_title_matches_only_when_its_year_agrees(movies):
    outcome = outcome_of(movies, letterboxd("The Matrx,1999,5", "Inceptoin,,5",
                                            "Upp,2009,5", "The Matrx,1950,5"))
    assert labels(outcome.liked) == ["The Matrix (1999)"]
    assert [m.label for m in outcome.unmatched] == ["Inceptoin", "Upp (2009)", "The Matrx (1950)"]


# ---------------------------------------------------------------- bad input: a message, nothing changed


@pytest.mark.parametrize("data, words", [
    (b"", "The file is empty"),
    (b"  \r\n\n", "The file is empty"),
    (LETTERBOXD_HEADER.encode(), "a Letterboxd header but no rows"),
    (b"Date,Name,Year,Letterboxd URI,Rating\n,,,,\n", "no rows"),
    (b"id,name,score\n1,Heat,5\n", "I cannot tell what this file is"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "I cannot tell what this file is"),
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00ratings.csv", "a zip archive .* unzip the export"),
    (b"Position,Const,Created,Modified,Description,Title,URL,Title Type\n1,tt0133093,,,,The Matrix,,Movie\n",
     "an IMDb list, not your ratings"),
])
def test_files_that_cannot_be_imported_say_why(data, words):
    with pytest.raises(HistoryError, match=words):
        read_history(data)


def test_an_unknown_format_lists_the_formats_accepted():
    with pytest.raises(HistoryError) as err:
        read_history(b"title,stars\nHeat,5\n")
    assert ACCEPTED in str(err.value) and all(name in ACCEPTED for name in ("Letterboxd", "IMDb", "Goodreads"))
    assert "title,stars" in str(err.value)


def test_a_watchlist_is_refused_by_its_name():
    with pytest.raises(HistoryError, match="is a watchlist"):
        read_history(letterboxd("Heat,1995,").encode(), filename="watchlist.csv")


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-8-sig", "utf-16"])
def test_other_encodings_and_a_bom_are_read(movies, encoding):
    outcome = outcome_of(movies, letterboxd("Amélie,2001,5", "Léon: The Professional,1994,4")
                         .encode(encoding))
    assert [item.title[:22] for item in outcome.liked] == ["Amelie", "Léon: The Professional"]


def test_semicolons_as_a_spreadsheet_in_some_countries_saves_them(movies):
    text = "Date;Name;Year;Letterboxd URI;Rating\r\n2021-01-01;Heat;1995;https://boxd.it/x;4,5\r\n"
    assert labels(outcome_of(movies, text).liked) == ["Heat (1995)"]  # "4,5": a decimal comma


def test_a_file_above_the_size_limit_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "ratings.csv"
    with open(big, "wb") as fh:
        fh.write(LETTERBOXD_HEADER.encode())
        fh.seek(50 * 2**20)
        fh.write(b"\n")
    with pytest.raises(HistoryError, match=r"The file is 50\.0 MB; this app imports files of at most 20 MB"):
        read_upload(str(big), HistoryLimits())
    with pytest.raises(HistoryError, match="at most 1 MB"):  # the limit is a setting
        read_history(b"x" * (2**20 + 1), HistoryLimits(max_bytes=2**20))


def test_the_limits_are_settings(movies):
    from chat_app.settings import Settings

    limits = limits_from(Settings.from_cli(["--history-max-mb", "0.001", "--history-max-rows", "3"]))
    assert limits == HistoryLimits(max_bytes=1048, max_rows=3)
    outcome = outcome_of(movies, letterboxd(*[f"{t},5" for t in ("Heat,1995", "Alien,1979",
                                                                                    "Fargo,1996", "Seven,1995")]),
                         limits=limits)
    assert labels(outcome.liked) == ["Heat (1995)", "Alien (1979)", "Fargo (1996)"]
    assert "Only the first 3 of 4 rows were read: this app imports at most 3 at a time." in outcome.summary()
    assert limits_from(Settings()) == HistoryLimits()  # the defaults agree


def test_a_hundred_thousand_rows_are_capped_and_the_person_told(movies):
    rows = [f"2021-01-01,Imaginary Film Number {n},{1950 + n % 60},https://boxd.it/{n},{1 + n % 5}"
            for n in range(100_000)]
    rows[5] = "2021-01-01,Heat,1995,https://boxd.it/x,5"
    rows[30_000] = "2021-01-01,Alien,1979,https://boxd.it/x,5"  # past the cap: not read
    data = (LETTERBOXD_HEADER + "\n".join(rows) + "\n").encode()
    start = time.perf_counter()
    outcome = outcome_of(movies, data)
    elapsed = time.perf_counter() - start
    print(f"100,000 rows ({len(data) / 2**20:.1f} MB): read and matched in {elapsed:.1f} s")
    assert outcome.history.rows == 100_000 and outcome.history.read == 20_000
    assert labels(outcome.liked) == ["Heat (1995)"] and len(outcome.unmatched) == 19_999
    assert "Only the first 20,000 of 100,000 rows were read" in outcome.summary()
    assert "19,999 not in the catalog" in outcome.summary() and "and 19,991 more" in outcome.summary()
    assert len(outcome.to_json()["unmatched"]) == 1000 and outcome.to_json()["unmatched_count"] == 19_999


def test_formula_cells_stay_plain_text(movies):
    formulas = ["=cmd|' /C calc'!A0", "+SUM(1+1)*cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]
    text = LETTERBOXD_HEADER + "".join(f'2021-01-01,"{f}",1999,https://boxd.it/x,5\n' for f in formulas)
    outcome = outcome_of(movies, text)
    assert [m.title for m in outcome.unmatched] == formulas and not outcome.imported
    isbn = read_history((DATA / "goodreads_library_export.csv").read_bytes()).entries[0].ids
    assert isbn == ("9780439023481", "0439023483")  # ="0439023483" read as the ISBN it wraps, not evaluated


def test_ratings_out_of_range_or_not_numbers_count_as_seen(movies):
    rows = [f"{title},{year},{rating}" for title, year, rating in [
        ("Heat", 1995, "7"), ("Alien", 1979, "-1"), ("Fargo", 1996, "abc"), ("Inception", 2010, "nan"),
        ("Toy Story", 1995, "inf"), ("Seven", 1995, "★★★★½"), ("The Matrix", 1999, "★")]]
    outcome = outcome_of(movies, letterboxd(*rows))
    assert labels(outcome.liked) == ["Seven (1995)"] and labels(outcome.disliked) == ["The Matrix (1999)"]
    assert len(outcome.seen) == 5 and outcome.history.bad_ratings == 5
    assert "5 ratings I could not read (not a number, or out of range) counted as seen only." in outcome.summary()


def test_repeated_rows_count_once_and_a_rating_beats_none(movies):
    outcome = outcome_of(movies, letterboxd("Heat,1995,5", "Heat,1995,",
                                            "Se7en,1995,1", "Seven,1995,2",
                                            "Alien,1979,3", "Alien,1979,5"))
    assert labels(outcome.liked) == ["Heat (1995)", "Alien (1979)"]  # a rewatch's newer rating wins
    assert labels(outcome.disliked) == ["Seven (1995)"] and outcome.imported == 3
    assert "3 repeated rows counted once." in outcome.summary()


def test_a_file_nothing_of_which_matches_changes_nothing(movies):
    profile = merge(Profile(), Delta(preferences=(Preference("genre", "Comedy", "like", 1),)), 1)
    with pytest.raises(HistoryError, match="Nothing imported: none of 2 titles .* Nothing was changed"):
        import_history(profile, letterboxd("Not A Film 1,2020,5", "Not A Film 2,2021,"
                                           ).encode(), movies, 1)


# ---------------------------------------------------------------- into the ledger


def test_imported_titles_join_the_ledger_without_crowding_out_what_was_said(movies, full_catalog):
    heat = next(i for i in full_catalog if i.label == "Heat (1995)")
    before = merge(Profile(), Delta(preferences=(Preference("item", "Heat", "like", 1, heat.id),
                                                 Preference("genre", "Comedy", "like", 1))), 1)
    outcome = outcome_of(movies, (DATA / "letterboxd_ratings.csv").read_bytes())
    after = apply_outcome(before, outcome, 1)
    assert ("genre", "comedy") in {p.key for p in after.preferences}  # the ledger kept what was said
    liked = {p.item_id: p for p in after.liked("item")}
    assert set(liked) == {heat.id} | {i.id for i in outcome.liked}
    assert liked[heat.id].weight == 1.0 and not after.disliked()  # the file's 2 stars for Heat: the chat stands
    assert {i.id for i in outcome.seen} <= after.seen and in_ledger(before, outcome) == 1

    many = replace(outcome, liked=list(full_catalog.items[:40]), disliked=[])
    weights = [p.weight for p in apply_outcome(Profile(), many, 0).liked()]
    assert len(weights) == 40 and sum(weights) == pytest.approx(IMPORTED_SHARE)


def test_the_upload_handler_shows_a_summary_updates_the_ledger_and_escapes_titles(services, tmp_path):
    upload = make_import(services)
    path = tmp_path / "ratings.csv"
    path.write_text(letterboxd("Toy Story,1995,5", "<script>alert(1)</script>,2020,5",
                               "Heat,1995,1"))
    understood, record, state, status, entry = upload(str(path), None)
    assert status.startswith("Imported 2 of 3 titles") and "<script" not in status and "&lt;script&gt;" in status
    assert "Toy Story" in understood and "Heat" in understood
    assert {e["text"] for e in record["understood"]["likes"]} == {"Toy Story"}
    assert record["import"]["unmatched"][0]["title"] == "<script>alert(1)</script>"  # data, shown escaped
    assert any(value.startswith("item:") for _, value in entry.choices)


def test_a_failed_import_keeps_the_ledger(services, tmp_path):
    respond, upload = make_respond(services), make_import(services, limits=HistoryLimits(max_bytes=2000))
    *_, state, _, _, _ = final(respond("I loved The Matrix, nothing before 1990", None))
    kept = state.profile
    bad = tmp_path / "ratings.csv"
    for content in (b"", b"junk,columns\n1,2\n", LETTERBOXD_HEADER.encode() + b"x" * 3000):
        bad.write_bytes(content)
        understood, record, state, status, _ = upload(str(bad), state)
        assert state.profile == kept and record["import"] is None and "Matrix" in understood
        assert status and "Imported" not in status
    _, record, state, status, _ = upload(None, state)
    assert "Choose a file" in status and state.profile == kept
    matrix = next(p for p in kept.liked("item") if p.text == "The Matrix")
    _, record, state, status, _ = upload(str(DATA / "letterboxd_ratings.csv"), state)  # the Matrix among them
    assert "1 of these was in your ledger already and stay as you said" in status
    assert set(kept.preferences) < set(state.profile.preferences) and matrix in state.profile.preferences


def test_after_an_import_recommendations_change_and_a_seen_film_never_comes_back(services, tmp_path):
    respond, upload = make_respond(services), make_import(services)
    *_, record, _, _, _, _ = final(respond("a good movie for tonight", None))
    before = [r["id"] for r in record["recommendations"]]
    seen = services.catalog.get(before[0])
    path = tmp_path / "ratings.csv"
    path.write_text(letterboxd("Toy Story,1995,5", f"{seen.title},{seen.year},"))
    *_, state, status, _ = upload(str(path), None)
    assert "1 liked, 0 disliked, 1 seen" in status and seen.id in state.profile.seen
    *_, record, state, _, _, _ = final(respond("a good movie for tonight", state))
    after = [r["id"] for r in record["recommendations"]]
    assert after != before and seen.id not in after
    assert any("Toy Story" in " ".join(r["cites"]) for r in record["recommendations"])  # the import is the why
    for message in ("more like that", "something else", "any other ideas?"):
        *_, record, state, _, _, _ = final(respond(message, state))
        assert record["recommendations"] and seen.id not in {r["id"] for r in record["recommendations"]}


def test_a_signed_in_users_import_is_kept_on_disk_like_a_chat(services, tmp_path):
    store = SessionStore(tmp_path / "sessions.sqlite3")
    upload, alice = make_import(services, store), gr.Request(username="alice")
    *_, state, status, _ = upload(str(DATA / "letterboxd_ratings.csv"), None, alice)
    assert status.startswith("Imported 5 of 7")
    stored = store.latest("alice")
    assert stored.session_id == state.session_id and stored.profile == state.profile
    assert {p.text for p in stored.profile.liked("item")} == {"The Matrix", "Amelie", "Seven"}
    kind, payload = store.events(state.session_id)[-1]
    assert kind == "import" and payload["imported"] == 5 and "liked" not in payload
    events = len(store.events(state.session_id))
    _, _, phone, status, _ = upload(str(DATA / "nonexistent.csv"), None, alice)  # another browser, a bad file
    assert "could not be read" in status and phone.profile == stored.profile
    assert len(store.events(state.session_id)) == events and store.latest("bob") is None


def test_the_app_serves_import_history_to_api_clients(services):
    from gradio_client import Client, handle_file

    demo = build_ui(services).queue()
    assert "import_history" in {dep.get("api_name") for dep in demo.config["dependencies"]}
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, server_port=free_port())
    try:
        client = Client(url, verbose=False)
        understood, record, status, _ = client.predict(handle_file(str(DATA / "imdb_ratings.csv")),
                                                       api_name="/import_history")
        assert status.startswith("Imported 6 of 7") and record["import"]["format"] == "IMDb"
        assert "Godfather" in understood
    finally:
        demo.close()


@pytest.mark.e2e
def test_a_person_uploads_a_file_in_the_browser(services, tmp_path):
    """Headless Chromium against the app with the test fakes: the upload button beside the ledger imports a
    file, the summary and ledger show it, and a title holding script is shown as text, never run."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    path = tmp_path / "ratings.csv"
    path.write_text(letterboxd("Toy Story,1995,5", "Heat,1995,1",
                               "<img src=x onerror=\"document.title='pwned'\">,2020,5"))
    demo = build_ui(services).queue()
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, server_port=free_port())
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.goto(url)
            expect(page.locator("#understood")).to_contain_text("Nothing yet", timeout=60_000)
            with page.expect_file_chooser() as chooser:  # what a click on the button opens
                page.locator("#history-upload").click()
            chooser.value.set_files(str(path))
            expect(page.locator("#status")).to_contain_text("Imported 2 of 3 titles", timeout=30_000)
            expect(page.locator("#status")).to_contain_text("<img src=x")  # the title as text
            expect(page.locator("#understood")).to_contain_text("Toy Story")
            expect(page.locator("#understood")).to_contain_text("Heat")
            assert page.title() != "pwned"
            browser.close()
    finally:
        demo.close()


def test_an_import_keeps_the_limits_of_a_books_catalog():
    """Merged under the movie domain, a books audience or category would not exist and would be dropped."""
    domain = load_domain(REPO / "catalogs" / "maps" / "books7k.domain.yaml")
    limits = Constraints(genres_excluded=("Poetry",), audience="family")
    profile = Profile(constraints=limits)
    text = (DATA / "goodreads_library_export.csv").read_bytes()
    kept, _ = import_history(profile, text, HistoryMatcher(books_catalog()), 1, domain=domain)
    assert kept.constraints.genres_excluded == ("Poetry",) and kept.constraints.audience == "family"
    dropped, _ = import_history(profile, text, HistoryMatcher(books_catalog()), 1)  # the control: movie domain
    assert dropped.constraints.genres_excluded == ()

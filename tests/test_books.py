"""Books as a second domain (issue 14): the shipped goodbooks-10k folder, and the richer books-7k catalog that
`retrieval.ingest` builds at test time from ../shared/data (its licence is unclear: it is never shipped), with
the scripted book dialogues and the books part of the request benchmark run through the real pipeline."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import REPO, SHARED_DATA, TEST_CACHE, save_report
from retrieval.catalog import load_catalog, resolve_catalog
from chat_app.scripted import BUILT_IN
from retrieval.ingest import main as ingest

BOOKS = REPO / "catalogs" / "books"
MAPS = REPO / "catalogs" / "maps"
GOODBOOKS = SHARED_DATA / "goodbooks-10k" / "books.csv"
BOOKS7K = SHARED_DATA / "books-7k" / "books.csv"
DIALOGUES = Path(__file__).parent / "dialogues"
needs_books7k = pytest.mark.skipif(not BOOKS7K.is_file(), reason="needs ../shared/data/books-7k (present in CI)")


def test_the_shipped_books_folder_opens_by_name_and_ships_only_licensed_data():
    catalog = load_catalog(resolve_catalog("books"))
    assert len(catalog) == 10_000 and catalog.domain.noun == "book" and catalog.domain.verb == "read"
    assert catalog.domain.length is None  # goodbooks-10k has no page counts: no limit the data cannot check
    hp = next(i for i in catalog if i.title == "Harry Potter and the Sorcerer's Stone")
    assert hp.writers[0] == "J.K. Rowling" and hp.year == 1997 and hp.genres == ("Series",)
    assert "Harry Potter, #1" in hp.keywords and hp.language == "en"
    assert "By J.K. Rowling" in hp.document(catalog.domain)
    assert sum(bool(i.overview) for i in catalog) == 0  # no descriptions: books-7k's blurbs never ship
    size = sum(p.stat().st_size for p in BOOKS.iterdir())
    assert size < 3 * 2**20, f"the shipped books folder is {size:,} bytes"
    attribution = (BOOKS / "ATTRIBUTION.md").read_text()
    assert "CC BY-SA 4.0" in attribution and "goodbooks-10k" in attribution
    assert "Attribution-ShareAlike 4.0" in (BOOKS / "LICENSE").read_text()
    assert not list(BOOKS.glob("*.sqlite3")) and not (BOOKS / "chroma").exists()  # the index is built on start


@pytest.mark.skipif(not GOODBOOKS.is_file(), reason="needs ../shared/data/goodbooks-10k (present in CI)")
def test_the_shipped_books_folder_is_what_its_map_builds(tmp_path):
    out = tmp_path / "books"
    assert ingest([str(GOODBOOKS), "--map", str(MAPS / "goodbooks.yaml"), "--out", str(out), "--domain",
                   str(BOOKS / "domain.yaml"), "--no-index", "--quiet"]) == 0
    assert (out / "items.jsonl.gz").read_bytes() == (BOOKS / "items.jsonl.gz").read_bytes()


@needs_books7k
def test_books7k_builds_with_categories_pages_and_descriptions(books7k):
    catalog = load_catalog(books7k)
    assert 5000 <= len(catalog) <= 5197 and catalog.domain.length.field == "pages"
    with_pages = [i for i in catalog if i.number("pages")]
    assert len(with_pages) >= 0.99 * len(catalog)
    assert sum(bool(i.overview) for i in catalog) == len(catalog)
    assert sum("Fiction" in i.genres for i in catalog) > 2000
    assert {g for i in catalog for g in i.genres} <= set(catalog.domain.categories)
    report = json.loads((books7k / "manifest.json").read_text())["report"]
    assert report["skipped_by_reason"] and all(r.startswith("the same title, writers") for r in
                                               report["skipped_by_reason"])
    christie = [i for i in catalog if "Agatha Christie" in i.writers]
    assert len(christie) >= 20
    assert "LICENSE" not in {p.name for p in books7k.iterdir()}
    assert "unclear" in (books7k / "ATTRIBUTION.md").read_text()


def _book_services(books7k, real_embedder, llm=None):
    from chat_app.factory import build_services
    from chat_app.settings import Settings

    settings = Settings(catalog=books7k, index_dir=TEST_CACHE / "test-index", llm=llm is not None)
    return build_services(settings, progress=False, embedder=real_embedder, llm=llm)


@pytest.fixture(scope="module")
def book_services(books7k, real_embedder):
    return _book_services(books7k, real_embedder)


def test_the_book_dialogues_cover_what_the_issue_asks():
    from chat_app.scripted import load_dialogues

    dialogues = load_dialogues(DIALOGUES / "books.yaml")
    assert len(dialogues) >= 15
    tags = {t for d in dialogues for t in d.get("tags", ())}
    assert {"authors", "categories", "pages", "exclusions", "languages"} <= tags
    for d in dialogues:  # every first request checks the picks against catalog data
        assert {"match", "genres", "nomatch", "no_genres", "absent", "length_max"} & set(d["turns"][0]["expect"]), d


# measured 2026-11-29 (rules only, real ranking): books.yaml 97.0% (the Spanish request needs the LLM; popular-only
# control 54.5%, random 57.6%); books_requests.yaml 84.2% (themes 83%, authors 60%, other languages 50%; popular
# 21.1%, random 26.3%). Floors sit a little under what was measured.
FLOORS = {"books": 0.9, "books_requests": 0.78}
RELEVANCE = ("match", "nomatch", "genres", "no_genres", "language", "top100_max", "closer_to")


def _relevance(report) -> float:
    total = sum(report.total[k] for k in RELEVANCE)
    return sum(report.passed[k] for k in RELEVANCE) / total if total else 1.0


def _run(services, name: str):
    from chat_app.scripted import load_dialogues, run_dialogues

    report = run_dialogues(services, load_dialogues(DIALOGUES / f"{name}.yaml"))
    save_report(report, name + ("-rules" if services.llm is None else "-small"))
    for check in ("catalog", "constraints", "no_repeats", "explained", "answered"):
        assert report.rate(check) == 1.0, f"{name}: {check}"
    return report


@pytest.fixture(scope="module")
def rules_reports(book_services):
    return {name: _run(book_services, name) for name in FLOORS}


@pytest.mark.slow
@needs_books7k
@pytest.mark.parametrize("name", list(FLOORS))
def test_book_scripts_rules_only_meet_their_floors(rules_reports, name):
    assert rules_reports[name].rate() >= FLOORS[name], f"{name}: {rules_reports[name].rate():.1%}"


@pytest.mark.slow
@needs_books7k
@pytest.mark.parametrize("control", ["popular", "random"])
def test_a_ranker_that_ignores_the_book_request_fails(book_services, rules_reports, control):
    from chat_app.scripted import load_dialogues, run_dialogues
    from retrieval.baselines import control_ranker

    services = replace(book_services, ranker=control_ranker(control, book_services.catalog))
    for name in FLOORS:
        report = run_dialogues(services, load_dialogues(DIALOGUES / f"{name}.yaml"))
        save_report(report, f"{name}-{control}")
        assert report.rate("constraints") == 1.0
        assert _relevance(report) <= _relevance(rules_reports[name]) - 0.3, (
            f"{name}, {control}: relevance {_relevance(report):.1%} vs the app's {_relevance(rules_reports[name]):.1%}")


@pytest.mark.slow
@needs_books7k
def test_book_scripts_with_the_small_model(book_services, rules_reports, small_llm):
    # the model glosses what the rules cannot read (the Spanish, French and German requests); it must reach the
    # floors and lose at most one expectation to the rules alone. Measured 2026-11-29: books.yaml 97.0% as rules
    # (the 0.5B model's gloss of the Spanish mystery finds no mystery either); books_requests 81.6% vs 84.2%:
    # its gloss of "books with dragons" lost the dragons the rules had read
    for name in FLOORS:
        report = _run(replace(book_services, llm=small_llm, writer=None), name)
        assert report.rate() >= FLOORS[name], f"{name}: {report.rate():.1%}"
        one = 1 / sum(report.total[k] for k in report.total if k not in BUILT_IN)
        assert report.rate() >= rules_reports[name].rate() - one - 1e-9, (
            f"{name}: small {report.rate():.1%} < rules {rules_reports[name].rate():.1%}")


@needs_books7k
@pytest.mark.parametrize("name", list(FLOORS))
def test_the_catalog_can_meet_every_book_expectation(books7k, name):
    """A share is honest: enough catalog items mention the terms (or have the categories) within the turn's
    own page and year limits for the picks to meet it."""
    import math

    from chat_app.scripted import load_dialogues
    from retrieval.match import mentions

    catalog = load_catalog(books7k)
    short = []
    for d in load_dialogues(DIALOGUES / f"{name}.yaml"):
        for turn in d["turns"]:
            expect = turn.get("expect") or {}
            fits = [i for i in catalog
                    if (expect.get("length_max") is None or (i.number("pages") or 1e9) <= expect["length_max"])
                    and (expect.get("year_min") is None or (i.year or 0) >= expect["year_min"])
                    and (expect.get("year_max") is None or (i.year or 1e9) <= expect["year_max"])]
            for key, test in (("match", lambda i, e: mentions(i, e["terms"])),
                              ("genres", lambda i, e: set(e["any"]) & set(i.genres))):
                if key in expect and sum(bool(test(i, expect[key])) for i in fits) < math.ceil(
                        5 * expect[key].get("share", 1.0)) * 3:
                    short.append((d["name"], key))
    assert not short, f"expectations the catalog can hardly meet: {short}"


@pytest.mark.slow
def test_goodbooks_dialogues_on_the_shipped_catalog(real_embedder):
    """The catalog `python launch.py --catalog books` opens, rules only: authors, years, series, languages."""
    from chat_app.factory import build_services
    from chat_app.settings import Settings

    services = build_services(Settings(catalog=BOOKS, index_dir=TEST_CACHE / "test-index", llm=False),
                              progress=False, embedder=real_embedder)
    report = _run(services, "books_goodbooks")
    # measured 2026-11-29: 90.9% (10 of 11; "Stephen King books from before 1985" brought 2 of his in 5: the
    # title "King" was read inside his name), then 100% once a name is read as its person
    assert report.rate() >= 0.9, f"{report.rate():.1%}"

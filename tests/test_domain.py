"""The domain as data: domain.yaml validation, hostile strings, and a small book catalog folder read end to end
(its noun, categories, author, "under 300 pages" and "for kids" read and enforced, and said in book words)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml

from chat_app.evidence import why_line
from chat_app.explain import evidence_prompt
from chat_app.pipeline import run_turn
from chat_app.render import render_profile, render_reply
from chat_app.rules import read_message
from chat_app.session import SessionState
from conftest import fake_services
from prompts import load_prompt
from retrieval.catalog import CatalogError, Item, load_catalog, resolve_catalog, save_catalog
from retrieval.constraints import Constraints
from retrieval.domain import DomainError, load_domain, movie_domain, parse_domain
from retrieval.store import collection_name
from retrieval.titles import TitleIndex

BOOK_DOMAIN = r"""
name: books
noun: book
plural: books
verb: read
verb_past: [read]
nouns: [book, novel]
plural_nouns: [books, novels]
language_nouns: [book, books, novel, novels]
categories: [Fantasy, Horror, Romance, Mystery, Kids]
category_words: {fantasy: Fantasy, horror: Horror, scary: Horror, romance: Romance, mystery: Mystery,
                 whodunit: Mystery, picture book: Kids}
moods: {cozy: cozy, creepy: creepy}
mood_categories:
  cozy: {favour: [Romance, Kids], avoid: [Horror]}
  creepy: {favour: [Horror], avoid: [Kids]}
audiences:
  kids:
    says: for young readers
    any: [Kids]
    none: [Horror]
    negated: adults
    said: ['\bfor (my |the )?kids\b', '\bmy (son|daughter)\b']
  adults: {says: for grown-up readers, none: [Kids], said: ['\bfor adults\b']}
length:
  name: length
  field: pages
  unit: pages
  short: pages
  about: how many pages the book has
  range: [1, 5000]
  any_words: [length]
  units:
    - {words: [pages, page, pp], digits: [2, 4]}
roles:
  - {field: writers, label: author, says: By}
texts:
  title: BookChat — book recommendations that listen
  intro: I recommend from a catalog of {count} books and say why.
  placeholder: Ask for a book…
  box_placeholder: e.g. a short fantasy novel
  empty_ledger: Nothing yet. Tell me a book you loved.
  ask: Tell me what you feel like reading.
  greeting: Hi! Tell me about a book you loved.
  thanks: Happy to help.
  tags_label: Readers say
  ratings_source: Goodreads
  popular: One of the most-read books that fit what you asked
  examples: [A fantasy novel under 300 pages]
gloss_examples:
  - ["un libro de Stephen King", "Stephen King"]
"""

# (title, author, genres, pages, year, overview): 20 books, written for this test
BOOKS = [
    ("Carrie", "Stephen King", ("Horror",), 199, 1974, "A bullied girl with telekinetic powers takes revenge."),
    ("The Shining", "Stephen King", ("Horror",), 447, 1977, "A winter caretaker at a haunted hotel loses his mind."),
    ("It", "Stephen King", ("Horror",), 1138, 1986, "Children face a shape-shifting clown in a Maine town."),
    ("The Long Walk", "Stephen King", ("Horror",), 370, 1979, "Boys walk until only one is left."),
    ("Cujo", "Stephen King", ("Horror",), 319, 1981, "A rabid dog traps a mother and son in a car."),
    ("The Little Dragon", "Ann Berry", ("Fantasy", "Kids"), 48, 2001, "A small dragon learns to fly over the hills."),
    ("Moon Garden", "Ann Berry", ("Kids",), 32, 2005, "A girl plants a garden that only grows at night."),
    ("The Glass Crown", "Mira Holt", ("Fantasy",), 280, 2010, "A thief steals a crown that shows the future."),
    ("The Iron Queen of Ash", "Mira Holt", ("Fantasy",), 690, 2014, "Wars of succession in a burning empire."),
    ("Salt and Sorcery", "Dan Reyes", ("Fantasy",), 240, 2016, "A sailor bargains with a sea witch for a map."),
    ("The Ninth Gate Keeper", "Dan Reyes", ("Fantasy",), 520, 2018, "A gatekeeper guards the way between worlds."),
    ("Letters in the Rain", "Lucy Park", ("Romance",), 310, 2012, "Two strangers fall in love through letters."),
    ("Summer at Cliff House", "Lucy Park", ("Romance",), 260, 2015, "A chef returns to her seaside village."),
    ("Murder at the Mill", "Tom Greaves", ("Mystery",), 230, 1999, "A detective investigates a death at a mill."),
    ("The Vanishing Vicar", "Tom Greaves", ("Mystery",), 290, 2003, "A village vicar disappears before Easter."),
    ("Owl School", "Ann Berry", ("Kids", "Fantasy"), 64, 2008, "Young owls go to a school of magic in the woods."),
    ("The Wolf Road", "Kate Moss", ("Horror", "Mystery"), 350, 2011, "Something hunts travellers on a mountain road."),
    ("Tea with Dragons", "Mira Holt", ("Fantasy", "Romance"), 210, 2019, "A tea shop owner befriends a dragon."),
    ("Count the Stars", "Lucy Park", ("Romance",), 400, 2020, "An astronomer and a baker, one summer."),
    ("Shadow Library", "Kate Moss", ("Mystery", "Fantasy"), 330, 2017, "A librarian finds books that rewrite history."),
]


def write_book_folder(folder: Path) -> Path:
    items = [Item(id=f"b{i}", title=t, year=y, genres=g, overview=o, writers=(a,), attributes=(("pages", p),),
                  num_ratings=100 - i, mean_rating=4.0)
             for i, (t, a, g, p, y, o) in enumerate(BOOKS)]
    save_catalog(items, folder / "items.jsonl.gz")
    (folder / "domain.yaml").write_text(BOOK_DOMAIN, encoding="utf-8")
    (folder / "ATTRIBUTION.md").write_text("Written for this test.\n", encoding="utf-8")
    ratings = "user,item,rating\n" + "".join(f"u{u},b{i},5\n" for u in range(12) for i in (0, 1, 4))
    (folder / "ratings.csv.gz").write_bytes(gzip.compress(ratings.encode()))
    return folder


@pytest.fixture(scope="module")
def book_folder(tmp_path_factory) -> Path:
    return write_book_folder(tmp_path_factory.mktemp("books"))


@pytest.fixture(scope="module")
def books(book_folder):
    from retrieval.collaborative import ItemCF

    catalog = load_catalog(book_folder)
    services = fake_services(catalog)
    from dataclasses import replace

    return replace(services, cf=ItemCF.load(catalog, book_folder / "ratings.csv.gz"))


def ask(services, *messages: str):
    state = SessionState()
    for message in messages:
        view = list(run_turn(services, state, message))[-1]
    return state, view


# ---- the folder and the domain file ----

def test_a_book_folder_opens_with_its_domain_ratings_and_own_collection(book_folder, books):
    catalog = books.catalog
    assert len(catalog) == 20 and catalog.domain.noun == "book" and books.domain is catalog.domain
    assert catalog.get("b0").number("pages") == 199 and catalog.get("b0").number("runtime") is None
    assert "By Stephen King." in catalog.get("b0").document(catalog.domain)
    assert books.cf is not None and books.cf.co_liked("b0", "b1")[0] == 12  # user,item,rating read
    movies = load_catalog()
    assert collection_name(movies) == "items" and collection_name(catalog).startswith("items-")
    assert collection_name(catalog) != collection_name(movies)
    assert resolve_catalog("movies") == movies.folder and resolve_catalog(book_folder) == book_folder
    with pytest.raises(CatalogError, match="no catalog named 'no-such-shelf'"):
        resolve_catalog("no-such-shelf")


def test_the_shipped_movie_domain_is_the_default():
    domain = movie_domain()
    assert load_catalog().domain == domain and domain.noun == "movie" and domain.length.unit == "minutes"
    assert domain.category("scary") == "Horror" and domain.category("sci-fi") == "Sci-Fi"
    assert domain.mood_rule("lighter") == ({"Comedy", "Animation", "Children", "Musical"},
                                           {"Horror", "War", "Thriller", "Crime", "Film-Noir"})
    assert Constraints(length_max=120, audience="family").describe() == ["at most 120 minutes", "for the family"]


def spec(**changes) -> dict:
    raw = yaml.safe_load(BOOK_DOMAIN)
    for key, value in changes.items():
        if value is None:
            raw.pop(key)
        else:
            raw[key] = value
    return raw


@pytest.mark.parametrize("changes, named", [
    ({"noun": None}, "noun"),
    ({"texts": None}, "texts"),
    ({"categories": "Fantasy"}, "categories"),
    ({"categories": []}, "categories"),
    ({"category_words": {"scary": "Thriller"}}, "category_words.scary"),
    ({"category_words": {"Scary": "Horror"}}, "category_words"),
    ({"category_words": {"romcom": ["Romance", "Comedie"]}}, "category_words.romcom"),
    ({"mood_categories": {"cozy": {"favour": ["Cozy"]}, "creepy": {}}}, "mood_categories.cozy"),
    ({"moods": {"gloomy": "gloomy"}}, "moods.gloomy"),
    ({"audiences": {"kids": {"says": "x", "said": ["(unclosed"]}}}, "audiences.kids.said"),
    ({"audiences": {"kids": {"says": "x", "negated": "teens"}}}, "audiences.kids.negated"),
    ({"length": {**yaml.safe_load(BOOK_DOMAIN)["length"], "field": "Pages; DROP"}}, "length.field"),
    ({"length": {**yaml.safe_load(BOOK_DOMAIN)["length"], "units": []}}, "length.units"),
    ({"noun": 7}, "noun"),
    ({"verb_past": "read"}, "verb_past"),
    ({"surprise": 1}, "surprise"),
])
def test_a_bad_domain_is_refused_naming_the_key(changes, named):
    with pytest.raises(DomainError, match="not a valid domain") as err:
        parse_domain(spec(**changes))
    assert named in str(err.value)


def test_a_domain_file_that_is_not_a_mapping_or_not_yaml_is_refused(tmp_path):
    with pytest.raises(DomainError, match="expected a mapping"):
        parse_domain(["noun", "book"])
    bad = tmp_path / "domain.yaml"
    bad.write_text("noun: [unclosed\n", encoding="utf-8")
    with pytest.raises(DomainError, match="not valid YAML"):
        load_domain(bad)
    with pytest.raises(DomainError, match="cannot read"):
        load_domain(tmp_path / "absent.yaml")


def test_a_catalog_folder_with_a_bad_domain_stops_with_the_file_named(tmp_path):
    folder = write_book_folder(tmp_path)
    (folder / "domain.yaml").write_text(BOOK_DOMAIN.replace("noun: book\n", ""), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"domain\.yaml is not a valid domain: noun"):
        load_catalog(folder)


def test_hostile_strings_in_a_domain_are_data(book_folder):
    raw = spec(noun="{{ 7*7 }}", plural="{% raw %}<b>",
               texts={**spec()["texts"], "intro": "{count} {0.__class__} {{ x }}",
                      "empty_ledger": "<img src=x onerror=alert(1)> [link](http://evil)"},
               category_words={"sci.fi": "Fantasy", "a|b": "Horror"})
    domain = parse_domain(raw)
    prompt = load_prompt("gloss").render(message="hi", noun=domain.noun, plural=domain.plural, examples="")
    assert "a {{ 7*7 }} catalog" in prompt[0]["content"] and "49" not in prompt[0]["content"]
    assert domain.intro(3) == "3 {0.__class__} {{ x }}"
    from chat_app.profile import Profile

    shown = render_profile(Profile(), domain)
    assert "<img" not in shown and "&lt;img" in shown and "](" not in shown
    titles = TitleIndex.from_catalog(load_catalog(book_folder))
    delta = read_message("some sci.fi, no a|b please", titles, 1, domain=domain)  # words, not patterns
    assert delta.constraints.get("genres_excluded") == ("Horror",)
    assert [p.text for p in delta.preferences if p.kind == "genre" and p.polarity == "like"] == ["Fantasy"]
    assert not read_message("a scixfi tale of a bard", titles, 1, domain=domain).preferences


# ---- reading and enforcing book requests ----

def test_under_300_pages_is_read_enforced_and_said_in_pages(books):
    domain = books.domain
    state, view = ask(books, "a fantasy book under 300 pages")
    assert state.profile.constraints.length_max == 300
    picks = [r.ranked.item for r in view.recommendations]
    assert picks and all(i.number("pages") <= 300 for i in picks)
    assert picks[0].genres and "Fantasy" in picks[0].genres
    assert "at most 300 pages" in view.notice and "minutes" not in view.notice
    assert "at most 300 pages" in render_profile(state.profile, domain)
    reply = render_reply(view)
    assert "pages" in reply and " min" not in reply
    long_one = books.catalog.get("b1")
    assert Constraints(length_max=300).violations(long_one, domain) == ["length over 300 pages or unknown"]
    # film units mean nothing for books
    assert "length_max" not in read_message("under 2 hours", books.titles, 1, domain=domain).constraints


def test_an_author_is_read_and_the_why_line_says_by_whom(books):
    state, view = ask(books, "something by Stephen King")
    assert [p.text for p in state.profile.liked("person")] == ["Stephen King"]
    picks = view.recommendations
    assert picks and picks[0].ranked.item.writers == ("Stephen King",)
    assert "Stephen King (author)" in picks[0].explanation
    prompt = evidence_prompt(picks[0].evidence)
    assert prompt.startswith("Book: ") and "Length: " in prompt and "pages" in prompt and "Movie" not in prompt
    assert picks[0].evidence.facts()["writers"] == ["Stephen King"]


def test_for_kids_is_an_audience_the_picks_keep(books):
    state, view = ask(books, "a book for my kids")
    assert state.profile.constraints.audience == "kids"
    picks = [r.ranked.item for r in view.recommendations]
    assert picks and all("Kids" in i.genres and "Horror" not in i.genres for i in picks)
    assert "for young readers" in view.notice
    _, view = ask(books, "a scary book, not for kids")
    assert all("Kids" not in r.ranked.item.genres for r in view.recommendations)


def test_category_words_and_moods_come_from_the_domain(books):
    delta = read_message("a creepy whodunit, no romance", books.titles, 1, domain=books.domain)
    liked = {(p.kind, p.text) for p in delta.preferences if p.polarity == "like"}
    assert ("genre", "Mystery") in liked and ("mood", "creepy") in liked
    assert delta.constraints["genres_excluded"] == ("Romance",)
    # movie words are not book words
    assert not read_message("a western", books.titles, 1, domain=books.domain).preferences


@pytest.mark.parametrize("message", ["rom coms from the noughties", "a romcom, nothing sad", "romantic comedies pls"])
def test_a_word_that_names_several_categories_asks_for_each(message):
    """A rom-com is a romance and a comedy: the domain's word names both (category_words: a list)."""
    liked = {p.text for p in read_message(message, TitleIndex([]), 1).preferences if p.kind == "genre"}
    assert liked == {"Romance", "Comedy"}


def test_the_ui_and_replies_say_book(books):
    from chat_app.ui import build_ui

    demo = build_ui(books)
    config = json.dumps(demo.config, default=lambda o: None)
    assert "BookChat" in config and "Ask for a book" in config and "catalog of 20 books" in config
    assert "CineChat" not in config and "movie" not in config.lower()
    _, view = ask(books, "hi")
    assert view.notice == "Hi! Tell me about a book you loved."
    _, view = ask(books, "a cozy book")
    assert view.recommendations and "Goodreads" in why_line(view.recommendations[0].evidence)


def test_a_session_stored_before_the_rename_keeps_its_runtime_limit(books):
    from chat_app.persist import state_from_json, state_to_json

    state, _ = ask(books, "a fantasy book under 300 pages")
    text = state_to_json(state)
    assert '"length_max": 300' in text
    old = text.replace('"length_max"', '"runtime_max"')  # what an earlier version wrote
    assert state_from_json(old).profile.constraints.length_max == 300
    restored = state_from_json(text, books.domain)
    assert restored.profile.constraints.length_max == 300 and restored.profile.constraint_turns == {"length_max": 1}


def test_an_llm_reading_names_the_domains_own_audiences(books):
    from chat_app.extract import ground

    said = {"intent": "new_request", "liked_titles": [], "disliked_titles": [],
            "likes": [{"kind": "audience", "text": "kids"}], "dislikes": []}
    assert ground(said, "for my kids", books.titles, 1, books.domain).constraints == {"audience": "kids"}
    said = {**said, "likes": [], "dislikes": [{"kind": "audience", "text": "kids"}]}
    assert ground(said, "not for kids", books.titles, 1, books.domain).constraints == {"audience": "adults"}
    # the movie domain reads the same words as before
    assert ground(said, "not for kids", books.titles, 1).constraints == {"audience": "adults"}

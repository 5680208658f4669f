"""The catalog builds' readers on tiny hand-written inputs, and what the shipped catalog says about known movies."""

import json
from collections import Counter

import pandas as pd
import pytest

from conftest import SHARED_DATA
from retrieval.build_catalog import all_tags, build_items, coverage, tmdb_fields
from retrieval.catalog import Catalog, Item
from retrieval.sources import (CAPS, DBpediaFilm, clean_text, dbpedia_fields, dedupe, entity_name,
                               language_code, language_from_countries, load_dbpedia, load_netflix, merge_fields,
                               other_titles, repair_mojibake, uri_year)
from retrieval.titles import TitleIndex

RESOURCE = "<http://dbpedia.org/resource/{}>"


@pytest.mark.parametrize("uri, name", [
    (RESOURCE.format("Tom_Hanks"), "Tom Hanks"),
    (RESOURCE.format("Michael_Mann_(director)"), "Michael Mann"),
    (RESOURCE.format("Tom_Hanks__1"), "Tom Hanks"),
    (RESOURCE.format("A24_(company)"), "A24"),
    (RESOURCE.format("Warner_Bros."), "Warner Bros."),
    (RESOURCE.format("AC/DC"), "AC/DC"),
    (RESOURCE.format("Am%C3%A9lie"), "Amélie"),
    (RESOURCE.format("Crouching_Tiger,_Hidden_Dragon"), "Crouching Tiger, Hidden Dragon"),
    ("Georgia_(country)", "Georgia"),
])
def test_entity_name_reads_a_dbpedia_uri_as_a_name(uri, name):
    assert entity_name(uri) == name


def test_uri_year_and_language_code():
    assert uri_year(RESOURCE.format("Heat_(1995_film)")) == 1995
    assert uri_year(RESOURCE.format("Home_(2016_Belgian_film)")) == 2016
    assert uri_year(RESOURCE.format("Heat_(film)")) is None
    assert [language_code(RESOURCE.format(n)) for n in ("English_language", "Standard_Mandarin", "Cantonese",
                                                        "German-language", "English_(language)")] == \
        ["en", "zh", "cn", "de", "en"]
    assert language_code(RESOURCE.format("Silent_film")) is None
    assert language_code(RESOURCE.format("Cinema_of_Italy")) is None


@pytest.mark.parametrize("broken, fixed", [
    ("JosÃ© Luis Ucha", "José Luis Ucha"),
    ("Ã\x81lvaro Morte", "Álvaro Morte"),  # a byte cp1252 leaves undefined
    ("Engin Altan DÃ¼zyatan", "Engin Altan Düzyatan"),
    ("Zoë Kravitz", "Zoë Kravitz"),  # not mojibake: unchanged
    ("Bodil Jørgensen", "Bodil Jørgensen"),
    ("卧虎藏龙", "卧虎藏龙"),
    ("plain ascii", "plain ascii"),
])
def test_repair_mojibake(broken, fixed):
    assert repair_mojibake(broken) == fixed


def test_clean_text_drops_control_and_bidi_characters_and_caps_length():
    assert clean_text("Tom\x00Hanks\u202e  \n(actor)\ufeff", 80) == "Tom Hanks (actor)"
    assert clean_text("ZWNJ stays: بچه\u200cهای", 80) == "ZWNJ stays: بچه\u200cهای"
    assert clean_text("one two three four", 9) == "one two…"
    assert clean_text(float("nan"), 9) == "" and clean_text(None, 9) == ""


def test_dedupe_counts_a_name_once_however_it_is_spelt():
    assert dedupe(["Chow Yun-fat", "Michelle Yeoh", "Chow Yun Fat", "michelle yeoh", "", "Zhang Ziyi"]) == \
        ("Chow Yun-fat", "Michelle Yeoh", "Zhang Ziyi")
    assert dedupe(["a", "b", "c"], cap=2) == ("a", "b")


def test_merge_fields_keeps_source_order_and_caps_lists():
    tmdb = {"language": "zh", "companies": ("Sony Pictures Classics", "Good Machine"), "countries": ("China",)}
    dbpedia = {"language": "en", "cast": ("Chow Yun-fat", "Michelle Yeoh"), "companies": ("Sony Pictures Classics",)}
    netflix = {"cast": tuple(f"Extra {i}" for i in range(20)) + ("Chow Yun Fat",), "countries": ("Hong Kong",)}
    merged = merge_fields(tmdb, dbpedia, netflix)
    assert merged["language"] == "zh"
    assert merged["companies"] == ("Sony Pictures Classics", "Good Machine")
    assert merged["countries"] == ("China", "Hong Kong")
    assert merged["cast"][:3] == ("Chow Yun-fat", "Michelle Yeoh", "Extra 0") and len(merged["cast"]) == CAPS["cast"]


def test_other_titles_drops_mere_respellings():
    assert other_titles(["卧虎藏龙", "The Neverending Story", "Amélie"], "The NeverEnding Story", "Amelie") == ("卧虎藏龙",)


def test_language_from_countries_only_where_reliable():
    assert language_from_countries(("United States", "United Kingdom"), None, False) == "en"
    assert language_from_countries(("France",), None, False) is None  # plenty of French films are in English
    assert language_from_countries(("France",), None, True) == "fr"  # ...but not those with a French title too
    assert language_from_countries(("Canada",), None, True) is None  # two languages
    assert language_from_countries(("Hong Kong",), "cn", False) == "cn"
    assert language_from_countries(("United States",), "ar", False) == "en"  # DBpedia's "Arabic" for Babel
    assert language_from_countries(("Atlantis",), None, True) is None
    assert language_from_countries((), "fr", True) is None


NETFLIX = (
    "\ufeffshow_id,type,title,director,cast,country,date_added,release_year,rating,duration,listed_in,description\n"
    's1,Movie,Amélie,Jean-Pierre Jeunet,"Audrey Tautou, Mathieu Kassovitz",France,,2001,R,122 min,Dramas,Secret text\n'
    's2,Movie,La casa,Ãlex Pina,"Ãšrsula CorberÃ³, Pavel K?íž, Ã\x81lvaro Morte","Spain, ",,2017,,,,\n'
    "s3,TV Show,Amélie,Someone,Someone Else,France,,2001,,,,\n"
    "s4,Movie,Heat,Michael Mann,Al Pacino,United States of America,,1995,,,,\n"
    "s5,Movie,Heat,Dick Richards,Burt Reynolds,United States,,1996,,,,\n"
    "s6,Movie,No Year,,,,,,,,,\n"
    "s7,Movie\n"
    "s8,Movie,Twins,Ivan Reitman,,,,1988,,,,\n"
    "s9,Movie,Twins,Someone Else,,,,1988,,,,\n"
    "show_id,type,title,director,cast,country,date_added,release_year,rating,duration,listed_in,description\n"
)


@pytest.fixture
def netflix(tmp_path):
    path = tmp_path / "netflix_titles.csv"
    path.write_text(NETFLIX, encoding="utf-8")
    skipped = Counter()
    return load_netflix(path, skipped), skipped


def test_netflix_reads_movies_repairs_names_and_counts_what_it_skips(netflix):
    index, skipped = netflix
    assert index.find(["Amelie"], 2002) == {"directors": ("Jean-Pierre Jeunet",),
                                           "cast": ("Audrey Tautou", "Mathieu Kassovitz"), "countries": ("France",)}
    la_casa = index.find(["La Casa"], 2017)
    assert la_casa["cast"] == ("Úrsula Corberó", "Álvaro Morte") and la_casa["countries"] == ("Spain",)
    assert "description" not in la_casa and "Secret text" not in json.dumps(index.find(["Amélie"], 2001))
    assert skipped == Counter({"netflix: repeated header row": 1, "netflix: movie without a title or year": 2,
                               "netflix: name with a lost letter": 1})
    assert index.countries >= {"France", "Spain", "United States"}


def test_netflix_matches_title_and_year_and_refuses_to_guess(netflix):
    index, skipped = netflix
    assert index.find(["The Amelie"], 2004) == {}  # more than a year off
    assert index.find(["Amelie"], None) == {}
    assert index.find(["Heat"], 1995)["directors"] == ("Michael Mann",)  # the exact year wins
    assert index.find(["Heat"], 1994)["countries"] == ("United States",)
    assert index.find(["Heat (Something else)", "Heat"], 1996)["directors"] == ("Dick Richards",)
    assert index.find(["Twins"], 1988) == {}  # two movies fit equally well: no guess
    assert skipped["netflix: two movies fit one title"] == 1


@pytest.fixture
def dbpedia(tmp_path):
    entities = ["Heat_(1995_film)", "Al_Pacino", "Robert_De_Niro", "Michael_Mann_(director)", "Warner_Bros.",
                "United_States", "Dingle_Peninsula", "English_language", "Bull_Durham_(pitcher)", "Heat_(1972_film)"]
    ids = {RESOURCE.format(name): i for i, name in enumerate(entities)}
    graph = {"0": [[69, 1], [69, 2], [122, 3], [183, 4], [25, 5], [25, 6], [150, 7], [87, 0], [69], [69, 999]],
             "8": [[105, 5]], "9": [[69, 1]]}
    links = {"1": RESOURCE.format("Heat_(1995_film)"), "2": RESOURCE.format("Bull_Durham_(pitcher)"), "3": None,
             "4": RESOURCE.format("Heat_(1972_film)")}
    for name, data in (("dbpedia_subkg.json", graph), ("entity2id.json", ids), ("redial_movie_to_dbpedia.json", links)):
        (tmp_path / name).write_text(json.dumps(data), encoding="utf-8")
    skipped = Counter()
    return load_dbpedia(tmp_path, {"United States"}, skipped), skipped


def test_dbpedia_reads_credits_and_skips_what_is_not_a_film(dbpedia):
    films, skipped = dbpedia
    assert set(films) == {"1", "4"}
    heat = films["1"]
    assert heat.year == 1995
    assert heat.fields == {"cast": ("Al Pacino", "Robert De Niro"), "directors": ("Michael Mann",), "writers": (),
                           "composers": (), "companies": ("Warner Bros.",), "countries": ("United States",),
                           "language": "en"}
    assert skipped == Counter({"dbpedia: link to something that is not a film": 1, "dbpedia: malformed edge": 2})


def test_dbpedia_fields_prefer_the_film_of_the_items_year(dbpedia):
    films, _ = dbpedia
    skipped = Counter()
    assert dbpedia_fields([films["4"], films["1"]], 1995, skipped)["directors"] == ("Michael Mann",)
    assert dbpedia_fields([films["1"]], 1972, skipped) == {}
    assert skipped["dbpedia: link to a film of another year"] == 2
    no_year = DBpediaFilm("<x>", None, {"cast": ("Someone",)})
    off_by_one = DBpediaFilm("<y>", 1996, {"cast": ("Off by one",)})
    assert dbpedia_fields([off_by_one, no_year], 1995, skipped) == no_year.fields
    assert dbpedia_fields([off_by_one], 1995, skipped) == off_by_one.fields
    assert dbpedia_fields([None], 1995, skipped) == {}


def test_tmdb_fields_take_companies_countries_and_original_title_and_survive_bad_json():
    row = pd.Series({"genres": '[{"id": 28, "name": "Action"}]', "overview": "A\x00 story.", "tagline": None,
                     "keywords": "not json [", "runtime": "120", "original_language": "zh",
                     "production_companies": '[{"name": "Sony Pictures Classics", "id": 58}, {"id": 1}]',
                     "production_countries": '[{"iso_3166_1": "US", "name": "United States of America"}]',
                     "title": "Crouching Tiger, Hidden Dragon", "original_title": "卧虎藏龙"})
    skipped = Counter()
    genres, fields = tmdb_fields(row, skipped)
    assert genres == ["Action"] and fields["overview"] == "A story." and fields["keywords"] == ()
    assert fields["companies"] == ("Sony Pictures Classics",) and fields["countries"] == ("United States",)
    assert fields["alt_titles"] == ("卧虎藏龙",) and fields["runtime"] == 120 and fields["language"] == "zh"
    assert skipped == Counter({"tmdb: unreadable JSON list": 1})
    odd = row.copy()
    odd["genres"] = "5"  # JSON, but not a list
    assert tmdb_fields(odd, skipped)[0] == []
    assert skipped == Counter({"tmdb: unreadable JSON list": 3})


def test_all_tags_keeps_every_distinct_tag_but_the_bookkeeping_ones():
    tags = pd.DataFrame({"movieId": [1] * 14 + [2],
                         "tag": [f"tag {i}" for i in range(12)] + ["Tag 3", "In Netflix queue", "\x07dark"]})
    found = all_tags(tags)
    assert found[1][0] == "tag 3" and len(found[1]) == 12 and "In Netflix queue" not in found[1]
    assert found[2] == ["dark"]


def test_coverage_counts_items_and_values():
    report = coverage([Item("1", "A", cast=("x", "y")), Item("2", "B")])
    assert ["cast", "1", "50.0%", "2"] in [line.split() for line in report.splitlines()]


# What the shipped catalog says about movies everyone knows. The data decides what can be asked: DBpedia's
# ReDial graph has no starring edges for Toy Story or Forrest Gump, so Tom Hanks is checked on other films.
@pytest.mark.parametrize("title, year, field, value", [
    ("Cast Away", 2000, "cast", "Tom Hanks"),
    ("Saving Private Ryan", 1998, "cast", "Tom Hanks"),
    ("Heat", 1995, "cast", "Val Kilmer"),
    ("Heat", 1995, "directors", "Michael Mann"),
    ("Spirited Away", 2001, "companies", "Studio Ghibli"),
    ("Princess Mononoke", 1997, "directors", "Hayao Miyazaki"),
    ("Crouching Tiger, Hidden Dragon", 2000, "alt_titles", "卧虎藏龙"),
    ("Crouching Tiger, Hidden Dragon", 2000, "countries", "Taiwan"),
    ("Toy Story", 1995, "companies", "Pixar Animation Studios"),
    ("Toy Story", 1995, "composers", "Randy Newman"),
    ("Amelie", 2001, "cast", "Audrey Tautou"),
])
def test_shipped_catalog_knows(full_catalog, title, year, field, value):
    item = next(i for i in full_catalog if i.title == title and i.year == year)
    assert value in getattr(item, field)


def test_shipped_catalog_links_original_titles(full_catalog):
    index = TitleIndex.from_catalog(full_catalog)
    assert full_catalog.get(index.link("卧虎藏龙")).title == "Crouching Tiger, Hidden Dragon"
    assert full_catalog.get(index.link("千と千尋の神隠し")).title == "Spirited Away"


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="needs the raw datasets in ../shared/data")
def test_the_build_reproduces_the_shipped_catalog(full_catalog):
    skipped = Counter()
    items, _ = build_items(SHARED_DATA, skipped)
    assert Catalog.from_items(items).fingerprint == Catalog.from_items(full_catalog.items).fingerprint, \
        "retrieval/data/catalog.jsonl.gz is stale: rebuild it with `python -m retrieval.build_catalog`"
    assert skipped["netflix: repeated header row"] == 2

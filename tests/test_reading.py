"""The rules' reading against the whole shipped catalog's vocabulary (retrieval.lexical.Lexicon)."""

import pytest

from chat_app.rules import read_message, spell_out
from retrieval.lexical import Lexicon
from retrieval.titles import TitleIndex


@pytest.fixture(scope="module")
def reader(full_catalog):
    lexicon, titles = Lexicon(full_catalog), TitleIndex.from_catalog(full_catalog)
    return lambda message: read_message(message, titles, 1, lexicon=lexicon)


def entries(delta):
    return {(p.kind, p.text.lower(), p.polarity) for p in delta.preferences}


@pytest.mark.parametrize("message, word", [
    ("war movies, but nothing about Vietnam", "vietnam"),
    ("Scorsese films, but not the mob ones", "mob"),
    ("a comedy, nothing with clowns", "clown"),
])
def test_a_negated_topic_word_is_a_dislike(reader, message, word):
    assert ("theme", word, "dislike") in entries(reader(message))


@pytest.mark.parametrize("message", ["no more than 2 hours", "nothing too silly", "not a fan of musicals",
                                     "not sure, maybe something with space", "no subtitles"])
def test_a_negation_of_no_topic_excludes_no_theme(reader, message):
    assert not any(kind == "theme" and polarity == "dislike" for kind, _, polarity in entries(reader(message)))


def test_abbreviated_wars_are_spelled_as_the_catalog_does(reader):
    assert spell_out("a WWII movie, or WW1") == "a world war ii movie, or world war i"
    assert spell_out("a great war movie") == "a great war movie"
    assert ("theme", "world war ii", "like") in entries(reader("a WWII movie"))


@pytest.mark.parametrize("message", ["something for a date", "romantic comedy, for couples", "date night",
                                     "watching something with a guy i met on hinge", "my date is coming over at 8",
                                     "second date, my place, help"])
def test_a_date_in_other_words_is_the_date_audience(reader, message):
    assert reader(message).constraints.get("audience") == "date"


@pytest.mark.parametrize("message, audience", [("boys night, something loud", "adults"),
                                               ("girls' night in with wine", "adults"),
                                               ("back from the pub, need something stupid", "adults"),
                                               ("a film for the stag do", "adults"),
                                               ("bachelorette weekend, something fun", "adults"),
                                               ("finally got a babysitter, what should we watch", "date"),
                                               ("babysitting my nephew tomorrow", "family"),
                                               ("a friday treat for my first grade class", "family"),
                                               ("the date of release doesnt matter, a western", None),
                                               ("a heist movie from the 90s", None)])
def test_who_is_watching_is_read_from_the_situation(reader, message, audience):
    """The class: who is watching said as a situation, not as an audience word (a dating app, a night out);
    these situations are data in the domain (retrieval/data/domain.yaml, audiences)."""
    assert reader(message).constraints.get("audience") == audience


@pytest.mark.parametrize("message, changed", [("hmm, too heavy for tonight. something fun instead", True),
                                              ("changed my mind, I want to be scared", True),
                                              ("something fun with Tom Hanks", False)])
def test_a_change_of_mind_is_read(reader, message, changed):
    assert reader(message).change_of_mind is changed


@pytest.mark.parametrize("message, title", [("somethin like the matrx or blade runer", "The Matrix"),
                                            ("I loved the departed", "The Departed")])
def test_a_title_in_lower_case_or_misspelt_after_like_or_loved_is_the_title(reader, message, title):
    assert any(kind == "item" and text == title.lower() for kind, text, _ in entries(reader(message)))


def test_a_lower_case_description_is_not_a_title(reader):
    assert not any(kind == "item" for kind, _, _ in entries(reader("a killer movie, some dark knight stuff")))


def test_a_topic_after_about_is_not_a_title(reader):
    assert not any(kind == "item" for kind, _, _ in entries(reader("movies about the undead rising from their graves")))


@pytest.mark.parametrize("message", ["Zeitreise-Filme bitte, aber keinen Horror", "une comédie sans horror",
                                     "a comedy, no horror"])
def test_a_negation_in_a_few_languages_excludes_a_genre(reader, message):
    assert reader(message).constraints.get("genres_excluded") == ("Horror",)


def test_a_limit_after_a_negation_is_no_topic(reader):
    delta = reader("nothing with George Clooney, and nothing before 1990")
    assert delta.constraints.get("year_min") == 1990
    assert {(k, t) for k, t, pol in entries(delta) if pol == "dislike"} == {("person", "george clooney")}


@pytest.mark.parametrize("message, adds", [("and scary", True), ("funny too", True), ("also something short", True),
                                           ("something dark", False), ("a tooth fairy movie", False)])
def test_a_message_that_adds_to_what_was_asked_says_so(reader, message, adds):
    assert reader(message).adds is adds


@pytest.mark.parametrize("message, word", [("a slow burn story about a lighthouse keeper", "burn"),
                                           ("a page-turner thriller, anything except james patterson", "page"),
                                           ("something that keeps me on the edge of my seat", "seat")])
def test_how_an_item_feels_to_get_through_is_no_topic(reader, message, word):
    """"slow burn", "page-turner", "edge of my seat" say how it feels, not what it is about: "slow burn" made
    "burn" a theme and a pick matched "burn (in the plot summary)"."""
    assert not any(word in p.text.lower() for p in reader(message).preferences)

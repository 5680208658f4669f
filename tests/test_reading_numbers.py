"""Decades and length limits in other languages, read from data (chat_app/reading/languages.yaml), never by the LLM."""

from pathlib import Path

import pytest

from chat_app.reading.numbers import decade_in, length_limit_in
from chat_app.rules import read_message
from retrieval.lexical import Lexicon
from retrieval.titles import TitleIndex
from retrieval.domain import load_domain, movie_domain


@pytest.mark.parametrize("message, decade", [
    ("비 오는 날 보기 좋은 90년대 로맨스", 1990), ("un film degli anni '70", 1970), ("film anni settanta", 1970),
    ("ein Film aus den 80er Jahren", 1980), ("achtziger Jahre Komödie", 1980), ("películas de los 80", 1980),
    ("des films des années 90", 1990), ("フランス映画、1960年代", 1960), ("九十年代的香港电影", 1990),
    ("фильмы 80-х", 1980), ("lata 80.", 1980), ("80'ler filmi", 1980), ("filmes dos anos 60", 1960),
    ("films uit de jaren 70", 1970), ("einen alten Krimi aus den Fünfzigern", 1950),
    ("Abenteuerfilme aus den Dreißigern", 1930), ("um filme dos anos 2000", 2000), ("κωμωδία από τη δεκαετία του '80", 1980),
    ("en tecknad film från åttiotalet", 1980), ("en film från 80-talet", 1980),
])
def test_a_decade_in_another_language(message, decade):
    assert decade_in(message) == (decade, decade + 9)


@pytest.mark.parametrize("message", ["a film from 1985", "ein Film mit 80 Minuten", "top 10 films",
                                     "anni di piombo", "2時間", "något från 1900-talet"])  # (a century)
def test_no_decade_where_none_is_said(message):
    assert decade_in(message) is None


@pytest.mark.parametrize("message, minutes", [
    ("фильм не длиннее полутора часов", 90), ("unter zwei Stunden bitte", 120), ("unter 100 Minuten", 100),
    ("moins de 2 heures", 120), ("menos de dos horas", 120), ("meno di 90 minuti", 90), ("2時間以内の映画", 120),
    ("90分钟以内", 90), ("2시간 이내 영화", 120), ("korter dan anderhalf uur", 90),
    ("pas plus d'une heure et demie svp", 90), ("una comedia que no dure más de dos horas", 120),  # elided, halves
    ("komedia romantyczna, ale nie dłuższa niż półtorej godziny", 90),
    ("quero um filme de animação, com no máximo uma hora e meia", 90),  # Portuguese "uma", feminine "one"
])
def test_a_length_limit_in_another_language(message, minutes):
    assert length_limit_in(message, movie_domain()) == minutes


def test_a_length_is_read_only_where_the_domain_measures_time():
    books = load_domain(Path(__file__).parents[1] / "catalogs" / "books" / "domain.yaml")
    assert length_limit_in("unter zwei Stunden", books) is None


@pytest.fixture(scope="module")
def reader(full_catalog):
    lexicon, titles = Lexicon(full_catalog), TitleIndex.from_catalog(full_catalog)
    return lambda message: read_message(message, titles, 1, lexicon=lexicon, domain=full_catalog.domain)


@pytest.mark.parametrize("message, minutes", [
    ("short silly comedy, 90 min max", 90), ("2 hours or less", 120), ("i only got like 90 min before bed", 90),
    ("we have about two hours", 120), ("a thriller under ninety minutes", 90),
    ("got a 6 hr drive tomorrow, a comedy", None), ("we have a 2 hour flight, something fun", None),
])
def test_english_length_limits_said_after_the_amount_or_as_time_to_spend(reader, message, minutes):
    """The limit word after the amount, the time they have; not how long something else lasts."""
    delta = reader(message)
    assert delta.constraints.get("length_max") == minutes


@pytest.mark.parametrize("message", ["babysitting my nephew tmrw hes 3, what can i put on", "my 5yo wants princesses",
                                     "a movie for my three year old", "grandkids are over (7 and 10)",
                                     "sleepover for my daughter and her friends, theyre 11"])
def test_children_said_by_age_or_kin_are_the_family_audience_and_no_topic(reader, message):
    delta = reader(message)
    assert delta.constraints.get("audience") == "family"
    assert not any(p.text in ("daughter", "grandkids", "nephew", "sleepover") for p in delta.preferences)


@pytest.mark.parametrize("message, liked, excluded", [
    ("2時間以内で泣ける恋愛映画ある？", {"Romance"}, set()),
    ("jakaś komedia romantyczna", {"Comedy", "Romance"}, set()),
    ("hab Lust auf einen alten Krimi", {"Crime"}, set()),
    ("una película de terror, sin comedia", {"Horror"}, {"Comedy"}),
    ("bir gerilim filmi var mı?", {"Thriller"}, set()),
    ("хочу посмотреть мультфильм", {"Animation"}, set()),
    ("un bon film, ce soir", set(), set()),
])
def test_kinds_of_item_in_other_languages_come_from_data(message, liked, excluded):
    from chat_app.reading.kinds import genres_in

    assert genres_in(message, movie_domain()) == (liked, excluded)


def test_a_kind_the_domain_does_not_have_is_ignored():
    from chat_app.reading.kinds import genres_in

    books = load_domain(Path(__file__).parents[1] / "catalogs" / "books" / "domain.yaml")
    assert "Western" not in genres_in("un western", books)[0]


def test_the_noughties_are_the_2000s(reader):
    assert reader("rom coms from the noughties").constraints.get("year_min") == 2000

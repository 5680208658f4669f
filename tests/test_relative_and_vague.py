"""Years said relative to liked items ("from that era", "older than that"), and requests with no taste in them
("surprise me", "idk something good"): widely loved items of different kinds and a question back."""

from dataclasses import replace

import pytest

from chat_app.pipeline import run_turn
from chat_app.profile import Delta, Preference
from chat_app.reading.relative import relative_years
from chat_app.session import SessionState
from retrieval.constraints import Constraints
from retrieval.recommend import Query, widely_loved

YEARS = {"escape": 1963, "dozen": 1967, "alien": 1979, "robocop": 1987, "matrix": 1999, "pulp": 1994, "jaws": 1975}
TITLES = {"robocop": "robocop", "matrix": "the matrix", "pulp": "pulp fiction", "jaws": "jaws"}


def liked(*ids, turn=1):
    return tuple(Preference("item", i, "like", turn, item_id=i) for i in ids)


@pytest.mark.parametrize("message, before, now, expected", [
    ("anything else from that era", (), liked("escape", "dozen"), {"year_min": 1958, "year_max": 1972}),
    ("something older than that", liked("alien"), (), {"year_max": 1978}),
    ("same era but funnier", liked("alien"), (), {"year_min": 1974, "year_max": 1984}),
    ("like the first one but newer", (), liked("alien"), {"year_min": 1980}),
    ("anything from the same decade about teens?", (), liked("alien"), {"year_min": 1970, "year_max": 1979}),
    ("from the 60s, same era", liked("alien"), (), {"year_min": 1960}),  # the message's own years win
    ("something older than that", (), (), {}),  # no anchor: nothing changes
])
def test_years_relative_to_the_liked_items(message, before, now, expected):
    stated = {"year_min": 1960} if "60s" in message else {}
    delta = relative_years(message, Delta(preferences=now, constraints=stated), list(before), YEARS.get)
    assert delta.constraints == (expected if not stated else stated)


@pytest.mark.parametrize("message, item, expected", [
    ("horror but nothing newer than robocop", "robocop", {"year_max": 1987}),
    ("something older than the matrix", "matrix", {"year_max": 1998}),
    ("anything newer than robocop?", "robocop", {"year_min": 1988}),
    ("a thriller from the same year as pulp fiction", "pulp", {"year_min": 1994, "year_max": 1994}),
    ("a shark movie made before jaws came out", "jaws", {"year_max": 1974}),
    ("nothing older than the matrix please", "matrix", {"year_min": 1999}),
])
def test_a_title_said_as_a_yardstick_sets_years_and_is_no_taste(message, item, expected):
    """The class: a title named only to say when ("nothing newer than X", "same year as X", "before X came
    out"). It bounds the years, is kept out of the picks, and is not liked."""
    delta = Delta(preferences=(Preference("item", TITLES[item], "like", 1, item_id=item),))
    read = relative_years(message, delta, [], YEARS.get)
    assert read.constraints == expected and item in read.seen and not read.preferences


@pytest.mark.parametrize("message", ["after jaws i want something light", "i liked the matrix, more like it",
                                     "robocop was great, same director?"])
def test_a_liked_title_is_no_yardstick(message):
    item = next(k for k, v in TITLES.items() if v in message)
    delta = Delta(preferences=(Preference("item", TITLES[item], "like", 1, item_id=item),))
    assert relative_years(message, delta, [], YEARS.get) == delta


@pytest.mark.parametrize("message, expected", [
    ("im an 88 baby, horror made before i was born", {"year_max": 1987}),
    ("born in 95, something from the year i was born", {"year_min": 1995, "year_max": 1995}),
    ("born in 1993, a comedy from my birth year", {"year_min": 1993, "year_max": 1993}),
    ("a 2001 kid here, comedies made since i was born", {"year_min": 2001}),
    ("im an 88 baby, something funny", {}),  # a birth year alone asks for no years
])
def test_years_from_the_persons_birth_year(message, expected):
    assert relative_years(message, Delta(), [], YEARS.get).constraints == expected


def test_older_than_that_goes_before_the_years_already_asked_and_lifts_them():
    earlier = Constraints(year_min=1990, year_max=1999)  # "90s thrillers" ... "go older than that"
    read = relative_years("go older than that", Delta(), liked("matrix"), YEARS.get, earlier)
    assert read.constraints == {"year_max": 1989} and "year_min" in read.lifted
    newer = relative_years("newer ones please", Delta(), [], YEARS.get, earlier)
    assert newer.constraints == {"year_min": 2000} and "year_max" in newer.lifted


def test_widely_loved_items_are_highly_rated_and_of_different_kinds(full_catalog):
    picks = [r.item for r in widely_loved(Query(), full_catalog, 5)]
    assert len(picks) == 5 and all(p.mean_rating >= 4.0 and p.num_ratings >= 50 for p in picks)
    for a in picks:
        for b in picks:
            if a is not b:
                assert len(set(a.genres) & set(b.genres)) * 2 < len(set(a.genres) | set(b.genres))
    popular = sorted(full_catalog, key=lambda i: -i.num_ratings)[:5]  # control: most-rated is not widely loved
    assert [p.id for p in picks] != [p.id for p in popular]


@pytest.mark.parametrize("message", ["idk something good", "im bored", "anything good?"])
def test_a_vague_request_gets_a_question_back(services, message):
    state = SessionState()
    view = None
    for view in run_turn(replace(services, llm=None), state, message):
        pass
    assert view.recommendations and services.domain.texts.vague in view.notice

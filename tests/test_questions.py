"""Questions about the picks are answered from the items' catalog facts and never read as a new request."""

import pytest

from chat_app.answers import answer
from chat_app.pipeline import run_turn
from chat_app.reading.questions import read_question
from chat_app.session import SessionState
from retrieval.domain import movie_domain

PICKS = ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize("message, asks, items", [
    ("who directed the first one?", "directors", ["a"]),
    ("is the third one scary?", "scary", ["c"]),
    ("how long is #2?", "length", ["b"]),
    ("is it ok for kids?", "children", PICKS),
    ("who's in it?", "cast", PICKS),
    ("what year is the last one from?", "year", ["e"]),
    ("what's #4 about?", "about", ["d"]),
    ("is the second one any good?", "rating", ["b"]),
])
def test_a_question_names_what_is_asked_and_of_which_picks(message, asks, items):
    referenced = {"first": ["a"], "third": ["c"], "#2": ["b"], "last": ["e"], "#4": ["d"], "second": ["b"]}
    ref = next((v for k, v in referenced.items() if k in message), [])
    question = read_question(message, ref, [], PICKS, movie_domain())
    assert question is not None and question.asks == asks and list(question.items) == items


@pytest.mark.parametrize("message, asks, items", [
    ("wait who made #1", "directors", ["a"]),
    ("whos in the 2nd one", "cast", ["b"]),
    ("and the last one, is that animated or live action", "genres", ["e"]),
    ("ok so whats #4 about", "about", ["d"]),
    ("hmm how long's the third one exactly", "length", ["c"]),
])
def test_questions_typed_informally_are_questions(message, asks, items):
    """Leading fillers, a question after a comma, and contractions without their apostrophe."""
    referenced = {"#1": ["a"], "2nd": ["b"], "last": ["e"], "#4": ["d"], "third": ["c"]}
    ref = next((v for k, v in referenced.items() if k in message), [])
    question = read_question(message, ref, [], PICKS, movie_domain())
    assert question is not None and question.asks == asks and list(question.items) == items


@pytest.mark.parametrize("message", ["anything like #2?", "ok so something funny, and what about dogs",
                                     "wait, more like the first one", "is there something shorter than the first one?",
                                     "something scary please", "more like the third one", "who directed Heat"])
def test_a_request_is_not_a_question_about_the_picks(message):
    assert read_question(message, [], [], PICKS, movie_domain()) is None


def test_answers_come_from_the_items_facts(full_catalog):
    domain = full_catalog.domain
    matrix = next(i for i in full_catalog if i.title == "The Matrix")
    assert "Wachowski" in answer([matrix], "directors", domain)
    assert str(matrix.runtime) in answer([matrix], "length", domain)
    assert "probably not for children" in answer([matrix], "children", domain)
    unknown = next(i for i in full_catalog if not i.directors)
    assert "doesn't list the director" in answer([unknown], "directors", domain)
    horror = next(i for i in full_catalog if "Horror" in i.genres)
    assert "listed as horror" in answer([horror], "scary", domain)


def test_who_directed_the_first_one_answers_and_changes_nothing(services):
    state = SessionState()
    for _ in run_turn(services, state, "I loved The Matrix"):
        pass
    first = services.catalog.get(state.last_picks[0])
    shown, profile = list(state.shown), state.profile
    view = None
    for view in run_turn(services, state, "who directed the first one?"):
        pass
    assert view.intent == "question" and not view.recommendations
    assert (first.directors[0] in view.notice) if first.directors else "doesn't list" in view.notice
    assert state.shown == shown and state.profile.preferences == profile.preferences

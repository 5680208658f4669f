"""The turn pipeline with a scripted LLM and a deterministic embedder over a real catalog slice."""

import json
from dataclasses import replace

import pytest

from chat_app.evidence import why_line
from chat_app.llm.base import ModelError, ModelTimeout
from chat_app.pipeline import run_turn
from chat_app.session import SessionState, clean_message
from conftest import FailingModel, LabelModel, ScriptedChatModel, extraction, unexplained


def last(views):
    views = list(views)
    assert views and views[-1].finished
    return views[-1]


def test_issue_example_dialogue(services, scripted):
    state = SessionState()
    scripted.enqueue(extraction(liked_titles=["Inception", "Interstellar"], likes=[{"kind": "mood", "text": "lighter"}],
                                dislikes=[{"kind": "person", "text": "Adam Sandler"}]))
    view = last(run_turn(services, state, "I loved Inception and Interstellar, but tonight I want something "
                                          "lighter — no Adam Sandler"))
    catalog = services.catalog
    assert len(view.recommendations) == 5
    ids = [r.ranked.item.id for r in view.recommendations]
    assert all(i in catalog for i in ids) and len(set(ids)) == 5
    mentioned = {i.id for i in catalog if i.title in ("Inception", "Interstellar")}
    assert not mentioned & set(ids)
    assert not any("adam sandler" in " ".join(r.ranked.item.tags).lower() for r in view.recommendations)
    assert all(r.done for r in view.recommendations) and not unexplained(view, catalog, state)
    for key in ("extract_s", "retrieve_s", "first_visible_s", "explain_s", "total_s"):
        assert view.timings[key] >= 0

    scripted.enqueue(extraction(intent="refine"))
    view2 = last(run_turn(services, state, "older ones, before 2000"))
    assert state.profile.constraints.year_max == 1999
    assert all(r.ranked.item.year <= 1999 for r in view2.recommendations)
    assert not set(ids) & {r.ranked.item.id for r in view2.recommendations}  # no repeats across turns
    assert {p.text for p in state.profile.liked()} >= {"Inception", "Interstellar"}  # picture evolves


def test_picks_are_visible_with_their_evidence_before_any_model_prose(services):
    views = list(run_turn(services, SessionState(), "I loved The Matrix"))
    first = next(v for v in views if v.recommendations)
    assert not first.finished
    assert all(r.explanation == why_line(r.evidence) and not r.done for r in first.recommendations)
    # without a writer (--explain evidence, the default) the first view with picks is the whole reply
    views = list(run_turn(replace(services, writer=None), SessionState(), "I loved The Matrix"))
    first = next(v for v in views if v.recommendations)
    assert first.finished and all(r.done and r.explanation == why_line(r.evidence) for r in first.recommendations)


def test_constraints_hold_even_when_hard(services):
    state = SessionState()
    view = last(run_turn(services, state, "a comedy under 90 minutes from the 80s, no romance"))
    for r in view.recommendations:
        item = r.ranked.item
        assert 1980 <= item.year <= 1989 and item.runtime <= 90 and "Romance" not in item.genres


def test_impossible_constraints_get_a_clear_answer(services):
    view = last(run_turn(services, SessionState(), "a western from the 1880s"))
    assert not view.recommendations and "Nothing left in the catalog fits" in view.notice


@pytest.mark.parametrize("message", ["", "   \n\t ", None, "\u200b\u200b", "\x00\x01\x02"])
def test_empty_input_gets_a_prompt_and_changes_nothing(services, message):
    state = SessionState()
    view = last(run_turn(services, state, message))
    assert "Tell me what you feel like watching" in view.notice
    assert state.turn == 0 and state.profile.is_empty


@pytest.mark.parametrize("filler", ["blah " * 20_000, "x" * 1_000_000, "ha " * 350_000, "\u200b" * 500_000])
def test_huge_message_is_read_and_answered(services, filler):
    state = SessionState()
    view = last(run_turn(services, state, "I loved The Matrix. " + filler))  # 100 KB to 1.5 MB
    assert view.recommendations and state.turn == 1
    assert "very long" in view.notice or len(filler) == 500_000  # zero-width characters are dropped, not read


@pytest.mark.parametrize("message", ["¡Hola! Me encantó Toy Story", "我喜欢 Toy Story 和 Up", "أحب Alien",
                                     "<script>alert(1)</script> Alien", "Alien\x07\x1b[31m red", "🍿🎬 Alien 🙂"])
def test_odd_text_still_gets_catalog_items(services, message):
    view = last(run_turn(services, SessionState(), message))
    assert view.recommendations and all(r.ranked.item.id in services.catalog for r in view.recommendations)


def test_greeting_gets_a_greeting(services, scripted):
    scripted.enqueue(extraction(intent="chitchat"))
    view = last(run_turn(services, SessionState(), "hello!"))
    assert not view.recommendations and view.notice.startswith("Hi!")


def test_llm_garbage_and_failures_keep_the_session_alive(services):
    state = SessionState()
    garbage = replace(services, llm=ScriptedChatModel(default="}}}{{ not json"), writer=FailingModel(ModelError("boom")))
    view = last(run_turn(garbage, state, "I loved Toy Story, something for kids"))
    assert view.problems and view.recommendations
    assert not unexplained(view, services.catalog, state)  # explained without the models, and still whole
    view = last(run_turn(services, state, "more like that"))
    assert state.turn == 2 and view.finished


def test_no_llm_mode_works(services):
    state = SessionState()
    view = last(run_turn(replace(services, llm=None, writer=None), state, "I loved Heat, from the 90s"))
    assert view.recommendations and not unexplained(view, services.catalog, state)


def test_clean_message():
    assert clean_message("  hi\u200b\x00 there  ", 100).text == "hi there"
    long = clean_message("word " * 1000, 100)
    assert long.truncated and len(long.text) <= 100
    assert clean_message(12345, 100).text == "12345"


def test_a_question_about_a_pick_is_answered_from_catalog_facts(services, scripted):
    state = SessionState()
    last(run_turn(services, state, "I loved The Matrix"))
    second = services.catalog.get(state.last_picks[1])
    scripted.enqueue(extraction(intent="question"))
    view = last(run_turn(services, state, "what is #2 about?"))
    assert view.intent == "question" and not view.recommendations
    assert view.notice.startswith(second.label) and state.last_picks[1] == second.id
    view = last(run_turn(services, state, "tell me about Heat"))
    assert view.notice.startswith("Heat (1995)") and "Heat" not in {p.text for p in state.profile.preferences}


class DiesMidStream:
    """Streams a few words, then fails the way an engine can: an error, or a timeout."""

    name = "dies-mid-stream"

    def __init__(self, error):
        self.error = error

    def stream(self, messages, **kwargs):
        yield "You will love this because"
        raise self.error


@pytest.mark.parametrize("error", [ModelError("engine crashed"), ModelTimeout("slow")])
def test_explanations_that_die_mid_stream_are_replaced(services, error):
    state = SessionState()
    view = last(run_turn(replace(services, writer=DiesMidStream(error)), state, "I loved The Matrix"))
    assert len(view.recommendations) == 5
    for rec in view.recommendations:
        assert rec.done and "You will love this because" not in rec.explanation
    assert not unexplained(view, services.catalog, state)
    assert last(run_turn(services, state, "something older")).finished  # the session goes on


def test_llm_rerank_reorders_the_picks_and_survives_a_failing_model(slice_services_base):
    def picks(services, k=5):
        views = list(run_turn(replace(services, k=k), SessionState(), "a heist thriller"))
        return [r.ranked.item.id for r in views[-1].recommendations]

    plain = replace(slice_services_base, llm=None, writer=None)
    top20 = picks(plain, 20)
    model = LabelModel([[-float(i) for i in range(20)][::-1]])  # the LLM likes the 20th candidate best
    model.default = json.dumps(extraction())
    shown = picks(replace(slice_services_base, llm=model, writer=model, llm_rerank=True, rerank_blend=1.0))
    assert len(shown) == 5 and len(model.prompts) == 1
    assert shown[0] == top20[19] and shown[1] == top20[18]  # the LLM's favourites are shown first
    # a model that cannot score labels keeps the retrieval order
    assert picks(replace(plain, llm_rerank=True)) == top20[:5]


def test_a_ruled_out_person_the_catalog_cannot_check_is_said():
    from chat_app.pipeline import unverified_people
    from chat_app.profile import Preference, Profile
    from retrieval.catalog import Item
    from retrieval.recommend import Ranked

    known = Ranked(Item("1", "Heat", 1995, cast=("Al Pacino",)), 1.0, 0.5, 0.0)
    unknown = Ranked(Item("2", "Out of Sight", 1998), 1.0, 0.5, 0.0)
    clooney = Profile((Preference("person", "George Clooney", "dislike", 1),))
    assert unverified_people(clooney, [known, unknown]) == (
        "I could not check Out of Sight (1998) for George Clooney: the catalog lists no cast for it.")
    assert unverified_people(clooney, [known]) == "" and unverified_people(Profile(), [unknown]) == ""


def test_a_reading_without_the_model_is_said_once_and_recorded_every_turn(services):
    """The LLM server went away mid-session: turns go on with the rules' reading, the reply says so once, and
    every turn's record names the problem (issue 23)."""
    down = replace(services, llm=FailingModel(ModelError("connection refused")), reading="gloss")
    state = SessionState()
    first = last(run_turn(down, state, "Quiero ver una película de zombis"))
    second = last(run_turn(down, state, "une comédie des années 80 plutôt"))
    said = services.domain.texts.degraded
    assert first.recommendations and said in first.notice and said not in second.notice
    assert first.problems and second.problems and "connection refused" in first.problems[0]
    healthy = last(run_turn(services, SessionState(), "I loved The Matrix"))  # control: a model that answers
    assert said not in healthy.notice and not healthy.problems

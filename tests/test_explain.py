"""Model prose on top of evidence, with scripted models: a sentence is shown only if it checks out, whole."""

from dataclasses import replace

import pytest

from chat_app.evidence import CoLiked, Evidence, Similar, why_line
from chat_app.explain import evidence_prompt, first_sentence, write_prose
from chat_app.llm.base import ModelError
from chat_app.pipeline import run_turn
from chat_app.session import SessionState
from conftest import FailingModel, ScriptedChatModel
from retrieval.catalog import Catalog, Item

HEAT = Item("6", "Heat", 1995, genres=("Action", "Crime", "Thriller"), mean_rating=3.95, num_ratings=102)
RONIN = Item("7", "Ronin", 1998, genres=("Action", "Crime", "Thriller"), runtime=122, mean_rating=3.6, num_ratings=52)
COLLATERAL = Item("8", "Collateral", 2004, genres=("Action", "Crime", "Thriller"))
CATALOG = Catalog.from_items([HEAT, RONIN, COLLATERAL])
EVIDENCE = Evidence(RONIN, similar=(Similar("6", "Heat (1995)", ("Action", "Crime", "Thriller")),),
                    co_liked=(CoLiked("6", "Heat (1995)", 69, 42, 20),))


def test_the_prompt_holds_the_evidence_and_nothing_else():
    prompt = evidence_prompt(EVIDENCE)
    assert prompt == ("Movie: Ronin (1998)\nGenres: Action, Crime, Thriller\nRuntime: 122 minutes\n"
                      "Why it was picked: " + why_line(EVIDENCE))


def test_a_faithful_sentence_is_shown():
    model = ScriptedChatModel(["Like Heat, it is a crime thriller that 61% of Heat's fans loved too."])
    prose = write_prose(model, EVIDENCE, CATALOG)
    assert (prose.text, prose.by, prose.rejected) == (
        "Like Heat, it is a crime thriller that 61% of Heat's fans loved too.", "llm", ())
    assert "Why it was picked: " + why_line(EVIDENCE) in model.calls[0]["messages"][1]["content"]


@pytest.mark.parametrize("answer,claim", [
    ("Ronin closely follows the plot of Collateral.", "Collateral"),
    ("A light-hearted caper that 90% of Heat fans adore.", "light-hearted"),
    ("Robert De Niro and Jean Reno chase a briefcase across France.", "Robert De Niro"),
])
def test_a_sentence_with_a_made_up_claim_is_replaced_by_the_why_line(answer, claim):
    prose = write_prose(ScriptedChatModel([answer]), EVIDENCE, CATALOG)
    assert prose.text == why_line(EVIDENCE) and prose.by == "evidence"
    assert any(claim in c for c in prose.rejected), prose.rejected


@pytest.mark.parametrize("answer,expected", [
    ("Answer: A fine heist film. And more.", "A fine heist film."),
    ('"You get the crime thriller you wanted!"', "You get the crime thriller you wanted!"),
    ("The Lord of the Rings: The Return of the King (2003) is a faithful adaptation of J.R.R.", ""),  # cut off
    ("A faithful adaptation of J.R.R. Tolkien's book. More text", "A faithful adaptation of J.R.R. Tolkien's book."),
    ("It is a thriller that never lets go and", ""),
])
def test_only_whole_sentences_are_kept(answer, expected):
    assert first_sentence(answer) == expected


def test_a_sentence_that_says_nothing_from_the_evidence_is_not_shown():
    prose = write_prose(ScriptedChatModel(["A fine pick for you, and we think you will enjoy it."]), EVIDENCE, CATALOG)
    assert prose.text == why_line(EVIDENCE) and prose.rejected == ("says nothing from the evidence",)


def test_a_sentence_that_only_copies_part_of_the_why_line_gives_way_to_the_whole_line():
    copy = why_line(EVIDENCE).split(". ")[0] + "."
    prose = write_prose(ScriptedChatModel([copy]), EVIDENCE, CATALOG)
    assert prose.text == why_line(EVIDENCE) and prose.rejected == ("only copies part of the why line",)


def test_a_cut_off_or_failing_model_leaves_the_why_line():
    cut = write_prose(ScriptedChatModel(["A crime thriller with J.R.R."]), EVIDENCE, CATALOG)
    assert cut.text == why_line(EVIDENCE) and cut.rejected == ("no complete sentence",)
    prose = write_prose(FailingModel(ModelError("boom")), EVIDENCE, CATALOG)
    assert prose.text == why_line(EVIDENCE) and prose.rejected == ("model failed: boom",)
    assert write_prose(None, EVIDENCE, CATALOG).text == why_line(EVIDENCE)


def test_in_the_pipeline_a_lying_writer_is_never_shown(services):
    liar = ScriptedChatModel(default="Closely follows the plot of Collateral, a heartwarming comedy from 1977.")
    views = list(run_turn(replace(services, writer=liar), SessionState(), "I loved Heat"))
    final = views[-1]
    assert final.finished and len(final.recommendations) == 5
    for view in views:
        assert all("Collateral" not in r.explanation for r in view.recommendations)
    for rec in final.recommendations:
        assert rec.done and rec.explanation == why_line(rec.evidence) and rec.explained_by == "evidence"
        assert rec.rejected

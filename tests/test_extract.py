from chat_app.extract import extract
from chat_app.llm.base import ModelOutputError, ModelTimeout
from chat_app.profile import Profile
from conftest import ScriptedChatModel, extraction


def prefs(result):
    return {(p.kind, p.text, p.polarity, p.item_id is not None) for p in result.delta.preferences}


def test_llm_reading_is_grounded_in_the_message(services):
    llm = ScriptedChatModel([extraction(
        liked_titles=["Interstelar", "The Dark Knight"],  # a typo'd title that is written, one that is not
        likes=[{"kind": "theme", "text": "space travel"}, {"kind": "person", "text": "Tom Hanks"}],
        dislikes=[{"kind": "genre", "text": "scary"}])])
    result = extract(llm, Profile(), [], "I liked interstelar, more space travel please, nothing scary",
                     1, services.titles)
    got = prefs(result)
    assert ("item", "Interstelar", "like", True) in got
    assert not any(text == "The Dark Knight" for _, text, _, _ in got)  # invented title dropped
    assert not any(text == "Tom Hanks" for _, text, _, _ in got)  # invented person dropped
    assert ("theme", "space travel", "like", False) in got
    assert ("genre", "Horror", "dislike", False) in got
    assert result.source == "llm+rules"


def test_rules_win_on_entities_they_are_sure_of(services):
    llm = ScriptedChatModel([extraction(disliked_titles=["Adam Sandler"])])  # a person mistaken for a title
    result = extract(llm, Profile(), [], "something fun, no Adam Sandler", 1, services.titles)
    assert ("person", "Adam Sandler", "dislike", False) in prefs(result)
    assert not any(k == "item" for k, _, _, _ in prefs(result))


def test_invalid_llm_output_falls_back_to_rules(services):
    for failure in ("this is not JSON", ModelTimeout("took too long")):
        llm = ScriptedChatModel([failure, failure])
        result = extract(llm, Profile(), [], "I loved The Matrix, before 2000", 1, services.titles)
        assert result.source == "rules" and result.problem
        assert result.delta.constraints == {"year_max": 1999}
        assert ("item", "The Matrix", "like", True) in prefs(result)


def test_llm_hallucinated_constraints_are_ignored(services):
    # the schema does not even ask for years, and a JSON answer with extra keys changes nothing
    llm = ScriptedChatModel([{**extraction(), "year_max": 1950, "genres_excluded": ["Comedy"]}])
    result = extract(llm, Profile(), [], "something good", 1, services.titles)
    assert result.delta.constraints == {}


def test_huge_message_is_cut_before_the_llm(services):
    llm = ScriptedChatModel([extraction()])
    extract(llm, Profile(), [], "word " * 20000, 1, services.titles)
    assert len(llm.calls[0]["messages"][1]["content"]) < 2500


def test_a_question_about_a_title_is_not_a_like(services):
    llm = ScriptedChatModel([extraction(intent="question", liked_titles=["Heat"])])
    result = extract(llm, Profile(), [], "what is Heat about?", 1, services.titles)
    assert result.delta.intent == "question" and not result.delta.preferences


def test_asking_for_movies_like_a_title_is_a_request_not_a_question(services):
    llm = ScriptedChatModel([extraction(intent="question", liked_titles=["Heat"])])
    result = extract(llm, Profile(), [], "Have you got anything like Heat?", 1, services.titles)
    assert result.delta.intent == "new_request" and result.delta.about is None
    assert any(p.item_id == services.titles.link("Heat") for p in result.delta.preferences)

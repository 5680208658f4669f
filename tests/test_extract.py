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
                     1, services.titles, reading="json")
    got = prefs(result)
    assert ("item", "Interstelar", "like", True) in got
    assert not any(text == "The Dark Knight" for _, text, _, _ in got)  # invented title dropped
    assert not any(text == "Tom Hanks" for _, text, _, _ in got)  # invented person dropped
    assert ("theme", "space travel", "like", False) in got
    assert ("genre", "Horror", "dislike", False) in got
    assert result.source == "llm+rules"


def test_rules_win_on_entities_they_are_sure_of(services):
    llm = ScriptedChatModel([extraction(disliked_titles=["Adam Sandler"])])  # a person mistaken for a title
    result = extract(llm, Profile(), [], "something fun, no Adam Sandler", 1, services.titles, reading="json")
    assert ("person", "Adam Sandler", "dislike", False) in prefs(result)
    assert not any(k == "item" for k, _, _, _ in prefs(result))


def test_invalid_llm_output_falls_back_to_rules(services):
    for failure in ("this is not JSON", ModelTimeout("took too long")):
        llm = ScriptedChatModel([failure, failure])
        result = extract(llm, Profile(), [], "I loved The Matrix, before 2000", 1, services.titles, reading="json")
        assert result.source == "rules" and result.problem
        assert result.delta.constraints == {"year_max": 1999}
        assert ("item", "The Matrix", "like", True) in prefs(result)


def test_llm_hallucinated_constraints_are_ignored(services):
    # the schema does not even ask for years, and a JSON answer with extra keys changes nothing
    llm = ScriptedChatModel([{**extraction(), "year_max": 1950, "genres_excluded": ["Comedy"]}])
    result = extract(llm, Profile(), [], "something good", 1, services.titles, reading="json")
    assert result.delta.constraints == {}


def test_huge_message_is_cut_before_the_llm(services):
    llm = ScriptedChatModel([extraction()])
    extract(llm, Profile(), [], "word " * 20000, 1, services.titles, reading="json")
    assert len(llm.calls[0]["messages"][1]["content"]) < 2500


def test_a_question_about_a_title_is_not_a_like(services):
    llm = ScriptedChatModel([extraction(intent="question", liked_titles=["Heat"])])
    result = extract(llm, Profile(), [], "what is Heat about?", 1, services.titles, reading="json")
    assert result.delta.intent == "question" and not result.delta.preferences


def test_asking_for_movies_like_a_title_is_a_request_not_a_question(services):
    llm = ScriptedChatModel([extraction(intent="question", liked_titles=["Heat"])])
    result = extract(llm, Profile(), [], "Have you got anything like Heat?", 1, services.titles, reading="json")
    assert result.delta.intent == "new_request" and result.delta.about is None
    assert any(p.item_id == services.titles.link("Heat") for p in result.delta.preferences)


# ---- the gloss reading: the LLM restates the message in plain English, the rules read that ----

def gloss_extract(services, answer, message, **kwargs):
    llm = ScriptedChatModel([answer] if not isinstance(answer, list) else answer)
    result = extract(llm, Profile(), [], message, 1, services.titles, lexicon=services.lexicon, reading="gloss",
                     **kwargs)
    return llm, result


def test_a_gloss_reads_a_request_in_another_language(services):
    llm, result = gloss_extract(services, "zombie movies", "Quiero ver una película de zombis")
    assert ("theme", "zombie", "like", False) in prefs(result)
    assert result.source == "llm+rules" and result.gloss == "zombie movies"
    assert result.delta.constraints == {}  # a Spanish message is not a request for Spanish films


def test_a_gloss_reads_a_theme_said_in_other_words(services):
    llm, result = gloss_extract(services, "zombie", "movies about the undead rising from their graves")
    assert ("theme", "zombie", "like", False) in prefs(result)


def test_a_gloss_cannot_add_titles_people_dislikes_or_limits_the_message_does_not_state(services):
    _, result = gloss_extract(services, "like The Dark Knight, Tom Hanks, no horror, Spanish, before 1990, for kids",
                              "una comedia, por favor")
    got = prefs(result)
    assert not any(kind in ("item", "person") for kind, *_ in got)
    assert not any(polarity == "dislike" for _, _, polarity, _ in got)  # the message negates nothing
    assert result.delta.constraints == {}
    _, result = gloss_extract(services, "animation, for kids", "películas para ver en familia")
    assert result.delta.constraints == {"audience": "family"}  # the message has a word for who it is for


def test_a_gloss_keeps_what_the_message_negates_and_the_numbers_it_states(services):
    _, result = gloss_extract(services, "time travel, no horror, before 1990", "Zeitreise-Filme vor 1990, aber keinen Horror")
    assert result.delta.constraints["genres_excluded"] == ("Horror",)
    assert result.delta.constraints["year_max"] == 1989


def test_english_the_rules_read_is_not_glossed(services):
    for message in ("I loved Heat", "zombie movies", "something with Tom Hanks", "under 2 hours please"):
        llm, result = gloss_extract(services, "star wars, a star wars sequel", message)
        assert not llm.calls and result.source == "rules" and not result.gloss
        assert not any(text.lower().startswith("star wars") for _, text, _, _ in prefs(result))


def test_english_naming_only_what_to_avoid_is_glossed(services):
    llm, result = gloss_extract(services, "superhero, no Marvel", "guys in capes and tights saving the city, not Marvel")
    assert llm.calls and result.gloss == "superhero, no Marvel"


def test_a_failed_gloss_falls_back_to_the_rules(services):
    for failure in (ModelTimeout("took too long"), ModelOutputError("garbage")):
        _, result = gloss_extract(services, failure, "películas de Navidad de los 1980s")
        assert result.source == "rules" and result.problem
        assert result.delta.constraints == {"year_min": 1980, "year_max": 1989}


def test_a_gloss_that_echoes_the_example_shape_or_runs_on_is_cut(services):
    _, result = gloss_extract(services, "\"Quiero ver zombis\" -> zombie movies\nand then some more lines",
                              "Quiero ver una película de zombis")
    assert result.gloss == "zombie movies"
    llm, _ = gloss_extract(services, "zombie", "película " * 5000)
    assert len(llm.calls[0]["messages"][1]["content"]) < 2500

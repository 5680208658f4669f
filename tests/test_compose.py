import math

import pytest

from chat_app.compose import RECENCY, ITEM_BOOST, compose_query, softmax_weights
from chat_app.profile import Delta, Preference, Profile, merge


def test_softmax_weights_hand_computed():
    prefs = [Preference("item", "Inception", "like", 1, item_id="79132"), Preference("mood", "lighter", "like", 2),
             Preference("genre", "Comedy", "like", 2, weight=2.0)]
    # logits at turn 2: item = -0.6*1 + 0.5 = -0.1; mood = 0; genre = ln 2 = 0.6931
    logits = [-RECENCY + ITEM_BOOST, 0.0, math.log(2.0)]
    total = sum(math.exp(v) for v in logits)
    expected = [math.exp(v) / total for v in logits]
    assert softmax_weights(prefs, 2) == pytest.approx(expected)
    assert expected == pytest.approx([0.2317, 0.2561, 0.5122], abs=1e-4)  # e^-0.1, e^0, 2 over 3.9048
    assert sum(softmax_weights(prefs, 5)) == pytest.approx(1.0)
    assert softmax_weights([], 3) == []


def test_compose_query_from_a_profile():
    p = merge(Profile(), Delta(preferences=(
        Preference("item", "Inception", "like", 0, item_id="79132"), Preference("mood", "light-hearted", "like", 0),
        Preference("person", "Adam Sandler", "dislike", 0), Preference("item", "Grown Ups", "dislike", 0, item_id="78499"),
        Preference("theme", "gore", "dislike", 0)), constraints={"year_max": 1999}, seen=("1",)), 1)
    q = compose_query(p, exclude={"2571"})
    assert [i for i, _ in q.items] == ["79132"] and [t for t, _ in q.texts] == ["a light-hearted movie"]
    assert sum(w for _, w in q.items + q.texts) == pytest.approx(1.0)
    # a disliked person or theme is a word the picks must not mention
    assert q.avoid_terms == ("Adam Sandler", "gore") and [i for i, _ in q.avoid_items] == ["78499"]
    assert [t for t, _ in q.avoid_texts] == ["gore"]
    assert q.exclude == {"2571", "79132", "78499", "1"}  # shown, mentioned (liked and disliked), seen
    assert q.constraints.year_max == 1999
    assert q.genre_fit["Comedy"] > 0 and q.genre_fit["Horror"] < 0


def test_empty_profile_falls_back_to_the_message_text():
    q = compose_query(Profile(), fallback_text="a movie about space travel")
    assert q.texts == (("a movie about space travel", 1.0),)


def test_a_mood_is_not_a_word_for_bm25_but_a_genre_or_theme_is():
    p = merge(Profile(), Delta(preferences=(Preference("genre", "War", "like", 0), Preference("mood", "dark", "like", 0),
                                            Preference("theme", "submarine", "like", 0))), 1)
    q = compose_query(p)
    assert "dark" not in q.lexical_text.split()  # "a dark movie" would find The Dark Knight by its title
    assert "War" in q.lexical_text and "submarine" in q.lexical_text


def test_a_mood_alone_or_a_message_nothing_was_read_in_still_reaches_bm25():
    sad = compose_query(merge(Profile(), Delta(preferences=(Preference("mood", "sad", "like", 0),)), 1))
    assert "sad" in sad.lexical_text
    assert compose_query(Profile(), fallback_text="lighthouse keepers").lexical_text == "lighthouse keepers"


def test_a_disliked_studio_or_person_excludes_by_name_and_does_not_steer_the_query_away():
    """Pushing the query away from "Pixar" pushed it away from every animated film, and "superheroes, not
    Marvel" away from superheroes: a studio or person is a literal exclusion, a theme also steers."""
    p = merge(Profile(), Delta(preferences=(
        Preference("theme", "superhero", "like", 0), Preference("studio", "Marvel", "dislike", 0),
        Preference("person", "Adam Sandler", "dislike", 0), Preference("theme", "gore", "dislike", 0))), 1)
    q = compose_query(p)
    assert q.avoid_terms == ("Marvel", "Adam Sandler", "gore")
    assert [t for t, _ in q.avoid_texts] == ["gore"]


@pytest.mark.parametrize("message, searched", [
    ("anything good, just no horror and no war movies", ""),  # the dislikes are read; nothing left to search
    ("surprise me", ""),
    ("a movie please", ""),
    ("nothing with Tom Hanks, something about space travel", "something about space travel"),
    ("I hate sad endings. Something upbeat!", "I Something upbeat"),
])
def test_only_what_a_message_asks_for_is_searched_when_nothing_was_read(message, searched):
    q = compose_query(Profile(), fallback_text=message)
    assert q.texts == (((searched, 1.0),) if searched else ())


@pytest.mark.parametrize("message, searched", [
    ("idk something good", ""),  # no word the catalog's keywords use: widely loved picks and a question back
    ("werewolves", "werewolves"),
    ("lighthouse keepers", "lighthouse keepers"),
])
def test_a_message_is_searched_by_its_words_only_when_the_catalog_uses_them(message, searched):
    known = frozenset({"werewolf", "lighthouse", "keeper", "good"})
    q = compose_query(Profile(), fallback_text=message, known_words=known)
    assert q.texts == (((searched, 1.0),) if searched else ())


def test_classic_prefers_older_items():
    """"classic Disney animation" gave The Incredibles (2004); "classic" now asks for older items, softly."""
    from retrieval.catalog import Item
    from retrieval.recommend import age_fit

    p = merge(Profile(), Delta(preferences=(Preference("mood", "classic", "like", 0),
                                            Preference("studio", "Disney", "like", 0))), 1)
    q = compose_query(p, latest_year=2018)
    assert q.classic_before == 2003 and not q.genre_fit  # no categories: the age does it
    assert compose_query(merge(Profile(), Delta(preferences=(Preference("studio", "Disney", "like", 0),)), 1)
                         ).classic_before is None
    fit = [age_fit(Item("1", "x", year), q.classic_before) for year in (2004, 1994, 1970, 1937, None)]
    assert fit == pytest.approx([0.0, 0.3, 1.0, 1.0, 0.0])


def test_a_later_genre_request_outweighs_the_earlier_topic():
    """"classic Disney animation", then "something like the second one", then "a science fiction movie": the
    picks stayed Disney classics: Disney was still required, and a Disney film met all of the request's words.
    (Genres keep counting fully across turns: "I loved Inception, something lighter", then "comedies, ideally"
    needs the earlier mood's genres as much as the new one.)"""
    p = merge(Profile(), Delta(preferences=(Preference("genre", "Animation", "like", 0),
                                            Preference("mood", "classic", "like", 0),
                                            Preference("studio", "Disney", "like", 0))), 1)
    p = merge(p, Delta(preferences=(Preference("item", "Lady and the Tramp", "like", 0, item_id="2080"),)), 2)
    same_topic = compose_query(p)
    assert same_topic.required_terms == ("Disney",) and same_topic.match_extra == 0.0  # "more like #2" refines
    p = merge(p, Delta(preferences=(Preference("genre", "Sci-Fi", "like", 0),)), 3)
    q = compose_query(p)
    assert q.required_terms == () and q.genre_fit == {"Animation": 1.0, "Sci-Fi": 1.0}
    assert q.match_extra == pytest.approx(dict(q.texts)["Sci-Fi movie"])  # a Disney film meets a share of it
    assert 0 < q.classic_weight < 0.5

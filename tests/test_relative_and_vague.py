"""Years said relative to liked items ("from that era", "older than that"), and requests with no taste in them
("surprise me", "idk something good"): widely loved items of different kinds and a question back."""

from dataclasses import replace

import pytest

from chat_app.pipeline import run_turn
from chat_app.profile import Delta, Preference
from chat_app.reading.relative import relative_years
from chat_app.session import SessionState
from retrieval.recommend import Query, widely_loved

YEARS = {"escape": 1963, "dozen": 1967, "alien": 1979}


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

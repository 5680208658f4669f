"""Property tests: whatever JSON-ish text an LLM returns and whatever a person types, a turn's reading,
merge and query never crash and never produce an invalid Chroma filter."""

import json

from chromadb.api.types import validate_where
from hypothesis import HealthCheck, given, settings, strategies as st

from chat_app.compose import compose_query
from chat_app.extract import READINGS, extract
from chat_app.profile import Profile, merge
from chat_app.rules import read_message
from conftest import ScriptedChatModel

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                    st.text(max_size=30))
jsonish = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=12), inner, max_size=5)),
                       max_leaves=20)
aspect = st.fixed_dictionaries({"kind": st.sampled_from(["genre", "theme", "mood", "person", "era", "language",
                                                         "other"]), "text": st.text(max_size=40)})
plausible = st.fixed_dictionaries({
    "intent": st.sampled_from(["new_request", "refine", "feedback", "question", "chitchat"]),
    "liked_titles": st.lists(st.text(max_size=40), max_size=4),
    "disliked_titles": st.lists(st.text(max_size=40), max_size=4),
    "likes": st.lists(aspect, max_size=4), "dislikes": st.lists(aspect, max_size=4)})
answers = st.one_of(plausible.map(json.dumps), jsonish.map(json.dumps), st.text(max_size=200))
messages = st.one_of(st.text(max_size=300), st.sampled_from([
    "no horror before 1990 after 2010 under 2 hours", "#2 #9 the last one seen them all", "between 2020 and 1890",
    "nothing over 0 minutes", "80s 90s 2000s", "I loved Inception, not Inception", "\u202eevil\u202c \x00"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=answers, message=messages, reading=st.sampled_from(READINGS))
def test_any_llm_answer_and_message_make_a_valid_query(slice_services_base, answer, message, reading):
    titles = slice_services_base.titles
    profile = Profile()
    for turn in (1, 2):
        llm = ScriptedChatModel([answer, answer])
        result = extract(llm, profile, ["earlier"], message, turn, titles, last_picks=["1", "2571"],
                         lexicon=slice_services_base.lexicon, reading=reading)
        profile = merge(profile, result.delta, turn)
        query = compose_query(profile, fallback_text=message)
        where = query.constraints.where()
        if where is not None:
            validate_where(where)
        assert all(p.item_id is None or p.item_id in slice_services_base.catalog for p in profile.preferences)
        assert abs(sum(w for _, w in query.texts + query.items) - 1.0) < 1e-6 or not (query.texts or query.items)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=st.text(max_size=500))
def test_rules_read_any_text(slice_services_base, message):
    delta = read_message(message, slice_services_base.titles, 1, last_picks=["1", "2", "3"])
    merged = merge(Profile(), delta, 1)
    where = merged.constraints.where()
    if where is not None:
        validate_where(where)

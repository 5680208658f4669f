"""The Gradio handler with fakes: what a person sees after each kind of input, and that bugs don't end a session."""

from dataclasses import replace

from chat_app.render import escape_md, render_profile
from chat_app.session import SessionState
from chat_app.ui import build_ui, make_respond


def final(gen):
    out = None
    for out in gen:
        pass
    return out


def test_a_turn_shows_the_exchange_the_picks_and_the_understanding(services):
    respond = make_respond(services)
    chat, box, understood, record, state, picks, entry, session_key = final(respond("I loved The Matrix, nothing before 1990", None))
    assert box == "" and [m["role"] for m in chat] == ["user", "assistant"]
    assert "Matrix" in understood and "from 1990 on" in understood
    assert len(record["recommendations"]) == 5 and record["turn"] == 1 and record["finished"]
    assert [value for _, value in picks.choices] == [r["id"] for r in record["recommendations"]]
    assert any(value == "limit:year_min" for _, value in entry.choices)
    assert session_key == state.session_id
    chat2, _, _, _, state2, *_ = final(respond("more action", state))
    assert state2 is state and len(chat2) == 4 and state.turn == 2


def test_streaming_shows_picks_before_explanations(services):
    updates = list(make_respond(services)("I loved The Matrix", None))
    assert len(updates) > 2
    first_record = next(u[3] for u in updates if u[3]["recommendations"])
    assert not first_record["finished"]


def test_empty_input_adds_nothing_to_the_conversation(services):
    chat, _, _, record, state, *_ = final(make_respond(services)("   ", SessionState()))
    assert [m["role"] for m in chat] == ["assistant"] and state.chat == [] and record["turn"] == 0


def test_a_bug_mid_turn_is_reported_and_the_session_survives(services):
    class BrokenEmbedder:
        name, dim = "broken", 64

        def embed(self, texts, kind="document"):
            raise RuntimeError("embedder crashed")

    state = SessionState()
    chat, _, _, record, state, *_ = final(make_respond(replace(services, embedder=BrokenEmbedder()))("a movie about space travel", state))
    assert "something went wrong" in chat[-1]["content"] and record["notice"] == "error"
    chat, _, _, record, *_ = final(make_respond(services)("I loved Up", state))
    assert record["recommendations"] and len(state.chat) == 4


def test_html_and_markdown_in_text_are_shown_escaped():
    assert "<" not in escape_md("<script>alert(1)</script>")
    assert escape_md("[click](http://evil)") == "\\[click\\]\\(http://evil\\)"
    assert "_Nothing yet" in render_profile(SessionState().profile)


def test_app_builds_with_the_chat_endpoint(services):
    demo = build_ui(services)
    names = {dep.get("api_name") for dep in demo.config["dependencies"]}
    assert "chat" in names


def test_feedback_buttons_change_the_next_turn(services):
    from chat_app.ui import make_adjust
    from chat_app.feedback import apply_feedback, edit_ledger

    respond = make_respond(services)
    _, _, _, record, state, picks, *_ = final(respond("I loved The Matrix", None))
    first, second = record["recommendations"][0]["id"], record["recommendations"][1]["id"]
    feedback = make_adjust(services, lambda st, item, action: apply_feedback(st, services.catalog, item, action))
    understood, rec, state, status, entry = feedback(first, "dislike", state)
    assert "not for you" in status and any(e["item_id"] == first and e["polarity"] == "dislike"
                                           for e in rec["understood"]["ledger"])
    _, _, state, _, _ = feedback(second, "seen", state)
    assert second in state.profile.seen
    _, _, _, record2, *_ = final(respond("more like that please", state))
    assert not {first, second} & {r["id"] for r in record2["recommendations"]}

    edit = make_adjust(services, edit_ledger)
    _, rec, state, status, _ = edit("item:2571", "flip", state)
    assert any(e["id"] == "item:2571" and e["polarity"] == "dislike" for e in rec["understood"]["ledger"])
    _, rec, state, status, _ = edit("item:2571", "remove", state)
    assert not any(e["id"] == "item:2571" for e in rec["understood"]["ledger"])
    for bad in ((None, "like"), ("no-such-id", "like"), (first, "explode")):
        _, _, _, status, _ = feedback(*bad, state)
        assert status and "Noted" not in status
    _, _, _, status, _ = edit("item:nope", "remove", state)
    assert "Choose an entry" in status


def test_an_audience_is_a_limit_in_the_ledger_that_can_be_removed(services):
    from chat_app.feedback import edit_ledger
    from chat_app.pipeline import run_turn
    from chat_app.render import ledger_entries

    state = SessionState()
    for _ in run_turn(services, state, "something for my 6 and 8 year olds tonight"):
        pass
    assert state.profile.constraints.audience == "family"
    entry = next(e for e in ledger_entries(state.profile) if e["id"] == "limit:audience")
    assert entry["text"] == "for the family" and entry["polarity"] == "limit"
    edit_ledger(state, "limit:audience", "remove")
    assert state.profile.constraints.audience is None
    assert not any(e["id"] == "limit:audience" for e in ledger_entries(state.profile))

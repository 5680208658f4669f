"""Sessions in SQLite: a round trip keeps everything, concurrent writers are safe, bad rows are survivable."""

import threading

from chat_app.feedback import apply_feedback
from chat_app.persist import SessionStore, state_from_json, state_to_json
from chat_app.pipeline import run_turn
from chat_app.session import SessionState
from chat_app.ui import make_respond, make_resume


def played(services, messages):
    state = SessionState()
    for message in messages:
        for _ in run_turn(services, state, message):
            pass
    return state


def test_round_trip_keeps_the_whole_session(services):
    state = played(services, ["I loved The Matrix, no horror, before 2005", "seen #1, more like #2"])
    apply_feedback(state, services.catalog, state.last_picks[2], "dislike")
    state.chat = [{"role": "user", "content": "hi ünïcødé 🎬"}]
    again = state_from_json(state_to_json(state))
    assert again == state


def test_store_saves_loads_and_logs(tmp_path, services):
    store = SessionStore(tmp_path / "s.sqlite3")
    state = played(services, ["I loved Heat"])
    store.save(state, "turn", {"message": "I loved Heat"})
    reopened = SessionStore(tmp_path / "s.sqlite3")  # as after a restart
    assert reopened.load(state.session_id) == state
    assert reopened.events(state.session_id) == [("turn", {"message": "I loved Heat"})]
    for bad in (None, "", "x" * 1000, 42, "'; DROP TABLE sessions; --"):
        assert reopened.load(bad) is None
    assert reopened.load(state.session_id) == state


def test_concurrent_sessions_write_safely(tmp_path, services):
    store = SessionStore(tmp_path / "s.sqlite3")
    states = [SessionState() for _ in range(8)]

    def write(state):
        for turn in range(20):
            state.turn = turn
            store.save(state, "turn", {"n": turn})

    threads = [threading.Thread(target=write, args=(s,)) for s in states]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for state in states:
        assert store.load(state.session_id).turn == 19 and len(store.events(state.session_id)) == 20


def test_resume_brings_back_the_chat_and_ledger(tmp_path, services):
    store = SessionStore(tmp_path / "s.sqlite3")
    respond = make_respond(services, store)
    out = None
    for out in respond("I loved The Matrix, nothing before 1990", None):
        pass
    session_id = out[-1]
    chat, _, understood, record, state, picks, entry, key = make_resume(services, SessionStore(tmp_path / "s.sqlite3"))(
        session_id, None)
    assert key == session_id and len(chat) == 2 and "Matrix" in understood and record["notice"] == "restored"
    assert state.profile.constraints.year_min == 1990 and len(picks.choices) == 5
    chat, *_, key = make_resume(services, store)("unknown-session", None)
    assert chat == [] and key != "unknown-session"

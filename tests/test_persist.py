"""Sessions in SQLite: a round trip keeps everything, concurrent writers are safe, bad rows are survivable."""

import json
import sqlite3
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


def garbage_states(good: dict) -> dict[str, object]:
    """Stored states this version cannot read: broken JSON, the wrong shape, fields of the wrong type."""

    def changed(**fields):
        raw = json.loads(json.dumps(good))
        for name, value in fields.items():
            if name.startswith("profile_"):
                raw["profile"][name.removeprefix("profile_")] = value
            else:
                raw[name] = value
        return json.dumps(raw)

    text = json.dumps(good)
    return {
        "truncated": text[: len(text) // 2], "not-json": "{not json", "empty": "", "a-number": 42, "null": "null",
        "a-list": "[]", "binary": sqlite3.Binary(b"\xff\xfe\x00 garbage"), "deep": "[" * 100_000 + "]" * 100_000,
        "no-profile": json.dumps({k: v for k, v in good.items() if k != "profile"}),
        "turn-text": changed(turn="3"), "turn-bool": changed(turn=True), "id-number": changed(session_id=7),
        "messages-numbers": changed(user_messages=[1, 2]), "messages-text": changed(user_messages="abc"),
        "chat-strings": changed(chat=["hi"]), "chat-content-list": changed(chat=[{"role": "user", "content": [1]}]),
        "shown-numbers": changed(shown=[1]), "preferences-text": changed(profile_preferences="abc"),
        "preference-types": changed(profile_preferences=[{"kind": "item", "text": 5, "polarity": "like", "turn": 1}]),
        "preference-polarity": changed(profile_preferences=[{"kind": "item", "text": "Heat", "polarity": "meh",
                                                             "turn": 1}]),
        "constraint-unknown": changed(profile_constraints={"colour": "red"}),
        "seen-number": changed(profile_seen=5), "seen-numbers": changed(profile_seen=[5]),
        "profile-turn-text": changed(profile_turn="x"),
    }


def test_unreadable_rows_are_logged_and_resume_as_a_fresh_session(tmp_path, services, caplog):
    path = tmp_path / "s.sqlite3"
    state = played(services, ["I loved Heat"])
    SessionStore(path).save(state, "turn", {"message": "I loved Heat"})
    bad = garbage_states(json.loads(state_to_json(state)))
    with sqlite3.connect(path) as db:  # what an old version, a crash mid-write or a hand edit could leave
        db.executemany("INSERT INTO sessions(id, state, created, updated) VALUES (?, ?, 0, 0)", bad.items())
        db.executemany("INSERT INTO events(session_id, at, kind, payload) VALUES (?, ?, 'turn', ?)",
                       [(state.session_id, 1e12 + n, payload) for n, payload in
                        enumerate(["{not json", "[1, 2]", "7", sqlite3.Binary(b"\xff\xfe"), "{\"cut\": "])])
    store = SessionStore(path)
    for key in bad:
        assert store.load(key) is None, f"{key}: a row this version cannot read must start afresh"
        assert f"session {key} is unreadable" in caplog.text, key
    assert store.load(state.session_id) == state  # the good row beside them still loads
    assert store.events(state.session_id) == [("turn", {"message": "I loved Heat"})]  # bad events skipped
    assert caplog.text.count("skipped an unreadable 'turn' event") == 5
    chat, _, _, record, fresh, *_, key = make_resume(services, store)("turn-text", None)
    assert chat == [] and record["notice"] == "" and fresh.turn == 0 and key not in bad
    out = None
    for out in make_respond(services, store)("something from the 90s", fresh):
        pass
    assert out[-1] == key and store.load(key).turn == 1  # the fresh session goes on and is saved

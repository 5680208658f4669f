"""Accounts: password hashes and the users CLI, users files refused with a message, each signed-in person's
conversation kept under their name (on any browser, across restarts, apart from everyone else's), and
"Forget me" deleting it from the SQLite file itself."""

from __future__ import annotations

import importlib.util
import io
import os
import sqlite3
import subprocess
import sys

import gradio as gr
import pytest

from chat_app import users
from chat_app.feedback import apply_feedback
from chat_app.persist import SessionStore, StoreError, state_to_json
from chat_app.session import SessionState
from chat_app.settings import Settings
from chat_app.ui import build_ui, make_adjust, make_forget, make_reset, make_respond, make_resume
from chat_app.users import Authenticator, UsersError, hash_password, load_users, verify_password
from conftest import REPO, free_port

PASSWORD = "correct horse battery"



def final(gen):
    out = None
    for out in gen:
        pass
    return out


def as_user(name: str | None) -> gr.Request:
    """What Gradio hands a handler for a request signed in as `name` (None: no sign-in)."""
    return gr.Request(username=name)


def add(path, name, password=PASSWORD, command="add"):
    """The users CLI as a script calls it: the password on standard input."""
    return _with_stdin(password + "\n", lambda: users.run([command, name, "--users-file", str(path), "--password-stdin"]))


def _with_stdin(text, fn):
    saved = sys.stdin
    sys.stdin = io.StringIO(text)
    try:
        return fn()
    finally:
        sys.stdin = saved


# ---------------------------------------------------------------- hashing and the users file


def test_a_hash_verifies_its_password_only_and_holds_no_clear_text():
    stored = hash_password(PASSWORD)
    assert stored.startswith("scrypt$16384$8$1$") and PASSWORD not in stored
    assert verify_password(PASSWORD, stored)
    for wrong in ("", PASSWORD + " ", PASSWORD.upper(), "correct horse batter"):
        assert not verify_password(wrong, stored)
    assert hash_password(PASSWORD) != stored  # a new salt every time
    assert verify_password("ünïcødé 🎬 \udcff", hash_password("ünïcødé 🎬 \udcff"))
    for broken in ("", PASSWORD, "scrypt$x", stored.replace("$16384$", "$1000$"), stored[:-8],
                   "scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 88):
        assert not verify_password(PASSWORD, broken)


def test_the_cli_adds_changes_and_removes_users_and_writes_hashes_only(tmp_path, capsys):
    path = tmp_path / "conf" / "users.txt"
    assert add(path, "alice") == "added alice"
    assert add(path, "bob", "another long one") == "added bob"
    text = path.read_text()
    assert PASSWORD not in text and "another long one" not in text
    assert [line.split(":")[0] for line in text.splitlines()] == ["alice", "bob"]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert users.run(["list", "--users-file", str(path)]) == "alice\nbob"
    found = load_users(path)
    assert verify_password(PASSWORD, found["alice"]) and verify_password("another long one", found["bob"])

    assert add(path, "alice", "a brand new password", "passwd") == "set a new password for alice"
    again = load_users(path)
    assert verify_password("a brand new password", again["alice"]) and again["bob"] == found["bob"]
    assert users.run(["remove", "bob", "--users-file", str(path)]).startswith("removed bob")
    assert list(load_users(path)) == ["alice"]

    for argv, says in ((["add", "alice"], "already exists"), (["passwd", "carol"], "no user 'carol'"),
                       (["remove", "carol"], "no user 'carol'"), (["add", "bad:name"], "not a user name"),
                       (["add", "dave", "--users-file", ""], "--users-file")):
        argv = argv if "--users-file" in argv else argv + ["--users-file", str(path)]
        with pytest.raises(UsersError, match=says):
            stdin = ["--password-stdin"] if argv[0] in ("add", "passwd") else []
            _with_stdin(PASSWORD + "\n", lambda: users.run(argv + stdin))
    with pytest.raises(UsersError, match="at least 8"):
        add(path, "erin", "short")
    assert list(load_users(path)) == ["alice"]  # nothing changed by the refused commands


def test_the_cli_prompts_twice_without_echo(tmp_path, monkeypatch):
    path = tmp_path / "users.txt"
    typed = iter([PASSWORD, PASSWORD, PASSWORD, "not the same"])
    monkeypatch.setattr(users.getpass, "getpass", lambda prompt="": next(typed))
    assert users.run(["add", "alice", "--users-file", str(path)]) == "added alice"
    with pytest.raises(UsersError, match="differ"):
        users.run(["passwd", "alice", "--users-file", str(path)])
    assert verify_password(PASSWORD, load_users(path)["alice"])


def test_the_cli_runs_as_a_module(tmp_path):
    path = tmp_path / "users.txt"
    env = {**os.environ, "CINECHAT_USERS_FILE": str(path)}
    done = subprocess.run([sys.executable, "-m", "chat_app.users", "add", "alice", "--password-stdin"], cwd=REPO,
                          input=PASSWORD + "\n", env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "added alice" and PASSWORD not in path.read_text()
    done = subprocess.run([sys.executable, "-m", "chat_app.users", "remove", "nobody"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "no user 'nobody'" in done.stderr and "Traceback" not in done.stderr


BAD_FILES = {
    "missing": (None, "does not exist"),
    "empty": ("", "lists no users"),
    "only-comments": ("# the users\n\n", "lists no users"),
    "no-colon": ("alice\n", "line 1: expected name:hash"),
    "bad-name": ("al ice:{hash}\n", "line 1: 'al ice' is not a user name"),
    "duplicate": ("alice:{hash}\n# bob next\nbob:{hash}\nalice:{hash}\n", "line 4: 'alice' is listed twice"),
    "clear-text": ("alice:{hash}\nbob:hunter2-secret\n", "line 2: the password of 'bob' is a clear-text password"),
    "cut-hash": ("alice:{cut}\n", "line 1: the password of 'alice' is unreadable scrypt hash"),
    "huge-cost": ("alice:scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 88 + "\n", "out of range"),
    "not-utf8": (b"alice:\xff\xfe\n", "cannot read"),
    "a-folder": ("<dir>", "cannot read"),
}


def write_bad(tmp_path, kind) -> "os.PathLike":
    content, _ = BAD_FILES[kind]
    path = tmp_path / "users.txt"
    if content == "<dir>":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        good = hash_password(PASSWORD)
        path.write_text(content.format(hash=good, cut=good[:-10]))
    return path


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_an_unusable_users_file_is_refused_with_a_message(tmp_path, kind):
    path = write_bad(tmp_path, kind)
    with pytest.raises(UsersError, match=BAD_FILES[kind][1]) as error:
        load_users(path)
    assert "hunter2" not in str(error.value)  # a clear-text password is never echoed


def load_launch():
    spec = importlib.util.spec_from_file_location("launch", REPO / "launch.py")
    launch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(launch)
    return launch


@pytest.mark.parametrize("kind", ["missing", "empty", "duplicate", "clear-text", "not-utf8"])
def test_launch_stops_on_a_bad_users_file_with_a_message_not_a_trace(tmp_path, kind, capsys):
    path = write_bad(tmp_path, kind)
    assert load_launch().main(["--users-file", str(path), "--no-llm"]) == 1  # before any model or index work
    err = capsys.readouterr().err
    assert "CineChat cannot start:" in err and BAD_FILES[kind][1].split(":")[0] in err and "Traceback" not in err
    assert "hunter2" not in err


def test_users_file_and_auth_are_settings_that_exclude_each_other(tmp_path):
    s = Settings.from_cli(["--users-file", "~/users.txt"])
    assert s.users_file is not None and "~" not in str(s.users_file) and s.auth_pair is None
    with pytest.raises(Exception, match="not both") as error:
        Settings.from_cli(["--users-file", str(tmp_path / "u"), "--auth", "ann:topsecret"])
    assert "topsecret" not in str(error.value)
    warnings = load_launch().exposure_warnings
    assert warnings(Settings(host="0.0.0.0", share=True, users_file=tmp_path / "u")) == []


def test_sign_in_checks_the_file_and_reads_it_again_when_it_changes(tmp_path, caplog):
    path = tmp_path / "users.txt"
    add(path, "alice")
    check = Authenticator(path)
    assert check("alice", PASSWORD) and not check("alice", "wrong password") and not check("bob", PASSWORD)
    assert not check("alice", None) and not check(None, PASSWORD)
    add(path, "bob", "bob's long password")  # no restart needed
    assert check("bob", "bob's long password")
    path.write_text(path.read_text() + "carol:plain-text-password\n")  # a broken edit: the last good users stay
    assert check("alice", PASSWORD) and not check("carol", "plain-text-password")
    assert "clear-text password" in caplog.text and "plain-text-password" not in caplog.text
    with pytest.raises(UsersError):  # at start-up the same file stops the app
        load_launch().sign_in(Settings(users_file=path))
    path.write_text("".join(line + "\n" for line in path.read_text().splitlines() if not line.startswith("carol")))
    assert load_launch().sign_in(Settings(users_file=path)).users().keys() == {"alice", "bob"}
    assert load_launch().sign_in(Settings(auth="ann:pw")) == ("ann", "pw")
    assert load_launch().sign_in(Settings()) is None


# ---------------------------------------------------------------- whose conversation is whose


def reactions(services, store):
    """The handler behind "More like this" / "Not for me" / "Seen it", as build_ui wires it."""
    return make_adjust(services, lambda st, item, action: apply_feedback(st, services.catalog, item, action),
                       store, "feedback")


def ledger_texts(state: SessionState) -> set[str]:
    return {p.text for p in state.profile.preferences}


def test_each_user_has_their_own_conversation_on_every_browser_and_after_a_restart(tmp_path, services):
    path = tmp_path / "sessions.sqlite3"
    store = SessionStore(path)
    respond, resume = make_respond(services, store), make_resume(services, store)
    alice, bob = as_user("alice"), as_user("bob")

    # alice on her laptop, bob on his: two fresh pages (no gr.State yet)
    *_, laptop, _, _, alice_key = final(respond("I loved The Matrix, nothing before 1990", None, alice))
    *_, bob_state, _, _, bob_key = final(respond("I loved Toy Story", None, bob))
    assert alice_key != bob_key and "The Matrix" in ledger_texts(laptop) and "Toy Story" in ledger_texts(bob_state)

    # alice opens a second browser: her page restores her conversation, whatever that browser's key says
    chat, _, understood, record, phone, *_ = resume(None, None, alice)
    assert phone.session_id == alice_key and len(chat) == 2 and "Matrix" in understood and "Toy Story" not in understood
    assert record["notice"] == "restored"
    # she reacts on the phone; the laptop's next turn builds on it (it reads the stored session first)
    feedback = reactions(services, store)
    seen = phone.last_picks[0]
    *_, phone, status, _ = feedback(seen, "seen", phone, alice)
    assert seen in phone.profile.seen
    *_, laptop, _, _, _ = final(respond("more like that", laptop, alice))
    assert laptop.turn == 2 and seen in laptop.profile.seen and len(laptop.chat) == 4

    # bob cannot see or resume alice's session, even with its id; nobody signed out can either
    chat, _, understood, record, state, *_ = resume(alice_key, None, bob)  # he gets his own instead
    assert "Matrix" not in understood and "Toy Story" in understood and state.session_id == bob_key
    assert make_resume(services, store)(alice_key, None, None)[0] == []
    with pytest.raises(StoreError, match="another user"):
        store.save(laptop, "turn", {}, "bob")

    # a restart: a new store on the same file; each of them gets their own latest conversation back
    store.close()
    again = SessionStore(path)
    restored = make_resume(services, again)
    alice_back, bob_back = restored(None, None, alice)[4], restored(None, None, bob)[4]
    assert alice_back == laptop and bob_back.session_id == bob_key and "The Matrix" not in ledger_texts(bob_back)

    # "New conversation" is saved at once, so alice's other browser opens the new one too
    fresh = make_reset(services, again)(alice)[4]
    assert restored(None, None, alice)[4].session_id == fresh.session_id
    assert restored(alice_key, None, alice)[4].session_id == alice_key  # the old one, by id, is still hers


def test_without_sign_in_each_browser_keeps_its_own_session_as_before(tmp_path, services):
    store = SessionStore(tmp_path / "sessions.sqlite3")
    respond, resume = make_respond(services, store), make_resume(services, store)
    *_, state, _, _, key = final(respond("I loved Heat", None, as_user(None)))
    assert store.load(key) == state
    assert resume(None, None, as_user(None))[0] == []  # a browser without its key gets a fresh session
    assert resume(key, None, as_user(None))[4] == state  # with it, its own
    with sqlite3.connect(tmp_path / "sessions.sqlite3") as db:
        assert db.execute("SELECT owner FROM sessions").fetchall() == [(None,)]


def test_an_older_sessions_file_gains_owners_and_keeps_its_rows(tmp_path, services):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:  # the schema before sign-in existed
        db.executescript("CREATE TABLE sessions (id TEXT PRIMARY KEY, state TEXT NOT NULL, created REAL NOT NULL, "
                         "updated REAL NOT NULL); CREATE TABLE events (session_id TEXT NOT NULL, at REAL NOT NULL, "
                         "kind TEXT NOT NULL, payload TEXT NOT NULL);")
    state = final(make_respond(services, None)("I loved Heat", None))[4]
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO sessions VALUES (?, ?, 0, 0)", (state.session_id, state_to_json(state)))
    store = SessionStore(path)
    assert store.load(state.session_id) == state and store.latest("alice") is None


# ---------------------------------------------------------------- forget me


def test_forget_me_deletes_every_row_of_that_user_from_the_file_and_keeps_the_others(tmp_path, services):
    path = tmp_path / "sessions.sqlite3"
    store = SessionStore(path)
    respond = make_respond(services, store)
    feedback = reactions(services, store)
    alice, bob = as_user("alice"), as_user("bob")
    first = final(respond("I loved Zeppelinmarker Heat", None, alice))[4]
    feedback(first.last_picks[0], "dislike", first, alice)
    make_reset(services, store)(alice)
    second = final(respond("something with Quokkamarker from the 90s", None, alice))[4]
    laptop_tab = final(respond("more action", second, alice))[4]  # still open on another device
    bobs = final(respond("I loved Toy Story, Wombatmarker", None, bob))[4]
    bobs = feedback(bobs.last_picks[0], "seen", bobs, bob)[2]
    anonymous = final(make_respond(services, store)("I loved Up, Emumarker", None))[4]

    with sqlite3.connect(path) as db:
        alice_ids = [r[0] for r in db.execute("SELECT id FROM sessions WHERE owner = 'alice'")]
    assert len(alice_ids) == 2

    chat, _, understood, record, fresh, picks, entry, key, status = make_forget(services, store)(second, alice)
    assert chat == [] and fresh.turn == 0 and key not in alice_ids and "_Nothing yet" in understood
    assert "2 conversations" in status and not picks.choices and not entry.choices

    with sqlite3.connect(path) as db:  # the file itself, not the app's view of it
        assert db.execute("SELECT count(*) FROM sessions WHERE owner = 'alice'").fetchone() == (0,)
        marks = ",".join("?" * len(alice_ids))
        assert db.execute(f"SELECT count(*) FROM events WHERE session_id IN ({marks})", alice_ids).fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM sessions WHERE state LIKE '%marker%' AND owner IS NOT 'bob' "
                          "AND owner IS NOT NULL").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM events WHERE session_id = ?", (bobs.session_id,)).fetchone() == (2,)
        assert db.execute("SELECT owner FROM sessions ORDER BY owner").fetchall() == [(None,), ("bob",)]
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("sessions.sqlite3"))
    assert b"Zeppelinmarker" not in raw and b"Quokkamarker" not in raw  # overwritten, not just unlinked
    assert b"Wombatmarker" in raw and b"Emumarker" in raw

    assert SessionStore(path).latest("bob") == bobs and SessionStore(path).load(anonymous.session_id) == anonymous
    # alice's tab on the other device holds her old conversation in memory: its next turn starts afresh
    after = final(respond("a comedy", laptop_tab, alice))[4]
    assert after.session_id != laptop_tab.session_id and after.turn == 1 and "Quokkamarker" not in str(after)
    # nobody signed in: nothing is kept under a name, so nothing is deleted
    *_, status = make_forget(services, store)(anonymous, as_user(None))
    assert "Nobody is signed in" in status and store.load(anonymous.session_id) == anonymous


def test_forget_me_is_offered_only_where_people_sign_in(services, tmp_path):
    def endpoints(demo):
        return {dep.get("api_name") for dep in demo.config["dependencies"]}

    store = SessionStore(tmp_path / "s.sqlite3")
    assert "forget" in endpoints(build_ui(services, store, accounts=True))
    assert "forget" not in endpoints(build_ui(services, store))


# ---------------------------------------------------------------- the served app, signed in over HTTP


@pytest.mark.slow
@pytest.mark.e2e
def test_signed_in_api_clients_share_their_own_conversation_and_can_forget_it(tmp_path, services):
    """The app served with the users file as Gradio's `auth=`: gr.Request.username reaches the handlers."""
    from gradio_client import Client

    path = tmp_path / "users.txt"
    add(path, "alice")
    add(path, "bob", "bob's long password")
    store = SessionStore(tmp_path / "sessions.sqlite3")
    demo = build_ui(services, store, accounts=True).queue()
    _, url, _ = demo.launch(auth=Authenticator(path), prevent_thread_lock=True, quiet=True,
                                server_port=free_port())
    try:
        with pytest.raises(Exception):
            Client(url, auth=("alice", "not her password"), verbose=False)
        laptop = Client(url, auth=("alice", PASSWORD), verbose=False)
        _, _, _, record, *_ = laptop.predict("I loved The Matrix, nothing before 1990", api_name="/chat")
        alice_session = record["session_id"]
        phone = Client(url, auth=("alice", PASSWORD), verbose=False)  # another browser, same person
        chat, _, understood, record, *_ = phone.predict("", api_name="/resume")
        assert record["session_id"] == alice_session and "Matrix" in understood and len(chat) == 2
        bob = Client(url, auth=("bob", "bob's long password"), verbose=False)
        chat, _, understood, record, *_ = bob.predict(alice_session, api_name="/resume")  # not his to open
        assert chat == [] and record["session_id"] != alice_session and "Matrix" not in understood
        assert record["notice"] == ""
        bob.predict("I loved Toy Story", api_name="/chat")

        _, _, _, record, *_, status = phone.predict(api_name="/forget")
        assert "Everything stored about alice is deleted (1 conversation" in record["notice"] and "deleted" in status
        with sqlite3.connect(tmp_path / "sessions.sqlite3") as db:
            assert db.execute("SELECT owner FROM sessions").fetchall() == [("bob",)]
        chat, _, understood, record, *_ = laptop.predict("", api_name="/resume")
        assert chat == [] and "Matrix" not in understood
    finally:
        demo.close()

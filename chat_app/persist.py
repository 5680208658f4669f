"""Sessions on disk: every conversation, profile and piece of feedback, kept in SQLite by session id.

A restart of the app loses nothing a person did: the browser keeps its session id (local storage) and the
app restores the conversation and the ledger from here. Writes are small (one row per session, replaced
after each turn or feedback) and go through one lock with WAL journaling, so concurrent sessions are safe.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import asdict
from pathlib import Path

from chat_app.profile import Preference, Profile
from chat_app.session import SessionState
from retrieval.constraints import Constraints

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    session_id TEXT NOT NULL,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_session ON events(session_id, at);
"""


class StoreError(Exception):
    """The session database cannot be opened or written; the message says what to do."""


def state_to_json(state: SessionState) -> str:
    profile = state.profile
    return json.dumps({
        "session_id": state.session_id, "turn": state.turn, "user_messages": state.user_messages,
        "shown": state.shown, "last_picks": state.last_picks, "chat": state.chat,
        "profile": {"preferences": [asdict(p) for p in profile.preferences],
                    "constraints": {k: list(v) if isinstance(v, tuple) else v
                                    for k, v in asdict(profile.constraints).items()},
                    "turn": profile.turn, "constraint_turns": profile.constraint_turns,
                    "seen": sorted(profile.seen)},
    }, ensure_ascii=False)


def state_from_json(text: str) -> SessionState:
    raw = json.loads(text)
    p = raw["profile"]
    constraints = Constraints(**{k: tuple(v) if isinstance(v, list) else v for k, v in p["constraints"].items()})
    profile = Profile(tuple(Preference(**pref) for pref in p["preferences"]), constraints.normalized(), p["turn"],
                      dict(p["constraint_turns"]), frozenset(p["seen"]))
    return SessionState(session_id=raw["session_id"], profile=profile, turn=raw["turn"],
                        user_messages=list(raw["user_messages"]), shown=list(raw["shown"]),
                        last_picks=list(raw["last_picks"]), chat=list(raw["chat"]))


class SessionStore:
    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the session database {self.path} ({exc}). Pass another "
                             "--sessions-db, or move this file away to start afresh.") from exc
        self._lock = threading.Lock()

    def save(self, state: SessionState, event: str, payload: dict | None = None) -> None:
        """Store the session as it is now, and log what just happened (a turn, feedback, an edit)."""
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "INSERT INTO sessions(id, state, created, updated) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET state = excluded.state, updated = excluded.updated",
                    (state.session_id, state_to_json(state), now, now))
                self._db.execute("INSERT INTO events(session_id, at, kind, payload) VALUES (?, ?, ?, ?)",
                                 (state.session_id, now, event, json.dumps(payload or {}, ensure_ascii=False)))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def load(self, session_id: object) -> SessionState | None:
        if not isinstance(session_id, str) or not session_id or len(session_id) > 64:
            return None
        with self._lock:
            row = self._db.execute("SELECT state FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            return None
        try:
            return state_from_json(row[0])
        except (ValueError, KeyError, TypeError):
            return None  # a row this version cannot read: start a fresh session rather than fail

    def events(self, session_id: str) -> list[tuple[str, dict]]:
        with self._lock:
            rows = self._db.execute("SELECT kind, payload FROM events WHERE session_id = ? ORDER BY at",
                                    (session_id,)).fetchall()
        return [(kind, json.loads(payload)) for kind, payload in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()

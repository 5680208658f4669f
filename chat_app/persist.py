"""Sessions on disk: every conversation, profile and piece of feedback, kept in SQLite by session id.

A restart of the app loses nothing a person did: the browser keeps its session id (local storage) and the
app restores the conversation and the ledger from here. Writes are small (one row per session, replaced
after each turn or feedback) and go through one lock with WAL journaling, so concurrent sessions are safe.

A session saved for a signed-in user carries their name (`owner`): only that user can load it, their latest
one is what any of their browsers restores, and `forget(owner)` deletes all of their sessions and events,
overwriting the freed space (secure_delete) and emptying the WAL, so nothing of them stays in the files.
Sessions without an owner (no sign-in) are found by their id alone, as before.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from dataclasses import asdict
from pathlib import Path

from chat_app.profile import Preference, Profile
from chat_app.session import SessionState
from retrieval.constraints import Constraints
from retrieval.domain import Domain

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    owner TEXT
);
CREATE TABLE IF NOT EXISTS events (
    session_id TEXT NOT NULL,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_session ON events(session_id, at);
"""
OWNER_INDEX = "CREATE INDEX IF NOT EXISTS sessions_by_owner ON sessions(owner, updated)"


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


def _typed(value, kind, what: str):
    """`value` if it is a `kind` (bool is no int here), else a TypeError naming `what`."""
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise TypeError(f"{what} is {type(value).__name__}, not {getattr(kind, '__name__', kind)}")
    return value


def _strings(value, what: str) -> list[str]:
    return [_typed(v, str, f"an entry of {what}") for v in _typed(value, list, what)]


def _preference(raw) -> Preference:
    pref = Preference(**_typed(raw, dict, "a preference"))
    for name, kind in (("kind", str), ("text", str), ("turn", int), ("item_id", (str, type(None))),
                       ("weight", (int, float))):
        _typed(getattr(pref, name), kind, f"a preference's {name}")
    if pref.polarity not in ("like", "dislike"):
        raise ValueError(f"a preference's polarity is {pref.polarity!r}")
    return pref


# constraint names an earlier version stored: a film's runtime_max is now the domain's length_max
LEGACY_NAMES = {"runtime_max": "length_max"}


def state_from_json(text: str, domain: Domain | None = None) -> SessionState:
    """The stored session, its limits checked against the catalog's domain (movies when none is given);
    ValueError, KeyError or TypeError when the text is not one this version wrote."""
    raw = _typed(json.loads(text), dict, "the state")
    p = _typed(raw["profile"], dict, "the profile")
    stored = {LEGACY_NAMES.get(k, k): v for k, v in p["constraints"].items()}
    constraints = Constraints(**{k: tuple(v) if isinstance(v, list) else v for k, v in stored.items()})
    profile = Profile(tuple(_preference(pref) for pref in _typed(p["preferences"], list, "preferences")),
                      constraints.normalized(domain), _typed(p["turn"], int, "the profile's turn"),
                      {LEGACY_NAMES.get(k, k): v for k, v in dict(p["constraint_turns"]).items()},
                      frozenset(_strings(p["seen"], "seen")))
    chat = [_typed(m, dict, "a chat message") for m in _typed(raw["chat"], list, "the chat")]
    for message in chat:
        _typed(message["role"], str, "a chat message's role")
        _typed(message["content"], str, "a chat message's content")
    return SessionState(session_id=_typed(raw["session_id"], str, "the session id"), profile=profile,
                        turn=_typed(raw["turn"], int, "the turn"),
                        user_messages=_strings(raw["user_messages"], "user_messages"),
                        shown=_strings(raw["shown"], "shown"), last_picks=_strings(raw["last_picks"], "last_picks"),
                        chat=chat)


class SessionStore:
    def __init__(self, path: str | Path, domain: Domain | None = None):
        self.path = Path(path).expanduser()
        self.domain = domain  # the catalog's: restored limits are checked against its categories
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten, not just unlinked
            self._db.executescript(SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(sessions)")}
            if "owner" not in columns:  # a file written before sign-in existed
                self._db.execute("ALTER TABLE sessions ADD COLUMN owner TEXT")
            self._db.execute(OWNER_INDEX)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the session database {self.path} ({exc}). Pass another "
                             "--sessions-db, or move this file away to start afresh.") from exc
        self._lock = threading.Lock()

    def save(self, state: SessionState, event: str, payload: dict | None = None, owner: str | None = None) -> None:
        """Store the session as it is now, and log what just happened (a turn, feedback, an edit).

        `owner` is the signed-in user (None without sign-in); a session owned by someone else is never
        overwritten (StoreError: a bug, since session ids are the server's and resumed only by their owner)."""
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cursor = self._db.execute(
                    "INSERT INTO sessions(id, state, created, updated, owner) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET state = excluded.state, updated = excluded.updated "
                    "WHERE sessions.owner IS excluded.owner",
                    (state.session_id, state_to_json(state), now, now, owner))
                if cursor.rowcount != 1:
                    raise StoreError(f"session {state.session_id} belongs to another user")
                self._db.execute("INSERT INTO events(session_id, at, kind, payload) VALUES (?, ?, ?, ?)",
                                 (state.session_id, now, event, json.dumps(payload or {}, ensure_ascii=False)))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def load(self, session_id: object, owner: str | None = None) -> SessionState | None:
        """The stored session `session_id` if `owner` (None: nobody signed in) may see it, else None."""
        if not isinstance(session_id, str) or not session_id or len(session_id) > 64:
            return None
        with self._lock:
            row = self._db.execute("SELECT state FROM sessions WHERE id = ? AND owner IS ?",
                                   (session_id, owner)).fetchone()
        return self._state(session_id, row)

    def latest(self, owner: str) -> SessionState | None:
        """The signed-in user's most recently saved session (what any browser of theirs restores)."""
        with self._lock:
            row = self._db.execute("SELECT id, state FROM sessions WHERE owner = ? ORDER BY updated DESC, rowid "
                                   "DESC LIMIT 1", (owner,)).fetchone()
        return self._state(row[0], row[1:]) if row else None

    def forget(self, owner: str) -> int:
        """Delete every session of `owner` and every event of those sessions; returns how many sessions.

        Freed pages are overwritten (secure_delete) and the WAL is checkpointed and truncated, so the deleted
        text is gone from the database files, not only from query results."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM events WHERE session_id IN (SELECT id FROM sessions WHERE owner = ?)",
                                 (owner,))
                count = self._db.execute("DELETE FROM sessions WHERE owner = ?", (owner,)).rowcount
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            busy, _, _ = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            log.warning("the WAL of %s could not be emptied yet (another reader); it is at the next checkpoint",
                        self.path)
        log.info("forgot a user: %d sessions deleted", count)
        return count

    def _state(self, session_id: str, row) -> SessionState | None:
        if row is None:
            return None
        try:
            return state_from_json(row[0], self.domain)
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            # a row this version cannot read: start a fresh session rather than fail
            log.warning("session %s is unreadable, starting afresh: %s: %s", session_id, type(exc).__name__,
                        str(exc)[:200])
            return None

    def events(self, session_id: str) -> list[tuple[str, dict]]:
        with self._lock:
            rows = self._db.execute("SELECT kind, payload FROM events WHERE session_id = ? ORDER BY at",
                                    (session_id,)).fetchall()
        out = []
        for kind, payload in rows:
            try:
                out.append((_typed(kind, str, "the kind"), _typed(json.loads(payload), dict, "the payload")))
            except (ValueError, TypeError, RecursionError) as exc:
                log.warning("skipped an unreadable %r event of session %s: %s", kind, session_id, str(exc)[:200])
        return out

    def close(self) -> None:
        with self._lock:
            self._db.close()

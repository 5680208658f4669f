"""Feedback outside the chat box: reactions to a recommended item, and edits to the ledger.

Both change the session's profile at once (the next turn follows them) through the same merge rules as a
typed message. Bad requests (unknown item, unknown action, unknown entry) raise `FeedbackError` with a
message for the person; the profile is left as it was.
"""

from __future__ import annotations

from chat_app.profile import Delta, Preference, entry_id, flip_entry, merge, remove_entry
from chat_app.session import SessionState
from retrieval.catalog import Catalog
from retrieval.constraints import LIMIT_FIELDS

ACTIONS = {"like": "More like this", "dislike": "Not for me", "seen": "Seen it"}
EDITS = ("remove", "flip")


class FeedbackError(ValueError):
    """A feedback or ledger request that cannot be applied; the message says why."""


def apply_feedback(state: SessionState, catalog: Catalog, item_id: object, action: object) -> str:
    item = catalog.get(str(item_id).strip()) if isinstance(item_id, (str, int)) else None
    if item is None:
        raise FeedbackError(f"Pick one of the recommended {catalog.domain.plural} first.")
    if action not in ACTIONS:
        raise FeedbackError(f"Unknown feedback '{str(action)[:40]}': use one of {', '.join(ACTIONS)}.")
    if action == "seen":
        delta = Delta(intent="feedback", seen=(item.id,))
        done = f"Noted: you have seen {item.label}. It will not be suggested again."
    else:
        delta = Delta(intent="feedback", preferences=(Preference("item", item.title, action, state.turn, item.id),))
        done = (f"Noted: more like {item.label}." if action == "like"
                else f"Noted: {item.label} is not for you. It will not come back, and similar {catalog.domain.plural} "
                     "rank lower.")
    state.profile = merge(state.profile, delta, state.turn, catalog.domain)
    return done


def edit_ledger(state: SessionState, entry: object, action: object) -> str:
    entries = {entry_id(p): p for p in state.profile.preferences}
    limits = {f"limit:{name}" for name in state.profile.constraint_turns} | {
        f"limit:{name}" for name in LIMIT_FIELDS if getattr(state.profile.constraints, name) not in (None, ())}
    if not isinstance(entry, str) or (entry not in entries and entry not in limits):
        raise FeedbackError("Choose an entry of 'What I understood' first.")
    if action not in EDITS:
        raise FeedbackError(f"Unknown edit '{str(action)[:40]}': use remove or flip.")
    if action == "flip":
        if entry not in entries:
            raise FeedbackError("A limit cannot be flipped; remove it instead.")
        state.profile = flip_entry(state.profile, entry, state.turn)
        return f"Flipped: {entries[entry].text} is now a {'dislike' if entries[entry].polarity == 'like' else 'like'}."
    state.profile = remove_entry(state.profile, entry)
    return f"Removed: {entries[entry].text if entry in entries else entry.removeprefix('limit:').replace('_', ' ')}."

"""Per-session state, and cleaning of what a person types before anything reads it.

`SessionState` is a plain dataclass kept in `gr.State` (one per browser session) or held by a test; nothing
about a person lives at module level. `clean_message` makes any input safe to read: control and zero-width
characters go, Unicode is normalised, and huge messages are cut to a size the models can take.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field

from chat_app.profile import Profile

_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")


@dataclass
class SessionState:
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    profile: Profile = field(default_factory=Profile)
    turn: int = 0
    user_messages: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)  # ids recommended so far, in order
    last_picks: list[str] = field(default_factory=list)  # ids of the last reply's picks, as numbered
    chat: list[dict] = field(default_factory=list)  # the conversation as shown: {"role", "content"} dicts
    degraded_said: bool = False  # the reply has said once that the language model did not answer

    def recent(self, n: int = 2) -> list[str]:
        return [m[:300] for m in self.user_messages[-n:]]


@dataclass(frozen=True)
class CleanMessage:
    text: str
    truncated: bool = False
    original_chars: int = 0


def clean_message(raw: object, max_chars: int) -> CleanMessage:
    """Printable, normalised text of at most `max_chars`; empty when nothing readable was sent."""
    text = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
    original = len(text)
    text = text[: max_chars * 4]  # bound the work below for megabyte inputs
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = "".join(ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    truncated = len(text) > max_chars
    if truncated:
        text = text[:max_chars].rsplit(" ", 1)[0]
    return CleanMessage(text, truncated or original > max_chars * 4, original)

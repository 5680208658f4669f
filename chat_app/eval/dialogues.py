"""ReDial-format dialogue files: reading them, and the literature's (sample, target) recommendation samples.

A file has one JSON object per line with `conversationId`, `initiatorWorkerId` (the seeker), `messages`
(`text` with movies written `@<movieId>`, `senderWorkerId`) and `movieMentions` ({id: "Title (Year)"}).
Any file in this format works (ReDial's splits, a held-out split). A line that is not such an object is an
error naming the line; nothing is skipped silently.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from retrieval.redial_catalog import MENTION


class DialogueFileError(Exception):
    """The dialogue file is missing or not in the ReDial format; the message says where."""


@dataclass(frozen=True)
class Utterance:
    seeker: bool
    text: str  # as written, with @<id> mentions
    mentions: tuple[str, ...]  # distinct ids in order of appearance


@dataclass(frozen=True)
class Dialogue:
    id: str
    utterances: tuple[Utterance, ...]
    titles: dict[str, str]  # id -> "Title (Year)"

    def readable(self, text: str) -> str:
        """The text as a person would write it: "@111776" -> "Super Troopers (2001)"."""
        return MENTION.sub(lambda m: self.titles.get(m.group(1), "a movie").strip() or "a movie", text)


def _dialogue(raw: object, line_no: int) -> Dialogue:
    if not isinstance(raw, dict) or not isinstance(raw.get("messages"), list):
        raise DialogueFileError(f"line {line_no}: not a ReDial dialogue (an object with a 'messages' list)")
    seeker = raw.get("initiatorWorkerId")
    titles = raw.get("movieMentions") or {}
    if not isinstance(titles, dict):
        raise DialogueFileError(f"line {line_no}: 'movieMentions' must be an object of id -> title")
    utterances = []
    for message in raw["messages"]:
        if not isinstance(message, dict) or not isinstance(message.get("text"), str):
            raise DialogueFileError(f"line {line_no}: every message needs a 'text' string")
        text = message["text"]
        mentions = tuple(dict.fromkeys(MENTION.findall(text)))
        utterances.append(Utterance(message.get("senderWorkerId") == seeker, text, mentions))
    return Dialogue(str(raw.get("conversationId", line_no)), tuple(utterances),
                    {str(k): str(v) for k, v in titles.items() if v is not None})


def read_dialogues(path: str | Path) -> list[Dialogue]:
    path = Path(path)
    if not path.is_file():
        raise DialogueFileError(f"dialogue file not found: {path}")
    dialogues = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DialogueFileError(f"{path}, line {line_no}: not JSON ({exc.msg})") from exc
            dialogues.append(_dialogue(raw, line_no))
    if not dialogues:
        raise DialogueFileError(f"{path} has no dialogues")
    return dialogues


def select(dialogues: list[Dialogue], limit: int | None, seed: int) -> list[Dialogue]:
    """`limit` dialogues drawn at random with `seed` (kept in file order), or all of them."""
    if limit is None or limit >= len(dialogues):
        return list(dialogues)
    if limit < 1:
        raise ValueError("--limit must be at least 1")
    chosen = sorted(random.Random(seed).sample(range(len(dialogues)), limit))
    return [dialogues[i] for i in chosen]

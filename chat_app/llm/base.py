"""The chat-model interface every engine implements, and the conveniences built on it.

An engine implements one method, `stream`, which yields text pieces of the assistant's answer. Whole
answers (`complete`) and validated JSON answers (`complete_json`) are built on that here, once, for all
engines. Model errors are data: unparseable output raises `ModelOutputError`, which callers catch and
replace with a fallback; a missing or broken model raises `ModelLoadError` with what to do about it.
"""

from __future__ import annotations

import json
import re
import time
from typing import Iterator, Protocol, runtime_checkable

import jsonschema

Message = dict[str, str]


class ModelError(Exception):
    """Base of the chat-model errors; messages are written for the person running the app."""


class ModelLoadError(ModelError):
    """The model file or id is missing, corrupt or unusable."""


class ModelOutputError(ModelError):
    """The model answered, but not in the shape that was asked for."""


class ModelTimeout(ModelError):
    """The model did not finish within its time budget."""


@runtime_checkable
class ChatModel(Protocol):
    name: str

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int = 256,
        temperature: float = 0.2,
        json_schema: dict | None = None,
        timeout_s: float | None = None,
    ) -> Iterator[str]:
        """Yield the answer in pieces. With `json_schema`, engines that can constrain decoding do."""
        ...


@runtime_checkable
class LabelScorer(Protocol):
    """Optional engine capability: one forward pass, the log-probability of each label as the answer's first
    token (LlamaRec-style listwise ranking scores candidates this way instead of generating titles)."""

    def label_scores(self, messages: list[Message], labels: list[str]) -> list[float]:
        ...


def log_softmax_at(logits, ids: list[int]) -> list[float]:
    import numpy as np

    logits = np.asarray(logits, dtype=np.float64)
    top = logits.max()
    log_total = top + np.log(np.exp(logits - top).sum())
    return [float(logits[i] - log_total) for i in ids]


def complete(model: ChatModel, messages: list[Message], **kwargs) -> str:
    return "".join(model.stream(messages, **kwargs))


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)


def fill_defaults(value: object, schema: dict) -> object:
    """Repair: a missing property whose schema gives a `default` gets that default (top level only)."""
    if isinstance(value, dict):
        for name, prop in schema.get("properties", {}).items():
            if name not in value and "default" in prop:
                value[name] = json.loads(json.dumps(prop["default"]))
    return value


def parse_json_answer(text: str, schema: dict) -> dict:
    """Parse and validate a JSON answer, tolerating code fences and text around the object."""
    cleaned = _FENCE.sub("", text.strip())
    start, end = cleaned.find("{"), cleaned.rfind("}")
    if start < 0 or end <= start:
        raise ModelOutputError(f"no JSON object in the model's answer: {text[:200]!r}")
    try:
        value = json.loads(cleaned[start : end + 1])
    except json.JSONDecodeError as exc:
        raise ModelOutputError(f"the model's JSON does not parse ({exc.msg}): {text[:200]!r}") from exc
    value = fill_defaults(value, schema)
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as exc:
        raise ModelOutputError(f"the model's JSON does not fit the schema: {exc.message}") from exc
    return value


def with_schema_hint(messages: list[Message], schema: dict) -> list[Message]:
    """For engines that cannot constrain decoding: state the schema in the system message."""
    hint = ("Reply with only one JSON object, no other text, that follows this JSON Schema: "
            + json.dumps(schema, separators=(",", ":")))
    if messages and messages[0]["role"] == "system":
        return [{"role": "system", "content": messages[0]["content"] + "\n" + hint}] + list(messages[1:])
    return [{"role": "system", "content": hint}] + list(messages)


def complete_json(
    model: ChatModel, messages: list[Message], schema: dict, *, retries: int = 1, **kwargs
) -> dict:
    """Ask for a JSON object that fits `schema`; on a bad answer, retry once with the error shown.

    Engines that constrain decoding to the schema (attribute `constrained_json = True`) get it as a grammar;
    the others get it spelled out in the system message. The answer is validated either way.
    """
    if not getattr(model, "constrained_json", False):
        messages = with_schema_hint(messages, schema)
    attempt_messages = list(messages)
    error: ModelOutputError | None = None
    for _ in range(retries + 1):
        text = complete(model, attempt_messages, json_schema=schema, **kwargs)
        try:
            return parse_json_answer(text, schema)
        except ModelOutputError as exc:
            error = exc
            attempt_messages = list(messages) + [
                {"role": "assistant", "content": text[:2000]},
                {"role": "user", "content": f"That was not valid: {exc}. Answer with the JSON object only."},
            ]
    assert error is not None
    raise error


class Deadline:
    """A time budget for one generation; engines call `check()` between tokens."""

    def __init__(self, timeout_s: float | None):
        self.timeout_s = timeout_s
        self.end = None if timeout_s is None else time.monotonic() + timeout_s

    def check(self) -> None:
        if self.end is not None and time.monotonic() > self.end:
            raise ModelTimeout(f"the model took longer than {self.timeout_s:.0f} s")

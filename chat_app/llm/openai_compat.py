"""A chat model on any OpenAI-compatible server (vLLM, llama.cpp's server, Ollama, LM Studio), over HTTP.

`OpenAICompatModel.connect(url, model, api_key)` asks the server for its models once (a bad URL, key or
model name stops start-up with a message saying what to fix), then `stream` sends chat completions with
the official `openai` client, streaming. Every failure becomes a `ModelError` whose message names the
server and what to do, never the API key; the turn pipeline then falls back to the rules' reading.

Time: `timeout_s` is the call's deadline: no attempt starts after it, each waits at most the time left for
the server's first bytes and for each next piece, and a stream still going at the deadline is cut off (a
server that stalls mid-answer can so take up to twice the budget). Retries: one more attempt, within the
same deadline, when the connection fails or the server answers 5xx before any text arrived. JSON: the schema is sent as `response_format={"type": "json_schema", ...}`; a server that
refuses that gets llama.cpp's `{"type": "json_object", "schema": ...}`, then nothing (`complete_json`
validates the answer either way), and the form that worked is kept for later calls.

No lock: the server schedules (and batches) concurrent requests itself, so turns on different sessions
run concurrently. Listwise label scores (`LabelScorer`) are not offered over HTTP.
"""

from __future__ import annotations

import time
from typing import Iterator

from chat_app.llm.base import Message, ModelError, ModelLoadError, ModelOutputError, ModelTimeout

START_TIMEOUT_S = 10.0  # the model list at start-up
RETRIES = 1  # further attempts after a connection failure or a 5xx, within the call's deadline
_FORMATS = ("json_schema", "json_object", None)  # response_format forms, tried in this order


def _http_library():
    """The HTTP library under the openai client: httpx2 from openai 3, httpx before (errors while streaming)."""
    try:
        import httpx2
        return httpx2
    except ImportError:  # pragma: no cover - older openai clients
        import httpx
        return httpx


def _short(text: object, limit: int = 160) -> str:
    return " ".join(str(text).split())[:limit]


def _looks_like_html(body: str, content_type: str) -> bool:
    return "html" in content_type.lower() or body.lstrip()[:15].lower().startswith(("<!doctype", "<html"))


class OpenAICompatModel:
    """ChatModel over an OpenAI-compatible /v1 API. Build it with `connect` (checks the server once)."""

    constrained_json = False  # the schema is also spelled out in the prompt: not every server honours it

    def __init__(self, url: str, model: str, *, api_key: str | None = None, retries: int = RETRIES):
        import openai  # heavy import kept out of module import

        self.url = url.rstrip("/")
        self.name = model
        self._key = api_key or ""
        self.retries = retries
        # the client's own retries are off: ours below stay inside the call's deadline
        self._client = openai.OpenAI(base_url=self.url, api_key=api_key or "not-needed", max_retries=0,
                                     timeout=START_TIMEOUT_S)
        self._format_index = 0  # which of _FORMATS this server accepts, learnt on the first JSON call

    def __repr__(self) -> str:  # the client holds the key: never show it
        return f"OpenAICompatModel(url={self.url!r}, model={self.name!r})"

    @classmethod
    def connect(cls, url: str, model: str | None = None, *, api_key: str | None = None,
                timeout_s: float = START_TIMEOUT_S) -> "OpenAICompatModel":
        """Ask the server for its models; return a model bound to `model` (default: the first one listed)."""
        probe = cls(url, model or "?", api_key=api_key)
        served = probe.list_models(timeout_s)
        if not served:
            raise ModelLoadError(f"the LLM server at {probe.url} lists no models. Load one in the server "
                                 "(e.g. `ollama pull <name>`), or check --llm-url.")
        if model is None:
            probe.name = served[0]
        elif model not in served:
            raise ModelLoadError(f"the LLM server at {probe.url} has no model '{model}'. It serves: "
                                 f"{', '.join(served[:10])}. Pass one of these with --llm-model.")
        return probe

    def list_models(self, timeout_s: float = START_TIMEOUT_S) -> list[str]:
        import openai

        try:
            raw = self._client.with_options(timeout=timeout_s).models.with_raw_response.list()
        except openai.APIError as exc:
            raise self._error(exc, "listing its models", timeout_s) from None
        body, content_type = raw.http_response.text, raw.headers.get("content-type", "")
        if _looks_like_html(body, content_type):
            raise self._html_error()
        try:
            data = raw.http_response.json()["data"]
            return [str(entry["id"]) for entry in data]
        except (ValueError, KeyError, TypeError):
            raise self._scrub(ModelLoadError(f"the server at {self.url} answered /models with something that is not the "
                                 f"OpenAI API ({_short(body, 80)!r}). --llm-url must be the API base, usually "
                                 "ending in /v1.")) from None

    def stream(self, messages: list[Message], *, max_tokens: int = 256, temperature: float = 0.2,
               json_schema: dict | None = None, timeout_s: float | None = None) -> Iterator[str]:
        import openai

        http = _http_library()
        timeout_s = timeout_s or 600.0
        end = time.monotonic() + timeout_s
        attempts = 0
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise self._timeout(timeout_s)
            fmt = _FORMATS[self._format_index] if json_schema is not None else None
            started = False
            try:
                response = self._client.with_options(timeout=left).chat.completions.create(
                    model=self.name, messages=messages, max_tokens=max_tokens, temperature=temperature,
                    stream=True, **self._response_format(fmt, json_schema))
                try:
                    self._check_stream(response.response)
                    for chunk in response:
                        if time.monotonic() > end:
                            raise self._timeout(timeout_s)
                        piece = chunk.choices[0].delta.content if chunk.choices else None
                        if piece:
                            started = True
                            yield piece
                finally:
                    response.close()
                return
            except http.HTTPError as exc:  # the connection broke or stalled while the answer streamed
                if isinstance(exc, http.TimeoutException):
                    raise self._timeout(timeout_s) from None
                raise self._scrub(ModelOutputError(
                    f"the connection to the LLM server at {self.url} broke while it answered "
                    f"({type(exc).__name__}: {_short(exc, 80)}). Is the server still running?")) from None
            except openai.APIError as exc:
                if not started and fmt is not None and self._format_refused(exc):
                    # this server does not take that response_format: try the next (max: sessions race here)
                    self._format_index = max(self._format_index, _FORMATS.index(fmt) + 1)
                    continue
                retry = isinstance(exc, openai.APIConnectionError) and not isinstance(exc, openai.APITimeoutError)
                retry = retry or (isinstance(exc, openai.APIStatusError) and exc.status_code >= 500)
                if started or not retry or attempts >= self.retries or time.monotonic() + 0.2 >= end:
                    raise self._error(exc, "answering", timeout_s) from None
                attempts += 1
                time.sleep(0.2)
            except (ValueError, KeyError, AttributeError, IndexError) as exc:  # malformed stream events
                raise self._scrub(ModelOutputError(f"the LLM server at {self.url} sent a malformed answer "
                                       f"({type(exc).__name__}: {_short(exc, 80)})")) from None

    @staticmethod
    def _response_format(fmt: str | None, schema: dict | None) -> dict:
        if fmt == "json_schema":
            return {"response_format": {"type": "json_schema",
                                        "json_schema": {"name": "answer", "schema": schema, "strict": True}}}
        if fmt == "json_object":  # llama.cpp's server reads the schema here; others ignore it
            return {"response_format": {"type": "json_object", "schema": schema}}
        return {}

    @staticmethod
    def _format_refused(exc: Exception) -> bool:
        """The server refused the request because of its response_format (400/422, or llama-cpp-python's 500)."""
        status = getattr(exc, "status_code", None)
        return status in (400, 422, 500) and "response_format" in str(getattr(exc, "message", exc))

    def _check_stream(self, http_response) -> None:
        content_type = http_response.headers.get("content-type", "")
        if "html" in content_type.lower():
            raise self._html_error()
        if "event-stream" not in content_type and "json" not in content_type:
            raise ModelOutputError(f"the LLM server at {self.url} answered a streamed chat request with "
                                   f"'{content_type or 'no content type'}' instead of server-sent events. "
                                   "Check that --llm-url is an OpenAI-compatible API base (usually ending in /v1).")

    def _html_error(self) -> ModelLoadError:
        return ModelLoadError(f"the server at {self.url} answered with an HTML page, not the OpenAI API. "
                              "--llm-url must be the API base, usually ending in /v1 (e.g. "
                              "http://127.0.0.1:8080/v1).")

    def _timeout(self, timeout_s: float) -> ModelTimeout:
        return ModelTimeout(f"the LLM server at {self.url} did not finish within {timeout_s:.0f} s; it may be "
                            "overloaded: raise --llm-timeout, lower --concurrency, or use a faster server.")

    def _scrub(self, error: ModelError) -> ModelError:
        """The error with the API key blanked out, should a server have echoed it."""
        if self._key and self._key in str(error):
            return type(error)(str(error).replace(self._key, "***"))
        return error

    def _error(self, exc: Exception, doing: str, timeout_s: float) -> ModelError:
        """The openai client's error as one a person can act on (the key is never part of it)."""
        return self._scrub(self._describe(exc, doing, timeout_s))

    def _describe(self, exc: Exception, doing: str, timeout_s: float) -> ModelError:
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return self._timeout(timeout_s)
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__ or exc.__context__
            return ModelLoadError(f"cannot reach the LLM server at {self.url} ({_short(cause or exc, 100)}). "
                                  "Is it running? Start it (e.g. `python -m llama_cpp.server --model <gguf> "
                                  "--port 8080`) or fix --llm-url.")
        if isinstance(exc, openai.APIStatusError):
            status, body = exc.status_code, exc.response.text if exc.response is not None else ""
            if _looks_like_html(body, exc.response.headers.get("content-type", "") if exc.response else ""):
                detail = "an HTML page"
            else:
                detail = _short(getattr(exc, "message", "") or body)
            if status in (401, 403):
                return ModelLoadError(f"the LLM server at {self.url} refused the API key (HTTP {status}). Set "
                                      "CINECHAT_LLM_API_KEY (or OPENAI_API_KEY) to a key it accepts.")
            if status == 404:
                return ModelLoadError(f"the LLM server at {self.url} answered HTTP 404 while {doing} (model "
                                      f"'{self.name}'): check --llm-model against the models it serves, and that "
                                      "--llm-url is the API base, usually ending in /v1.")
            if status == 429:
                return ModelTimeout(f"the LLM server at {self.url} is rate-limiting (HTTP 429): lower "
                                    "--concurrency or raise the server's limits.")
            if status >= 500:
                return ModelOutputError(f"the LLM server at {self.url} failed while {doing} (HTTP {status}: "
                                        f"{detail}). See the server's log.")
            return ModelOutputError(f"the LLM server at {self.url} refused the request while {doing} "
                                    f"(HTTP {status}: {detail}).")
        return ModelOutputError(f"the LLM server at {self.url} gave an unusable answer while {doing}: "
                                f"{_short(exc, 120)}")

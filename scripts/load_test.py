"""Load and isolation test: N concurrent scripted sessions against the running app, loopback only.

    python scripts/load_test.py --start --model small --sessions 1,4,16
    python scripts/load_test.py --url http://127.0.0.1:7860/ --sessions 4
    python scripts/load_test.py --start --app-args "--llm-url http://127.0.0.1:8080/v1" --sessions 1,4,16

Each session is its own gradio_client Client with its own taste (a distinct movie and decade), and its second
turn is in Spanish, so the LLM glosses it (`chat_app/gloss.py`); every
reply can be checked for leaks: a session's profile must hold its own movie and decade and none of the
others'. Reports throughput, p50/p95 turn latency, queue wait, errors and leaks for each N. Bounded in
sessions, turns and time; it refuses any address outside the loopback range.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import shlex
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]
# one taste per session: (movie, decade start); 16 distinct ones
TASTES = [("Heat", 1990), ("Toy Story", 1990), ("Alien", 1970), ("Amelie", 2000), ("Jaws", 1970),
          ("The Matrix", 1990), ("Casablanca", 1940), ("Psycho", 1960), ("Grease", 1970), ("Inception", 2010),
          ("Fargo", 1990), ("Shrek", 2000), ("Rocky", 1970), ("Ghostbusters", 1980), ("Titanic", 1990),
          ("Vertigo", 1950)]
MAX_SESSIONS, MAX_TURNS = 64, 5


def loopback_only(url: str) -> None:
    host = urlparse(url).hostname or ""
    try:
        ok = ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        ok = False
    if not ok:
        raise SystemExit(f"refusing to load {url}: only loopback addresses (127.0.0.0/8, localhost) are allowed")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def run_session(url: str, index: int, turns: int, deadline: float) -> dict:
    from gradio_client import Client

    movie, decade = TASTES[index % len(TASTES)]
    # the second turn is one the rules cannot read, so the LLM glosses it ("no horror")
    script = [f"I loved {movie}, something from the {decade}s", "y sin terror, por favor", "under 2 hours please",
              "no Adam Sandler", "something lighter"][:turns]
    out = {"session": index, "movie": movie, "decade": decade, "latencies": [], "waits": [], "errors": [],
           "record": None}
    client = Client(url, verbose=False)
    for message in script:
        if time.monotonic() > deadline:
            out["errors"].append("deadline")
            break
        start = time.monotonic()
        job = client.submit(message, api_name="/chat")
        started = None
        while not job.done():
            status = job.status()
            if started is None and status.code.name in ("PROCESSING", "ITERATING"):
                started = time.monotonic()
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        try:
            result = job.result(timeout=max(1.0, deadline - time.monotonic()))
        except Exception as exc:  # every failure is counted and reported, never hidden
            out["errors"].append(f"{type(exc).__name__}: {str(exc)[:120]}")
            continue
        end = time.monotonic()
        out["latencies"].append(end - start)
        out["waits"].append((started or end) - start)
        out["record"] = result[3]
    return out


def leaks(results: list[dict]) -> list[str]:
    """Anything in a session's final reply that is not its own: another's movie, decade or limits."""
    found = []
    for r in results:
        record = r["record"]
        if not record:
            continue
        items = {e["text"].lower() for e in record["understood"]["likes"] if e["kind"] == "item"}
        if items != {r["movie"].lower()}:
            found.append(f"session {r['session']} ({r['movie']}) holds liked movies {sorted(items)}")
        year_min = record["understood"]["constraints"]["year_min"]
        if year_min != r["decade"]:
            found.append(f"session {r['session']} has year_min {year_min}, its own decade is {r['decade']}")
        if any(not (r["decade"] <= rec["year"] <= r["decade"] + 9) for rec in record["recommendations"]):
            found.append(f"session {r['session']} got picks outside its decade")
        if record["turn"] != len(r["latencies"]):
            found.append(f"session {r['session']} is at turn {record['turn']} after {len(r['latencies'])} turns")
    return found


def load(url: str, n: int, turns: int, budget_s: float) -> dict:
    deadline = time.monotonic() + budget_s
    start = time.monotonic()
    with ThreadPoolExecutor(n) as pool:
        results = list(pool.map(lambda i: run_session(url, i, turns, deadline), range(n)))
    elapsed = time.monotonic() - start
    latencies = [x for r in results for x in r["latencies"]]
    waits = [x for r in results for x in r["waits"]]
    errors = [e for r in results for e in r["errors"]]
    return {"sessions": n, "turns_done": len(latencies), "turns_planned": n * turns, "seconds": round(elapsed, 1),
            "throughput_turns_per_min": round(60 * len(latencies) / elapsed, 2) if elapsed else 0,
            "latency_p50_s": round(percentile(latencies, 0.5), 2), "latency_p95_s": round(percentile(latencies, 0.95), 2),
            "queue_wait_p50_s": round(percentile(waits, 0.5), 2), "queue_wait_p95_s": round(percentile(waits, 0.95), 2),
            "errors": errors, "leaks": leaks(results)}


def start_app(args) -> tuple[subprocess.Popen, str]:
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, str(REPO / "launch.py"), "--port", str(port), "--model", args.model,
               "--queue-size", str(args.queue_size)]
    if args.index_dir:
        command += ["--index-dir", str(args.index_dir)]
    command += shlex.split(args.app_args)  # e.g. --llm-url (then --model is ignored) or --concurrency
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}/"
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit("the app exited during start-up")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                time.sleep(15)  # let the warm-up turn finish so it does not count against the first session
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(1)
    proc.kill()
    raise SystemExit("the app did not start in 10 minutes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="a running app (loopback only)")
    parser.add_argument("--start", action="store_true", help="start the app for the test, and stop it after")
    parser.add_argument("--model", default="small")
    parser.add_argument("--index-dir", type=Path, default=None)
    parser.add_argument("--queue-size", type=int, default=64)
    parser.add_argument("--app-args", default="", help="more options for the started app, e.g. "
                        "\"--llm-url http://127.0.0.1:8080/v1 --concurrency 16\"")
    parser.add_argument("--sessions", default="1,4,16", help="comma-separated concurrency levels")
    parser.add_argument("--turns", type=int, default=2, help=f"turns per session (at most {MAX_TURNS})")
    parser.add_argument("--budget", type=float, default=900, help="seconds allowed per concurrency level")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.sessions.split(",") if x.strip()]
    if not levels or max(levels) > MAX_SESSIONS or not 1 <= args.turns <= MAX_TURNS:
        raise SystemExit(f"sessions must be 1..{MAX_SESSIONS} and turns 1..{MAX_TURNS}")
    proc = None
    if args.start:
        proc, url = start_app(args)
    elif args.url:
        url = args.url
    else:
        raise SystemExit("give --url of a running app, or --start")
    loopback_only(url)
    reports = []
    try:
        for n in levels:
            report = load(url, n, args.turns, args.budget)
            reports.append(report)
            print(f"N={n:2d}: {report['turns_done']}/{report['turns_planned']} turns in {report['seconds']} s, "
                  f"{report['throughput_turns_per_min']} turns/min, latency p50 {report['latency_p50_s']} s "
                  f"p95 {report['latency_p95_s']} s, queue wait p50 {report['queue_wait_p50_s']} s "
                  f"p95 {report['queue_wait_p95_s']} s, errors {len(report['errors'])}, leaks {len(report['leaks'])}",
                  flush=True)
            for problem in report["errors"] + report["leaks"]:
                print("   ", problem)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(reports, indent=2))
    return 1 if any(r["leaks"] or r["errors"] for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())

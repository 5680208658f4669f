"""Latency and memory of the real app on this machine: index build, then scripted turns with a real model.

    python scripts/benchmark.py                      # default model, fresh index build, 12 turns
    python scripts/benchmark.py --model small --reuse-index --json out/bench.json
    python scripts/benchmark.py --explain llm        # the LLM rephrases each pick's evidence (checked)

Prints the index build time, per-turn latency split into extract / retrieve+rerank / explain, the time until
the first picks are visible, the full reply time (every pick explained and visible; median and p90 over the
turns), the faithfulness of every explanation and citation shown (unsupported claims per
`chat_app.faithfulness`), and peak RSS. The turns go through chat_app.pipeline.run_turn, the same function
the app serves.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DIALOGUES = [
    ["I loved Inception and Interstellar, but tonight I want something lighter — no Adam Sandler",
     "older ones, before 2000", "something with more action"],
    ["a funny animated movie for the kids, under 2 hours", "we already saw Toy Story, something else",
     "nothing scary please"],
    ["dark crime thrillers like Heat or The Departed", "from the 90s", "I liked Se7en too"],
    ["a romantic comedy, nothing before 2000", "something French would be nice", "less cheesy, more drama"],
    # what the rules cannot read, so the LLM glosses it: another language, a topic in other words
    ["Quiero ver una película de zombis", "guys in capes and tights saving the city",
     "Je cherche un bon film de vampires"],
    ["películas de Navidad para ver en familia", "a killer who murders again and again", "Un bel film sulla mafia"],
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def proportional_set_size_mib() -> int:
    """PSS from /proc: the two llama.cpp contexts map the same weights, which RSS counts twice."""
    try:
        for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return -1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default", help="default, small, a .gguf path or an HF id")
    parser.add_argument("--threads", type=int, default=None, help="LLM threads (default: all cores)")
    parser.add_argument("--turns", type=int, default=18, help="number of turns to time (>= 10 for the median)")
    parser.add_argument("--index-dir", type=Path, default=None, help="index folder (default: a fresh temp dir)")
    parser.add_argument("--reuse-index", action="store_true", help="do not time a fresh build; reuse --index-dir")
    parser.add_argument("--explain", choices=("evidence", "llm"), default=None,
                        help="how picks are explained (default: the app's default, --explain in launch.py)")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers to this JSON file")
    args = parser.parse_args(argv)

    from chat_app.factory import build_services
    from chat_app.faithfulness import unsupported_claims
    from chat_app.pipeline import run_turn
    from chat_app.session import SessionState
    from chat_app.settings import Settings, available_cores
    from retrieval.catalog import load_catalog
    from retrieval.embeddings import SentenceTransformerEmbedder
    from retrieval.store import ItemIndex, persistent_client

    index_dir = args.index_dir or Path(tempfile.mkdtemp(prefix="cinechat-bench-"))
    overrides = {"model": args.model, "index_dir": index_dir}
    if args.threads:
        overrides["threads"] = args.threads
    if args.explain:
        overrides["explain"] = args.explain
    settings = Settings(**overrides)
    report: dict = {"model": args.model, "threads": settings.threads, "cores": available_cores(),
                    "explain": settings.explain}

    catalog = load_catalog(settings.catalog)
    embedder = SentenceTransformerEmbedder(threads=available_cores())  # a build has the machine to itself
    if not args.reuse_index:
        start = time.perf_counter()
        ItemIndex(persistent_client(index_dir), catalog, embedder).open(rebuild=True, progress=False)
        report["index_build_s"] = round(time.perf_counter() - start, 1)
        report["index_items"] = len(catalog)
        print(f"index build: {len(catalog)} items in {report['index_build_s']} s")

    start = time.perf_counter()
    services = build_services(settings, progress=False)
    report["startup_s"] = round(time.perf_counter() - start, 1)
    from launch import warm_up

    warm_up(services)  # as launch.py does at start-up

    rows, explained, claims, by_llm = [], 0, [], 0
    dialogue_turns = [(d, t) for d in range(len(DIALOGUES)) for t in range(len(DIALOGUES[d]))]
    sessions: dict[int, SessionState] = {}
    for d, t in dialogue_turns[: args.turns]:
        state = sessions.setdefault(d, SessionState())
        view = None
        for view in run_turn(services, state, DIALOGUES[d][t]):
            pass
        timing = dict(view.timings, glossed=bool(view.read_as))
        rows.append(timing)
        for rec in view.recommendations:
            explained += 1
            by_llm += rec.explained_by == "llm"
            claims += [f"{rec.ranked.item.label}: {c}" for c in unsupported_claims(
                rec.explanation + "\n" + " · ".join(rec.cites), rec.evidence, services.catalog)]
        print(f"turn {len(rows):2d}  extract {timing.get('extract_s', 0):5.2f}  retrieve+rerank "
              f"{timing.get('retrieve_s', 0):5.2f}  first visible {timing.get('first_visible_s', 0):5.2f}  "
              f"explain {timing.get('explain_s', 0):5.2f}  "
              f"full {timing.get('total_s', timing.get('extract_s', 0)):5.2f}"
              f"  | {DIALOGUES[d][t][:50]}" + (f"  -> gloss {view.read_as!r}" if view.read_as else ""))

    def stat(key: str, glossed: bool | None = None) -> dict:
        values = [r[key] for r in rows if key in r and glossed in (None, r["glossed"])]
        return {"median": round(statistics.median(values), 2), "p90": round(percentile(values, 0.9), 2),
                "n": len(values)} if values else {}

    for key in ("extract_s", "retrieve_s", "evidence_s", "explain_s", "first_visible_s", "total_s"):
        report[key] = stat(key)
    report["glossed_turns"] = sum(r["glossed"] for r in rows)
    report["total_s_glossed"] = stat("total_s", glossed=True)
    report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    report["pss_mib"] = proportional_set_size_mib()
    print("\nmedian (p90) over", len(rows), "turns:")
    report["faithfulness"] = {"explanations": explained, "unsupported_claims": len(claims),
                              "rate": round(len(claims) / max(explained, 1), 4), "written_by_llm": by_llm}
    for key, label in (("extract_s", "extract"), ("retrieve_s", "retrieve+rerank"),
                       ("evidence_s", "evidence + why lines"), ("explain_s", "LLM prose (--explain llm)"),
                       ("first_visible_s", "first picks visible"), ("total_s", "full reply (all explained)")):
        if report[key]:
            print(f"  {label:30s} {report[key]['median']:6.2f} s  ({report[key]['p90']:.2f})")
    if report["total_s_glossed"]:
        print(f"  {'full reply, glossed turns':30s} {report['total_s_glossed']['median']:6.2f} s  "
              f"({report['total_s_glossed']['p90']:.2f}); {report['glossed_turns']} of {len(rows)} turns glossed")
    print(f"  {'faithfulness':30s} {len(claims)} unsupported claims in {explained} explanations "
          f"({report['faithfulness']['rate']:.1%}); {by_llm} written by the LLM, the rest evidence lines "
          f"(--explain {settings.explain})")
    for claim in claims[:10]:
        print("    " + claim)
    print(f"  {'peak RSS':30s} {report['peak_rss_mib']:6d} MiB")
    print(f"  {'PSS at the end':30s} {report['pss_mib']:6d} MiB  (shared model pages counted once)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

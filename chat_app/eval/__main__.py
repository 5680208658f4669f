"""Evaluation harness CLI.

    python -m chat_app.eval redial [--limit N] [--seed S] [--no-llm] [--model small|default|PATH] [--out DIR]

Replays ReDial-format dialogues through the app's turn pipeline (see `chat_app.eval.replay`) over the
evaluation catalog of ReDial's 6,924 movies, and writes `redial.json`, `redial.md` and `redial.png`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import time
from dataclasses import replace
from pathlib import Path

from tqdm.auto import tqdm

from chat_app.eval.dialogues import DialogueFileError, read_dialogues, select
from chat_app.eval.replay import APP, LLM, VARIANTS, replay
from chat_app.eval.report import evaluate, markdown, write
from chat_app.eval.tune import cases, recalls, sweep_diversity, tune, weights_dict
from retrieval.rerank import parse_weights
from chat_app.factory import build_services
from chat_app.llm.base import ModelError
from chat_app.settings import Settings, default_cache_dir
from retrieval import redial_catalog
from retrieval.catalog import CatalogError
from retrieval.comention import DEFAULT_PATH as COMENTION_PATH, CoMention

log = logging.getLogger("chat_app.eval")
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _variants(text: str) -> tuple[str, ...]:
    names = tuple(v.strip() for v in text.split(",") if v.strip())
    unknown = [v for v in names if v not in VARIANTS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown variant(s) {unknown}; choose from {', '.join(VARIANTS)}")
    return names


def _blend(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("--blend must be between 0 and 1")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m chat_app.eval", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("redial", help="recommendation quality on ReDial-format dialogues")
    t = sub.add_parser("tune", help="tune the reranker's weights on ReDial-format dialogues (validation only)")
    for q in (r, t):
        _common(q)
    r.add_argument("--variants", type=_variants, default=VARIANTS, help="comma-separated, of: " + ", ".join(VARIANTS))
    r.add_argument("--blend", type=_blend, default=0.5, help="weight of the LLM's listwise scores (0..1)")
    return p


def _common(r: argparse.ArgumentParser) -> None:
    r.add_argument("--dialogues", type=Path, default=SHARED / "redial" / "valid_data.jsonl",
                   help="ReDial-format .jsonl (default: the validation split)")
    r.add_argument("--data", type=Path, default=SHARED, help="raw datasets folder (redial/, movielens, tmdb)")
    r.add_argument("--limit", type=int, default=None, help="evaluate N dialogues drawn at random (default: all)")
    r.add_argument("--seed", type=int, default=0, help="seed for drawing --limit dialogues")
    r.add_argument("--no-llm", action="store_true", help="deterministic rule-based reading; no LLM variant")
    r.add_argument("--model", default="default", help="LLM: default | small | .gguf path | HF id or folder")
    r.add_argument("--threads", type=int, default=None, help="LLM threads (default: all cores)")
    r.add_argument("--candidates", type=int, default=100, help="candidates per source before reranking")
    r.add_argument("--weights", type=parse_weights, default=None,
                   help="reranker weights to change from the defaults, e.g. 'popularity=0.1,dense=0.4'")
    r.add_argument("--out", type=Path, default=Path("out/eval"), help="folder for redial.json/.md/.png")
    r.add_argument("--cache-dir", type=Path, default=None, help="models, evaluation catalog and index")
    r.add_argument("--comention", default=str(COMENTION_PATH),
                   help="co-mention model (.npz) to rank with, or 'none'; refused if fitted on these dialogues")


def catalog_path(dialogues: Path, cache: Path) -> Path:
    """Where the evaluation catalog for this dialogue file lives (popularity depends on the file)."""
    digest = hashlib.sha256(dialogues.read_bytes()).hexdigest()[:12]
    return cache / f"redial-catalog-{digest}" / "catalog.jsonl.gz"


def setup(args: argparse.Namespace):
    if args.limit is not None and args.limit < 1:
        raise ValueError("--limit must be at least 1")
    if not 5 <= args.candidates <= 500:
        raise ValueError("--candidates must be between 5 and 500")
    dialogues = select(read_dialogues(args.dialogues), args.limit, args.seed)
    comention = read_comention(args.comention, dialogues)  # before the slow work: a leak stops the run at once
    cache = args.cache_dir or default_cache_dir()
    catalog = catalog_path(args.dialogues, cache)
    overrides = {"threads": args.threads} if args.threads is not None else {}
    settings = Settings(catalog=catalog, index_dir=cache / f"redial-index-{catalog.parent.name[-12:]}",
                        cache_dir=cache, llm=not args.no_llm, model=args.model, candidates=args.candidates,
                        **overrides)  # checks the settings before any slow work
    if not catalog.is_file():
        log.info("building the ReDial evaluation catalog in %s", catalog.parent)
        redial_catalog.build(args.data, catalog.parent, [args.dialogues])
    services = replace(build_services(settings), k=50)
    # always set here, never what a factory loaded: the evaluation catalog's ids are ReDial ids, and only this
    # model passed the leakage check
    services = replace(services, comention=comention.for_catalog(services.catalog, "redial") if comention else None)
    if getattr(args, "weights", None) is not None:
        services = replace(services, weights=args.weights)
    return dialogues, settings, services


def read_comention(path: str, dialogues) -> CoMention | None:
    """The co-mention model, after checking that none of the dialogues to be scored was part of its fit
    (LeakageError otherwise); None for 'none' or no file."""
    if path == "none":
        return None
    if not Path(path).is_file():
        log.warning("no co-mention model at %s; ranking without it", path)
        return None
    model = CoMention.read(path)
    model.check_unseen(d.id for d in dialogues)
    return model


def replay_all(dialogues, services, variants) -> list:
    samples = []
    for dialogue in tqdm(dialogues, desc="replaying dialogues", unit="dialogue"):
        samples.extend(replay(dialogue, services, variants))
    return samples


def run(args: argparse.Namespace) -> dict:
    dialogues, settings, services = setup(args)
    variants = tuple(v for v in args.variants if v != LLM or services.llm is not None)
    start = time.perf_counter()
    samples = replay_all(dialogues, services, variants)
    meta = {"data": str(args.dialogues), "limit": args.limit, "seed": args.seed,
            "model": "rules only (--no-llm)" if services.llm is None else services.llm.name,
            "catalog": str(settings.catalog), "catalog_items": len(services.catalog),
            "comention": args.comention if services.comention is not None else "none",
            "settings": {"candidates": services.n_candidates, "k": services.k, "threads": settings.threads,
                         "blend": args.blend, "weights": weights_dict(services.weights)},
            "wall_s": round(time.perf_counter() - start, 1)}
    report = evaluate(samples, services.catalog, variants, args.blend, meta)
    paths = write(report, args.out)
    print(markdown(report))
    print("wrote " + ", ".join(str(p) for p in paths.values()))
    return report


def run_tune(args: argparse.Namespace) -> dict:
    dialogues, settings, services = setup(args)
    samples = replay_all(dialogues, services, (APP,))
    found = cases(samples, services)
    reachable = sum(c.target >= 0 for c in found) / max(len(found), 1)
    print(f"{len(found)} samples; target among the candidates in {reachable:.1%}")
    print("current weights:", weights_dict(services.weights), recalls(found, services.weights))
    best, scores = tune(found, services.weights)
    result = {"data": str(args.dialogues), "limit": args.limit, "seed": args.seed, "samples": len(found),
              "candidate_recall": reachable, "weights": weights_dict(best), "recall": scores,
              "diversity_sweep": sweep_diversity(found, best)}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "tuned_weights.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return result


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    try:
        (run_tune if args.command == "tune" else run)(args)
    except (DialogueFileError, CatalogError, ModelError, FileNotFoundError, ValueError) as exc:
        # pydantic's ValidationError is a ValueError: bad --threads/--model values land here too
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

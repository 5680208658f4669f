"""Evaluation harness CLI.

    python -m chat_app.eval redial [--limit N] [--seed S] [--no-llm] [--model small|default|PATH] [--out DIR]
    python -m chat_app.eval inspired --no-llm          (INSPIRED's dev split, replayed the same way)
    python -m chat_app.eval train-ranker --no-llm      (the learned reranker; see chat_app.eval.learn)

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
from chat_app.eval import learn
from chat_app.eval.inspired import read_inspired, with_catalog_ids
from chat_app.eval.replay import APP, LLM, VARIANTS, extra_rankers, replay
from chat_app.eval.report import evaluate, markdown, write
from chat_app.eval.tune import cases, recalls, sweep_diversity, tune, weights_dict
from retrieval.rerank import parse_weights
from chat_app.factory import build_services
from chat_app.llm.base import ModelError
from chat_app.settings import Settings, default_cache_dir
from retrieval import redial_catalog
from retrieval.catalog import CatalogError
from retrieval.comention import DEFAULT_PATH as COMENTION_PATH, CoMention
from retrieval import ltr
from retrieval.rerank import RerankWeights

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
    i = sub.add_parser("inspired", help="recommendation quality on INSPIRED's dev split (dev.tsv)")
    t = sub.add_parser("tune", help="tune the reranker's weights on ReDial-format dialogues (validation only)")
    lt = sub.add_parser("train-ranker", help="train the learned reranker on ReDial training conversations and "
                        "choose it on the validation split (--dialogues)")
    for q in (r, i, t, lt):
        _common(q)
    for q in (r, i):
        q.add_argument("--variants", type=_variants, default=VARIANTS,
                       help="comma-separated, of: " + ", ".join(VARIANTS))
        q.add_argument("--blend", type=_blend, default=0.5, help="weight of the LLM's listwise scores (0..1)")
    i.add_argument("--inspired", type=Path, default=SHARED / "inspired" / "dev.tsv", help="INSPIRED .tsv")
    lt.add_argument("--max-lists", type=int, default=20000, help="mention-list training queries drawn at most")
    lt.add_argument("--train-dialogues", type=int, default=None, help="train_500.jsonl dialogues used (default all)")
    lt.add_argument("--save", type=Path, default=ltr.DEFAULT_PATH, help="where to write the chosen model")
    lt.add_argument("--use-popularity", action="store_true",
                    help="let the model use the popularity features (better ReDial recall, more popular picks)")
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
    r.add_argument("--ranker", choices=("weights",) + ltr.MODES, default="weights",
                   help="the app's reranker: the hand weights, the learned model, or the model for turns that ask "
                        "from liked titles only (blend); the report also ranks every sample with the other two")
    r.add_argument("--ranker-file", type=Path, default=ltr.DEFAULT_PATH,
                   help="learned ranker file; refused if trained on these dialogues")


def catalog_path(dialogues: Path, cache: Path) -> Path:
    """Where the evaluation catalog for this dialogue file lives (popularity depends on the file)."""
    digest = hashlib.sha256(dialogues.read_bytes()).hexdigest()[:12]
    return cache / f"redial-catalog-{digest}" / "catalog.jsonl.gz"


def setup(args: argparse.Namespace):
    if args.limit is not None and args.limit < 1:
        raise ValueError("--limit must be at least 1")
    if not 5 <= args.candidates <= 500:
        raise ValueError("--candidates must be between 5 and 500")
    if args.command == "inspired":
        dialogues = select(read_inspired(args.inspired), args.limit, args.seed)
    else:
        dialogues = select(read_dialogues(args.dialogues), args.limit, args.seed)
    comention = read_comention(args.comention, dialogues)  # before the slow work: a leak stops the run at once
    learned = read_ranker(args.ranker_file, dialogues)
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
    if args.command == "inspired":
        dialogues = with_catalog_ids(dialogues, services.catalog)
    if getattr(args, "weights", None) is not None:
        services = replace(services, weights=args.weights)
    if learned is not None:
        learned.fallback = services.weights
    if args.ranker != "weights" and args.command in ("redial", "inspired"):
        if learned is None:
            raise FileNotFoundError(f"--ranker {args.ranker} needs a learned ranker at {args.ranker_file}")
        services = replace(services, weights=replace_mode(learned, args.ranker))
    return dialogues, settings, services, learned


def replace_mode(learned: ltr.LearnedRanker, mode: str) -> ltr.LearnedRanker:
    return ltr.LearnedRanker(learned.booster, learned.fitted_on, mode, learned.fallback, learned.meta)


def read_ranker(path: Path, dialogues) -> ltr.LearnedRanker | None:
    """The learned ranker, after checking that none of the dialogues to be scored was part of its training
    (LeakageError otherwise); None (with a log line) when there is none to use."""
    loaded = ltr.load(path)
    if not isinstance(loaded, ltr.LearnedRanker):
        return None
    loaded.check_unseen(d.id for d in dialogues)
    return loaded


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


def replay_all(dialogues, services, variants, extra=None) -> list:
    samples = []
    for dialogue in tqdm(dialogues, desc="replaying dialogues", unit="dialogue"):
        samples.extend(replay(dialogue, services, variants, extra))
    return samples


def weights_meta(weights) -> dict:
    if isinstance(weights, RerankWeights):
        return weights_dict(weights)
    return {"learned": weights.mode, "trees": weights.meta.get("trees"), "fallback": weights_dict(weights.fallback)}


def run(args: argparse.Namespace) -> dict:
    dialogues, settings, services, learned = setup(args)
    variants = tuple(v for v in args.variants if v != LLM or services.llm is not None)
    extra = extra_rankers(services, learned)  # the same queries ranked other ways (harness only)
    start = time.perf_counter()
    samples = replay_all(dialogues, services, variants, extra)
    data = args.inspired if args.command == "inspired" else args.dialogues
    meta = {"data": str(data), "limit": args.limit, "seed": args.seed,
            "model": "rules only (--no-llm)" if services.llm is None else services.llm.name,
            "catalog": str(settings.catalog), "catalog_items": len(services.catalog),
            "comention": args.comention if services.comention is not None else "none",
            "settings": {"candidates": services.n_candidates, "k": services.k, "threads": settings.threads,
                         "blend": args.blend, "weights": weights_meta(services.weights)},
            "wall_s": round(time.perf_counter() - start, 1)}
    variants = variants + tuple(extra.names)
    report = evaluate(samples, services.catalog, variants, args.blend, meta)
    paths = write(report, args.out, stem=args.command)
    print(markdown(report))
    print("wrote " + ", ".join(str(p) for p in paths.values()))
    return report


def run_tune(args: argparse.Namespace) -> dict:
    dialogues, settings, services, _ = setup(args)
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


def run_train(args: argparse.Namespace) -> dict:
    """Training features (cached in --out), the GRID fitted on them, the best on validation saved."""
    args.ranker_file = Path("none")  # the old model plays no part in training its successor
    dialogues, settings, services, _ = setup(args)
    services = replace(services, weights=args.weights or RerankWeights())
    train, seen = learn.cache(args.out / "ltr-train.pkl", lambda: learn.training_groups(
        services, args.data, max_lists=args.max_lists, dialogues_limit=args.train_dialogues))
    overlap = seen & {int(d.id) for d in dialogues if d.id.isdigit()}
    if overlap:
        raise ValueError(f"{len(overlap)} validation conversations are in the training data; refusing to train")
    valid = learn.cache(args.out / "ltr-valid.pkl", lambda: learn.validation_groups(services, dialogues))
    ranker, table = learn.choose(train, valid, seen, () if args.use_popularity else learn.DROP)
    ranker.meta["validation_file"] = str(args.dialogues)
    path = ranker.save(args.save)
    print("| ranker | trees | R@1 | R@10 | R@50 | R@10 new | R@50 new |\n|---|---|---|---|---|---|---|")
    for name, trees, a, n in table:
        print(f"| {name} | {trees} | {a['recall@1']:.3f} | {a['recall@10']:.3f} | {a['recall@50']:.3f} | "
              f"{n['recall@10']:.3f} | {n['recall@50']:.3f} |")
    print(f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB), trained on {ranker.meta['train_groups']} of "
          f"{len(train)} training rankings ({ranker.meta['params']['mix']}), "
          f"{len(valid)} validation rankings (candidates only, no MMR)")
    return ranker.meta


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    commands = {"tune": run_tune, "train-ranker": run_train}
    try:
        commands.get(args.command, run)(args)
    except (DialogueFileError, CatalogError, ModelError, FileNotFoundError, ValueError) as exc:
        # pydantic's ValidationError is a ValueError: bad --threads/--model values land here too
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

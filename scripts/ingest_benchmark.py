"""How long `retrieval.ingest` takes on a large catalog, and how much memory: 200,000 synthetic items by default.

    python scripts/ingest_benchmark.py                 # CSV, 200,000 items
    python scripts/ingest_benchmark.py --format jsonl --items 50000
    python scripts/ingest_benchmark.py --index 20000   # also time the index build (real embedder) on a slice

Writes a synthetic item file (and interactions) into a temporary folder, runs the ingest command in a child
process (so its peak resident memory is its own) and then opens the result with `retrieval.catalog.load_catalog`
in another. Prints wall time and each child's own peak RSS; nothing is asserted. Numbers go to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ("river night garden war love city secret winter shadow empire letter island summer machine queen "
         "journey storm silence mirror daughter kingdom ghost stone light fire sea forest clock glass bridge").split()
CATEGORIES = ("Fiction", "History", "Science", "Poetry", "Biography & Autobiography", "Travel", "Humor", "Cooking")
LANGUAGES = ("eng", "en-US", "fre", "spa", "ger")


def synthetic_rows(n: int, seed: int = 0):
    rng = random.Random(seed)
    for i in range(n):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 5))).title()
        if rng.random() < 0.3:
            title += f" ({rng.choice(WORDS).title()} Saga, #{rng.randint(1, 9)})"
        yield {
            "book_id": i + 1, "title": title,
            "authors": ", ".join(f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()}"
                                 for _ in range(rng.randint(1, 2))),
            "categories": "|".join(rng.sample(CATEGORIES, rng.randint(1, 2))),
            "year": rng.randint(1800, 2020) if rng.random() < 0.97 else "",
            "pages": rng.randint(40, 1200) if rng.random() < 0.9 else "",
            "language": rng.choice(LANGUAGES),
            "description": " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 90))).capitalize() + ".",
            "ratings_count": rng.randint(0, 100_000), "average_rating": round(rng.uniform(1, 5), 2),
        }


MAP = """fields:
  id: book_id
  title: {column: title, parenthetical: keywords}
  year: year
  categories: {column: categories, split: "|"}
  text: description
  people: {writers: {column: authors, split: ","}}
  attributes: {pages: {column: pages, unit: pages}}
  language: language
  num_ratings: ratings_count
  mean_rating: average_rating
interactions: {user: user, item: book_id, rating: rating}
"""


def write_inputs(folder: Path, n: int, fmt: str, n_ratings: int) -> tuple[Path, Path]:
    items = folder / f"items.{fmt}"
    rows = synthetic_rows(n)
    if fmt == "csv":
        with items.open("w", newline="", encoding="utf-8") as fh:
            first = next(rows)
            writer = csv.DictWriter(fh, fieldnames=list(first))
            writer.writeheader()
            writer.writerow(first)
            writer.writerows(rows)
    elif fmt == "jsonl":
        with items.open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in rows)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist([{k: (str(v) if v == "" else v) for k, v in r.items()} for r in rows]),
                       items)
    rng = random.Random(1)
    ratings = folder / "ratings.csv"
    with ratings.open("w", encoding="utf-8") as fh:
        fh.write("user,book_id,rating\n")
        fh.writelines(f"u{rng.randint(1, n // 20 + 1)},{rng.randint(1, n)},{rng.randint(1, 5)}\n"
                      for _ in range(n_ratings))
    return items, ratings


PEAK = "import atexit, resource, sys; atexit.register(lambda: (u := resource.getrusage(resource.RUSAGE_SELF)) and " \
       "print('peak-kib', u.ru_maxrss, 'cpu-s', u.ru_utime + u.ru_stime, file=sys.stderr)); "


def timed(code: str, *argv: str) -> tuple[str, float, str]:
    """Run `code` in a child Python; ("wall s, CPU s", the child's own peak RSS in MiB, its output). CPU time
    is what the step costs; wall time also counts waiting for a busy machine's cores."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK + code, *argv], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"failed: {code}\n{done.stderr[-3000:]}")
    fields = done.stderr.rsplit("peak-kib", 1)[1].split()
    return f"{seconds:.1f} s wall, {float(fields[2]):.1f} s CPU", int(fields[0]) / 1024, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--ratings", type=int, default=1_000_000, help="synthetic interactions")
    parser.add_argument("--format", choices=("csv", "jsonl", "parquet"), default="csv")
    parser.add_argument("--index", type=int, default=0, help="also build the index of the first N items")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        items, ratings = write_inputs(folder, args.items, args.format, args.ratings)
        print(f"wrote {args.items:,} synthetic items ({items.stat().st_size / 2**20:.0f} MiB {args.format}) and "
              f"{args.ratings:,} ratings in {time.perf_counter() - started:.1f} s")
        (folder / "map.yaml").write_text(MAP)
        out = folder / "catalog"
        ingest = "import sys; from retrieval.ingest import main; main(sys.argv[1:])"
        seconds, peak, output = timed(ingest, str(items), "--map", str(folder / "map.yaml"), "--out", str(out),
                                      "--interactions", str(ratings), "--no-index", "--quiet")
        print(output.strip())
        size = sum(p.stat().st_size for p in out.iterdir()) / 2**20
        print(f"ingest: {seconds}, peak RSS {peak:.0f} MiB, folder {size:.1f} MiB")
        seconds, peak, _ = timed("import sys; from retrieval.catalog import load_catalog; "
                                 "print(len(load_catalog(sys.argv[1])))", str(out))
        print(f"load_catalog: {seconds}, peak RSS {peak:.0f} MiB")
        if args.index:
            code = ("import sys; from retrieval.catalog import Catalog, load_catalog; "
                    "from retrieval.embeddings import SentenceTransformerEmbedder; "
                    "from retrieval.store import ItemIndex, persistent_client; "
                    "c = load_catalog(sys.argv[1]); c = Catalog.from_items(c.items[:int(sys.argv[3])], c.domain); "
                    "ItemIndex(persistent_client(sys.argv[2]), c, SentenceTransformerEmbedder(threads=2)).open()")
            seconds, peak, _ = timed(code, str(out), str(folder / "index"), str(args.index))
            print(f"index of {args.index:,} items (real embedder): {seconds}, peak RSS {peak:.0f} MiB")

if __name__ == "__main__":
    main()

"""Ranking latency (candidates + features + rerank + MMR) with the hand weights and the learned ranker.

    taskset -c 0,1 python scripts/ranking_latency.py --queries 200

Bundled catalog, the app's settings (50 candidates a source, k = 5), queries built from the most-rated
movies: one, two or three liked titles, half of them with a genre or a theme word, so both the learned
model's turns and the weights' turns are timed. Prints p50 / p95 / max in milliseconds per ranker, and the
learned ranker's load time. What it leaves out: reading the message (the rules take about 1 ms).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from chat_app.factory import build_services
from chat_app.settings import Settings
from retrieval import ltr
from retrieval.recommend import Query, recommend
from retrieval.rerank import RerankWeights

WORDS = ("heist", "time travel", "space", "friendship", "revenge", "high school")
GENRES = ("Comedy", "Horror", "Drama", "Animation", "Thriller", "Romance")


def queries(catalog, n: int, seed: int = 0) -> list[Query]:
    rng = np.random.default_rng(seed)
    top = [i.id for i in catalog.by_popularity[:300]]
    out = []
    for j in range(n):
        liked = rng.choice(top, size=1 + j % 3, replace=False)
        items = tuple((str(i), 1.0 / len(liked)) for i in liked)
        if j % 4 == 1:
            word = WORDS[j % len(WORDS)]
            out.append(Query(items=items, texts=((word, 1.0),), terms=((word, 1.0),)))
        elif j % 4 == 3:
            genre = GENRES[j % len(GENRES)]
            out.append(Query(items=items, texts=((f"{genre} movie", 1.0),), genre_fit={genre: 1.0}))
        else:
            out.append(Query(items=items))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    services = build_services(Settings(llm=False), progress=False)
    start = time.perf_counter()
    learned = ltr.load()
    print(f"learned ranker load: {time.perf_counter() - start:.3f} s; cores allowed: {len(os.sched_getaffinity(0))}")
    rankers = {"weights": RerankWeights()}
    if isinstance(learned, ltr.LearnedRanker):
        rankers["ltr"] = learned
        rankers["blend"] = ltr.LearnedRanker(learned.booster, learned.fitted_on, "blend", learned.fallback)
    qs = queries(services.catalog, args.queries)
    for name, weights in rankers.items():
        recommend(qs[0], services.catalog, services.index, services.embedder, services.cf, k=services.k,
                  n_candidates=services.n_candidates, weights=weights, lexicon=services.lexicon,
                  comention=services.comention)  # warm-up
        times = []
        for q in qs:
            t = time.perf_counter()
            recommend(q, services.catalog, services.index, services.embedder, services.cf, k=services.k,
                      n_candidates=services.n_candidates, weights=weights, lexicon=services.lexicon,
                      comention=services.comention)
            times.append((time.perf_counter() - t) * 1000)
        print(f"{name:8s} p50 {np.percentile(times, 50):6.1f} ms  p95 {np.percentile(times, 95):6.1f} ms  "
              f"max {max(times):6.1f} ms  ({len(times)} rankings)")


if __name__ == "__main__":
    main()

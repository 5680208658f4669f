"""How close the app's picks stay to a loved movie, for one or more reranker weightings.

    python scripts/similarity_check.py --seeds 150 --weights dense=0.25 --weights dense=0.5

For each of the N most-rated catalog movies the app (rules-only reading, bundled catalog) answers
"I loved <title>"; the picks are compared with the seed on signals the reranker does not score directly:
genre overlap (Jaccard) and whether a pick is among the seed's 50 nearest MovieLens neighbours (item-item
cosine). Their mean popularity shows the other side of the trade-off ReDial's recall pulls toward. A
product-side complement to `python -m chat_app.eval redial`, which only measures ReDial recall.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields, replace

import numpy as np

from chat_app.factory import build_services
from chat_app.pipeline import run_turn
from chat_app.session import SessionState
from chat_app.settings import Settings
from retrieval.rerank import RerankWeights, parse_weights

NEIGHBOURS = 50


def check(services, seeds, weights: RerankWeights) -> dict:
    services = replace(services, weights=weights)
    jaccard, near, popularity = [], [], []
    for seed in seeds:
        neighbours = {i for i, _ in services.cf.top([seed.id], NEIGHBOURS)} if services.cf else set()
        final = None
        for final in run_turn(services, SessionState(), f"I loved {seed.label}"):
            pass
        for rec in final.recommendations if final else ():
            item = rec.ranked.item
            a, b = set(seed.genres), set(item.genres)
            jaccard.append(len(a & b) / max(len(a | b), 1))
            near.append(item.id in neighbours)
            popularity.append(services.catalog.popularity(item))
    return {"picks": len(jaccard), "genre_jaccard": float(np.mean(jaccard)),
            "in_cf_top50": float(np.mean(near)), "popularity": float(np.mean(popularity))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=150, help="how many of the most-rated movies to try (1-2000)")
    ap.add_argument("--weights", type=parse_weights, action="append",
                    help="changes to the default weights, e.g. dense=0.25,popularity=0.2 (repeatable)")
    args = ap.parse_args(argv)
    if not 1 <= args.seeds <= 2000:
        ap.error("--seeds must be between 1 and 2000")
    services = build_services(Settings(llm=False), progress=False)
    seeds = sorted(services.catalog, key=lambda i: -i.num_ratings)[: args.seeds]
    print(f"{len(seeds)} seeds; picks compared with the seed (mean over picks)")
    print(f"{'weights':<48} {'genre Jaccard':>13} {'in CF top 50':>12} {'popularity':>10}")
    for weights in args.weights or [RerankWeights()]:
        r = check(services, seeds, weights)
        label = ", ".join(f"{f.name}={getattr(weights, f.name):g}" for f in fields(weights)
                          if f.name in ("dense", "cf", "popularity", "genre_fit"))
        print(f"{label:<48} {r['genre_jaccard']:>13.3f} {r['in_cf_top50']:>12.3f} {r['popularity']:>10.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

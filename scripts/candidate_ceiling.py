"""How many ReDial targets any reranker could reach: the share of (sample, target) pairs whose target is in
the candidate pool, for several pool sizes.

    python scripts/candidate_ceiling.py --limit 200 --sizes 50,100,200,500

Replays validation dialogues as the harness does (rules reading, ReDial evaluation catalog, the shipped
co-mention model) and gathers candidates for each ranking with N per source. A target that is not in the
pool is a miss whatever the reranker does, so this caps recall@50 of the app's ranking and of the learned
ranker alike. Also prints the share reached by each source alone at the largest size.
"""

from __future__ import annotations

import argparse
from collections import Counter

from chat_app.eval.__main__ import SHARED, parser as eval_parser, setup
from chat_app.eval.replay import APP, replay
from retrieval.recommend import excluded, gather


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--sizes", default="50,100,200,500")
    p.add_argument("--data", default=str(SHARED))
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    eval_args = eval_parser().parse_args(["redial", "--no-llm", "--limit", str(args.limit), "--seed", str(args.seed),
                                          "--data", args.data, "--dialogues", f"{args.data}/redial/valid_data.jsonl",
                                          "--ranker-file", "none"])
    dialogues, _, services, _ = setup(eval_args)
    pairs, rankings, hits, pool, by_source = 0, 0, Counter(), Counter(), Counter()
    for d in dialogues:
        by_query = {}
        for s in replay(d, services, (APP,)):
            by_query.setdefault(id(s.query), (s.query, []))[1].append(s.target)
        for query, targets in by_query.values():
            pairs += len(targets)
            rankings += 1
            for n in sizes:
                cands = gather(query, services.catalog, services.index, services.embedder, services.cf, n,
                               services.lexicon, 50, services.comention)
                pool[n] += len(cands.sources)
                reachable = [t for t in targets if t in cands.sources and t not in excluded(query)]
                hits[n] += len(reachable)
                if n == sizes[-1]:
                    for t in reachable:
                        for source in cands.sources[t]:
                            by_source[source] += 1
    print(f"{pairs} pairs from {len(dialogues)} validation dialogues")
    for n in sizes:
        print(f"{n:4d} per source: target in the pool for {hits[n] / pairs:.1%} of pairs "
              f"(pool of {pool[n] / max(rankings, 1):.0f} candidates a ranking on average)")
    print("by source at", sizes[-1], ":", {s: round(c / pairs, 3) for s, c in by_source.most_common()})


if __name__ == "__main__":
    main()

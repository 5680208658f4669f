"""Turn replayed samples into the evaluation report: metrics per variant under both protocols, catalog
checks, latency, and the files (JSON, a markdown table, a PNG of recall@K curves).

Protocols: "all" is the literature's (every pair counts; ranked lists as returned); "new" drops pairs whose
target was mentioned earlier in the dialogue and removes earlier-mentioned movies from the ranked lists
(He et al., CIKM 2023, on repeated items).
"""

from __future__ import annotations

import json
from pathlib import Path

from chat_app.eval.metrics import percentiles, rank_of, recall_curve, summarize
from chat_app.eval.replay import APP, LLM, Sample, with_listwise
from retrieval.catalog import Catalog

BLENDS = (0.0, 0.25, 0.5, 0.75, 1.0)
PUBLISHED = {"KGSF": (0.183, 0.378), "UniCRS": (0.215, 0.413)}  # R@10, R@50 on ReDial's test split
DEPTH = 50


def ranked_list(sample: Sample, variant: str, blend: float) -> list[str]:
    return with_listwise(sample, blend) if variant == LLM else sample.lists[variant]


def ranks(samples: list[Sample], variant: str, protocol: str, blend: float = 0.5) -> list[int | None]:
    out = []
    for s in samples:
        ranked = ranked_list(s, variant, blend)
        if protocol == "new":
            if s.repeated:
                continue
            earlier = set(s.context)
            ranked = [i for i in ranked if i not in earlier]
        out.append(rank_of(s.target, ranked[:DEPTH]))
    return out


def evaluate(samples: list[Sample], catalog: Catalog, variants: tuple[str, ...], blend: float,
             meta: dict) -> dict:
    has_llm = LLM in variants and any(s.llm_scores for s in samples)
    variants = tuple(v for v in variants if v != LLM or has_llm)
    returned = [i for s in samples for v in variants for i in ranked_list(s, v, blend)]
    stage_names = sorted({k for s in samples for k in s.timings if k.endswith("_s")})
    report = {
        "meta": meta,
        "samples": len(samples),
        "dialogues": len({s.dialogue_id for s in samples}),
        "coverage": sum(s.target in catalog for s in samples) / len(samples) if samples else 0.0,
        "targets_not_in_catalog": sum(s.target not in catalog for s in samples),
        "repeated_share": sum(s.repeated for s in samples) / len(samples) if samples else 0.0,
        "out_of_catalog_rate": sum(i not in catalog for i in returned) / len(returned) if returned else 0.0,
        # lists under 50 items: only when the person's hard limits leave fewer movies than that
        "short_lists": {v: sum(len(s.lists[v]) < DEPTH for s in samples) for v in variants if v != LLM},
        "latency_s": {name: percentiles([s.timings[name] for s in samples if name in s.timings])
                      for name in stage_names},
        "variants": {},
        "curves": {},
    }
    for v in variants:
        all_ranks = ranks(samples, v, "all", blend)
        report["variants"][v] = {"all": summarize(all_ranks), "new": summarize(ranks(samples, v, "new", blend))}
        report["curves"][v] = recall_curve(all_ranks, DEPTH)
    if has_llm:
        report["llm_blend"] = blend
        report["llm_blend_sweep"] = {str(b): summarize(ranks(samples, LLM, "all", b)) for b in BLENDS}
    return report


def markdown(report: dict) -> str:
    meta = report["meta"]
    lines = [
        f"# Recommendation evaluation — {meta.get('data', '')}",
        "",
        f"{report['samples']} (sample, target) pairs from {report['dialogues']} dialogues; "
        f"model: {meta.get('model')}; catalog: {meta.get('catalog_items')} items; "
        f"coverage {report['coverage']:.1%}; out-of-catalog rate {report['out_of_catalog_rate']:.1%}; "
        f"{report['repeated_share']:.1%} of targets were mentioned earlier in their dialogue.",
        "",
        "| variant | R@1 | R@10 | R@50 | NDCG@10 | MRR | R@10 new | R@50 new |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for v, m in report["variants"].items():
        a, n = m["all"], m["new"]
        lines.append(f"| {v} | {a['recall@1']:.3f} | {a['recall@10']:.3f} | {a['recall@50']:.3f} | "
                     f"{a['ndcg@10']:.3f} | {a['mrr']:.3f} | {n['recall@10']:.3f} | {n['recall@50']:.3f} |")
    lines += ["", "\"new\": targets mentioned earlier in the dialogue dropped, earlier mentions removed from lists.",
              "", "| stage | p50 s | p95 s |", "|---|---|---|"]
    for stage, p in report["latency_s"].items():
        lines.append(f"| {stage.removesuffix('_s')} | {p['p50']:.3f} | {p['p95']:.3f} |")
    if "llm_blend_sweep" in report:
        lines += ["", f"LLM blend (weight of the LLM's scores over the retrieval order; used: {report['llm_blend']}):",
                  "", "| blend | R@1 | R@10 | NDCG@10 |", "|---|---|---|---|"]
        for b, m in report["llm_blend_sweep"].items():
            lines.append(f"| {b} | {m['recall@1']:.3f} | {m['recall@10']:.3f} | {m['ndcg@10']:.3f} |")
    lines += ["", "Settings: `" + json.dumps(meta.get("settings", {}), sort_keys=True) + "`", ""]
    return "\n".join(lines)


def plot(report: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    for v, curve in report["curves"].items():
        ax.plot(range(1, len(curve) + 1), curve, label=v, linewidth=2.2 if v in (APP, LLM) else 1.4)
    for name, (r10, r50), marker in (("KGSF (test split)", PUBLISHED["KGSF"], "s"),
                                     ("UniCRS (test split)", PUBLISHED["UniCRS"], "^")):
        ax.scatter([10, 50], [r10, r50], marker=marker, color="black", s=28, zorder=3, label=name)
    ax.set_xlabel("K")
    ax.set_ylabel("Recall@K")
    ax.set_title(f"{Path(str(report['meta'].get('data', ''))).name}: recall@K, {report['samples']} pairs "
                 f"({report['meta'].get('model')})")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def write(report: dict, out_dir: Path, stem: str = "redial") -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / f"{stem}.json", "markdown": out_dir / f"{stem}.md", "png": out_dir / f"{stem}.png"}
    paths["json"].write_text(json.dumps(report, indent=2))
    paths["markdown"].write_text(markdown(report))
    plot(report, paths["png"])
    return paths

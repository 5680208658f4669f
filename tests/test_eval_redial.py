"""The ReDial harness end to end on a real slice of the validation split (real embedder, real catalog).

CI runs these: 20 dialogues with rule-based reading (all comparison variants), and 3 dialogues with the
small packaged LLM reading the seeker's messages and reranking listwise.
"""

import json

import pytest

from chat_app.eval.__main__ import main
from chat_app.eval.replay import APP, COMENTION_ONLY, LLM, VARIANTS
from conftest import SHARED_DATA, TEST_CACHE

DIALOGUES = SHARED_DATA / "redial" / "valid_data.jsonl"
OTHER_RANKERS = {COMENTION_ONLY, "learned (ltr)", "learned (blend)"}  # the same queries ranked other ways
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not DIALOGUES.is_file(), reason="needs ../shared/data/redial (present in CI)")]


@pytest.fixture(scope="module")
def rules_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("eval-rules")
    argv = ["redial", "--limit", "20", "--seed", "1", "--no-llm", "--cache-dir", str(TEST_CACHE), "--out", str(out)]
    assert main(argv) == 0
    return json.loads((out / "redial.json").read_text()), out


def test_report_files_and_shape(rules_report):
    report, out = rules_report
    assert (out / "redial.png").read_bytes()[:4] == b"\x89PNG"
    table = (out / "redial.md").read_text()
    assert report["dialogues"] == 20 and report["samples"] >= 40
    assert set(report["variants"]) == set(VARIANTS) - {LLM} | OTHER_RANKERS  # no LLM, no LLM variant
    for variant, metrics in report["variants"].items():
        assert f"| {variant} |" in table
        for protocol in ("all", "new"):
            m = metrics[protocol]
            assert 0 <= m["recall@1"] <= m["recall@10"] <= m["recall@50"] <= 1
            assert 0 <= m["ndcg@10"] <= m["recall@10"] and 0 <= m["mrr"] <= 1
        assert metrics["new"]["pairs"] <= metrics["all"]["pairs"] == report["samples"]
        assert len(report["curves"][variant]) == 50
    assert report["meta"]["catalog_items"] == 6924
    assert {"extract_s", "retrieve_s"} <= set(report["latency_s"])


def test_report_sanity(rules_report):
    report, _ = rules_report
    assert report["out_of_catalog_rate"] == 0.0
    assert report["coverage"] == 1.0  # every ReDial movie is in the evaluation catalog
    # every variant returns 50 items unless the person's hard limits leave fewer movies
    assert all(n <= 0.05 * report["samples"] for n in report["short_lists"].values())
    v = report["variants"]
    assert v[APP]["all"]["recall@50"] >= v["popularity"]["all"]["recall@50"]
    assert v[APP]["all"]["recall@10"] >= v["dense"]["all"]["recall@10"]
    assert v[APP]["all"]["recall@50"] > 0.1  # far above chance (50 / 6924 = 0.007)


def test_llm_reads_and_reranks(tmp_path, small_llm):
    out = tmp_path / "eval-llm"
    argv = ["redial", "--limit", "3", "--seed", "2", "--model", "small", "--variants", f"popularity,{APP},{LLM}",
            "--cache-dir", str(TEST_CACHE), "--out", str(out)]
    assert main(argv) == 0
    report = json.loads((out / "redial.json").read_text())
    assert set(report["variants"]) == {"popularity", APP, LLM} | OTHER_RANKERS
    assert report["out_of_catalog_rate"] == 0.0
    assert "llm_rerank_s" in report["latency_s"] and report["latency_s"]["llm_rerank_s"]["p50"] > 0
    assert set(report["llm_blend_sweep"]) == {"0.0", "0.25", "0.5", "0.75", "1.0"}
    # blend 0 is the app's own order, so the sweep's first row equals the app variant's numbers
    assert report["llm_blend_sweep"]["0.0"]["recall@10"] == report["variants"][APP]["all"]["recall@10"]
    assert "qwen" in report["meta"]["model"].lower()

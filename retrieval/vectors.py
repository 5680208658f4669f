"""Item vectors shipped beside a catalog (`vectors.npz` in its folder), so a first start loads them into the
index instead of embedding every item (6-7 minutes for the 9,742 movies on 2 cores).

The file holds, for each item, its id, its vector in float16 (half the size; cosine similarities move by
about 1e-3) and a hash of the document that was embedded, with the embedder's name and dimension. A vector is
used only for the same item, the same document text and the same embedder: an item whose document changed,
or a file made with another embedder, is embedded again, and a file that cannot be read (truncated,
corrupt, another shape) is ignored with a message saying why. Nothing here is trusted blindly: what does not
match is recomputed, never used.

    python -m retrieval.vectors [CATALOG_FOLDER]     # write (or refresh) the folder's vectors.npz

`retrieval.ingest` writes the file for the folders it makes; the app never writes into a catalog folder.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
import zipfile
from pathlib import Path

import numpy as np

from retrieval.catalog import Catalog
from retrieval.embeddings import Embedder

log = logging.getLogger(__name__)
FILE = "vectors.npz"


def document_hash(document: str) -> int:
    """A 63-bit hash of the text an item was embedded from."""
    return int.from_bytes(hashlib.blake2b(document.encode("utf-8"), digest_size=8).digest(), "big") >> 1


def vectors_path(catalog: Catalog) -> Path | None:
    return catalog.folder / FILE if catalog.folder else None


def documents(catalog: Catalog) -> dict[str, str]:
    return {item.id: item.document(catalog.domain) for item in catalog}


def save_vectors(catalog: Catalog, embedder: Embedder, vectors: dict[str, np.ndarray],
                 texts: dict[str, str] | None = None) -> Path:
    """Write the vectors of the catalog's items (`vectors`: id -> vector; `texts`: their documents, when known)
    beside it, atomically."""
    path = vectors_path(catalog)
    if path is None:
        raise ValueError("the catalog has no folder to write its vectors into")
    texts = texts if texts is not None else documents(catalog)
    ids = [item.id for item in catalog if item.id in vectors]
    matrix = np.stack([vectors[i] for i in ids]).astype(np.float16) if ids else np.zeros((0, embedder.dim), np.float16)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as out:
        np.savez_compressed(out, ids=np.array(ids), vectors=matrix,
                            hashes=np.array([document_hash(texts[i]) for i in ids], dtype=np.int64),
                            embedder=np.array(embedder.name), dim=np.array(embedder.dim))
    tmp.replace(path)
    return path


def shipped_vectors(catalog: Catalog, embedder: Embedder, texts: dict[str, str] | None = None) -> dict[str, np.ndarray]:
    """id -> unit float32 vector for the items whose shipped vector still matches; a file that cannot be used is
    logged as a warning, with why."""
    path = vectors_path(catalog)
    if path is None or not path.is_file():
        log.info("no item vectors shipped with the catalog")
        return {}
    try:
        with np.load(path, allow_pickle=False) as saved:
            name, dim = str(saved["embedder"]), int(saved["dim"])
            ids, matrix, hashes = saved["ids"], saved["vectors"], saved["hashes"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        log.warning("the shipped vectors in %s cannot be read (%s: %s); embedding instead", path,
                    type(exc).__name__, exc)
        return {}
    if name != embedder.name or dim != embedder.dim:
        log.warning("the shipped vectors were made with %s (%d-d), not %s; embedding instead", name, dim,
                    embedder.name)
        return {}
    if matrix.ndim != 2 or matrix.shape != (len(ids), dim) or len(hashes) != len(ids):
        log.warning("the shipped vectors in %s have the wrong shape %s; embedding instead", path, matrix.shape)
        return {}
    texts = texts if texts is not None else documents(catalog)
    out = {}
    for item_id, vector, stored in zip(ids.tolist(), matrix, hashes.tolist()):
        text = texts.get(item_id)
        if text is not None and document_hash(text) == stored and np.all(np.isfinite(vector)):
            vector = vector.astype(np.float32)
            norm = float(np.linalg.norm(vector))
            if norm > 0:
                out[item_id] = vector / norm
    missing = len(texts) - len(out)
    log.info("%d item vectors shipped with the catalog%s", len(out), f"; embedding the {missing} others"
             if missing else "")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("catalog", nargs="?", default=None, help="catalog folder (default: the bundled movies)")
    args = parser.parse_args(argv)
    from retrieval.catalog import MOVIES_DIR, CatalogError, load_catalog
    from retrieval.embeddings import SentenceTransformerEmbedder

    try:
        catalog = load_catalog(args.catalog or MOVIES_DIR)
    except CatalogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    embedder = SentenceTransformerEmbedder()
    texts = documents(catalog)
    known = shipped_vectors(catalog, embedder, texts)
    todo = [i for i in texts if i not in known]
    from tqdm.auto import tqdm

    with embedder.all_cores():
        for start in tqdm(range(0, len(todo), 256), desc="embedding", unit="batch"):
            batch = todo[start:start + 256]
            known.update(zip(batch, embedder.embed([texts[i] for i in batch], kind="document")))
    print(f"wrote {save_vectors(catalog, embedder, known, texts)} ({len(known)} items)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

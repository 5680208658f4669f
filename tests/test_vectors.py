"""Item vectors shipped beside a catalog (retrieval/vectors.py): a first start loads them instead of embedding,
and whatever does not match (another embedder, a changed item, a damaged file) is embedded again."""

import logging
from dataclasses import replace

import numpy as np
import pytest

from conftest import HashEmbedder
from retrieval.catalog import load_catalog, save_catalog
from retrieval.store import ItemIndex, ephemeral_client
from retrieval.vectors import FILE, documents, save_vectors, shipped_vectors


class Counting(HashEmbedder):
    def __init__(self, name="hash-embedder"):
        self.name, self.texts = name, 0

    def embed(self, texts, kind="document"):
        self.texts += len(texts)
        return super().embed(texts, kind)


@pytest.fixture
def folder(tmp_path, slice_catalog):
    save_catalog(list(slice_catalog)[:60], tmp_path / "catalog.jsonl.gz")
    catalog = load_catalog(tmp_path)
    texts = documents(catalog)
    save_vectors(catalog, HashEmbedder(), dict(zip(texts, HashEmbedder().embed(list(texts.values())))))
    return tmp_path


def build(catalog, embedder):
    return ItemIndex(ephemeral_client(), catalog, embedder, name=f"t{id(embedder)}").open(progress=False)


def test_a_build_takes_the_shipped_vectors_and_embeds_nothing(folder, caplog):
    catalog, embedder = load_catalog(folder), Counting()
    index = build(catalog, embedder)
    assert embedder.texts == 0 and index.vectors.shape == (60, 64)
    expected = HashEmbedder().embed([documents(catalog)[i.id] for i in catalog])
    assert np.allclose(index.vectors, expected, atol=2e-3)  # float16 on disk
    control = Counting("another-embedder")  # control: vectors of another model are never used, and it is said
    with caplog.at_level(logging.WARNING, logger="retrieval.vectors"):
        build(catalog, control)
    assert control.texts == 60 and "made with hash-embedder" in caplog.text


def test_only_the_items_whose_document_changed_are_embedded_again(folder):
    items = list(load_catalog(folder))
    items[3] = replace(items[3], overview="A completely different story about lighthouses.")
    save_catalog(items, folder / "catalog.jsonl.gz")
    embedder = Counting()
    build(load_catalog(folder), embedder)
    assert embedder.texts == 1


@pytest.mark.parametrize("damage", [lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
                                    lambda p: p.write_bytes(b"not a numpy file"), lambda p: p.write_bytes(b"")])
def test_a_damaged_file_is_said_and_everything_is_embedded(folder, damage, caplog):
    damage(folder / FILE)
    catalog = load_catalog(folder)
    with caplog.at_level(logging.WARNING, logger="retrieval.vectors"):
        assert not shipped_vectors(catalog, HashEmbedder())
    assert "cannot be read" in caplog.text
    embedder = Counting()
    assert build(catalog, embedder).vectors.shape == (60, 64) and embedder.texts == 60


def test_the_bundled_catalog_ships_current_vectors(full_catalog):
    """The shipped file must match the bundled catalog and the packaged embedder: a catalog change without
    `python -m retrieval.vectors` would silently cost every first start 3-7 minutes."""

    class Packaged:
        name, dim = "all-MiniLM-L6-v2", 384

    assert len(shipped_vectors(full_catalog, Packaged())) == len(full_catalog)

"""The Chroma index: build, reuse, and rebuild when the catalog, the embedder or a build went wrong."""

import numpy as np

from conftest import HashEmbedder
from retrieval.catalog import Catalog
from retrieval.constraints import Constraints
from retrieval.store import ItemIndex, persistent_client


class OtherEmbedder(HashEmbedder):
    name = "another-embedder"


def small(catalog, n=80):
    return Catalog.from_items(list(catalog)[:n])


def test_build_then_reuse_then_rebuild_on_change(tmp_path, slice_catalog):
    catalog = small(slice_catalog)
    index = ItemIndex(persistent_client(tmp_path), catalog, HashEmbedder())
    assert index.stale_reason() == "no index yet"
    index.open(progress=False)
    assert index.collection.count() == len(catalog) and index.vectors.shape == (len(catalog), 64)

    reopened = ItemIndex(persistent_client(tmp_path), catalog, HashEmbedder())
    assert reopened.stale_reason() is None

    assert "embedder" in ItemIndex(persistent_client(tmp_path), catalog, OtherEmbedder()).stale_reason()
    bigger = small(slice_catalog, 90)
    assert "catalog" in ItemIndex(persistent_client(tmp_path), bigger, HashEmbedder()).stale_reason()


def test_half_built_index_is_detected(tmp_path, slice_catalog):
    catalog = small(slice_catalog)
    index = ItemIndex(persistent_client(tmp_path), catalog, HashEmbedder())
    index.open(progress=False)
    meta = dict(index.collection.metadata)
    index.collection.modify(metadata={**meta, "complete": False})  # as if killed before the last batch
    assert ItemIndex(persistent_client(tmp_path), catalog, HashEmbedder()).stale_reason() == \
        "an earlier build did not finish"
    fixed = ItemIndex(persistent_client(tmp_path), catalog, HashEmbedder()).open(progress=False)
    assert fixed.stale_reason() is None


def test_search_filters_and_excludes(tmp_path, slice_catalog):
    index = ItemIndex(persistent_client(tmp_path), slice_catalog, HashEmbedder()).open(progress=False)
    query = index.vectors[0]
    hits = index.search(query, 10, where=Constraints(year_max=1990).where(), exclude={slice_catalog.items[0].id})
    assert hits and all(slice_catalog.get(h.item_id).year <= 1990 for h in hits)
    assert slice_catalog.items[0].id not in {h.item_id for h in hits}
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    brute = index.vectors @ query
    assert np.isclose(hits[0].score, max(brute[index.row_of[h.item_id]] for h in hits), atol=1e-4)


def test_a_build_embeds_with_every_core_and_gives_them_back(slice_catalog):
    """An index build has the machine to itself (1.95x faster on 2 cores than one thread); queries afterwards
    get the thread count they had."""
    import torch

    from retrieval.embeddings import SentenceTransformerEmbedder
    from retrieval.store import ephemeral_client

    class Wide(HashEmbedder):
        inside, outside = 0, 0
        wide = False

        def all_cores(self):
            from contextlib import contextmanager

            @contextmanager
            def scope():
                self.wide = True
                yield self
                self.wide = False
            return scope()

        def embed(self, texts, kind="document"):
            if self.wide:
                self.inside += 1
            else:
                self.outside += 1
            return super().embed(texts, kind)

    embedder = Wide()
    ItemIndex(ephemeral_client(), small(slice_catalog), embedder, name="wide-test").open(progress=False)
    assert embedder.inside >= 1 and embedder.outside == 0
    from retrieval.cores import available_cores

    real = SentenceTransformerEmbedder(threads=1)
    with real.all_cores():
        assert torch.get_num_threads() == available_cores()
    assert torch.get_num_threads() == 1

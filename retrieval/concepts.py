"""The catalog's own topic vocabulary, embedded: which catalog word means what a person said in other words.

A person says "contagion" where the catalog says "epidemic", "mobsters" where it says "mafia". The vocabulary is
every keyword (and every several-word user tag) that at least `MIN_ITEMS` items carry and at most `MAX_SHARE` of
the catalog does; each is embedded once with the index's embedder and kept beside the index, keyed by the
catalog's fingerprint and the embedder's name (4,800 terms take ~5 s on 2 cores). `nearest` answers one phrase
with the catalog terms above a similarity threshold; the threshold is calibrated on the request benchmark
(BENCHMARKS.md) for precision, since a wrong theme becomes a word the picks must carry. Phrase-to-phrase
similarity is what this serves (a gloss's words, a disliked word): a whole sentence against single terms ranks
surface words ("gets paid to make people disappear" -> "profession"), so it is not used that way.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import numpy as np

from retrieval.catalog import Catalog
from retrieval.embeddings import Embedder
from retrieval.match import fold

log = logging.getLogger(__name__)

MIN_ITEMS = 3
MAX_SHARE = 0.05
PHRASE_THRESHOLD = 0.7  # a gloss's phrase and a catalog term that mean the same (BENCHMARKS.md: concepts)
MESSAGE_THRESHOLD = 0.5  # a whole message in another language and a term, with the multilingual embedder
SYNONYM_THRESHOLD = 0.6  # a disliked term and the catalog terms that exclude with it ("mob" -> "mafia")


def vocabulary(catalog: Catalog) -> list[str]:
    """The catalog's topic terms, folded, most used first; terms that name the medium ("monster movie", "movie in
    movie") are left out: every request in any language says "film" and would match them first."""
    counts: Counter = Counter()
    for item in catalog:
        counts.update({fold(k) for k in item.keywords} | {fold(t) for t in item.tags if " " in t.strip()})
    limit = max(MIN_ITEMS, int(MAX_SHARE * len(catalog)))
    medium = {fold(w) for w in catalog.domain.nouns + catalog.domain.plural_nouns}
    return [t for t, n in counts.most_common() if MIN_ITEMS <= n <= limit and len(t) > 2
            and not medium & set(t.split())]


class ConceptIndex:
    """Catalog terms and their unit vectors; `nearest(phrase)` is a dot product over them."""

    def __init__(self, terms: list[str], vectors: np.ndarray, embedder: Embedder):
        self.terms = terms
        self.vectors = vectors.astype(np.float32)
        self.embedder = embedder
        self._row = {t: i for i, t in enumerate(terms)}

    @classmethod
    def build(cls, catalog: Catalog, embedder: Embedder, cache_dir: Path | None = None) -> "ConceptIndex":
        terms = vocabulary(catalog)
        path = None
        if cache_dir is not None:
            safe = "".join(c if c.isalnum() else "-" for c in embedder.name)[-60:]
            path = Path(cache_dir) / f"concepts-{catalog.fingerprint}-{safe}.npz"
            if path.exists():
                try:
                    saved = np.load(path, allow_pickle=False)
                    if list(saved["terms"]) == terms and saved["vectors"].shape == (len(terms), embedder.dim):
                        return cls(terms, saved["vectors"], embedder)
                    log.info("the saved concept vectors do not match the catalog; embedding them again")
                except (OSError, ValueError, KeyError) as exc:
                    log.warning("could not read %s (%s); embedding the concepts again", path, exc)
        vectors = embedder.embed(terms, kind="document") if terms else np.zeros((0, embedder.dim), np.float32)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                np.savez(path, terms=np.array(terms), vectors=vectors.astype(np.float16))
            except OSError as exc:
                log.warning("could not save the concept vectors to %s: %s", path, exc)
        return cls(terms, vectors, embedder)

    def nearest(self, phrase: str, k: int = 3, threshold: float = PHRASE_THRESHOLD) -> list[tuple[str, float]]:
        """The catalog terms closest to `phrase` with similarity >= threshold, best first."""
        if not phrase.strip() or not self.terms:
            return []
        query = self.embedder.embed([phrase], kind="query")[0]
        return self._top(self.vectors @ query, k, threshold)

    def synonyms(self, term: str, k: int = 5, threshold: float = SYNONYM_THRESHOLD) -> list[str]:
        """Catalog terms that mean nearly what a catalog (or typed) term means, the term itself left out."""
        row = self._row.get(fold(term))
        query = self.vectors[row] if row is not None else self.embedder.embed([term], kind="query")[0]
        return [t for t, _ in self._top(self.vectors @ query, k + 1, threshold) if t != fold(term)][:k]

    def _top(self, scores: np.ndarray, k: int, threshold: float) -> list[tuple[str, float]]:
        order = np.argsort(-scores)[:k]
        return [(self.terms[i], float(scores[i])) for i in order if scores[i] >= threshold]

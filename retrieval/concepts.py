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
MEDIUM_THRESHOLD = 0.5  # a term this close to a word for the medium names the medium
SYNONYM_THRESHOLD = 0.6  # a disliked term and the catalog terms that exclude with it ("mob" -> "mafia")


def vocabulary(catalog: Catalog) -> list[str]:
    """The catalog's topic terms, folded, most used first; terms with a word that names the medium ("monster
    movie", "movie in movie") or a category ("romantic comedy") are left out: every request in any language
    says "film", and categories are read by the rules."""
    counts: Counter = Counter()
    for item in catalog:
        counts.update({fold(k) for k in item.keywords} | {fold(t) for t in item.tags if " " in t.strip()})
    limit = max(MIN_ITEMS, int(MAX_SHARE * len(catalog)))
    domain = catalog.domain
    skip = {fold(w) for w in domain.nouns + domain.plural_nouns} | {fold(w) for w in domain.category_words} \
        | {fold(c) for c in domain.categories}
    return [t for t, n in counts.most_common() if MIN_ITEMS <= n <= limit and len(t) > 2
            and not skip & set(t.split())]


def medium_like(vectors: np.ndarray, embedder: Embedder, catalog: Catalog) -> np.ndarray:
    """Which terms are about the medium rather than a topic ("cinema", "based on tv series", "filmmaker"): close
    to the domain's nouns and medium words in the embedder's space. A request in any language names the
    medium, so these would otherwise be what it matches best."""
    domain = catalog.domain
    probes = list(dict.fromkeys(domain.nouns + domain.plural_nouns + domain.medium_words))
    if not probes or not len(vectors):
        return np.zeros(len(vectors), bool)
    return (vectors @ embedder.embed(probes, kind="query").T).max(axis=1) >= MEDIUM_THRESHOLD


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
                        return cls.topics(terms, saved["vectors"], embedder, catalog)
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
        return cls.topics(terms, vectors, embedder, catalog)

    @classmethod
    def topics(cls, terms: list[str], vectors: np.ndarray, embedder: Embedder, catalog: Catalog) -> "ConceptIndex":
        """The index over the terms that are not about the medium (`medium_like`)."""
        vectors = vectors.astype(np.float32)
        keep = ~medium_like(vectors, embedder, catalog)
        return cls([t for t, k in zip(terms, keep) if k], vectors[keep], embedder)

    def nearest(self, phrase: str, k: int = 3, threshold: float = PHRASE_THRESHOLD) -> list[tuple[str, float]]:
        """The catalog terms closest to `phrase` with similarity >= threshold, best first."""
        if not phrase.strip() or not self.terms:
            return []
        query = self.embedder.embed([phrase], kind="query")[0]
        return self._top(self.vectors @ query, k, threshold)

    def broadest(self, phrase: str, threshold: float = PHRASE_THRESHOLD, margin: float = 0.05) -> str | None:
        """Of the terms nearly as close to `phrase` as the closest (within `margin`), the one most items carry:
        "una commedia su un matrimonio" is nearest to "fictitious marriage" and as near to "wedding vows";
        the request asks for weddings, not for the rarer case."""
        found = self.nearest(phrase, k=5, threshold=threshold)
        if not found:
            return None
        close = [t for t, score in found if score >= found[0][1] - margin]
        return min(close, key=self._row.__getitem__)  # terms are kept most-used first

    def synonyms(self, term: str, k: int = 5, threshold: float = SYNONYM_THRESHOLD) -> list[str]:
        """Catalog terms that mean nearly what a catalog (or typed) term means, the term itself left out."""
        row = self._row.get(fold(term))
        query = self.vectors[row] if row is not None else self.embedder.embed([term], kind="query")[0]
        return [t for t, _ in self._top(self.vectors @ query, k + 1, threshold) if t != fold(term)][:k]

    def top(self, vector: np.ndarray, k: int, threshold: float) -> list[tuple[str, float]]:
        """The terms closest to an embedded query (this index's embedder), best first."""
        return self._top(self.vectors @ vector, k, threshold)

    def _top(self, scores: np.ndarray, k: int, threshold: float) -> list[tuple[str, float]]:
        order = np.argsort(-scores)[:k]
        return [(self.terms[i], float(scores[i])) for i in order if scores[i] >= threshold]

"""Which catalog terms a sentence describes in other words ("ppl who live to ride giant waves" -> surfing), when
two independent views of the catalog agree.

One view is the catalog's vocabulary (`retrieval.concepts`): the terms whose embeddings are nearest to the whole
message. Alone it ranks surface words ("gets paid to make people disappear" -> profession). The other is the
items: the terms the items nearest to the message carry, weighted by rank and by how rare each term is
(pseudo-relevance feedback). Alone it drifts to whatever the nearest films share ("duringcreditsstinger"). A term
both views name, or one the vocabulary view is sure of, is a topic the message asks for; the rest is left to
the LLM's gloss. Both views use the index's embedder, so the message is embedded once (~10 ms) and the item
search is one query (~30 ms on 2 cores). Thresholds are calibrated for precision on the dev request files
(BENCHMARKS.md): a wrong theme becomes a word the picks must carry.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from retrieval.catalog import Catalog
from retrieval.concepts import ConceptIndex
from retrieval.match import fold, singular_forms

AGREE_THRESHOLD = 0.47  # a vocabulary term this near the message counts when the items carry it too
SURE_THRESHOLD = 0.55  # a vocabulary term this near the message counts on its own
NEAR_K = 8  # vocabulary terms looked at
ITEMS_K = 40  # nearest items looked at
FEEDBACK_K = 10  # terms the items view offers
MAX_THEMES = 2
AGREEMENT_BONUS = 0.1  # a term both views name ranks above a nearer one only the vocabulary names
BROAD_ITEMS = 40  # a one-word term on this many items is not taken on the vocabulary's word alone


class MeaningReader:
    def __init__(self, concepts: ConceptIndex, index, catalog: Catalog):
        self.concepts, self.index, self.catalog = concepts, index, catalog
        known = set(concepts.terms)
        self._terms = {item.id: tuple({t for t in map(fold, item.keywords + item.tags) if t in known})
                       for item in catalog}
        self._df = Counter(t for terms in self._terms.values() for t in terms)

    def feedback(self, vector: np.ndarray) -> list[str]:
        """The rare terms the items nearest to the message carry, best first."""
        weights: Counter = Counter()
        for rank, hit in enumerate(self.index.search(vector, ITEMS_K)):
            for term in self._terms.get(hit.item_id, ()):
                weights[term] += 1.0 / (1 + rank / 10)
        n = len(self.catalog)
        scored = {t: w * math.log(n / (1 + self._df[t])) for t, w in weights.items()}
        return sorted(scored, key=lambda t: -scored[t])[:FEEDBACK_K]

    def themes(self, message: str) -> list[tuple[str, float]]:
        """(catalog term, similarity) for the topics the message describes, at most `MAX_THEMES`, best first."""
        if not message.strip() or not self.concepts.terms:
            return []
        vector = self.concepts.embedder.embed([message], kind="query")[0]
        near = self.concepts.top(vector, NEAR_K, AGREE_THRESHOLD)
        if not near:
            return []
        written = {f for w in fold(message).split() for f in (w, *singular_forms(w))}
        # a term the message writes out ("fish" in "a huge fish hunts swimmers") is a surface match: what the
        # words say literally the lexical reader already read; this reader is for what they mean
        near = [(t, s) for t, s in near if not all(w in written or set(singular_forms(w)) & written
                                                   for w in t.split())]
        offered = set(self.feedback(vector))
        # both views, or the vocabulary sure of a term the items still carry somewhere near; agreement first
        agreed = [(t, s + (AGREEMENT_BONUS if t in offered else 0.0)) for t, s in near
                  if t in offered or s >= SURE_THRESHOLD and not self.broad(t)]
        return sorted(agreed, key=lambda ts: -ts[1])[:MAX_THEMES]

    def broad(self, term: str) -> bool:
        """A one-word term many items carry ("fish", "men", "machine"): a surface word more than a topic."""
        return " " not in term and self._df[term] >= BROAD_ITEMS

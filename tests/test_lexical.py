"""BM25 over the catalog's words: what a query word may match."""

import numpy as np

from retrieval.catalog import Catalog, Item
from retrieval.lexical import Lexicon


def small_lexicon() -> Lexicon:
    return Lexicon(Catalog.from_items([
        Item("1", "Me Him Her", 2015, keywords=("friendship",)),
        Item("2", "Just Jim", 2015, keywords=("loneliness",)),
        Item("3", "Apollo 13", 1995, keywords=("space station", "astronaut")),
        Item("4", "Heat", 1995, keywords=("heist", "robbery")),
    ]))


def test_stop_words_in_a_request_match_nothing():
    """"surprise me" found Me Him Her, "anything good, just…" found Just Jim: BM25 scores only content words."""
    lexicon = small_lexicon()
    assert not lexicon.scores("me").any() and not lexicon.scores("just the one for me").any()
    scores = lexicon.scores("just an astronaut for me")
    assert int(np.argmax(scores)) == 2 and np.count_nonzero(scores) == 1

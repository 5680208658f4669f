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


def test_a_theme_is_not_found_inside_the_names_of_an_items_people():
    """"zombie" found Halloween (2007) by its cast's Sheri Moon Zombie and its director Rob Zombie."""
    lexicon = Lexicon(Catalog.from_items([
        Item("h", "Halloween", 2007, cast=("Sheri Moon Zombie",), directors=("Rob Zombie",), tags=("Rob Zombie",)),
        Item("n", "Night of the Living Dead", 1968, keywords=("zombie",)),
        Item("s", "The Shawshank Redemption", 1994, writers=("Stephen King",), tags=("Stephen King",)),
        Item("c", "Cujo", 1983, writers=("Stephen King",)),
        Item("g", "Creepshow", 1982, writers=("Stephen King",), keywords=("zombie",)),
    ]))
    assert lexicon.matching("zombie") == {"n", "g"}
    assert "h" in lexicon.matching("Rob Zombie") and "h" in lexicon.matching("Sheri Moon Zombie")
    assert {"s", "c", "g"} <= lexicon.matching("Stephen King")  # a name asked for is found among the people

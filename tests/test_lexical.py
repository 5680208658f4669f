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


def test_a_person_heads_a_request_whose_words_together_fit_too_few_items():
    """"tim burton movies, the gothic ones": when too few items have every required word, the person's items
    are the candidates (gothic ones ranked first), not every item with any of the words (The Silence of the
    Lambs is gothic, not Burton's)."""
    from retrieval.recommend import Query, required_ids

    burton = [Item(f"b{i}", f"Burton {i}", 1990 + i, directors=("Tim Burton",), keywords=("gothic",) * (i < 2))
              for i in range(6)]
    others = [Item(f"g{i}", f"Gothic {i}", 1990 + i, directors=(f"Someone Else{i}",), keywords=("gothic",))
              for i in range(6)]
    catalog = Catalog.from_items(burton + others)
    lexicon = Lexicon(catalog)
    picked = required_ids(Query(required_terms=("Tim Burton", "gothic")), catalog, lexicon, set(), 5)
    assert picked == {i.id for i in burton}
    # control: two themes and no person still widen to the items with either word
    themes = required_ids(Query(required_terms=("gothic", "friendship")), catalog, lexicon, set(), 5)
    assert themes == {i.id for i in burton[:2] + others}

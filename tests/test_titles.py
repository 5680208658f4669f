import pytest

from retrieval.catalog import Catalog, Item
from retrieval.titles import TitleIndex, normalize, pull_year, split_title, uninvert


@pytest.mark.parametrize("raw, expected", [
    ("Matrix, The (1999)", ("The Matrix", 1999, "")),
    ("Toy Story (1995)", ("Toy Story", 1995, "")),
    ("City of Lost Children, The (Cité des enfants perdus, La) (1995)",
     ("The City of Lost Children", 1995, "La Cité des enfants perdus")),
    ("Misérables, Les (1995)", ("Les Misérables", 1995, "")),
    ("Babylon 5", ("Babylon 5", None, "")),
    ("Homme, L' (2005)", ("L'Homme", 2005, "")),
])
def test_split_title_undoes_movielens_conventions(raw, expected):
    assert split_title(raw) == expected


def test_uninvert_leaves_ordinary_commas_alone():
    assert uninvert("Good, the Bad and the Ugly") == "Good, the Bad and the Ugly"


def test_normalize_drops_case_accents_punctuation_and_leading_article():
    assert normalize("The Matrix!") == "matrix"
    assert normalize("Amélie") == "amelie"
    assert normalize("Star Wars: Episode IV - A New Hope") == "star wars episode iv a new hope"


def test_pull_year():
    assert pull_year("Heat 1995") == ("Heat", 1995)
    assert pull_year("Heat (1995)") == ("Heat", 1995)
    assert pull_year("1917") == ("1917", None)


@pytest.fixture
def index():
    items = [Item("1", "The Matrix", 1999, num_ratings=300), Item("2", "Heat", 1995, num_ratings=100),
             Item("3", "Heat", 1972, num_ratings=2), Item("4", "Interstellar", 2014, num_ratings=80),
             Item("5", "Up", 2009, num_ratings=90), Item("6", "Amélie", 2001, aka="Le fabuleux destin", num_ratings=50)]
    return TitleIndex.from_catalog(Catalog.from_items(items))


@pytest.mark.parametrize("typed, expected", [
    ("the matrix", "1"), ("Matrix", "1"), ("matrx", "1"), ("Interstelar", "4"), ("interstellar (2014)", "4"),
    ("Heat", "2"), ("Heat 1972", "3"), ("amelie", "6"), ("up", "5"),
])
def test_link_handles_typos_articles_years_and_accents(index, typed, expected):
    assert index.link(typed) == expected


@pytest.mark.parametrize("typed", ["Tenet", "Oppenheimer 2023", "", "   ", "u", "a movie about dogs"])
def test_link_never_invents_an_id(index, typed):
    assert index.link(typed) is None


@pytest.mark.parametrize("title, key", [
    ("卧虎藏龙", "卧虎藏龙"),
    ("シン・ゴジラ", "シン ゴジラ"),  # the voicing mark stays: ゴ is not コ
    ("दिलवाले दुल्हनिया ले जायेंगे", "दिलवाले दुल्हनिया ले जायेंगे"),  # vowel signs stay
    ("Солярис", "солярис"),
    ("Ἀθῆναι", "αθηναι"),
    ("Tiếng Việt", "tieng viet"),
])
def test_normalize_keeps_non_latin_scripts_readable(title, key):
    assert normalize(title) == key


def test_alt_titles_link_to_their_item():
    items = [Item("1", "Crouching Tiger, Hidden Dragon", 2000, aka="Wo hu cang long", alt_titles=("卧虎藏龙",)),
             Item("2", "Spirited Away", 2001, alt_titles=("千と千尋の神隠し",)),
             Item("3", "The Messenger: The Story of Joan of Arc", 1999, alt_titles=("Joan of Arc",), num_ratings=9),
             Item("4", "Joan of Arc", 1948, num_ratings=1)]
    index = TitleIndex.from_catalog(Catalog.from_items(items))
    assert index.link("卧虎藏龙") == "1" and index.link("wo hu cang long") == "1"
    assert index.link("千と千尋の神隠し") == "2"
    assert index.link("Joan of Arc") == "4"  # the film with that title beats the one also known by it
    assert index.link("Joan of Arc 1999") == "3"

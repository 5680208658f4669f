import pytest

from chat_app.reading.limits import years_and_length
from chat_app.reading.titles import spot_titles
from chat_app.rules import read_message
from retrieval.titles import TitleIndex


@pytest.mark.parametrize("text, expected", [
    ("older ones, before 2000", {"year_max": 1999}),
    ("something from the 90s", {"year_min": 1990, "year_max": 1999}),
    ("80's action", {"year_min": 1980, "year_max": 1989}),
    ("made after 2010", {"year_min": 2011}),
    ("since 2005 please", {"year_min": 2005}),
    ("between 1970 and 1985", {"year_min": 1970, "year_max": 1985}),
    ("under 2 hours", {"length_max": 120}),
    ("less than an hour and a half", {"length_max": 90}),
    ("no longer than 100 minutes", {"length_max": 100}),
    ("nothing over 2 hours", {"length_max": 120}),
    ("no movies longer than 95 minutes", {"length_max": 95}),
    ("something recent", {"year_min": 2013}),
    ("I loved it", {}),
    ("nothing before 1990", {"year_min": 1990}),
    ("no horror, before 1990", {"year_max": 1989}),
    ("not after 2005", {"year_max": 2005}),
    ("up to 1999", {"year_max": 1999}),
])
def test_years_and_length(text, expected):
    assert years_and_length(text, latest_year=2018)[0] == expected


def test_any_year_lifts_year_limits():
    assert set(years_and_length("any year is fine")[1]) == {"year_min", "year_max"}


@pytest.fixture(scope="module")
def titles(slice_catalog):
    return TitleIndex.from_catalog(slice_catalog)


def test_reads_the_issue_example(titles):
    d = read_message("I loved Inception and Interstellar, but tonight I want something lighter — no Adam Sandler",
                     titles, 1)
    got = {(p.kind, p.text, p.polarity) for p in d.preferences}
    assert ("item", "Inception", "like") in got and ("item", "Interstellar", "like") in got
    assert ("mood", "light-hearted", "like") in got and ("person", "Adam Sandler", "dislike") in got
    assert all(p.item_id for p in d.preferences if p.kind == "item")


def test_negated_genres_become_exclusions(titles):
    d = read_message("a comedy please, no horror or war movies", titles, 1)
    assert d.constraints["genres_excluded"] == ("Horror", "War")
    assert ("genre", "Comedy", "like") in {(p.kind, p.text, p.polarity) for p in d.preferences}


def test_disliked_title(titles):
    d = read_message("I hated The Matrix", titles, 1)
    assert [(p.text, p.polarity) for p in d.preferences if p.kind == "item"] == [("The Matrix", "dislike")]


def test_common_words_are_not_titles(titles):
    assert spot_titles("I want to go up tonight, something fun with heat", titles) == []
    assert spot_titles("Up for anything. Heat is fine", titles) == []


def test_short_titles_count_right_after_a_reference(titles):
    assert [s for _, s, _, _ in spot_titles("I loved Up and watched Heat", titles)] == ["Up", "Heat"]


def test_greeting_is_chitchat_in_any_language(titles):
    for hello in ("hi", "Hola!", "bonjour", "thanks"):
        assert read_message(hello, titles, 1).intent == "chitchat"


def test_language_constraint(titles):
    assert read_message("a thriller in French", titles, 1).constraints["languages"] == ("fr",)


PICKS = ["1", "2571", "79132", "356", "318"]  # Toy Story, The Matrix, Inception, Forrest Gump, Shawshank


@pytest.mark.parametrize("message, expected", [
    ("more like #2", [("2571", "like")]),
    ("seen the first one already, more like #2", [("1", "seen"), ("2571", "like")]),
    ("I've seen the first one", [("1", "seen")]),
    ("not the third one, too long", [("79132", "dislike")]),
    ("number 4 sounds good", [("356", "like")]),
    ("the second one is more my style", [("2571", "like")]),
    ("the last one looks boring", [("318", "dislike")]),
    ("tell me about #2", []),  # a question: no change
    ("#9 please", []),  # out of range
])
def test_references_to_the_last_picks(titles, message, expected):
    from chat_app.reading.picks import picked_references

    assert [(i, a) for i, a, _, _ in picked_references(message, PICKS)] == expected


def test_reactions_become_preferences_and_seen_marks(titles):
    d = read_message("seen #1 already, but more like the second one", titles, 3, last_picks=PICKS)
    assert d.seen == ("1",) and d.intent == "feedback"
    assert [(p.item_id, p.polarity, p.text) for p in d.preferences] == [("2571", "like", "The Matrix")]
    d = read_message("seen them all", titles, 3, last_picks=PICKS)
    assert d.seen == tuple(PICKS)
    d = read_message("we already saw Toy Story", titles, 3)
    assert d.seen == ("1",) and not d.preferences


@pytest.mark.parametrize("message, required", [
    ("only comedies tonight", ("Comedy",)), ("it must be a western", ("Western",)),
    ("nothing but horror", ("Horror",)), ("only animated and no horror", ("Animation",)),
    ("a comedy please", None),
])
def test_required_genres(titles, message, required):
    assert read_message(message, titles, 1).constraints.get("genres_required") == required


@pytest.mark.parametrize("text, expected", [
    ("I loved it!", "like"),
    ("yes, I have seen that one and enjoyed it", "like"),
    ("I've seen it already", "seen"),
    ("I haven't seen it but heard good things", None),
    ("it was boring", "dislike"),
    ("not sure about that one", None),
    ("hmm ok", None),
])
def test_single_pick_reaction(text, expected):
    from chat_app.reading.picks import single_pick_reaction

    got = single_pick_reaction(text, ["42"])
    assert (got[1] if got else None) == expected
    assert single_pick_reaction(text, ["1", "2"]) is None  # "it" is ambiguous after several picks


def test_it_binds_to_a_single_last_pick_only(titles):
    heat = titles.link("Heat")
    delta = read_message("Loved it, thanks", titles, 3, last_picks=[heat])
    assert [(p.item_id, p.polarity) for p in delta.preferences] == [(heat, "like")]
    assert not read_message("Loved it, thanks", titles, 3, last_picks=[heat, titles.link("Up")]).preferences
    # a named title wins over "it"
    delta = read_message("I saw The Matrix and liked it", titles, 3, last_picks=[heat])
    assert [p.item_id for p in delta.preferences] == [titles.link("The Matrix")]


def test_language_from_films_of_a_language(titles):
    assert read_message("french films from the 60s", titles, 1).constraints["languages"] == ("fr",)
    assert read_message("some Korean movies please", titles, 1).constraints["languages"] == ("ko",)
    assert "languages" not in read_message("no french films", titles, 1).constraints


@pytest.mark.parametrize("message", ["a love story", "any good love stories?", "romances from the 90s"])
def test_a_love_story_asks_for_romance(titles, message):
    """"a love story" was read as nothing (Toy Story came up by its title's "story")."""
    d = read_message(message, titles, 1)
    assert ("genre", "Romance", "like") in [(p.kind, p.text, p.polarity) for p in d.preferences]


def test_shorter_caps_the_length_relative_to_the_liked_item():
    from chat_app.profile import Delta, Preference
    from chat_app.reading.limits import shorter_than
    from retrieval.domain import movie_domain

    lengths = {"1721": 194, "2": None}.get  # Titanic; an item of unknown length
    titanic = Preference("item", "Titanic", "like", 1, "1721")
    liked_now = Delta(preferences=(titanic,))
    assert shorter_than("like Titanic but shorter", liked_now, [], lengths, movie_domain())[0].constraints == {
        "length_max": 164}
    # a number said wins; no "shorter", or nothing of known length liked: no cap
    said = Delta(preferences=(titanic,), constraints={"length_max": 100})
    assert shorter_than("like Titanic but shorter, under 100 minutes", said, [], lengths,
                        movie_domain())[0].constraints == {"length_max": 100}
    assert shorter_than("like Titanic", liked_now, [], lengths, movie_domain()) == (liked_now, None)
    # an item of unknown length: no cap, and which item it was (the reply says it does not know its length)
    unknown = Delta(preferences=(Preference("item", "X", "like", 1, "2"),))
    assert shorter_than("shorter please", unknown, [titanic], lengths, movie_domain()) == (unknown, "2")
    # "something shorter" on a later turn: the newest liked item before it
    assert shorter_than("something shorter", Delta(), [titanic], lengths, movie_domain())[0].constraints == {
        "length_max": 164}


def test_a_name_is_read_as_the_person_not_as_a_title_or_another_person_inside_it():
    """"books by Stephen King" found the title "King"; "I loved Harry Potter" found Beatrix Potter by her
    surname (the goodbooks catalog)."""
    from retrieval.catalog import Catalog, Item
    from retrieval.lexical import Lexicon

    books = [Item("k", "King", 2015, writers=("Ada Cole",))]
    books += [Item(f"s{i}", title, 1980 + i, writers=("Stephen King",)) for i, title in enumerate(
        ("Carrie", "Cujo", "The Shining", "Misery"))]
    books += [Item(f"p{i}", title, 1902 + i, writers=("Beatrix Potter",)) for i, title in enumerate(
        ("The Tale of Peter Rabbit", "The Tale of Squirrel Nutkin", "The Tailor of Gloucester"))]
    catalog = Catalog.from_items(books)
    titles, lexicon = TitleIndex.from_catalog(catalog), Lexicon(catalog)
    read = lambda text: [(p.kind, p.text) for p in read_message(text, titles, 1, lexicon=lexicon).preferences]
    assert read("books by Stephen King") == [("person", "Stephen King")]
    assert read("I loved King") == [("item", "King")]
    assert ("person", "Beatrix Potter") not in read("I loved Harry Potter")
    assert read("something by Potter") == [("person", "Beatrix Potter")]


def test_a_category_said_in_words_is_not_also_a_theme(titles):
    """"science fiction" is the genre Sci-Fi; as a theme it also required the words, which few family films carry."""
    from retrieval.catalog import Catalog, Item
    from retrieval.lexical import Lexicon

    catalog = Catalog.from_items([Item(str(i), f"Film {i}", 2000, genres=("Sci-Fi",), keywords=("science fiction",))
                                  for i in range(3)] + [Item("9", "Other", 2001, keywords=("zombie",))])
    lexicon = Lexicon(catalog)
    assert [t.text for t, *_ in lexicon.spot("a science fiction movie")] == ["science fiction"]  # the catalog knows it
    d = read_message("a science fiction movie", TitleIndex.from_catalog(catalog), 1, lexicon=lexicon)
    assert [(p.kind, p.text) for p in d.preferences] == [("genre", "Sci-Fi")]


def test_a_title_that_is_a_name_yields_to_the_person_when_the_message_says_so():
    """"Jane Austen novels" found the biography titled "Jane Austen"; and a book about her is no answer."""
    from retrieval.catalog import Catalog, Item
    from retrieval.lexical import Lexicon
    from retrieval.recommend import term_pool

    books = [Item("bio", "Jane Austen", 2005, writers=("Carol Shields",), overview="A life of Jane Austen."),
             Item("tea", "Tea with Jane Austen", 2004, writers=("Kim Wilson",), overview="Jane Austen at table.")]
    books += [Item(f"a{i}", title, 1811 + i, writers=("Jane Austen",)) for i, title in enumerate(
        ("Sense and Sensibility", "Pride and Prejudice", "Mansfield Park", "Emma", "Persuasion"))]
    catalog = Catalog.from_items(books)
    titles, lexicon = TitleIndex.from_catalog(catalog), Lexicon(catalog)
    read = lambda text: [(p.kind, p.text) for p in read_message(text, titles, 1, lexicon=lexicon).preferences]
    assert read("Jane Austen films") == [("person", "Jane Austen")]
    assert read("something by Jane Austen") == [("person", "Jane Austen")]
    assert read("I loved Jane Austen") == [("item", "Jane Austen")]  # the biography, as written
    assert term_pool(lexicon, "Jane Austen") == {f"a{i}" for i in range(5)}  # by her, not about her
    assert "tea" in term_pool(lexicon, "Jane Austen", k=6)  # too few credited: every mention answers

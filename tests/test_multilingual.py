"""A request in another language reaches the catalog's English topic words through the multilingual embedder
(Universal Sentence Encoder multilingual v3, packaged with its weights), and capitals say nothing in German."""

import pytest

from chat_app.gloss import multilingual_theme
from chat_app.profile import Delta, Preference
from chat_app.reading.cues import capitalized, ordinary
from retrieval.concepts import ConceptIndex
from retrieval.embeddings import MultilingualEmbedder


def test_a_german_noun_is_not_a_capitalised_name():
    text = "Gibt es gute Filme über den Kalten Krieg?"
    assert not capitalized(text, 13, 18) and ordinary("filme", "de") and not ordinary("filme")


def test_a_theme_already_read_or_an_english_message_is_left_alone():
    class Never:
        def nearest(self, *a, **k):
            raise AssertionError("not asked")

    read = Delta(preferences=(Preference("theme", "zombie", "like", 1),))
    assert multilingual_theme("Quiero ver una película de zombis", read, 1, Never()) is read
    assert multilingual_theme("a movie about pirates", Delta(), 1, Never()) == Delta()
    assert multilingual_theme("una película sin zombis", Delta(), 1, Never()) == Delta()  # negated: the gloss's


@pytest.mark.slow
@pytest.mark.parametrize("message, term", [("忍者が出てくる映画", "ninja"), ("un film di pirati", "pirate"),
                                           ("un film sur la danse", "danc"), ("Quiero ver una película de zombis", "zombie")])
def test_the_multilingual_embedder_finds_the_catalog_term(full_catalog, message, term):
    concepts = _multilingual(full_catalog)
    themes = [p.text for p in multilingual_theme(message, Delta(), 1, concepts).preferences]
    assert themes and term in themes[0]


@pytest.mark.slow
def test_an_unrelated_message_finds_no_term(full_catalog):
    assert multilingual_theme("Gibt es gute Filme über den Kalten Krieg?", Delta(), 1,
                              _multilingual(full_catalog)).preferences == ()


_CACHE = {}


def _multilingual(catalog):
    if "index" not in _CACHE:
        _CACHE["index"] = ConceptIndex.build(catalog, MultilingualEmbedder(threads=2))
    return _CACHE["index"]


def test_a_gloss_that_copies_a_prompt_example_is_not_read(full_catalog):
    from chat_app.gloss import read_gloss
    from retrieval.lexical import Lexicon
    from retrieval.titles import TitleIndex

    domain = full_catalog.domain
    example, line = domain.gloss_examples[4]  # "恐竜が出てくる映画" -> "dinosaurs"
    titles, lexicon = TitleIndex.from_catalog(full_catalog), Lexicon(full_catalog)
    assert not read_gloss(line, "サメが出てくる映画が見たい", titles, 1, lexicon=lexicon, domain=domain).preferences
    assert read_gloss(line, example, titles, 1, lexicon=lexicon, domain=domain).preferences  # the example itself


def test_a_copied_example_gets_no_topic_from_the_concepts_either(full_catalog):
    from chat_app.gloss import read_gloss
    from retrieval.lexical import Lexicon
    from retrieval.titles import TitleIndex

    class Always:
        def nearest(self, phrase, k=3, threshold=0.0):
            return [("dinosaur", 0.99)]

    domain = full_catalog.domain
    line = domain.gloss_examples[4][1]
    got = read_gloss(line, "サメが出てくる映画が見たい", TitleIndex.from_catalog(full_catalog), 1,
                     lexicon=Lexicon(full_catalog), domain=domain, concepts=Always())
    assert not got.preferences


def test_a_near_copy_of_an_example_answer_is_a_copy(full_catalog):
    from chat_app.gloss import copies_example

    domain = full_catalog.domain
    assert copies_example("dinosaur, no dinosaurs", "サメが出てくる映画が見たい", domain)
    assert not copies_example("shark, ocean", "サメが出てくる映画が見たい", domain)
    assert not copies_example("dinosaurs", domain.gloss_examples[4][0], domain)  # the example itself
    assert copies_example("comedy, for kids", "een film over een gijzeling", domain)  # two answers' pieces
    assert not copies_example("hostage, kidnapping", "een film over een gijzeling", domain)


@pytest.mark.parametrize("message, foreign", [("un film di pirati", True), ("a dark war drama", False),
                                              ("zombie movies", False), ("忍者が出てくる映画", True)])
def test_likely_foreign_needs_a_word_english_does_not_use(message, foreign):
    from chat_app.reading.language import likely_foreign

    assert likely_foreign(message) is foreign


def test_a_copied_example_gives_no_kind_and_no_audience_either(full_catalog):
    """"animation, for kids" is the prompt's last example: for "侍の映画を見たい" it says nothing of samurai."""
    from chat_app.gloss import read_gloss
    from retrieval.lexical import Lexicon
    from retrieval.titles import TitleIndex

    got = read_gloss("animation, for kids", "侍の映画を見たい", TitleIndex.from_catalog(full_catalog), 1,
                     lexicon=Lexicon(full_catalog), domain=full_catalog.domain)
    assert not got.preferences and "audience" not in got.constraints


@pytest.mark.parametrize("message, language", [("καμιά καλή κωμωδία από τη δεκαετία του '80;", "el"),
                                               ("סרט מצחיק משנות השמונים", "he"), ("หนังตลกยุค 80", "th"),
                                               ("фильм про войну", "ru"), ("Kubrick", None), ("zombie movies", None),
                                               ("a movie like Amélie", None), ("🎬🎬🎬", None)])
def test_a_message_mostly_in_another_script_is_not_english(message, language):
    """The identifier tells English apart from 18 languages; a message in Greek, Hebrew or Thai is in none of
    them, and was read as English ("κωμωδία" found no comedy, and its script matched the theme "greek")."""
    from chat_app.reading.language import foreign_language

    assert foreign_language(message) == language

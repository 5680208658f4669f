"""A topic said in other words reaches the catalog term it means only where two views agree
(retrieval/meaning.py): the terms nearest the whole message, and the rare terms its nearest items carry."""

from dataclasses import replace

import numpy as np
import pytest

from chat_app.gloss import meaning_theme
from chat_app.profile import Delta, Preference
from retrieval.catalog import Catalog
from retrieval.concepts import ConceptIndex
from retrieval.domain import movie_domain
from retrieval.meaning import MeaningReader
from retrieval.store import Hit


class Table:
    """Unit vectors from a table: a term is its own axis, a message with the term's cue word is 0.5 similar to it
    (above the agreement threshold, below the sure one), and every other text is orthogonal."""

    name, dim = "table", 16
    GROUPS = [("surfing lifestyle", "waves"), ("beach party", "beach"), ("ice hockey", "puck")]

    def embed(self, texts, kind="document"):
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            term = next((g for g, (name, _) in enumerate(self.GROUPS) if text.lower() == name), None)
            cue = next((g for g, (_, c) in enumerate(self.GROUPS) if c in text.lower()), None)
            if term is not None:
                out[row, term] = 1.0
            elif cue is not None:  # a message that describes the term: similar (0.5), not the same
                out[row, cue], out[row, 3 + hash(text) % 13] = 0.5, 0.75 ** 0.5
            else:
                out[row, 3 + hash(text) % 13] = 1.0
        return out


class Index:
    """The nearest items are fixed: what the items view offers is under the test's control."""

    def __init__(self, ids):
        self.ids = ids

    def search(self, vector, n, where=None, exclude=frozenset()):
        return [Hit(i, 1.0 - r / 100) for r, i in enumerate(self.ids[:n])]


def reader(near_items, catalog):
    terms = ["surfing lifestyle", "beach party", "ice hockey"]
    embedder = Table()
    return MeaningReader(ConceptIndex(terms, embedder.embed(terms), embedder), Index(near_items), catalog)


@pytest.fixture
def catalog(full_catalog):
    items = [replace(i, keywords=("surfing lifestyle",)) for i in list(full_catalog)[:3]] + \
            [replace(i, keywords=("beach party",)) for i in list(full_catalog)[3:40]]
    return Catalog(items, "meaning-test", domain=full_catalog.domain)


def test_a_term_both_views_name_is_the_topic(catalog):
    surfers = [i.id for i in catalog][:3]
    assert [t for t, _ in reader(surfers, catalog).themes("ppl who live to ride giant waves")] \
        == ["surfing lifestyle"]


def test_a_term_only_the_vocabulary_names_is_not_taken(catalog):
    others = [i.id for i in catalog][3:]  # the nearest items carry other terms
    assert reader(others, catalog).themes("ppl who live to ride giant waves") == []


def test_a_term_the_message_writes_out_is_left_to_the_lexical_reader(catalog):
    partygoers = [i.id for i in catalog][3:]
    assert reader(partygoers, catalog).themes("a beach party") == []


def test_the_reading_adds_a_theme_only_where_no_reader_found_a_topic_or_a_name(catalog):
    surfers = [i.id for i in catalog][:3]
    meaning, domain = reader(surfers, catalog), movie_domain()
    message = "ppl who live to ride giant waves"
    assert [p.text for p in meaning_theme(message, Delta(), 1, meaning, domain).preferences] == ["surfing lifestyle"]
    named = Delta(preferences=(Preference("person", "Keanu Reeves", "like", 1),))
    assert meaning_theme(message, named, 1, meaning, domain) == named
    topic = Delta(preferences=(Preference("theme", "big wave surfing", "like", 1),))
    assert meaning_theme(message, topic, 1, meaning, domain) == topic
    assert meaning_theme("des films de surf", Delta(), 1, meaning, domain) == Delta()  # English only
    # what a negation governs is not asked for
    assert meaning_theme("none of the ppl who live to ride giant waves", Delta(), 1, meaning, domain) == Delta()


class Says:
    """A meaning reader that names one term for any message."""

    def __init__(self, term):
        self.term = term

    def themes(self, text):
        return [(self.term, 0.6)]


@pytest.mark.parametrize("message, read, term, kept", [
    ("hmm actually I'm in the mood for something really dark", ("mood", "dark"), "darkness", False),
    ("honestly just want some comedies to wind down with", ("genre", "Comedy"), "comedy", False),
    ("hmm actually I'm in the mood for something really dark", ("mood", "dark"), "darkroom", True),  # controls
    ("ppl who live to ride giant waves all day long", ("mood", "fun"), "surfing", True),
])
def test_a_term_that_restates_a_mood_or_kind_already_read_is_no_topic(message, read, term, kept):
    """"in the mood for something dark" got the theme "darkness", and picks with "Darkness" in their titles."""
    delta = Delta(preferences=(Preference(*read, "like", 1),))
    found = meaning_theme(message, delta, 1, Says(term), movie_domain())
    assert (term in [p.text for p in found.preferences]) is kept


@pytest.mark.slow
@pytest.mark.parametrize("message, terms", [
    ("canadian guys on skates smashing each other into the boards over a little black puck", {"ice hockey"}),
    ("tutus, pointe shoes, a dancer slowly losing her mind before opening night", {"ballet dancer", "ballet"}),
    ("bandaged up corpses from the pyramids coming back to life", {"mummy"}),
    ("someone breaking into computer systems from a keyboard", {"computer hacker", "hacker"}),
])
def test_real_paraphrases_reach_their_catalog_term(real_services, message, terms):
    found = real_services.meaning.themes(message)  # the app's reader, built once for the session
    assert found and found[0][0] in terms, found


@pytest.mark.slow
@pytest.mark.parametrize("message", ["smth good for tonight, idk, surprise me", "a quiet night in, nothing heavy",
                                     "something my whole family can sit through"])
def test_real_messages_without_a_topic_get_none(real_services, message):
    assert real_services.meaning.themes(message) == []


def test_where_the_views_agree_a_gloss_theme_that_disagrees_is_dropped(catalog):
    """The 1.5B gloss misreads paraphrases ("skates and a puck" -> "skateboarding"): a topic both views of the
    catalog name is kept, and the gloss's themes stay only where they say the same."""
    from chat_app.extract import agrees, extract
    from chat_app.profile import Profile
    from conftest import ScriptedChatModel
    from retrieval.lexical import Lexicon
    from retrieval.titles import TitleIndex

    surfers = [i.id for i in catalog][:3]
    meaning = reader(surfers, catalog)
    message = "ppl who live to ride giant waves all summer long"
    result = extract(ScriptedChatModel(["skateboarding, sunshine"]), Profile(), [], message, 1,
                     TitleIndex.from_catalog(catalog), lexicon=Lexicon(catalog), reading="gloss",
                     domain=catalog.domain, meaning=meaning)
    themes = [p.text for p in result.delta.preferences if p.kind == "theme"]
    assert "surfing lifestyle" in themes and "skateboarding" not in themes
    assert agrees("surfing", ["surfing lifestyle"], None) and not agrees("skateboarding", ["ice hockey"], None)

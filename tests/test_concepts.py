"""The catalog's topic words, embedded (retrieval/concepts.py), and how the reading uses them: a gloss's words
become catalog terms, a disliked theme excludes its near synonyms, and the rules' one-word themes yield to
the gloss where they disagree."""

import numpy as np
import pytest

from chat_app.compose import compose_query
from chat_app.gloss import concept_themes, needs_gloss, reconcile, unaccounted
from chat_app.profile import Delta, Preference, Profile
from retrieval.concepts import MAX_SHARE, MIN_ITEMS, ConceptIndex, vocabulary
from retrieval.match import fold
from retrieval.domain import movie_domain


class TableEmbedder:
    """Unit vectors from a table: phrases in one group are the same concept, everything else is orthogonal."""

    name, dim = "table", 8
    GROUPS = [{"epidemic", "contagion", "plague"}, {"mafia", "mob", "mobster"}, {"assassin", "assassin for hire"}]

    def embed(self, texts, kind="document"):
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            group = next((g for g, words in enumerate(self.GROUPS) if text.lower() in words), None)
            out[row, group if group is not None else 3 + hash(text) % 5] = 1.0
        return out


@pytest.fixture
def concepts():
    terms = ["epidemic", "mafia", "mobster", "assassin", "horse"]
    embedder = TableEmbedder()
    return ConceptIndex(terms, embedder.embed(terms), embedder)


def test_a_phrase_reaches_the_catalog_term_it_means(concepts):
    assert concepts.nearest("contagion") == [("epidemic", 1.0)]
    assert concepts.nearest("assassin for hire")[0][0] == "assassin"
    assert concepts.synonyms("mob") == ["mafia", "mobster"]


def test_the_vocabulary_is_the_catalog_keywords_a_few_items_share(full_catalog):
    terms = vocabulary(full_catalog)
    assert "zombie" in terms and "time loop" in terms and len(terms) > 3000
    counts = {t: 0 for t in terms}
    for item in full_catalog:
        for k in {fold(k) for k in item.keywords} | {fold(t) for t in item.tags if " " in t.strip()}:
            if k in counts:
                counts[k] += 1
    assert all(MIN_ITEMS <= n <= MAX_SHARE * len(full_catalog) for n in counts.values())


def test_concepts_are_saved_and_a_changed_catalog_embeds_again(slice_catalog, tmp_path):
    embedder = TableEmbedder()
    first = ConceptIndex.build(slice_catalog, embedder, tmp_path)
    saved = list(tmp_path.glob("concepts-*.npz"))
    assert len(saved) == 1
    again = ConceptIndex.build(slice_catalog, embedder, tmp_path)
    assert again.terms == first.terms and np.allclose(again.vectors, first.vectors)
    saved[0].write_bytes(b"not an npz")  # a damaged file is embedded again, not trusted
    assert ConceptIndex.build(slice_catalog, embedder, tmp_path).terms == first.terms


def test_gloss_phrases_the_rules_did_not_read_become_catalog_themes(concepts):
    said = Delta(preferences=(Preference("genre", "Horror", "like", 1),))
    themes = concept_themes("contagion, horror", said, 1, concepts, movie_domain())
    assert [(p.kind, p.text) for p in themes] == [("theme", "epidemic")]
    assert concept_themes("no contagion", Delta(), 1, concepts, movie_domain()) == []  # dislikes stay the rules'
    assert concept_themes("contagion", Delta(), 1, None, movie_domain()) == []


def test_a_disliked_theme_excludes_its_synonyms(concepts):
    profile = Profile(preferences=(Preference("theme", "mob", "dislike", 1),), turn=1)
    query = compose_query(profile, synonyms=concepts.synonyms)
    assert set(query.avoid_terms) == {"mob", "mafia", "mobster"}


def test_words_no_reader_used_send_an_english_description_to_the_gloss():
    domain = movie_domain()
    weak = Delta(preferences=(Preference("theme", "sickness", "like", 1), Preference("theme", "jumping", "like", 1)))
    assert needs_gloss(weak, "a sickness jumping from person to person", domain)
    zombie = Delta(preferences=(Preference("theme", "zombie", "like", 1), Preference("genre", "Comedy", "like", 1)))
    assert not needs_gloss(zombie, "zombie comedies please", domain)
    named = Delta(preferences=(Preference("person", "John Carpenter", "like", 1),))
    assert unaccounted(named, "john carpenter movies", domain) == []


def test_the_gloss_wins_over_one_word_themes_where_they_disagree():
    rules = Delta(preferences=(Preference("theme", "jumping", "like", 1), Preference("theme", "time travel", "like", 1),
                               Preference("person", "Tom Hanks", "like", 1)))
    glossed = Delta(preferences=(Preference("theme", "epidemic", "like", 1),))
    kept = [p.text for p in reconcile(rules, glossed).preferences]
    assert kept == ["time travel", "Tom Hanks"]
    assert reconcile(rules, Delta()) == rules  # a gloss that names no theme changes nothing


def test_a_typo_in_the_gloss_still_supports_the_rules_theme():
    rules = Delta(preferences=(Preference("theme", "robbery", "like", 1),))
    glossed = Delta(preferences=(Preference("theme", "crew", "like", 1),))
    assert [p.text for p in reconcile(rules, glossed, "robery, crew, job").preferences] == ["robbery"]
    assert reconcile(rules, glossed, "crew, job").preferences == ()

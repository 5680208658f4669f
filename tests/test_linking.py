"""Precision first when a word becomes a title or a person (chat_app/reading/cues.py), on the whole catalog.

The class: an ordinary word that is also a catalog title or a credited name, meant as the word ("the folks in
power", "my sister is OBSESSED", "a universal crowd pleaser"). The dev trap file holds 88 of them and 17
controls that do name the title or person; the sealed one is run at the end of a session only.
"""

from pathlib import Path

import pytest
import yaml

from chat_app.reading.cues import capitalized, ordinary, surname_evidence, title_evidence
from chat_app.rules import read_message
from chat_app.scripted import _has_word
from retrieval.lexical import Lexicon
from retrieval.titles import TitleIndex

TRAPS = yaml.safe_load((Path(__file__).parent / "dialogues" / "traps.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def parts(full_catalog):
    return full_catalog, Lexicon(full_catalog), TitleIndex.from_catalog(full_catalog)


@pytest.fixture(scope="module")
def reader(parts):
    catalog, lexicon, titles = parts
    return lambda message, last_picks=(): read_message(message, titles, 1, last_picks=last_picks, lexicon=lexicon,
                                                       domain=catalog.domain)


def linked(delta, catalog) -> list[str]:
    names = []
    for p in delta.preferences:
        if p.kind in ("item", "person", "studio"):
            names += [p.text] + ([catalog.get(p.item_id).title] if p.item_id else [])
    return names + [catalog.get(i).title for i in delta.seen]


def test_no_trap_word_is_linked_and_the_controls_are(parts, reader):
    catalog = parts[0]
    wrong, missed, controls = [], [], 0
    for dialogue in TRAPS:
        turn = dialogue["turns"][0]
        names = linked(reader(turn["user"]), catalog)
        if "trap" in dialogue["tags"]:
            wrong += [(turn["user"], names) for w in turn["expect"].get("unlinked", [])
                      if any(_has_word(n, w) for n in names)]
        else:
            controls += 1
            wanted = turn["expect"].get("likes", []) + turn["expect"].get("seen", []) \
                + turn["expect"].get("seeded_by", []) + turn["expect"].get("match", {}).get("terms", [])
            if not any(w.lower() in n.lower() for w in wanted for n in names):
                missed.append((turn["user"], names))
    assert len(TRAPS) - controls >= 60 and not wrong
    assert len(missed) <= controls // 10, missed  # precision first, but a cued name is still read


@pytest.mark.parametrize("message, word", [
    ("people at a big city paper chasing a scoop that the folks in power want buried", "folk"),
    ("my little sister is OBSESSED with horses", "obsessed"),
    ("DATE NIGHT!! something romantic", "date night"),
    ("something with real emotional gravity", "gravity"),
    ("is there a universal crowd pleaser?", "universal"),
    ("anything like it?", "it"),
    ("a prison break movie set on the rock", "rock"),  # a nickname of ordinary words needs a cue
    ("a stone cold thriller", "stone"),  # a surname that is an English word needs a capital or a cue
    # a rare word of the dictionary is still a word: a surname, a studio or a lower-case title needs a cue
    ("the farm one with the hay bale fight", "bale"),
    ("my week went sideways, cheer me up", "sideways"),
    ("a paramount sense of dread", "paramount"),
    ("a movie about the great outdoors", "great outdoors"),
    ("the great outdoors is not for me, a heist instead", "great outdoors"),  # a plain phrase, then a dislike
    # a number, in words or digits, is an age, a length or a year, never a name
    ("she just turned thirteen, something fun", "thirteen"),
    # a shouted ordinary word is emphasis or an acronym, not a title
    ("what's the GOAT of westerns", "goat"),
    ("this is SO IMPORTANT, a good cry", "important"),
    ("total MAYHEM at work today, need something calming", "mayhem"),  # a rare word of the dictionary too
    # a title the catalog also uses as a topic of many items is the topic unless a cue says title
    ("a noir with a real femme fatale", "femme fatale"),
    ("cold war spies, slow and paranoid", "cold war"),
])
def test_an_ordinary_word_without_a_cue_stays_a_word(parts, reader, message, word):
    assert not any(_has_word(n, word) for n in linked(reader(message), parts[0]))


@pytest.mark.parametrize("message, name", [
    ("I loved Up, the one with the balloons", "Up"),
    ('"Her" is one of my favourite films', "Her"),
    ("already seen Signs and Split", "Split"),
    ("Kubrick please", "Stanley Kubrick"),
    ("jimmy stewart movies, the old black and white ones", "James Stewart"),  # a short given name, from data
    ("something with will smith", "Will Smith"),  # a full name is evidence of its own
    ("hitchcock marathon this weekend", "Alfred Hitchcock"),  # a surname that is no English word, in lower case
    ("what else has fincher got", "David Fincher"),
    ("arnie movies but no westerns", "Arnold Schwarzenegger"),  # what people call them, from data/aliases.yaml
    ("scarjo movies?", "Scarlett Johansson"),
    ("the rock movies where he is funny", "Dwayne Johnson"),
    ("smth w the rock where hes being funny", "Dwayne Johnson"),  # "w", as people type "with" before a name
    ("the breakfast club is my comfort movie, more like it", "The Breakfast Club"),
    ("jurassic park vibes but newer", "Jurassic Park"),  # what follows says it is held up as the model
    ("donnie darko type stuff", "Donnie Darko"),
    ("films by Bale", "Christian Bale"),  # a dictionary-word surname with a cue
    ("I loved Femme Fatale, more from De Palma", "Femme Fatale"),  # a topic title, with a cue and capitals  # praise after the title  # a nickname of ordinary words, with a cue
])
def test_a_cued_or_distinctive_name_is_linked(parts, reader, message, name):
    assert name in linked(reader(message), parts[0])


@pytest.mark.parametrize("message", ["whats good from john carpenter besides halloween?",
                                     "anything other than Halloween", "a slasher, apart from Halloween"])
def test_besides_a_title_leaves_it_and_its_remakes_out_and_likes_nothing(parts, reader, message):
    catalog, _, titles = parts
    delta = reader(message)
    halloweens = {i.id for i in catalog if i.title == "Halloween"}
    assert len(halloweens) >= 2 and halloweens <= set(delta.seen)
    assert not any(p.kind == "item" and p.polarity == "like" for p in delta.preferences)


def test_evidence_rules_on_their_own():
    assert ordinary("folks") and ordinary("obsessed") and not ordinary("kubrick")
    text = "my sister is OBSESSED with horses"
    assert not capitalized(text, 13, 21) and title_evidence(text, 13, 21) is None
    assert title_evidence("we've seen Juno", 11, 15) == "cue"
    assert title_evidence("Inception and Interstellar", 0, 9) == "rare word"
    assert surname_evidence("the folks in power", 4, 9) is None
    assert surname_evidence("films by Stone", 9, 14) == "cue"


@pytest.mark.parametrize("message, titles", [
    ("ok ive seen fight club and se7en obvs, what else has fincher got", ["Fight Club", "Seven"]),
    ("hitchcock marathon, already did vertigo + north by northwest", ["Vertigo", "North by Northwest"]),
    ("we've watched frozen and tangled like 400 times each pls something else", ["Frozen", "Tangled"]),
])
def test_titles_listed_after_seen_are_seen_and_not_liked(parts, reader, message, titles):
    """A lower-case list after "seen"/"already did": a rare word or several words listed after a cued title is
    a title too; asking for "something else" after it likes none of them."""
    catalog = parts[0]
    delta = reader(message)
    assert set(titles) <= {catalog.get(i).title for i in delta.seen}
    assert not any(p.kind == "item" and p.polarity == "like" for p in delta.preferences)


@pytest.mark.parametrize("message", ["we watched taken last night, more like that",
                                     "we already saw Toy Story, something else like it"])
def test_watched_and_more_like_that_still_likes_it(parts, reader, message):
    delta = reader(message)
    assert any(p.kind == "item" and p.polarity == "like" for p in delta.preferences) and delta.seen


@pytest.mark.parametrize("message, title", [
    ("cronenberg, did videodrome last week, what else", "Videodrome"),
    ("seen beetlejuice a million times, more burton", "Beetlejuice"),
    ("already seen ALIEN, something else please", "Alien"),  # a shouted title with a cue is the title
])
def test_a_title_followed_by_when_or_how_often_it_was_watched_is_seen(parts, reader, message, title):
    catalog = parts[0]
    delta = reader(message)
    assert title in {catalog.get(i).title for i in delta.seen}
    assert not any(p.kind == "item" and p.polarity == "like" for p in delta.preferences)


@pytest.mark.parametrize("message, title", [("interstellar was not for me, something else in space", "Interstellar"),
                                            ("dunkirk bored me, a smarter war film?", "Dunkirk"),
                                            ("Inception wasn't my thing", "Inception")])
def test_a_title_followed_by_what_people_say_of_a_dislike_is_disliked(parts, reader, message, title):
    catalog = parts[0]
    items = {catalog.get(p.item_id).title: p.polarity for p in reader(message).preferences if p.item_id}
    assert items.get(title) == "dislike"


@pytest.mark.parametrize("message, name", [
    ("je cherche un vieux film de gangsters, rien avec Al Pacino", "Al Pacino"),
    ("una de acción pero nada con Tom Cruise", "Tom Cruise"),
    ("un film de pirates sans Johnny Depp", "Johnny Depp"),
])
def test_a_name_after_a_negation_in_another_language_is_not_wanted(parts, reader, message, name):
    """Every negation word the readers know counts in a message in another language: "rien avec Al Pacino"
    showed five Al Pacino films."""
    delta = reader(message)
    assert [p.polarity for p in delta.preferences if p.text == name] == ["dislike"]

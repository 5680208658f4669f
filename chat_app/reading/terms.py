"""Themes, people and studios the catalog knows, written in a message ("zombie", "tom hanks", "Pixar"), the
topics a negation names ("nothing about Vietnam"), and capitalised full names the catalog does not credit
("with Tom Hardy" in a catalog without him: still a person, never a theme).
"""

from __future__ import annotations

import re

from chat_app.profile import Preference
from chat_app.reading.cues import surname_evidence
from chat_app.reading.kinds import LANGUAGES
from chat_app.reading.negation import negated
from chat_app.reading.vocabulary import vocabulary
from retrieval.domain import Domain, movie_domain
from retrieval.lexical import Lexicon
from retrieval.match import fold, singular_forms
from retrieval.titles import TitleIndex, normalize

_PERSON = re.compile(r"\b(?:no|not|without|with|starring|by|from|love|like|loved|liked|hate|hated|except|more)\s+"
                     r"((?:[A-Z][a-z'’.-]+|[A-Z]\.)(?:\s+(?:[A-Z][a-z'’.-]+|[A-Z]\.|de|van|von|del|da)){1,3})")


def spot_terms(masked: str, lexicon: Lexicon, taken: set[str], turn: int,
               domain: Domain | None = None) -> list[Preference]:
    """Themes, people and studios the catalog knows, written in the message ("zombie", "tom hanks", "Pixar")."""
    vocab = vocabulary(domain)
    plain = set(vocab.domain.category_words) | set(vocab.domain.moods) | set(LANGUAGES)
    out = []
    for term, start, end in lexicon.spot(masked):
        words = fold(masked[start:end]).split()
        if term.text.lower() in taken or " ".join(words) in plain \
                or all(w in plain or w.rstrip("s") in plain for w in words):
            continue  # "science fiction" is the category Sci-Fi, not a word its films must carry
        nickname = " ".join(words) != fold(term.text)  # "the rock" for Dwayne Johnson, "arnie"
        if term.kind in ("person", "studio") and (len(words) == 1 or nickname) \
                and not surname_evidence(masked, start, end):
            continue  # "the folks in power" is not Robert Folk; "Kubrick", "films by Stone", "tom hanks" are people
        kind = "theme" if term.kind in ("theme", "country") else term.kind
        # "no mafia stuff" and "they've seen every Pixar movie" both ask for something else
        polarity = "dislike" if negated(masked, start) or vocab.seen_every.search(masked[max(0, start - 30):start]) \
            else "like"
        written = masked[start:end]  # "Marvel" as written beats the catalog's folded "marvel"
        text = written if fold(written) == fold(term.text) and term.text.islower() else term.text
        out.append(Preference(kind, text, polarity, turn))
        taken.add(term.text.lower())
    return out


# "nothing about Vietnam", "not the mob ones": a word right after a negation names what to leave out
_NEGATED_WORD = re.compile(r"\b(?:no|not|nothing|without|avoid|skip|none of|anything but|except)\s+"
                           r"(?:(?:about|with|involving|featuring|the|any|of|in|more)\s+){0,2}([^\W\d_]{3,})\b",
                           re.IGNORECASE)
_NOT_A_TOPIC = {"too", "so", "very", "really", "that", "this", "those", "these", "one", "ones", "more", "much",
                "sure", "fan", "big", "huge", "interested", "into", "keen", "over", "under", "longer", "older", "than"}


def spot_disliked_words(masked: str, lexicon: Lexicon, taken: set[str], turn: int,
                        domain: Domain | None = None) -> list[Preference]:
    """Words the person negates that the catalog uses as a topic, though not as a keyword of its own
    ("Vietnam" is a tag and part of "vietnam war"; "mob" is in descriptions): disliked, so excluded."""
    domain = domain or movie_domain()
    out = []
    for m in _NEGATED_WORD.finditer(masked):
        word = m.group(1).lower()
        if word in taken or any(form in taken for form in singular_forms(word)) or word in _NOT_A_TOPIC \
                or word in domain.category_words or word in domain.moods \
                or not lexicon.is_topic_word(word):
            continue
        out.append(Preference("theme", m.group(1), "dislike", turn))  # as written: "Vietnam"
        taken.add(word)
    return out


def spot_people(masked: str, titles: TitleIndex, taken: set[str], turn: int, domain: Domain) -> list[Preference]:
    """Capitalised full names after "with", "by", "no", "loved"... that are not a title or a category ("nothing with
    George Clooney"): people, liked or disliked, whether or not the catalog credits them."""
    out = []
    for m in _PERSON.finditer(masked):
        name = m.group(1).strip(" .")
        if normalize(name) in titles._exact or name.lower() in domain.category_words or name.lower() in taken:
            continue
        out.append(Preference("person", name, "dislike" if negated(masked, m.start(1)) else "like", turn))
    return out


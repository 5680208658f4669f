"""Deterministic reading of a message, composed from the readers in `chat_app.reading`: what it says of the last
picks and the titles it names (`picks`, `titles`), years and lengths (`limits`), kinds of item, moods, audience
and language (`kinds`), the themes, people and studios the catalog knows (`terms`), and the turn's intent.

It serves three ways: as the check that grounds what the LLM extracted (a hard constraint must be said in
the text), as the fallback when the LLM fails, and as the whole extractor in no-LLM mode. It favours
precision: what it is unsure of it leaves to the LLM. The words of the kind of item come from the catalog's
`Domain` (compiled once per domain into a `Vocabulary`); what the readers hold is how people talk.
"""

from __future__ import annotations

import re

from chat_app.profile import Delta, Preference
from chat_app.reading.kinds import read_kinds
from chat_app.reading.language import in_english
from chat_app.reading.limits import read_limits
from chat_app.reading.negation import NEGATION_WORDS
from chat_app.reading.numbers import blank_idioms, spelled_as_digits
from chat_app.reading.picks import picked_references, referenced_picks, single_pick_reaction
from chat_app.reading.questions import read_question
from chat_app.reading.terms import spot_disliked_words, spot_people, spot_terms
from chat_app.reading.titles import asked_about, outside_names, spot_titles, take_titles
from chat_app.reading.vocabulary import Vocabulary, vocabulary
from retrieval.domain import Domain
from retrieval.lexical import Lexicon
from retrieval.titles import TitleIndex

_CHANGE_OF_MIND = re.compile(r"\b(instead|changed? (my|our) minds?|on second thought|scratch that|too (heavy|dark|"
                             r"sad|depressing|bleak|serious|grim|intense|silly|light))\b", re.IGNORECASE)
_ADDS = re.compile(r"^\W*(?:and|also|plus|but also)\b|\b(?:too|as well|also|at the same time)\W*$|\bboth\b",
                   re.IGNORECASE)  # "and scary", "funny too": with what was asked before
_GREETING = re.compile(r"^\s*(hi|hello|hey|hola|bonjour|salut|hallo|ciao|ola|olá|namaste|yo|good (morning|evening|afternoon)"
                       r"|thanks?|thank you|merci|gracias|danke)\b[\s!.,?]*$", re.IGNORECASE)

# short names for themes that catalogs spell out
ABBREVIATIONS = {re.compile(r"\b(?:ww-?(?:ii|2)|world war (?:2|two)|second world war)\b", re.IGNORECASE):
                     "world war ii",
                 re.compile(r"\b(?:ww-?(?:i|1)|world war (?:1|one)|first world war)\b", re.IGNORECASE):
                     "world war i"}


def spell_out(text: str) -> str:
    """"WWII movies" -> "world war ii movies": the catalog's own words for a theme."""
    for pattern, full in ABBREVIATIONS.items():
        text = pattern.sub(full, text)
    return text


def read_items(text: str, titles: TitleIndex, turn: int, last_picks: list[str], lexicon: Lexicon | None,
               vocab: Vocabulary, prefs: list[Preference], seen: list[str]) -> tuple[str, list]:
    """Reactions to the last picks ("#2", "seen them all", "it" after a single pick) and the titles the message
    names, liked, disliked or seen, appended to `prefs` and `seen`; misspelt titles are looked for again after
    mending ("blade runer"). Returns the text with all of them blanked, and the titles written as words and not
    meant ("home alone tonight")."""
    domain, masked = vocab.domain, text
    if last_picks and vocab.seen_all.search(text):
        seen += last_picks

    def react(item_id: str, action: str) -> None:  # a reaction to one of the last picks
        if action == "seen":
            seen.append(item_id)
        else:
            prefs.append(Preference("item", titles.label_of(item_id), action, turn, item_id=item_id))

    for item_id, action, start, end in picked_references(text, last_picks, domain):
        react(item_id, action)
        masked = masked[:start] + " " * (end - start) + masked[end:]
    unmeant: list = []  # "home alone tonight": a title's words, not the title, and so not its theme either
    spotted = spot_titles(masked, titles, domain, unmeant)
    unmeant = [u for u in unmeant if not any(a < u[3] and u[2] < b for *_, a, b in spotted)]
    if masked == text and not any(item_id for item_id, *_ in spotted):
        if reaction := single_pick_reaction(text, last_picks, domain):
            react(*reaction)
    masked = take_titles(masked, outside_names(masked, spotted, lexicon, domain), titles, turn, vocab, prefs, seen)
    if lexicon is not None:  # mend misspelt words ("hiest", "blade runer"), then look for titles again
        # (only in English: a German "Jahre" is not a misspelt "Jarre")
        masked = spell_out(lexicon.correct(masked, keep=NEGATION_WORDS) if in_english(text) else masked)
        again = [s for s in spot_titles(masked, titles, domain) if s[0]]
        masked = take_titles(masked, outside_names(masked, again, lexicon, domain), titles, turn, vocab, prefs, seen)
    return masked, unmeant


def intent_of(text: str, prefs: list[Preference], constraints: dict, seen: list[str], last_picks: list[str]) -> str:
    if seen or any(p.kind == "item" and p.item_id in last_picks for p in prefs):
        return "feedback"
    if _GREETING.match(text) and not prefs and not constraints:
        return "chitchat"
    return "new_request"


def read_message(text: str, titles: TitleIndex, turn: int, latest_year: int = 2018,
                 last_picks: list[str] | tuple[str, ...] = (), lexicon: Lexicon | None = None,
                 domain: Domain | None = None) -> Delta:
    """Everything the readers can read off one message, as a Delta.

    `last_picks` are the ids recommended in the previous reply, in order, so "#2" or "the last one" and
    titles from that list ("seen Up already") can be resolved.
    """
    vocab = vocabulary(domain)
    domain, last_picks = vocab.domain, list(last_picks)
    referenced = [item_id for item_id, _ in referenced_picks(text, last_picks)]
    titled = [] if referenced else [i for i, *_ in spot_titles(text, titles, domain) if i]
    if question := read_question(text, referenced, titled, last_picks, domain):  # "is the third one scary?"
        return Delta(intent="question", about=question.items[0], asks=question.asks, asked=question.items)
    prefs: list[Preference] = []
    seen: list[str] = []
    masked, unmeant = read_items(text, titles, turn, last_picks, lexicon, vocab, prefs, seen)
    digits = spelled_as_digits(masked)  # "a three year old", "ninety minutes": for the readers of numbers
    constraints, lifted = read_limits(digits, text, latest_year, domain)
    kinds, said, masked = read_kinds(masked, text, digits, turn, domain)
    prefs, constraints = prefs + kinds, {**constraints, **said}
    if lexicon is not None:  # first, so a name the catalog knows gets the catalog's kind (a studio, a theme)
        masked = blank_idioms(masked)  # "not a fan of musicals" says nothing about fans
        prefs += spot_terms(masked, lexicon, {p.text.lower() for p in prefs}, turn, domain)
        prefs += spot_disliked_words(masked, lexicon, {w for p in prefs for w in p.text.lower().split()}, turn,
                                     domain)
    prefs += spot_people(masked, titles, {p.text.lower() for p in prefs}, turn, domain)
    if not seen and not constraints and all(p.kind == "item" for p in prefs):
        if about := asked_about(text, titles, last_picks, domain):  # "what is #2 about?": no taste signal in it
            return Delta(intent="question", about=about)
    unmeant_ids = tuple(i for _, surface, *_ in unmeant for i in titles.same_title(surface))
    return Delta(intent=intent_of(text, prefs, constraints, seen, last_picks), preferences=tuple(prefs),
                 constraints=constraints, lifted=tuple(lifted), seen=tuple(dict.fromkeys(seen)),
                 change_of_mind=bool(_CHANGE_OF_MIND.search(text)), adds=bool(_ADDS.search(text)),
                 unmeant=unmeant_ids)

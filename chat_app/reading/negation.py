"""Negation words in the languages the readers support: "no", "sin", "kein", "pas", "без", "不", "말고"…

One list for every reader that must know whether a message rejects something in any language (the gloss's
"no ..." is kept only where the message negates; a kind of item said in another language after one is left
out, not asked for); and negation in context (`negated`: "nothing about Vietnam", "not the mob ones", "no mafia,
a crime thriller"), which knows the English clause around a word.
"""

from __future__ import annotations

import re

from chat_app.reading.language import foreign_language

# "no", "sin", "kein", "pas", "без", "不", "말고"…: a gloss may say "no ..." only where the message negates
NEGATION_ANY = re.compile(
    r"\b(no|not|none|without|never|nothing|avoid|except|don'?t|sin|nada|ni|ningún|ninguna|pas|sans|aucun|aucune|"
    r"rien|kein|keine|keinen|keiner|nicht|ohne|non|senza|niente|nessun|nem|sem|não|nao|нет|не|без|ни|niet|"
    r"geen|inte|utan|ikke)\b|不|没|沒|別|别|ない|なし|以外|말고|없는|싫|빼고", re.IGNORECASE)


def negated_before(text: str, start: int, window: int = 16) -> bool:
    """Does a negation word end within `window` characters before `start` ("sin terror", "keine Krimis")?"""
    return bool(NEGATION_ANY.search(text[max(0, start - window):start]))


# English negation words; the last line: the same in a few other languages ("aber keinen Horror", "sans violence")
NEGATIONS = (r"(?:no|not|without|never|nothing|avoid|except|hate|hated|dislike|disliked|don't|dont|do not|"
             r"didn't|didnt|isn't|isnt|aren't|arent|wasn't|weren't|won't|no more|none of|skip|anything but|"
             r"everything but|not into|can't stand|cant stand|sick of|tired of|other than|rather than|"
             r"kein|keine|keinen|keiner|nicht|ohne|sans|senza|niente|nessun|nessuna|sem|nada de|ningún|ninguna|"
             r"geen|zonder|без|не)")
NEGATION_WORDS = frozenset(w for w in NEGATIONS.strip("(?:)").split("|") if " " not in w)  # never "mended"
_NEGATED_CLAUSE = re.compile(r"\b" + NEGATIONS + r"\b[^,.;:!?]*", re.IGNORECASE)


def without_negated(text: str) -> str:
    """The message without its negated clauses, for searching by its words when nothing else was read:
    "anything good, just no horror and no war movies" is searched as "anything good, just" (the dislikes
    are enforced on their own; searched for, "no war" found "Best of the Best 3: No Turning Back")."""
    kept = re.sub(r"\s+", " ", _NEGATED_CLAUSE.sub(" ", text))
    return re.sub(r"\s+", " ", re.sub(r"(^|\s)[,.;:!?]+", " ", kept)).strip(" ,.;:!?")


NEG_BEFORE = re.compile(r"\b" + NEGATIONS + r"\b[\w\s,'-]{0,24}$", re.IGNORECASE)
_NEG_BEFORE_ANY = re.compile(rf"(?:{NEGATION_ANY.pattern})[\w\s,'-]{{0,24}}$", re.IGNORECASE)


def negated(text: str, start: int) -> bool:
    """Is what starts at `start` governed by a negation in its clause ("nothing with George Clooney", "no mafia")?"""
    window = text[max(0, start - 40) : start]
    # a negation ends at a stop, at "but", or at a comma that starts a new request ("no mafia, a crime thriller")
    window = re.split(r"[.;!?]|(?<!anything )(?<!everything )\bbut\b|,\s*(?=(?:a|an|the|some|something|just|"
                      r"only|maybe|ideally|preferably)\b)", window, flags=re.IGNORECASE)[-1]
    # in another language, every negation word the readers know ("rien avec Al Pacino", "nada con Tom Cruise")
    return bool(NEG_BEFORE.search(window)) or (foreign_language(text) is not None
                                                and bool(_NEG_BEFORE_ANY.search(window)))

"""Negation words in the languages the readers support: "no", "sin", "kein", "pas", "без", "不", "말고"…

One list for every reader that must know whether a message rejects something in any language (the gloss's
"no ..." is kept only where the message negates; a kind of item said in another language after one is left
out, not asked for). English negation in context ("nothing about Vietnam", "not the mob ones") is read by
`chat_app.rules`, which knows the English clause around a word.
"""

from __future__ import annotations

import re

# "no", "sin", "kein", "pas", "без", "不", "말고"…: a gloss may say "no ..." only where the message negates
NEGATION_ANY = re.compile(
    r"\b(no|not|none|without|never|nothing|avoid|except|don'?t|sin|nada|ni|ningún|ninguna|pas|sans|aucun|aucune|"
    r"rien|kein|keine|keinen|keiner|nicht|ohne|non|senza|niente|nessun|nem|sem|não|nao|нет|не|без|ни|niet|"
    r"geen|inte|utan|ikke)\b|不|没|沒|別|别|ない|なし|以外|말고|없는|싫|빼고", re.IGNORECASE)


def negated_before(text: str, start: int, window: int = 16) -> bool:
    """Does a negation word end within `window` characters before `start` ("sin terror", "keine Krimis")?"""
    return bool(NEGATION_ANY.search(text[max(0, start - window):start]))

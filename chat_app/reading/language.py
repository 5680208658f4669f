"""Which language a message is in, told apart among the languages people write to the app in (py3langid).

Only "is it English, with confidence?" is asked: the spelling mender and the gloss depend on it (a German
"Jahre" is not a misspelt "Jarre", and a message in another language is glossed).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

MAX_CHARS = 1500  # the identifier reads this much of a message

# languages a message is told apart from English among: a wide set makes short English requests ("Kubrick",
# "zombie movies") look like something else; with this set, no English message of the request benchmark
# reaches FOREIGN_CONFIDENCE and every other-language one does
_LANGID_LANGUAGES = ["en", "es", "fr", "de", "it", "pt", "nl", "sv", "da", "no", "fi", "pl", "tr", "ru", "ja", "zh",
                     "ko", "hi"]
FOREIGN_CONFIDENCE = 0.8


@cache
def _language_identifier(every_language: bool = False):
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
    if not every_language:
        identifier.set_languages(_LANGID_LANGUAGES)
    return identifier


def _mostly_latin(message: str) -> bool:
    letters = [c for c in message if c.isalpha()]
    return sum("LATIN" in unicodedata.name(c, "") for c in letters) * 2 >= len(letters)


def in_english(message: str) -> bool:
    """False when the message is, with confidence, in another language (py3langid)."""
    return foreign_language(message) is None


@lru_cache(maxsize=4096)
def foreign_language(message: str) -> str | None:
    """The ISO code of the language a message is in when that is, with confidence, not English; else None. A
    message mostly in another script (Greek, Arabic, Hebrew, Thai...) is not English whatever its language."""
    if not _mostly_latin(message[:MAX_CHARS]):
        language = _language_identifier(every_language=True).classify(message[:MAX_CHARS])[0]
        return language if language != "en" else "und"
    language, confidence = _language_identifier().classify(message[:MAX_CHARS])
    return None if language == "en" or confidence < FOREIGN_CONFIDENCE else language


LIKELY_FOREIGN = 0.5


ENGLISH_ZIPF = 2.5  # a word rarer than this in English text (wordfreq) is likely not English


def likely_foreign(message: str) -> bool:
    """In another language with confidence, or more likely so than English and with a word English does not
    use ("un film di pirati": it 0.68, "pirati"); "a dark war drama" (nl 0.6) is English."""
    if foreign_language(message):
        return True
    language, confidence = _language_identifier().classify(message[:MAX_CHARS])
    if language == "en" or confidence < LIKELY_FOREIGN:
        return False
    from wordfreq import zipf_frequency

    return any(zipf_frequency(w, "en") < ENGLISH_ZIPF for w in re.findall(r"[^\W\d_]{3,}", message.lower()))

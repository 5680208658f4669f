"""What kind of item a message asks for: categories (genres) and moods in the domain's words, with negation ("a
comedy, no horror", "only documentaries"); the audience ("for my kids", "date night"); the language of the items
("in French", "한국 영화"); and kinds of item said in other languages ("komedia romantyczna", "恋愛映画", "ein
Krimi"), from data.

`languages.yaml: genre_words` maps patterns in many languages to the English category word the domain knows
("comedy", "science fiction"); a domain without that word ignores it (books have no "western" category). The
LLM's gloss reads these too, but the packaged 1.5B model drops them often enough that a kind of item, like a
number, must not depend on it alone.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from chat_app.profile import Preference
from chat_app.reading.language import in_english
from chat_app.reading.negation import negated, negated_before
from chat_app.reading.numbers import DATA
from chat_app.reading.vocabulary import vocabulary
from retrieval.constraints import LANGUAGE_NAMES
from retrieval.domain import Domain, movie_domain

LANGUAGES = {name.lower(): code for code, name in LANGUAGE_NAMES.items()} | {"mandarin": "zh", "chinese": "zh",
                                                                           "cantonese": "cn", "farsi": "fa"}
# the same languages as adjectives in other languages and scripts ("un film français", "한국 영화")
NATIVE_LANGUAGES = {
    "fr": ("français", "française", "francais", "francaise", "francés", "francesa", "französisch", "französische",
           "französischen", "francese", "法国", "法國", "フランス"),
    "es": ("español", "española", "espanol", "espagnol", "espagnole", "spanisch", "spanische", "spagnolo",
           "西班牙", "スペイン"),
    "de": ("deutsch", "deutsche", "deutschen", "allemand", "allemande", "alemán", "alemana", "tedesco", "德国",
           "德國", "ドイツ"),
    "it": ("italiano", "italiana", "italien", "italienne", "italienisch", "italienische", "意大利", "イタリア"),
    "ja": ("japonais", "japonaise", "japonés", "japonesa", "japanisch", "japanische", "giapponese", "日本", "日語",
           "日语", "邦画"),
    "ko": ("coréen", "coréenne", "coreano", "coreana", "koreanisch", "koreanische", "韩国", "韓國", "韓国", "한국"),
    "zh": ("chinois", "chinoise", "chino", "chinesisch", "chinesische", "cinese", "中国", "中國", "华语",
           "華語", "国语", "國語"),
    "hi": ("hindou", "indien", "हिंदी", "印度", "bollywood"),
    "ru": ("russe", "ruso", "rusa", "russisch", "russische", "russo", "俄罗斯", "ロシア"),
    "pt": ("portugais", "portugaise", "portugués", "portuguesa", "portugiesisch", "português", "brasileiro"),
    "sv": ("suédois", "suédoise", "sueco", "schwedisch", "schwedische", "svensk", "svenska"),
}
_ONLY_BEFORE = re.compile(r"\b(only|must be|has to be|have to be|strictly|nothing but|exclusively)\s+(an?\s+)?$")
_LIFT = re.compile(r"\b(is|are|'s)\s+(fine|ok|okay|good|alright|great)\b|\bactually\b", re.IGNORECASE)


@cache
def genre_patterns(path: Path = DATA) -> tuple[tuple[str, re.Pattern], ...]:
    """(English category word, pattern): Latin and Cyrillic words whole, other scripts anywhere."""
    table = yaml.safe_load(path.read_text(encoding="utf-8"))["genre_words"]
    out = []
    for word, pattern in table.items():
        parts = [p for p in str(pattern).split("|") if p]
        spaced = [p for p in parts if re.search(r"[a-zA-Zà-žА-я]", p)]
        unspaced = [p for p in parts if p not in spaced]
        alternatives = ([rf"(?<!\w)(?:{'|'.join(spaced)})(?!\w)"] if spaced else []) + unspaced
        out.append((str(word), re.compile("|".join(alternatives), re.IGNORECASE)))
    return tuple(out)


def genres_in(text: str, domain: Domain) -> tuple[set[str], set[str]]:
    """(liked, excluded) categories of the domain that `text` names in another language."""
    liked, excluded = set(), set()
    for word, pattern in genre_patterns():
        categories = domain.categories_of(word)
        if not categories:
            continue
        for m in pattern.finditer(text):
            (excluded if negated_before(text, m.start()) else liked).update(categories)
    return liked - excluded, excluded


def language_said(text: str, domain: Domain | None = None) -> str | None:
    """The ISO code of a language the message asks items to be in, in English or another language:
    "in French", "French-language", "French films", "Chinese martial arts films" — not "Greek mythology"
    (the nouns and the words between come from the domain)."""
    domain = domain or movie_domain()
    lower = text.lower()
    for name, code in LANGUAGES.items():
        for m in re.finditer(r"\b(?:(in|only)\s+)?" + name + r"\b([- ]language\b)?", lower):
            following = re.findall(r"[\w'-]+", lower[m.end():])[:4]
            noun_at = next((i for i, w in enumerate(following) if w in domain.language_nouns), None)
            film = noun_at is not None and all(w in domain.noun_modifiers for w in following[:noun_at])
            if (m.group(1) or m.group(2) or film) and not negated(lower, m.start()):
                return code
    for code, names in NATIVE_LANGUAGES.items():
        for name in names:
            latin = name[0] < "\u0250"  # Latin script: whole words; other scripts have no word breaks
            m = re.search(r"\b" + re.escape(name) + r"\b" if latin else re.escape(name), lower)
            if m and not negated(lower, m.start()):
                return code
    return None


def audience_said(text: str, domain: Domain | None = None) -> str | None:
    """Who the person says the items are for ("for my kids", "date night"), as the domain's audiences."""
    for audience, pattern, negated in vocabulary(domain).audiences:
        if m := pattern.search(text):
            if negated and re.search(r"\b(not|no|never)\s+(for\s+)?(the\s+)?$",
                                     text[max(0, m.start() - 12):m.start()], re.IGNORECASE):
                return negated  # "not for kids" (a negation further back, "no horror, they're 6", is not it)
            return audience
    return None


def read_kinds(masked: str, text: str, digits: str, turn: int, domain: Domain) -> tuple[list[Preference], dict, str]:
    """(preferences, constraints, the text with who it is for blanked) for the categories, moods, language and
    audience a message names. `masked` has the titles and references blanked, `digits` numbers as digits."""
    lower = masked.lower()
    prefs: list[Preference] = []
    constraints: dict = {}
    excluded, liked_genres, required = set(), set(), set()
    for word in sorted(domain.category_words, key=lambda w: -len(w)):
        genres = set(domain.categories_of(word))
        for m in re.finditer(r"\b" + re.escape(word) + r"\b", lower):
            if negated(lower, m.start()):
                excluded |= genres
            else:
                liked_genres |= genres
                if _ONLY_BEFORE.search(lower[max(0, m.start() - 20) : m.start()]):
                    required |= genres
    if not in_english(text):  # "komedia romantyczna", "恋愛映画", "sin comedia": kinds in other languages
        other_liked, other_excluded = genres_in(text, domain)
        liked_genres |= other_liked
        excluded |= other_excluded
    for genre in sorted(liked_genres - excluded):
        prefs.append(Preference("genre", genre, "like", turn))
        if _LIFT.search(lower):
            constraints.setdefault("genres_excluded", ())
    for genre in sorted(excluded):
        prefs.append(Preference("genre", genre, "dislike", turn))
    if excluded:
        constraints["genres_excluded"] = tuple(sorted(excluded))
    if required - excluded:
        constraints["genres_required"] = tuple(sorted(required - excluded))
    seen_moods = set()
    for word, mood in domain.moods.items():
        for m in re.finditer(r"\b" + re.escape(word) + r"\b", lower):
            if mood not in seen_moods:
                seen_moods.add(mood)
                prefs.append(Preference("mood", mood, "dislike" if negated(lower, m.start()) else "like", turn))
    if code := language_said(masked, domain):
        constraints["languages"] = (code,)
    if audience := audience_said(digits, domain):
        constraints["audience"] = audience
        for _, pattern, _ in vocabulary(domain).audiences:  # "for my daughter", "grandkids": who it is for, not
            masked = pattern.sub(lambda m: " " * len(m.group(0)), masked)  # a topic
    return prefs, constraints, masked


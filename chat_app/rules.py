"""Deterministic reading of a message: years, lengths, categories (genres), moods, people and titles, with negation.

It serves three ways: as the check that grounds what the LLM extracted (a hard constraint must be said in
the text), as the fallback when the LLM fails, and as the whole extractor in no-LLM mode. It favours
precision: what it is unsure of it leaves to the LLM. The words of the kind of item (category words, moods,
audiences, the length a person may cap, the nouns for an item) come from the catalog's `Domain`, compiled once
per domain into a `Vocabulary`; what stays here is how people talk (negation, references, years, languages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterator

from chat_app.profile import Delta, Preference
from chat_app.reading.language import foreign_language, in_english
from chat_app.reading.negation import NEGATION_ANY
from chat_app.reading.kinds import genres_in
from chat_app.reading.numbers import blank_idioms, decade_in, length_limit_in, person_states, spelled_as_digits
from chat_app.reading.questions import read_question
from chat_app.reading.cues import capitalized, panned_after, seen_after, seen_cue, surname_evidence, title_evidence
from retrieval.constraints import LANGUAGE_NAMES
from retrieval.domain import Domain, Unit, movie_domain
from retrieval.lexical import GENERIC, Lexicon
from retrieval.match import fold, singular_forms
from retrieval.titles import TitleIndex, normalize

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
# the last line: the same in a few other languages ("aber keinen Horror", "sans violence")
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


_SHORTER = re.compile(r"\b(shorter|quicker|briefer|not as long|less long)\b", re.IGNORECASE)
SHORTER_SHARE = 0.85  # "like Titanic but shorter": at most 85% of its length (165 of 194 minutes)


def shorter_than(text: str, delta: Delta, earlier_likes: list[Preference], length_of,
                 domain: Domain) -> tuple[Delta, str | None]:
    """"like X but shorter", "more like #2, shorter": a cap on the domain's length relative to the liked item
    this message names (or else the newest one liked before) when its length is known; the message's own
    number ("under 300 pages") wins. `length_of(item_id)` is the item's length, or None. Also returns the id
    of the item "shorter" was measured against when its length is unknown (the reply says so), else None."""
    if domain.length is None or "length_max" in delta.constraints or not _SHORTER.search(text):
        return delta, None
    named = [p.item_id for p in delta.preferences if p.item_id and p.polarity == "like"]
    before = [p.item_id for p in sorted(earlier_likes, key=lambda p: -p.turn) if p.item_id]
    for item_id in (named or before)[:1]:
        if size := length_of(item_id):
            cap = max(int(size * SHORTER_SHARE), domain.length.range[0])
            return replace(delta, constraints={**delta.constraints, "length_max": cap}), None
        return delta, item_id
    return delta, None


MIN_SEARCH_WORDS = 1
_ASKING = frozenset("just really pretty watch watching read reading recommend recommendation recommendations suggest "
                    "suggestion suggestions want wanna need looking give show find pick picks any some surprise".split())


def search_text(text: str, domain: Domain = movie_domain(), known: frozenset[str] | None = None) -> str:
    """What of a message that the rules read nothing in is worth searching for: its clauses that are not
    negated, or "" when they are only asking words ("anything good, just" found "Just Jim" by its title)."""
    kept = without_negated(text)
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    plain = _COMMON | _ASKING | GENERIC | person_states() | set(STOPWORDS_EN_PLUS) \
        | {w.lower() for w in domain.nouns + domain.plural_nouns}
    content = [w for w in fold(kept).split() if w not in plain and len(w) > 2
               and (known is None or any(f in known for f in singular_forms(w)))]
    # words the catalog never uses anywhere ("idk something good") are no description to search by: the answer
    # is then widely loved items and a question back
    return kept if len(content) >= MIN_SEARCH_WORDS else ""


_NEG_BEFORE = re.compile(r"\b" + NEGATIONS + r"\b[\w\s,'-]{0,24}$", re.IGNORECASE)
_NEG_BEFORE_ANY = re.compile(rf"(?:{NEGATION_ANY.pattern})[\w\s,'-]{{0,24}}$", re.IGNORECASE)
_ONLY_BEFORE = re.compile(r"\b(only|must be|has to be|have to be|strictly|nothing but|exclusively)\s+(an?\s+)?$")
_CHANGE_OF_MIND = re.compile(r"\b(instead|changed? (my|our) minds?|on second thought|scratch that|too (heavy|dark|"
                             r"sad|depressing|bleak|serious|grim|intense|silly|light))\b", re.IGNORECASE)
_ADDS = re.compile(r"^\W*(?:and|also|plus|but also)\b|\b(?:too|as well|also|at the same time)\W*$|\bboth\b",
                   re.IGNORECASE)  # "and scary", "funny too": with what was asked before
_LIFT = re.compile(r"\b(is|are|'s)\s+(fine|ok|okay|good|alright|great)\b|\bactually\b", re.IGNORECASE)
_GREETING = re.compile(r"^\s*(hi|hello|hey|hola|bonjour|salut|hallo|ciao|ola|olá|namaste|yo|good (morning|evening|afternoon)"
                       r"|thanks?|thank you|merci|gracias|danke)\b[\s!.,?]*$", re.IGNORECASE)
_PERSON = re.compile(r"\b(?:no|not|without|with|starring|by|from|love|like|loved|liked|hate|hated|except|more)\s+"
                     r"((?:[A-Z][a-z'’.-]+|[A-Z]\.)(?:\s+(?:[A-Z][a-z'’.-]+|[A-Z]\.|de|van|von|del|da)){1,3})")
# one-word titles that are everyday words in any domain; the domain adds its own (`Domain.not_titles`)
_COMMON = {"something", "anything", "tonight", "the", "and", "please", "thanks", "also", "maybe", "more", "less",
           "love", "like", "good", "great", "it", "her", "up", "go", "yes", "no", "ok", "okay", "now", "again", "still",
           "older", "newer", "old", "new", "before", "after"}
# "under", "no longer than", "nothing over": what caps the domain's length
_LIMIT = (r"\b(?:under|less than|shorter than|at most|max(?:imum)?|no (?:more|longer) than|within|"
          r"(?:nothing|not|none|no \w+)\s+(?:over|longer than|more than|above))\s*")
# after the amount: "90 min max", "2 hours tops", "100 minutes or less"
_LIMIT_AFTER = r"\s*(?:max(?:imum)?\b|tops\b|or (?:less|under|shorter)\b|at (?:the )?most\b)"
# time to spend: "i only got like 90 min before bed", "we have about 2 hours"; not what another thing lasts
# ("got a 6 hr drive tomorrow", "have a 2 hour flight")
_BUDGET = r"\b(?:only|just)?\s*(?:got|have|has|had)\s+(?:like\s+|about\s+|around\s+|maybe\s+|roughly\s+)?"
_NOT_ITS_LENGTH = r"(?!\s*(?:[\w-]+\s+)?(?:drive|flight|trip|commute|ride|layover|wait|class|shift|meeting|train)s?\b)"
_AMOUNT_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3}


def _words(words) -> str:
    """An alternation of literal words, longest first."""
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


@dataclass(frozen=True)
class Vocabulary:
    """A domain's words as the rules read them, compiled once per domain (`vocabulary`)."""

    domain: Domain
    common: frozenset[str]  # one-word titles that count only after "loved", "seen", ...
    past: str  # the domain's past-tense verbs and "already did" as a regex alternation: a title follows them
    nouns: frozenset[str]  # "movie", "films": a lower-case phrase ending in one is a description
    seen: re.Pattern  # "seen", "watched" ("read" for books)
    seen_all: re.Pattern  # "seen them all"
    seen_every: re.Pattern  # "seen every ..."
    anaphora: re.Pattern  # "it", "that one", "that movie" when the last reply had a single pick
    recent: re.Pattern  # "newer movies"
    lengths: tuple[tuple[re.Pattern, Unit], ...]  # "under 2 hours", "under 300 pages": tried in order
    any_length: re.Pattern | None  # "any length" lifts the limit
    audiences: tuple[tuple[str, re.Pattern, str | None], ...]  # (audience, what asks for it, what "not for" it is)


@lru_cache(maxsize=16)
def vocabulary(domain: Domain | None = None) -> Vocabulary:
    domain = domain or movie_domain()
    past = "|".join(re.escape(w) for w in domain.verb_past)
    past_cues = past + "|already did|already done"  # "already did vertigo": a title follows
    lengths = []
    if domain.length:
        for unit in domain.length.units:
            low, high = unit.digits
            number = r"(\d+(?:\.\d+)?|an?|one|two|three)\s*(?:and a half\s*)?" if unit.fractions \
                else rf"(\d{{{low},{high}}})\s*"
            tail = r"(?:\s+and a half)?" if unit.fractions else ""
            said = number + rf"(?:{_words(unit.words)})\b" + tail
            lengths.append((re.compile(_LIMIT + said), unit))  # "under 2 hours"
            lengths.append((re.compile(r"\b" + said + _LIMIT_AFTER), unit))  # "90 min max", "2 hours or less"
            lengths.append((re.compile(_BUDGET + said + _NOT_ITS_LENGTH), unit))  # "only got like 90 min"
    any_length = re.compile(rf"\b(any ({_words(domain.length.any_words)})|length doesn'?t matter)\b") \
        if domain.length and domain.length.any_words else None
    return Vocabulary(
        domain, frozenset(_COMMON | {w.lower() for w in domain.not_titles}), past_cues,
        frozenset(w.lower() for w in domain.nouns + domain.plural_nouns),
        seen=re.compile(rf"\b(seen|saw|{past}|already (?:know|did|done|{past}|seen))\b", re.IGNORECASE),
        seen_all=re.compile(rf"\b(seen|saw|{past})\s+(them all|all of (them|these|those)|these|those|all)\b",
                            re.IGNORECASE),
        seen_every=re.compile(rf"\b(seen|{past}|saw)\s+(every|all|all the|all of the|each)\s+$", re.IGNORECASE),
        anaphora=re.compile(r"\b(it|that one|this one|" + "|".join(f"that {re.escape(n)}|this {re.escape(n)}"
                                                                   for n in domain.nouns) + r")\b", re.IGNORECASE),
        recent=re.compile(rf"\b(recent|new(er)? (ones|{_words(domain.plural_nouns)}|releases|stuff)|latest)\b"),
        lengths=tuple(lengths), any_length=any_length,
        audiences=tuple((name, re.compile("|".join(rule.said), re.IGNORECASE), rule.negated)
                        for name, rule in domain.audiences.items() if rule.said))


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


def _negated(text: str, start: int) -> bool:
    window = text[max(0, start - 40) : start]
    # a negation ends at a stop, at "but", or at a comma that starts a new request ("no mafia, a crime thriller")
    window = re.split(r"[.;!?]|(?<!anything )(?<!everything )\bbut\b|,\s*(?=(?:a|an|the|some|something|just|"
                      r"only|maybe|ideally|preferably)\b)", window, flags=re.IGNORECASE)[-1]
    # in another language, every negation word the readers know ("rien avec Al Pacino", "nada con Tom Cruise")
    return bool(_NEG_BEFORE.search(window)) or (foreign_language(text) is not None
                                                 and bool(_NEG_BEFORE_ANY.search(window)))


_DECADE_WORDS = {"twen": "2", "thir": "3", "for": "4", "fif": "5", "six": "6", "seven": "7", "eigh": "8", "nine": "9"}


def years_and_length(text: str, latest_year: int = 2018, domain: Domain | None = None) -> tuple[dict, list[str]]:
    """Hard constraints on year and length ("under 2 hours", "under 300 pages") said in so many words;
    returns (fields, lifted fields)."""
    vocab = vocabulary(domain)
    t = re.sub(r"\b(twen|thir|for|fif|six|seven|eigh|nine)ties\b", lambda m: _DECADE_WORDS[m.group(1)] + "0s",
               text.lower())  # "the nineties" reads as "the 90s"
    t = re.sub(r"\b(?:the\s+)?(?:noughties|aughts|two thousands)\b", "2000s", t)  # the 2000s
    out: dict = {}
    lifted: list[str] = []
    if m := re.search(r"\bbetween\s+(\d{4})\s+(?:and|&)\s+(\d{4})\b|\b(\d{4})\s*(?:-|–|to)\s*(\d{4})\b", t):
        a, b = (int(x) for x in m.groups() if x)
        out["year_min"], out["year_max"] = min(a, b), max(a, b)
    else:
        for m in re.finditer(r"\b(before|pre-?|older than|earlier than|prior to|until|up to|after|post-?|"
                             r"newer than|later than)\s*(\d{4})\b", t):
            year, word = int(m.group(2)), m.group(1)
            upper = word.startswith(("before", "pre", "older", "earlier", "prior", "until", "up to"))
            inclusive = word in ("until", "up to")
            clause = re.split(r"[,.;!?]|\bbut\b", t[max(0, m.start() - 30) : m.start()])[-1]
            if _NEG_BEFORE.search(clause):  # "nothing before 1990" (not "no horror, before 1990")
                upper, inclusive = not upper, True
            if upper:
                out["year_max"] = year - (0 if inclusive else 1)
            else:
                out["year_min"] = year + (0 if inclusive else 1)
        if m := re.search(r"\b(?:since|from)\s*(\d{4})\b(?!s)", t):
            out["year_min"] = int(m.group(1))
        for m in re.finditer(r"\b(\d{4})\s+or\s+(later|after|newer|more recent|earlier|before|older)\b", t):
            bound = "year_min" if m.group(2) in ("later", "after", "newer", "more recent") else "year_max"
            out[bound] = int(m.group(1))
        if m := re.search(r"\b(?:(1[89]|20)?(\d)0)(?:'?s)\b", t):
            century = m.group(1) or ("20" if m.group(2) in "012" else "19")
            start = int(century + m.group(2) + "0")
            if not re.search(r"\b(?:before|after|since|pre|post)\b\s*(?:the\s+)?$", t[: m.start()]):
                out["year_min"], out["year_max"] = start, start + 9
    if "year_min" not in out and vocab.recent.search(t):
        out["year_min"] = latest_year - 5
    if re.search(r"\b(any (year|era|decade)|don'?t care (about|when)|year doesn'?t matter)\b", t):
        lifted += ["year_min", "year_max"]
    for pattern, unit in vocab.lengths:  # the first unit said wins: "2 hours" before "100 minutes"
        if m := pattern.search(t):
            amount = _AMOUNT_WORDS.get(m.group(1)) or float(m.group(1))
            half = 0.5 if "and a half" in m.group(0) else 0
            out["length_max"] = int(round((float(amount) + half) * unit.factor))
            break
    if vocab.any_length and vocab.any_length.search(t):
        lifted.append("length_max")
    return out, lifted


_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


def spot_titles(text: str, titles: TitleIndex, domain: Domain | None = None,
                unmeant: list | None = None) -> list[tuple[str, str, int, int]]:
    """Catalog titles written in the text: (item id, surface text, start, end), longest match first. Titles
    written without evidence that they are meant are appended to `unmeant`, when given, in the same shape."""
    vocab = vocabulary(domain)
    tokens = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"[\w'’:&-]+", text)]
    found, used = [], set()
    for size in range(8, 0, -1):
        for i in range(len(tokens) - size + 1):
            span = range(i, i + size)
            if used & set(span):
                continue
            surface = text[tokens[i][1] : tokens[i + size - 1][2]]
            key = normalize(surface)
            if not key or key not in titles._exact:
                continue
            words = surface.split()
            start, end = tokens[i][1], tokens[i + size - 1][2]
            # a title made of ordinary words needs evidence that it is meant ("my sister is OBSESSED", "the
            # folks in power"); "killer movie" typed in lower case is a description, "like the matrix" a title
            evidence = title_evidence(text, start, end, vocab.common, vocab.past)
            if key in titles.topics and evidence in ("rare words", "rare word", "likened", "seen"):
                evidence = None  # "a femme fatale", "cold war spies": also what many items are about
            if not evidence or (
                    size > 1 and words[-1].lower() in vocab.nouns and not capitalized(text, start, end)):
                if unmeant is not None and len(normalize(surface).split()) > 1:  # "home alone", not "a heist"
                    unmeant.append((titles.link(surface), surface, start, end))
                continue
            found.append((titles.link(surface), surface, tokens[i][1], tokens[i + size - 1][2]))
            used |= set(span)
    if _UNSPACED.search(text):  # Chinese, Japanese, Thai… write no spaces: look for whole titles inside the text
        taken = [(start, end) for *_, start, end in found]
        for key in titles.keys_without_spaces():
            start = text.find(key)
            if start >= 0 and not any(a < start + len(key) and start < b for a, b in taken):
                found.append((titles.link(key), key, start, start + len(key)))
                taken.append((start, start + len(key)))
    return sorted(found, key=lambda f: f[2])


_ORDINAL = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
            "fifth": 5, "5th": 5, "last": -1}
PICK_REFERENCE = re.compile(
    r"#\s?(?P<n1>\d{1,2})\b|\bnumber\s+(?P<n2>\d{1,2})\b|\bno\.\s?(?P<n3>\d{1,2})\b"
    r"|\bthe\s+(?P<o1>first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)\b(?:\s+one)?"
    r"|\b(?P<o2>first|second|third|fourth|fifth|last|1st|2nd|3rd|4th|5th)\s+one\b", re.IGNORECASE)
_PUT_OFF = re.compile(r"\b(boring|meh|nope|not for me|not that|no to|hate|hated|dislike|skip|pass on|"
                      r"don'?t like|didn'?t like|not into|awful|bad)\b", re.IGNORECASE)
# ("like" as in "like 400 times", "like a million times" says how often, not that they liked it)
_DRAWN = re.compile(r"\b(more like|like(?!\s+(?:\d|a (?:million|hundred|thousand)|(?:ten|twenty|fifty|a hundred) "
                    r"times))|liked|love|loved|enjoyed|great|perfect|yes|sounds good|interesting|nice|"
                    r"good one|awesome|amazing|favou?rite|my (?:style|thing|taste|jam|kind of|type of|sort of)|"
                    r"cup of tea|up my (?:alley|street)|appeals?|intrigu\w*|fun)\b", re.IGNORECASE)
# what is seen is not wanted again when they ask for something else ("watched frozen 400 times, pls something else")
_ELSE = re.compile(r"\b(?:something|anything|smth|sth) (?:else|different|new)\b(?!\s+(?:like|similar))"
                   r"|\bnot (?:that|those|these) again\b", re.IGNORECASE)  # "something else like it" likes it
_HOLD_BACK = re.compile(r"\b(" + NEGATIONS + r"|haven'?t|hasn'?t|have not|wasn'?t|not sure)\b", re.IGNORECASE)


def _clause(text: str, start: int, end: int, commas: bool = False) -> str:
    """The sentence part around a span: from the last stop or 'but' (or comma) before it to the next one."""
    stops = r"[.;!?,]|\bbut\b" if commas else r"[.;!?]|\bbut\b"
    before = re.split(stops, text[:start])[-1]
    after = re.split(stops, text[end:])[0]
    return before + text[start:end] + after


def _referenced_picks(text: str, last_picks) -> Iterator[tuple[str, re.Match]]:
    """(id, match) for each in-range reference to a numbered pick of the last reply."""
    for m in PICK_REFERENCE.finditer(text):
        number = next((g for g in (m.group("n1"), m.group("n2"), m.group("n3")) if g), None)
        position = int(number) if number else _ORDINAL.get((m.group("o1") or m.group("o2") or "").lower(), 0)
        if last_picks and 0 < abs(position) <= len(last_picks):
            yield (last_picks[position - 1] if position > 0 else last_picks[-1]), m


def single_pick_reaction(text: str, last_picks: list[str], domain: Domain | None = None) -> tuple[str, str] | None:
    """(id, "like" | "dislike" | "seen") when the last reply had one pick and this message reacts to "it"
    (a person recommending one item at a time)."""
    vocab = vocabulary(domain)
    if len(last_picks) != 1 or not (m := vocab.anaphora.search(text)):
        return None
    clause = _clause(text, m.start(), m.end(), commas=True)
    if _PUT_OFF.search(clause):
        return last_picks[0], "dislike"
    if _HOLD_BACK.search(clause):
        return None  # "haven't seen it", "not sure about it": no reaction to record
    if _DRAWN.search(clause):
        return last_picks[0], "like"
    if vocab.seen.search(clause):
        return last_picks[0], "seen"
    return None


def picked_references(text: str, last_picks: list[str],
                      domain: Domain | None = None) -> list[tuple[str, str, int, int]]:
    """References to the last recommendations ("#2", "the second one", "the last one"): (id, action, start, end).

    The action is "seen", "dislike" or "like", read from the words around the reference; a reference with
    none of those cues ("tell me about #2") changes nothing.
    """
    out = []
    seen = vocabulary(domain).seen
    for item_id, m in _referenced_picks(text, last_picks):
        clause = _clause(text, m.start(), m.end(), commas=True)  # "seen #1, more like #2": two reactions
        if seen.search(clause):
            action = "seen"
        elif _PUT_OFF.search(clause) or _NEG_BEFORE.search(text[max(0, m.start() - 30) : m.start()]):
            action = "dislike"
        elif _DRAWN.search(clause):
            action = "like"
        else:
            continue
        out.append((item_id, action, m.start(), m.end()))
    return out


# asking about one movie, as opposed to asking for movies ("anything like Heat?")
ITEM_QUESTION = re.compile(
    r"\b(what'?s|what is|what are|tell me (more )?about|who'?s in|who is in|who stars in|how long is|describe|"
    r"is it|is (the )?(first|second|third|fourth|fifth|last) one|is #\d|plot of|what happens in)\b", re.IGNORECASE)


def asked_about(text: str, titles: TitleIndex, last_picks: list[str] | tuple[str, ...] = (),
                domain: Domain | None = None) -> str | None:
    """The catalog id a question is about ("what is #2 about?", "tell me about Heat"), or None."""
    if not ITEM_QUESTION.search(text) or re.search(r"\b(like|similar to|such as)\b", text, re.IGNORECASE):
        return None
    for item_id, _ in _referenced_picks(text, last_picks):
        return item_id
    spotted = [item_id for item_id, *_ in spot_titles(text, titles, domain) if item_id]
    return spotted[0] if len(spotted) == 1 else None


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
            if (m.group(1) or m.group(2) or film) and not _negated(lower, m.start()):
                return code
    for code, names in NATIVE_LANGUAGES.items():
        for name in names:
            latin = name[0] < "\u0250"  # Latin script: whole words; other scripts have no word breaks
            m = re.search(r"\b" + re.escape(name) + r"\b" if latin else re.escape(name), lower)
            if m and not _negated(lower, m.start()):
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
        polarity = "dislike" if _negated(masked, start) or vocab.seen_every.search(masked[max(0, start - 30):start]) \
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


def read_message(text: str, titles: TitleIndex, turn: int, latest_year: int = 2018,
                 last_picks: list[str] | tuple[str, ...] = (), lexicon: Lexicon | None = None,
                 domain: Domain | None = None) -> Delta:
    """Everything this module can read off one message, as a Delta.

    `last_picks` are the ids recommended in the previous reply, in order, so "#2" or "the last one" and
    titles from that list ("seen Up already") can be resolved.
    """
    vocab = vocabulary(domain)
    domain = vocab.domain
    prefs: list[Preference] = []
    seen: list[str] = []
    masked = text
    last_picks = list(last_picks)
    referenced = [item_id for item_id, _ in _referenced_picks(text, last_picks)]
    titled = [] if referenced else [i for i, *_ in spot_titles(text, titles, domain) if i]
    if question := read_question(text, referenced, titled, last_picks, domain):  # "is the third one scary?"
        return Delta(intent="question", about=question.items[0], asks=question.asks, asked=question.items)
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

    def take_titles(masked: str, spotted) -> str:
        for item_id, surface, start, end in spotted:
            clause = _clause(masked, start, end)
            watched = vocab.seen.search(clause) or seen_after(masked, end)  # "videodrome last week"
            if item_id and (seen_cue(masked, start) or watched and (not _DRAWN.search(clause)
                                                                    or _ELSE.search(masked))):
                # "we already saw Toy Story", "besides Halloween", "other than Titanic": exclude it and the
                # items of the same title (the remake), say nothing about taste
                seen.extend(titles.same_title(surface) or [item_id])
            elif item_id and watched and not _negated(masked, start):
                seen.append(item_id)  # "we watched Taken, more like that": seen, and liked
                prefs.append(Preference("item", surface, "like", turn, item_id=item_id))
            else:
                polarity = "dislike" if _negated(masked, start) or panned_after(masked, end) else "like"
                prefs.append(Preference("item", surface, polarity, turn, item_id=item_id))
            masked = masked[:start] + " " * (end - start) + masked[end:]
        return masked

    def outside_names(masked: str, spotted):  # "books by Stephen King": the person, not a title "King" in it
        if lexicon is None:
            return spotted
        named = [(a, b) for term, a, b in lexicon.spot(masked) if term.kind in ("person", "studio")]
        plural = "|".join(re.escape(n) for n in domain.plural_nouns)
        # a title that is the name itself ("Jane Austen", a biography; "Hitchcock") is the person when the
        # message says so: "Jane Austen novels", "Hitchcock films", "something by Jane Austen"
        said_person = lambda a, b: bool(re.match(rf"\s*(?:'s\s+)?(?:{plural})\b", masked[b:], re.IGNORECASE)
                                        or re.search(r"\b(?:by|with|starring)\s+$", masked[:a], re.IGNORECASE))
        return [t for t in spotted if not any(a <= t[2] and t[3] <= b and (b - a > t[3] - t[2] or said_person(a, b))
                                              for a, b in named)]

    masked = take_titles(masked, outside_names(masked, spotted))
    if lexicon is not None:  # mend misspelt words ("hiest", "blade runer"), then look for titles again
        # (only in English: a German "Jahre" is not a misspelt "Jarre")
        masked = spell_out(lexicon.correct(masked, keep=NEGATION_WORDS) if in_english(text) else masked)
        masked = take_titles(masked, outside_names(masked, [s for s in spot_titles(masked, titles, domain) if s[0]]))
    lower = masked.lower()
    digits = spelled_as_digits(masked)  # "a three year old", "ninety minutes": for the readers of numbers
    constraints, lifted = years_and_length(digits, latest_year, domain)
    if "year_min" not in constraints and "year_max" not in constraints and (decade := decade_in(text)):
        constraints["year_min"], constraints["year_max"] = decade  # "90년대", "anni '70", "80er Jahre"
    if "length_max" not in constraints and (cap := length_limit_in(text, domain)):
        constraints["length_max"] = cap  # "не длиннее полутора часов", "unter 100 Minuten", "2時間以内"
    excluded, liked_genres, required = set(), set(), set()
    for word in sorted(domain.category_words, key=lambda w: -len(w)):
        genres = set(domain.categories_of(word))
        for m in re.finditer(r"\b" + re.escape(word) + r"\b", lower):
            if _negated(lower, m.start()):
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
                prefs.append(Preference("mood", mood, "dislike" if _negated(lower, m.start()) else "like", turn))
    if code := language_said(masked, domain):
        constraints["languages"] = (code,)
    if audience := audience_said(digits, domain):
        constraints["audience"] = audience
        for _, pattern, _ in vocab.audiences:  # "for my daughter", "grandkids": who it is for, not a topic
            masked = pattern.sub(lambda m: " " * len(m.group(0)), masked)
    if lexicon is not None:  # first, so a name the catalog knows gets the catalog's kind (a studio, a theme)
        masked = blank_idioms(masked)  # "not a fan of musicals" says nothing about fans
        prefs += spot_terms(masked, lexicon, {p.text.lower() for p in prefs}, turn, domain)
        prefs += spot_disliked_words(masked, lexicon, {w for p in prefs for w in p.text.lower().split()}, turn,
                                     domain)
    taken = {p.text.lower() for p in prefs}
    for m in _PERSON.finditer(masked):
        name = m.group(1).strip(" .")
        if normalize(name) in titles._exact or name.lower() in domain.category_words \
                or name.lower() in taken:
            continue
        polarity = "dislike" if _negated(masked, m.start(1)) else "like"
        prefs.append(Preference("person", name, polarity, turn))
    intent = "new_request"
    if _GREETING.match(text) and not prefs and not constraints and not seen:
        intent = "chitchat"
    if seen or any(p.kind == "item" and p.item_id in last_picks for p in prefs):
        intent = "feedback"
    if not seen and not constraints and all(p.kind == "item" for p in prefs):
        if about := asked_about(text, titles, last_picks, domain):  # "what is #2 about?": no taste signal in it
            return Delta(intent="question", about=about)
    unmeant_ids = tuple(i for _, surface, *_ in unmeant for i in titles.same_title(surface))
    return Delta(intent=intent, preferences=tuple(prefs), constraints=constraints, lifted=tuple(lifted),
                 seen=tuple(dict.fromkeys(seen)), change_of_mind=bool(_CHANGE_OF_MIND.search(text)),
                 adds=bool(_ADDS.search(text)), unmeant=unmeant_ids)

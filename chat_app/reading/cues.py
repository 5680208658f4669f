"""Is a word in a message meant as a name (a title, a person), or just as the word? Evidence for a link.

Precision first: "the folks in power" is not the composer Robert Folk, "my sister is OBSESSED" is not the film
*Obsessed*, "nothing violent" is not a game titled *Nothing!*. A span the catalog knows as a title or a name is
linked only with evidence that it is meant (`title_evidence`, `surname_evidence`):

- a cue before it: "seen", "watched", "besides", "other than", "something like", "fan of" (strong: these take a
  title); "loved", "like" (weak: "love horses" is not a title) — and for people "by", "with", "starring";
- quotes around it, or its year right after it ("heat 1995");
- capitals where the message has lower case too (an all-capitals word is shouting, and a single word's capital
  at the start of a sentence says nothing);
- a word that is not an ordinary word: *Inception*, *Kubrick*. Ordinary means frequent in English text
  (`wordfreq`'s Zipf scale, a well-kept word list, at or above `ORDINARY_ZIPF`); for a name, and for a title of
  several words typed in lower case, a word of the dictionary is ordinary too, however rare ("a hay bale", "my
  weekend went sideways", "the great outdoors": Webster's word list, via `english-words`).

An ordinary word needs a cue; a rare one needs less. What does not get a link stays text, for the theme and
meaning readers. This module only judges spans; finding them is the callers' (`chat_app.reading.titles`, `.terms`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from chat_app.reading.language import foreign_language

VERY_COMMON_ZIPF = 5.5  # "it" 7.0, "up" 6.4, "her" 6.3; "taken" 5.3, "frozen" 4.3
ORDINARY_ZIPF = 4.0  # "obsessed" 4.1, "folks" 4.6, "heat" 4.9 are ordinary; "inception" 3.7, "kubrick" 2.9 are not
# a title follows these: they take a title as their object
STRONG_TITLE_CUES = (r"seen|saw|watched|watching|rewatched|re-watched|rewatch|rewatching|besides|other than|apart from|"
                     r"aside from|except|except for|fan of|similar to|such as|something like|anything like|stuff like|"
                     r"things like|ones like|movies like|films like|books like|games like|shows like|in the vein of|"
                     r"same vibe as|vibes? of|reminds me of|along the lines of|the likes of|sequel to|favou?rite is|"
                     r"than|same year as|same time as|as good as|more like|like the|tell me about|tell me more about|"
                     r"what is|what's|whats")
# what makes a shouted word a title: having seen or liked it, not a question ("what's the GOAT of westerns")
SHOUTED_TITLE_CUES = (r"seen|saw|watched|rewatched|loved|liked|enjoyed|besides|other than|apart from|except|"
                      r"similar to|something like|anything like|movies like|films like|books like|games like")
WEAK_TITLE_CUES = r"loved|liked|enjoyed|adore|adored|love|loves|like|likes|enjoys|adores|hated|hate|hates|dig|into"
# a person follows these, or is followed by "movies", "films", "'s"
PERSON_CUES = r"by|starring|stars|featuring|directed by|director|actor|actress|fan of|w/|w"  # "smth w the rock"
# a title followed by what people say of a film they liked
PRAISED_AFTER = re.compile(r"\s+(?:was|is|were|has always been)\s+(?:so\s+|really\s+|just\s+|pretty\s+|absolutely\s+)?"
                           r"(?:great|amazing|awesome|so+ good|fantastic|brilliant|perfect|incredible|excellent|"
                           r"a masterpiece|my favou?rite|the best|one of my favou?rites|my comfort (?:movie|film|show|"
                           r"book|game)|my (?:all[- ]time )?fave|my go-to|a classic|my jam)\b", re.IGNORECASE)
# a title followed by what people say of one they did not like: "dune was not for me", "tenet bored me"
PANNED_AFTER = re.compile(r"\s+(?:(?:was|is|were)\s+(?:(?:so|really|just|pretty|way|kinda|a bit|honestly)\s+)?"
                          r"(?:not for me|not my (?:thing|cup of tea|style)|boring|awful|terrible|overrated|too slow|"
                          r"a (?:bore|snooze|letdown|slog)|meh|horrible|unwatchable)|(?:wasn'?t|isn'?t|was not|is not|"
                          r"were not|weren'?t) (?:for me|my (?:thing|cup of tea|style))|did nothing for me|bored me|"
                          r"sucked|put me to sleep|lost me)\b", re.IGNORECASE)
# what follows a title a person holds up as the model: "blade runner vibes", "donnie darko type stuff"
LIKENED_AFTER = re.compile(r"\s*(?:-?esque\b|-?ish\b|\s+(?:vibes?|energy|type (?:of )?(?:stuff|things?|movies?|films?|"
                           r"books?|games?|shows?)|style (?:movies?|films?))\b)", re.IGNORECASE)
# what follows a title a person has watched: "did videodrome last week", "saw it twice"
SEEN_AFTER = re.compile(r"\s+(?:(?:just\s+)?last (?:night|week|weekend|month|year)|yesterday|the other (?:day|night)|"
                        r"(?:like\s+)?(?:a (?:million|hundred|thousand|few|couple of)|\d+|two|three|many|so many) times|"
                        r"twice|already|recently)\b", re.IGNORECASE)
_SEEN_CUES = re.compile(r"\b(?:besides|other than|apart from|aside from|except|except for)\s+(?:the\s+)?$",
                        re.IGNORECASE)
_QUOTES = "\"'“”‘’«»「」『』"
_SENTENCE_START = re.compile(r"(?:^|[.!?;:\n(]|^\W+)\s*$")


@lru_cache(maxsize=65536)
def ordinary(word: str, language: str | None = None) -> bool:
    """Is this a frequent English word (or a word of one or two letters), or one of `language` when given?"""
    from wordfreq import zipf_frequency

    word = word.lower().strip("'’")
    if len(word) <= 2 or zipf_frequency(word, "en") >= ORDINARY_ZIPF:
        return True
    try:
        return language is not None and zipf_frequency(word, language) >= ORDINARY_ZIPF
    except LookupError:  # a language wordfreq has no list for
        return False


@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    from english_words import get_english_words_set

    # Webster's Second (public domain) lists proper names capitalised: its lower-case entries are words
    return frozenset(w for w in get_english_words_set(["web2"], lower=False, alpha=True) if w.islower())


def in_dictionary(word: str) -> bool:
    """Is this a word of the English dictionary, or a plain form of one ("bales", "outdoors")? Names are not
    ("kubrick", "nolan", "pixar")."""
    word = word.lower().strip("'’")
    words = _dictionary()
    return word in words or word.endswith("s") and word[:-1] in words


def plain_word(word: str, language: str | None = None) -> bool:
    """Ordinary, or at least a dictionary word: what a name or a lower-case title needs a cue to be."""
    return ordinary(word, language) or not language and in_dictionary(word)


@lru_cache(maxsize=65536)
def very_common(word: str) -> bool:
    """A function word or nearly ("it", "up", "her", "us"): never a title in lower case."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word.lower(), "en") >= VERY_COMMON_ZIPF


def shouting(text: str) -> bool:
    """Is the message written with no lower-case letters (capitals then say nothing)?"""
    letters = [c for c in text if c.isalpha() and c.lower() != c.upper()]
    return bool(letters) and not any(c.islower() for c in letters)


def _title_cased(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    if not letters or not letters[0].isupper():
        return False
    return len(letters) <= 3 or any(c.islower() for c in letters[1:]) or not word.isalpha()


def capitalized(text: str, start: int, end: int) -> bool:
    """Capitals that mark a name: the span's first word title-cased (not shouted), in a message that has lower
    case; a single word at the start of a sentence does not count, several title-cased words do, and in another
    language a single word does not either (German capitalises every noun: "Filme" is not X-Filme)."""
    if shouting(text):
        return False
    words = text[start:end].split()
    if len(words) == 1 and foreign_language(text):
        return False
    cased = [w for w in words if _title_cased(w)]
    if not cased or not _title_cased(words[0]) and not words[0][:1].isdigit():
        return False
    if len(words) == 1:
        return not _SENTENCE_START.search(text[:start])
    return len(cased) >= max(2, (len(words) + 1) // 2)


def quoted(text: str, start: int, end: int) -> bool:
    before, after = text[:start].rstrip()[-1:], text[end:].lstrip()[:1]
    return bool(before) and before in _QUOTES and bool(after) and after in _QUOTES


def cue_before(text: str, start: int, cues: str) -> bool:
    # at most a few spaces between: a longer run is a span an earlier reader blanked out ("watched Taken last
    # night" does not make "last night" watched)
    return bool(re.search(rf"\b(?:{cues})\s{{1,3}}(?:(?:the|a|an)\s{{1,3}})?$", text[max(0, start - 40):start],
                          re.IGNORECASE))


def listed_after_cue(text: str, start: int, cues: str) -> bool:
    """"seen Signs and Split": a capitalised span after "and", "or" or a comma that follows a cued title in the
    same clause."""
    before = re.split(r"[.;!?]|\bbut\b", text[max(0, start - 80):start])[-1]
    joins = r"(?:,|\band\b|\bor\b|&|\+)" if capitalized(text, start, start + 1) else r"(?:\band\b|\bor\b|&|\+)"
    return bool(re.search(joins + r"\s*(?:the\s+)?$", before)) and bool(
        re.search(rf"\b(?:{cues})\s+\S", before, re.IGNORECASE))


def year_after(text: str, end: int) -> bool:
    return bool(re.match(r"\s*\(?(?:19|20)\d\d\b", text[end:]))


def panned_after(text: str, end: int) -> bool:
    """"dune was not for me", "tenet bored me": the title before is disliked."""
    return bool(PANNED_AFTER.match(text[end:]))


def seen_after(text: str, end: int) -> bool:
    """"videodrome last week", "beetlejuice a million times": the title before was watched."""
    return bool(SEEN_AFTER.match(text[end:]))


def seen_cue(text: str, start: int) -> bool:
    """"besides Halloween", "other than Titanic": the title is left out, never liked (what "seen" means is read
    from its clause: "I saw The Matrix and liked it" likes it)."""
    return bool(_SEEN_CUES.search(text[max(0, start - 40):start]))


def title_evidence(text: str, start: int, end: int, extra_ordinary: frozenset[str] = frozenset(),
                   past_verbs: str = "") -> str | None:
    """Why the span text[start:end] is a title, or None when the words are more likely meant as words."""
    words = re.findall(r"[^\W_]+", text[start:end])
    while len(words) > 1 and words[0].lower() in ("a", "an", "the"):
        words = words[1:]  # "a scoop" is one word: the article adds no evidence
    if not words:
        return None
    if all(very_common(w) for w in words) and not (
            quoted(text, start, end) or capitalized(text, start, end)
            and cue_before(text, start, STRONG_TITLE_CUES + "|" + WEAK_TITLE_CUES)):
        return None  # "anything like it?", "anything else": everyday words are a title only as "It", "Up",
        # "Anything Else" after a cue, or quoted
    strong = STRONG_TITLE_CUES + (f"|{past_verbs}" if past_verbs else "")
    if quoted(text, start, end):
        return "quoted"
    language = foreign_language(text)
    if shouting(" ".join(words)) and not shouting(text) and all(plain_word(w, language) for w in words):
        # "what's the GOAT of westerns", "my sister is OBSESSED", "total MAYHEM": a shouted word of the
        # dictionary is emphasis or an acronym, unless a cue or a year says it is the title ("seen ALIEN")
        return "cue" if cue_before(text, start, SHOUTED_TITLE_CUES) else "year" if year_after(text, end) else None
    if cue_before(text, start, strong):
        return "cue"
    if year_after(text, end):
        return "year"
    if PRAISED_AFTER.match(text[end:]):
        return "praised"  # "Alien was great, but I've seen Aliens"
    common = all(ordinary(w, language) or w.lower() in extra_ordinary for w in words)
    # several words in lower case, each a word of the dictionary, are a phrase ("the great outdoors", "bedtime
    # stories") unless a cue says otherwise
    plain = common or all(plain_word(w, language) or w.lower() in extra_ordinary for w in words)
    # what follows a title says how it is meant, when its words are not a plain phrase ("the great outdoors is
    # not for me" is about the outdoors)
    distinct = not common and (len(words) == 1 or not plain)
    if panned_after(text, end) and distinct:
        return "panned"  # "interstellar was not for me"
    if LIKENED_AFTER.match(text[end:]) and distinct:
        return "likened"  # "jurassic park vibes", "donnie darko type stuff"
    if seen_after(text, end) and distinct:
        return "seen"  # "cronenberg, did videodrome last week"
    caps = capitalized(text, start, end)
    if cue_before(text, start, WEAK_TITLE_CUES) and (caps or not common or len(words) >= 2):
        return "cue"  # "I loved Up", "my dad loves the great escape"; not "I love horses"
    if caps and (not common or len(words) >= 2):
        return "capitals"
    if (caps or len(words) >= 2 or not common) and listed_after_cue(text, start, strong + "|" + WEAK_TITLE_CUES):
        return "cue"  # "seen Signs and Split", "loves the great escape and the dirty dozen", "seen fight club
        # and se7en"
    if not common and (caps or len(words) >= 2 and not plain) and not shouting(text[start:end]):
        return "rare words"
    if not common and len(words) == 1 and text[start:end][:1].isupper() and not shouting(text) and not language:
        return "rare word"  # "Inception and Interstellar, something lighter" at a sentence start
    return None


def surname_evidence(text: str, start: int, end: int) -> str | None:
    """Why a single word, or a nickname of ordinary words, is a person's or a studio's name ("Kubrick", "films by
    Stone", "Pixar", "the rock movies"), or None ("the folks in power", "a universal crowd pleaser", "emotional
    gravity", "a film set on the rock")."""
    words = re.findall(r"[^\W_]+", text[start:end])
    while len(words) > 1 and words[0].lower() in ("a", "an", "the"):
        words = words[1:]  # "the rock" is as ordinary as "rock"
    language = foreign_language(text)
    if not all(plain_word(w, language) for w in words):
        return "rare word"
    if cue_before(text, start, PERSON_CUES) or re.match(r"(?:['’]s)?\s+(?:\w+\s+)?(?:movies|films|flicks|books|"
                                                         r"novels|games|work|stuff)\b", text[end:], re.IGNORECASE):
        return "cue"  # "films by Stone", "Marvel movies", "Carpenter's horror films"
    if capitalized(text, start, end):
        return "capitals"  # "superhero movies that aren't Marvel", "a Universal monster movie"
    return None

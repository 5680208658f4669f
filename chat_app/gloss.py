"""The gloss reading: an LLM restates a message as a few plain English words that the rules then read.

Rules read titles, years, runtimes, genres, moods and the catalog's own theme words exactly, but not a
request in another language ("Quiero ver una película de zombis") or a topic said in other words ("little
green men invading Earth"). For those, the LLM writes a short gloss ("zombie", "alien invasion") and
`chat_app.rules` reads it like a message. A gloss costs 5-20 generated tokens (under a second on 2 CPU cores
with the default model), not the 60-160 of a JSON reading. An English message the rules already understood
is not glossed. What the gloss says is kept only where the message supports it (see `read_gloss`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from rapidfuzz import fuzz

from chat_app.llm.base import ChatModel, complete
from chat_app.profile import Delta, Preference
from chat_app.reading.language import in_english, likely_foreign
from chat_app.reading.negation import NEGATION_ANY
from chat_app.reading.kinds import language_said
from chat_app.rules import read_message
from prompts import load_prompt
from retrieval.domain import Domain, movie_domain
from retrieval.concepts import MESSAGE_THRESHOLD, ConceptIndex
from retrieval.lexical import GENERIC, Lexicon, tokens
from retrieval.meaning import MeaningReader
from retrieval.match import fold, singular_forms
from retrieval.titles import TitleIndex

MIN_UNREAD = 2  # words no reader accounted for that send an English message to the gloss
MAX_PROMPT_MESSAGE = 1500  # characters of the message shown to the LLM; the rules read all of it
MAX_PROMPT_TOKENS = 160  # and tokens: a request is a sentence or two; the prompt's cost is bounded either way
GLOSS_TOKENS = 40  # a gloss is one short line; a longer answer is cut, not waited for
_NUMBER = re.compile(r"\d+")
# a gloss may name an audience only where the message has a word for who the film is for, in some language:
# a small model that cannot read a message tends to answer with an example ("animation, for kids")
AUDIENCE_ANY = re.compile(
    r"\b(kids?|child|children|family|families|son|daughter|toddlers?|year[- ]olds?|date|couples?|adults?|"
    r"grown-?ups|anniversary|valentine|girlfriend|boyfriend|wife|husband|partner|niñ[oa]s?|hij[oa]s?|familia|"
    r"cita|pareja|adultos|enfants?|famille|rendez-vous|couple|adultes|kinder|kindern|familie|erwachsene|"
    r"bambin[io]|figli|famiglia|appuntamento|adulti|crianças|filhos|família|encontro|kinderen|дет\w*|семь\w*|"
    r"свидани\w*|взросл\w*)\b|子供|子ども|こども|家族|デート|大人|孩子|儿童|兒童|家庭|约会|約會|成人|"
    r"아이|가족|데이트|어른",
    re.IGNORECASE)


def written_in(phrase: str, message: str) -> bool:
    """Is `phrase` in the message, allowing typos? ("Interstelar" for "Interstellar")."""
    phrase, message = " ".join(phrase.lower().split()), " ".join(message.lower().split())
    if not phrase or len(phrase) > len(message):
        return False
    return phrase in message or (len(phrase) >= 5 and fuzz.partial_ratio(phrase, message) >= 85)


def _words(text: str) -> list[str]:
    return [w for w in fold(text).split() if w.isalpha()]


def weak_themes(rules: Delta) -> list[Preference]:
    """Themes the rules read off one word each ("sickness", "jumping"): a word the catalog uses as a keyword,
    which in a sentence that describes a topic in other words is often not the topic."""
    return [p for p in rules.preferences if p.kind == "theme" and p.polarity == "like" and " " not in p.text.strip()]


def unaccounted(rules: Delta, message: str, domain: Domain) -> list[str]:
    """Content words of the message no reader used: not generic or a stop word, not a category, mood or
    negation word, and not a word of a title, name or several-word theme the rules read."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    weak = {p.text.lower() for p in weak_themes(rules)}
    used = {w for p in rules.preferences if p.text.lower() not in weak for w in _words(p.text)}
    plain = GENERIC | set(STOPWORDS_EN_PLUS) | set(domain.category_words) | set(domain.moods) | used
    return [w for w in _words(message) if len(w) > 2 and w not in plain and not NEGATION_ANY.fullmatch(w)
            and not any(f in plain for f in singular_forms(w))]


def needs_gloss(rules: Delta, message: str, domain: Domain | None = None) -> bool:
    """Is there something in the message the rules could not read? Any message in another language; an
    English one with two or more words no reader accounted for, counting the words of themes read off a single
    word ("a sickness jumping from person to person" is about an epidemic, not about jumping); or one in
    which the rules found no liked title, person or studio and that is not short and understood ("zombie
    movies", "under 2 hours please"). Glossing an English message the rules understood gains nothing, and a
    small model's gloss of it can add noise ("leonardo dicapprio movies" -> "star wars, ...")."""
    domain = domain or movie_domain()
    if rules.intent in ("feedback", "question"):  # a reaction to the picks, a question: rules read those
        return False
    if not any(ch.isalpha() for ch in message):  # emoji, symbols, numbers alone: nothing to restate
        return False
    if not in_english(message):
        return True
    if len(unaccounted(rules, message, domain)) >= MIN_UNREAD:
        return True
    liked = [p for p in rules.preferences if p.polarity == "like"]
    if any(p.kind in ("item", "person", "studio") for p in liked):
        return False  # (what they do not want alone, "not Marvel", leaves what they want unread)
    content = [w for w in re.findall(r"[^\W\d_]+", message.lower()) if w not in GENERIC and len(w) > 2]
    understood = liked or rules.constraints or rules.lifted or rules.seen
    return not (understood and len(content) <= 3)


def within_tokens(llm: ChatModel, text: str, max_tokens: int = MAX_PROMPT_TOKENS) -> str:
    """The longest start of `text` (cut at a space where there is one) that is at most `max_tokens` tokens for
    this model: a message of emoji or another script is several tokens a character, so characters bound
    nothing (3,300 characters of emoji held the model for 48 s). Engines that cannot count get a cut at one
    character a token, which overestimates no script."""
    text = text[:MAX_PROMPT_MESSAGE]
    count = getattr(llm, "count_tokens", None)
    if count is None:
        return text[:max_tokens]
    if count(text) <= max_tokens:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix within the budget
        mid = (low + high + 1) // 2
        if count(text[:mid]) <= max_tokens:
            low = mid
        else:
            high = mid - 1
    cut = text[:low]
    return cut.rsplit(" ", 1)[0] if " " in cut[len(cut) // 2:] else cut


def gloss(llm: ChatModel, message: str, timeout_s: float | None = 60, domain: Domain | None = None) -> str:
    """The LLM's one-line plain-English restatement of `message` (may raise ModelError)."""
    domain = domain or movie_domain()
    examples = "\n".join(f'"{said}" -> {line}' for said, line in domain.gloss_examples)
    prompt = load_prompt("gloss").render(message=within_tokens(llm, message), noun=domain.noun,
                                         plural=domain.plural, examples=examples)
    answer = complete(llm, prompt, max_tokens=GLOSS_TOKENS, temperature=0.0, timeout_s=timeout_s)
    line = next((line for line in answer.splitlines() if line.strip()), "")
    line = line.split("->")[-1]  # a model that echoes the examples' "message -> line" shape
    return " ".join(line.strip().strip("\"'`").split())[:300]


def concept_themes(text: str, said: Delta, turn: int, concepts: ConceptIndex | None,
                   domain: Domain) -> list[Preference]:
    """The catalog terms that the gloss's phrases the rules did not read mean ("assassin for hire" ->
    "assassin", "surveillance state" -> "surveillance"), above the calibrated similarity; none without an
    embedded vocabulary."""
    if concepts is None:
        return []
    read = {w for p in said.preferences for w in _words(p.text)} | set(domain.category_words) | set(domain.moods)
    out, taken = [], {p.text.lower() for p in said.preferences}
    for phrase in re.split(r"[,;/]|\band\b", text):
        words = [w for w in _words(phrase) if w not in GENERIC]
        if not words or NEGATION_ANY.search(phrase) or all(w in read for w in words):
            continue
        for term, _ in concepts.nearest(" ".join(words), k=1):
            if term not in taken:
                out.append(Preference("theme", term, "like", turn))
                taken.add(term)
    return out


def multilingual_theme(message: str, delta: Delta, turn: int, multilingual: ConceptIndex | None) -> Delta:
    """`delta` plus the catalog term nearest to a message in another language, with the multilingual embedder
    ("忍者が出てくる映画" -> ninja, "un film di pirati" -> pirate), when no reader found a theme in it: the
    LLM's gloss of 忍者 is "action, horror", and names and topics must not depend on it alone."""
    if multilingual is None or any(p.kind == "theme" and p.polarity == "like" for p in delta.preferences) \
            or not likely_foreign(message) or NEGATION_ANY.search(message):
        return delta  # (a negated topic in another language is left to the gloss: "no" needs reading)
    term = multilingual.broadest(message[:MAX_PROMPT_MESSAGE // 4], threshold=MESSAGE_THRESHOLD)
    return replace(delta, preferences=delta.preferences + ((Preference("theme", term, "like", turn),) if term else ()))


def meaning_theme(message: str, delta: Delta, turn: int, meaning: MeaningReader | None,
                  domain: Domain) -> Delta:
    """`delta` plus the catalog term an English message describes in other words ("ppl who live to ride giant
    waves" -> surfing; `retrieval.meaning`: the vocabulary and the nearest items must agree), when no reader
    (and no gloss) found a topic in it beyond single words, and two or more of its words are unread. The names
    and titles read, and what a negation governs, are left out of what is matched ("other than pan's labyrinth"
    is not about mazes)."""
    if meaning is None or not in_english(message) or len(unaccounted(delta, message, domain)) < MIN_UNREAD:
        return delta
    weak = {id(p) for p in weak_themes(delta)}
    if any(p.polarity == "like" and (p.kind in ("item", "person", "studio") or p.kind == "theme" and id(p) not in weak)
           for p in delta.preferences):
        return delta  # a topic, or what they want named by title or name
    names = [p.text for p in delta.preferences if p.kind in ("item", "person", "studio")]
    text = message
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(re.escape(name), " ", text, flags=re.IGNORECASE)
    # what a negation governs is not asked for: "none of the avengers stuff" is not a request for Marvel films
    text = re.sub(f"(?:{NEGATION_ANY.pattern})" + r"[^,.;!?]*", " ", text, flags=re.IGNORECASE)
    if len([w for w in _words(text) if w not in GENERIC and len(w) > 2]) < MIN_UNREAD:
        return delta
    found = meaning.themes(text)[:1]
    taken = {p.text.lower() for p in delta.preferences}
    # a term that only restates a mood or a kind already read is no topic ("something dark" -> "darkness")
    kinds = {w for w in _words(message) if w in domain.moods or w in domain.category_words}
    kinds |= {w for p in delta.preferences if p.kind in ("mood", "genre") for w in _words(p.text)}
    restated = set(tokens(" ".join(kinds)))
    added = tuple(Preference("theme", term, "like", turn) for term, _ in found
                  if term not in taken and not set(tokens(term)) <= restated)
    return replace(delta, preferences=delta.preferences + added) if added else delta


def reconcile(rules: Delta, glossed: Delta, text: str = "") -> Delta:
    """Where the rules and the gloss disagree about a theme, the gloss is read: a theme the rules took from a
    single word of an English description stays only if the gloss says it too (in its themes, or as a word
    of its text, typos allowed: "robery"), when the gloss names a theme at all. Titles, people, numbers and
    limits stay with the rules."""
    gloss_themes = {f for p in glossed.preferences if p.kind == "theme" for w in _words(p.text)
                    for f in singular_forms(w)}
    if not gloss_themes:
        return rules
    said = _words(text)
    weak = {id(p) for p in weak_themes(rules)}

    def supported(theme: str) -> bool:
        forms = singular_forms(fold(theme))
        return any(f in gloss_themes for f in forms) or any(
            fuzz.ratio(f, w) >= 85 for f in forms for w in said)

    kept = tuple(p for p in rules.preferences if id(p) not in weak or supported(p.text))
    return replace(rules, preferences=kept)


def copies_example(text: str, message: str, domain: Domain) -> bool:
    """Does the gloss say no more than the prompt examples' answers ("dinosaur, no dinosaurs" for "サメが出てくる
    映画が見たい", whose example is "恐竜が出てくる映画" -> "dinosaurs"), for a message that is not an example?"""
    words = [w for w in _words(text) if not NEGATION_ANY.fullmatch(w)]
    if not words or any(fold(example) == fold(message) for example, _ in domain.gloss_examples):
        return False
    # pieces of several answers count too: "comedy, for kids" for "een film over een gijzeling" (a hostage
    # film) is "dog comedy" and "animation, for kids" put together
    answers = {f for _, line in domain.gloss_examples for w in _words(line) for f in singular_forms(w)}
    return all(any(f in answers for f in singular_forms(w)) for w in words)


def read_gloss(text: str, message: str, titles: TitleIndex, turn: int, latest_year: int = 2018,
               lexicon: Lexicon | None = None, domain: Domain | None = None,
               concepts: ConceptIndex | None = None) -> Delta:
    """What the rules read off a gloss, kept where the message supports it: titles, people and studios only
    when written in the message; dislikes and excluded genres only when the message negates something; an
    audience (and the children's genre) only when the message has a word for who it is for; years and
    lengths only when their numbers are in the message; a language only when the message names
    one (a Spanish message is not a request for Spanish films)."""
    domain = domain or movie_domain()
    # a model that cannot read a message answers with a prompt example ("dinosaurs" for サメ): no topic comes
    # from it (what else it says is kept only where the message supports it, as always)
    copied = copies_example(text, message, domain)
    said = read_message(text, titles, turn, latest_year, (), lexicon, domain)
    if copied:  # its themes and kinds are the example's, not this message's (an audience stays only where the
        # message has a word for who it is for, as always)
        said = replace(said, preferences=tuple(p for p in said.preferences if p.kind not in ("theme", "genre")),
                       constraints={k: v for k, v in said.constraints.items() if k != "genres_required"})
    negates = bool(NEGATION_ANY.search(message.replace("有没有", "").replace("有沒有", "")))  # "is there"
    for_someone = bool(AUDIENCE_ANY.search(message))
    numbers = set(_NUMBER.findall(message))
    prefs = []
    for pref in said.preferences:
        if pref.kind in ("item", "person", "studio") and not written_in(pref.text, message):
            continue
        if (pref.polarity == "dislike" and not negates) or (pref.text in domain.audience_categories
                                                            and not for_someone):
            continue
        prefs.append(pref)
    constraints = {}
    for key, value in said.constraints.items():
        if key == "genres_excluded":
            if negates and value:
                constraints[key] = value
        elif key == "languages":
            if language_said(message, domain) == value[0]:
                constraints[key] = value
        elif key == "audience":
            if for_someone:
                constraints[key] = value
        elif key != "genres_required" and set(_NUMBER.findall(text)) <= numbers:
            constraints[key] = value
    english = in_english(message)
    written = {f for w in _words(message) for f in singular_forms(w)} if english else set()
    copied_words = lambda phrase: bool(_words(phrase)) and all(any(f in written for f in singular_forms(w))
                                                                for w in _words(phrase))
    # a theme the gloss copied from an English message was already judged by the rules, and so was the word
    # a concept would be looked up for ("job" in "one last big job" is not the theme "work")
    prefs = [p for p in prefs if p.kind != "theme" or not copied_words(p.text)]
    if not copied:
        unread = ", ".join(phrase for phrase in re.split(r"[,;/]|\band\b", text) if not copied_words(phrase))
        prefs += concept_themes(unread, said, turn, concepts, domain)
    # the rules' reading of the message sets the intent
    return Delta(preferences=tuple(prefs), constraints=constraints)

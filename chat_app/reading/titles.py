"""Catalog titles written in a message, and what the message says of each: liked, disliked, or seen ("we already
saw Toy Story", "besides Halloween", "videodrome last week"). A title of ordinary words is taken only with
evidence that it is meant (`chat_app.reading.cues`); a title inside a name the catalog credits ("books by Stephen
King") is the name. And a question about one item ("what is #2 about?", "tell me about Heat").
"""

from __future__ import annotations

import re

from chat_app.profile import Preference
from chat_app.reading.cues import capitalized, panned_after, seen_after, seen_cue, title_evidence
from chat_app.reading.negation import negated
from chat_app.reading.picks import DRAWN, ELSE, clause_around, referenced_picks
from chat_app.reading.vocabulary import Vocabulary, vocabulary
from retrieval.domain import Domain
from retrieval.lexical import Lexicon
from retrieval.titles import TitleIndex, normalize

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


def take_titles(masked: str, spotted, titles: TitleIndex, turn: int, vocab: Vocabulary, prefs: list[Preference],
                seen: list[str]) -> str:
    """Read each spotted title: seen (and its remakes) when the clause says so, liked or disliked otherwise;
    appended to `prefs` and `seen`. Returns the text with the titles blanked."""
    for item_id, surface, start, end in spotted:
        clause = clause_around(masked, start, end)
        watched = vocab.seen.search(clause) or seen_after(masked, end)  # "videodrome last week"
        if item_id and (seen_cue(masked, start) or watched and (not DRAWN.search(clause) or ELSE.search(masked))):
            # "we already saw Toy Story", "besides Halloween", "other than Titanic": exclude it and the items of
            # the same title (the remake), say nothing about taste
            seen.extend(titles.same_title(surface) or [item_id])
        elif item_id and watched and not negated(masked, start):
            seen.append(item_id)  # "we watched Taken, more like that": seen, and liked
            prefs.append(Preference("item", surface, "like", turn, item_id=item_id))
        else:
            polarity = "dislike" if negated(masked, start) or panned_after(masked, end) else "like"
            prefs.append(Preference("item", surface, polarity, turn, item_id=item_id))
        masked = masked[:start] + " " * (end - start) + masked[end:]
    return masked


def outside_names(masked: str, spotted, lexicon: Lexicon | None, domain: Domain):
    """The spotted titles that are not inside a name the catalog credits: "books by Stephen King" is the person,
    not a title "King" in it. A title that is the name itself ("Jane Austen", a biography; "Hitchcock") is the
    person when the message says so: "Jane Austen novels", "Hitchcock films", "something by Jane Austen"."""
    if lexicon is None:
        return spotted
    named = [(a, b) for term, a, b in lexicon.spot(masked) if term.kind in ("person", "studio")]
    plural = "|".join(re.escape(n) for n in domain.plural_nouns)

    def said_person(a: int, b: int) -> bool:
        return bool(re.match(rf"\s*(?:'s\s+)?(?:{plural})\b", masked[b:], re.IGNORECASE)
                    or re.search(r"\b(?:by|with|starring)\s+$", masked[:a], re.IGNORECASE))

    return [t for t in spotted if not any(a <= t[2] and t[3] <= b and (b - a > t[3] - t[2] or said_person(a, b))
                                          for a, b in named)]


# asking about one movie, as opposed to asking for movies ("anything like Heat?")
ITEM_QUESTION = re.compile(
    r"\b(what'?s|what is|what are|tell me (more )?about|who'?s in|who is in|who stars in|how long is|describe|"
    r"is it|is (the )?(first|second|third|fourth|fifth|last) one|is #\d|plot of|what happens in)\b", re.IGNORECASE)


def asked_about(text: str, titles: TitleIndex, last_picks: list[str] | tuple[str, ...] = (),
                domain: Domain | None = None) -> str | None:
    """The catalog id a question is about ("what is #2 about?", "tell me about Heat"), or None."""
    if not ITEM_QUESTION.search(text) or re.search(r"\b(like|similar to|such as)\b", text, re.IGNORECASE):
        return None
    for item_id, _ in referenced_picks(text, last_picks):
        return item_id
    spotted = [item_id for item_id, *_ in spot_titles(text, titles, domain) if item_id]
    return spotted[0] if len(spotted) == 1 else None

"""Lexical signals: BM25 over each item's own words, and the catalog's vocabulary of themes, people and studios.

Dense search finds "something like this"; it does not guarantee that a film asked for as a zombie film is one.
This module answers the literal questions: which items say "zombie" (in keywords, tags, overview, cast,
companies…), how well an item's words match a request (BM25, via the `bm25s` library), and which words of a
message name something the catalog knows (a keyword, a person, a studio, a country) so that the request can
require it. It knows nothing about dialogue.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from wordfreq import zipf_frequency

from retrieval.catalog import Catalog, Item
from retrieval.match import FIELDS, _pattern, field_values, fold, singular_forms

# what kind of request word each field's values are, for the vocabulary a message is read against
# (people first: a name that is also a user tag is a person)
PEOPLE_FIELDS = ("cast", "directors", "writers", "composers")
NAME_FIELDS = PEOPLE_FIELDS + ("companies",)  # names, not words: a theme is not found inside them
VOCAB_FIELDS = {"cast": "person", "directors": "person", "writers": "person", "composers": "person",
                "companies": "studio", "countries": "country", "keywords": "theme", "tags": "theme"}
# words that carry no topic of their own in a request or a company name
GENERIC = frozenset("""
    movie movies film films flick flicks cinema something anything stuff thing things one ones watch watching
    watched see seen saw want wanted need needs like liked likes love loved loves enjoy enjoyed good great best
    bad nice cool awesome fun funny kind sort type tonight today night weekend evening please thanks thank maybe
    really very much more less lot lots bit little big new old older newer recent classic classics time times
    show shows series recommend recommendation suggest suggestions give get find looking look idea ideas also
    still again other another same similar different else favorite favourite year years long short day life
    man men woman women girl boy people person story stories world family kid kids child children home way
    pictures picture productions production studios studio entertainment company corporation films inc ltd
    llc international media group distribution distributors releasing release the and of in on at for with by
    from to an a is it its this that these those there here what which who whom whose when where why how
    english american british french original version edition director cast actor actress netflix hulu amazon
    prime hbo youtube itunes dvd bluray theater theaters theatre cinemas tv television channel hey hi hello
    lol haha yea yeah yes yep nope okay ok omg btw wow hmm um date preview trailer interesting boring silly
    stupid weird enjoyable mine wish chat bet acting current coming soon summer
""".split())
# a single word names a theme only if catalogs use it as a keyword at least this often relative to how
# often plain descriptions use it: "zombie" or "heist" are topics, "hope" or "help" are just words
TOPIC_RATIO = 0.3
_NUMERIC = re.compile(r"\d+(?:'?s)?")  # "1980s", "80's", "13": not names ("A24" is one)


@lru_cache(maxsize=65536)
def _number(word: str) -> bool:
    """A number, in digits or in words ("13", "thirteen", "twenty-one"): what the rules read as an age, a length
    or a year, never a name ("Thirteen Productions" is not what "she just turned thirteen" asks for)."""
    from text_to_num import text2num

    if _NUMERIC.fullmatch(word):
        return True
    try:
        text2num(word, "en")
    except ValueError:
        return False
    return True

MAX_PHRASE_WORDS = 4
PLAIN_WORD_ZIPF = 4.0  # a surname this frequent in English is also a word (chat_app/reading/cues.py: ORDINARY_ZIPF)


@lru_cache(maxsize=1)
def _nicknames() -> dict[str, tuple[str, ...]]:
    """given name -> its short forms, from data/nicknames.yaml ("james" -> ("jimmy", "jim", "jamie"))."""
    import yaml

    table = yaml.safe_load((Path(__file__).parent / "data" / "nicknames.yaml").read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {}
    for short, name in table.items():
        out.setdefault(str(name).lower(), []).append(str(short).lower())
    return {name: tuple(shorts) for name, shorts in out.items()}


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    """folded alias -> the credited name it stands for, from data/aliases.yaml ("arnie" -> "Arnold Schwarzenegger")."""
    import yaml

    table = yaml.safe_load((Path(__file__).parent / "data" / "aliases.yaml").read_text(encoding="utf-8"))
    return {" ".join(fold(str(alias)).split()): str(name) for alias, name in table.items()}


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stop_stems() -> frozenset[str]:
    """English stop words as BM25 sees them: never a reason to match ("surprise me" found "Me Him Her")."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(_stemmer().stemWords(list(STOPWORDS_EN_PLUS)))


def tokens(text: str) -> list[str]:
    """Folded, stemmed content words (Snowball English, via PyStemmer): the unit BM25 scores."""
    return _stemmer().stemWords([w for w in fold(text).split() if len(w) > 1 and w not in GENERIC])


def lexical_text(item: Item) -> str:
    return " ".join(v for name in FIELDS for v in field_values(item, name))


@dataclass(frozen=True)
class Term:
    """A phrase of a message that names something the catalog knows."""

    text: str  # the catalog's own spelling ("Studio Ghibli", "time travel")
    kind: str  # theme | person | studio | country
    count: int  # items that mention it


class Lexicon:
    """BM25 over the catalog, literal term matching, and the vocabulary a request is read against."""

    def __init__(self, catalog: Catalog):
        import bm25s

        self.catalog = catalog
        self.ids = [item.id for item in catalog]
        self.row_of = {item_id: i for i, item_id in enumerate(self.ids)}
        self._folded = [" | ".join(fold(v) for name in FIELDS for v in field_values(item, name)) for item in catalog]
        # the same without the item's names, for themes: "zombie" is not Rob Zombie (a director, and a tag on
        # his films) nor Sheri Moon Zombie, "horse" not Dark Horse Entertainment
        self._people = [frozenset(fold(p) for p in item.people + item.companies) for item in catalog]
        self._folded_topics = [" | ".join(fold(v) for name in FIELDS if name not in NAME_FIELDS
                                          for v in field_values(item, name) if fold(v) not in own)
                               for item, own in zip(catalog, self._people)]
        corpus = [tokens(lexical_text(item)) or [""] for item in catalog]
        self.bm25 = bm25s.BM25()
        self.bm25.index(corpus, show_progress=False)
        # folded phrase -> (catalog spelling, kind, items); and surnames that need a capital to count
        self.vocab, self._capitalized = self._vocabulary(catalog)
        # every word the catalog uses, and those common enough to be what a misspelt word meant
        counts = Counter(w for text in self._folded for w in set(text.split()) if w.isalpha())
        self.words = frozenset(counts)
        self._spellings = [w for w, n in counts.items() if n >= 3 and len(w) >= 4]
        self._uses = counts
        # words used in some item's keywords or tags, and by how many items ("vietnam", "mob"; not "before")
        self._tagged = Counter(w for item in catalog for w in {w for v in item.keywords + item.tags
                                                               for w in fold(v).split()})

    @staticmethod
    def _vocabulary(catalog: Catalog) -> tuple[dict[str, tuple[str, str, int]], frozenset[str]]:
        """folded phrase -> (catalog spelling, kind, items using it).

        A phrase made only of common words is left out ("not seen", "you"); so is a single word that plain
        descriptions use far more than keywords do (see TOPIC_RATIO). Studio names also answer to a
        distinctive word of theirs that descriptions almost never use ("Pixar" for "Pixar Animation Studios")."""
        from bm25s.stopwords import STOPWORDS_EN

        common = GENERIC | set(STOPWORDS_EN)
        prose: Counter = Counter()
        for item in catalog:
            prose.update(set(fold(f"{item.overview} {item.tagline}").split()))
        seen: dict[str, tuple[str, str, set]] = {}
        for item in catalog:
            for name, kind in VOCAB_FIELDS.items():
                for value in field_values(item, name):
                    words = fold(value).split()
                    phrases = [" ".join(words)]
                    if kind == "studio":
                        phrases += [w for w in words if w not in common and len(w) > 3]
                    if name == "tags" and len(words) == 1:
                        continue  # one-word user tags are mostly opinions ("interesting"); keywords name topics
                    for phrase in phrases:
                        if not phrase or len(phrase.split()) > MAX_PHRASE_WORDS:
                            continue
                        if all(w in common for w in phrase.split()) or any(map(_number, phrase.split())):
                            continue  # common words only, or a number or era ("80's") the rules read as years
                        entry = seen.setdefault(phrase, (value if phrase == " ".join(words) else phrase, kind, set()))
                        if kind == "person" and entry[1] != "person":  # a name that is also a user tag is a person
                            entry = seen[phrase] = (entry[0], kind, entry[2])
                        entry[2].add(item.id)
        vocab = {}
        for phrase, (text, kind, ids) in seen.items():
            if " " not in phrase:
                ratio = len(ids) / (prose[phrase] + 1)
                if kind == "studio" and not (prose[phrase] <= 3 and ratio >= 1 or ratio >= 5):
                    continue
                if kind in ("theme", "country") and ratio < TOPIC_RATIO:
                    continue
            vocab[phrase] = (text, kind, len(ids))
        # a short given name names the credited person ("jimmy stewart": James Stewart), unless someone is
        # credited under it
        short_forms = _nicknames()
        for phrase, (text, kind, ids) in list(seen.items()):
            words = phrase.split()
            if kind != "person" or len(words) < 2:
                continue
            for short in short_forms.get(words[0], ()):
                alias = " ".join([short] + words[1:])
                if alias not in vocab and alias not in seen:
                    vocab[alias] = (text, kind, len(ids))
        # what people call a credited person ("arnie", "scarjo", "the rock"): data/aliases.yaml
        credited = {fold(text): (text, len(ids)) for text, kind, ids in seen.values() if kind == "person"}
        for alias, name in _aliases().items():
            if alias not in vocab and fold(name) in credited:
                vocab[alias] = (credited[fold(name)][0], "person", credited[fold(name)][1])
        # a well-known surname alone names its person ("Kubrick", "Scorsese") when one person holds most of
        # the films under that name and plain descriptions never use it as a word
        by_surname: dict[str, Counter] = {}
        capitalized: set[str] = set()
        for phrase, (text, kind, ids) in seen.items():
            if kind == "person" and len(phrase.split()) >= 2:
                by_surname.setdefault(phrase.split()[-1], Counter())[phrase] = len(ids)
        for surname, people in by_surname.items():
            (top, films), total = people.most_common(1)[0], sum(people.values())
            taken = surname in vocab and vocab[surname][1] != "studio"  # a person beats a company's word
            if (len(surname) >= 4 and surname not in common and not taken and films >= 3
                    and films >= 0.6 * total and films >= 2 * prose[surname]):
                vocab[surname] = (seen[top][0], "person", films)
                if prose[surname] and zipf_frequency(surname, "en") >= PLAIN_WORD_ZIPF:
                    capitalized.add(surname)  # also a plain word ("Wolf", "Ford"): only when written with a
                    # capital; one that descriptions use as a name ("a Hitchcock thriller") needs none
        return vocab, frozenset(capitalized)

    # ---- literal matching ----

    @lru_cache(maxsize=2048)
    def matching(self, term: str) -> frozenset[str]:
        """Ids of the items that mention the term in any descriptive field (see retrieval.match)."""
        pattern = _pattern(term)
        if pattern is None:
            return frozenset()
        entry, name = self.vocab.get(fold(term)), fold(term)
        if entry and entry[1] in ("person", "studio"):
            return frozenset(self.ids[i] for i, text in enumerate(self._folded) if pattern.search(text))
        # a theme is not found inside the item's people's names, unless it is one of them whole (the tag
        # "Stephen King" on a film he wrote)
        return frozenset(self.ids[i] for i, text in enumerate(self._folded_topics)
                         if pattern.search(text) or (name in self._people[i] and pattern.search(self._folded[i])))

    def is_topic_word(self, word: str, max_share: float = 0.05) -> bool:
        """Is a single word something a few items are about: part of the keywords or tags of at least 2 items,
        mentioned by 3 to `max_share` of the catalog, not a common word ("before" is in many descriptions and
        no keyword)? For words the person rules out, where a wrong guess costs little."""
        from bm25s.stopwords import STOPWORDS_EN

        folded = fold(word)
        if folded in GENERIC or folded in STOPWORDS_EN or len(folded) < 3 or self._tagged[folded] < 2:
            return False
        return 3 <= len(self.matching(folded)) <= max(3, int(max_share * len(self.ids)))

    def backoff(self, term: str, max_share: float = 0.02) -> list[str]:
        """The distinctive words of a several-word term that name topics on their own, for when the whole term
        is too rare: "courtroom drama" -> ["courtroom"]."""
        words = fold(term).split()
        if len(words) < 2:
            return []
        limit = max(3, int(max_share * len(self.ids)))
        return [w for w in words if w in self.vocab and self.vocab[w][2] <= limit]

    # ---- spelling ----

    def correct(self, text: str, keep: frozenset[str] = frozenset()) -> str:
        """The text with each word the catalog never uses replaced by the catalog word it most likely
        misspells, one edit or swap away ("hiest" -> "heist", "chrismas" -> "christmas"); words it cannot
        place, accented words (likely another language) and the words in `keep` stay as written."""
        from rapidfuzz import process
        from rapidfuzz.distance import DamerauLevenshtein

        def fix(m: re.Match) -> str:
            word = m.group(0)
            folded = fold(word)
            if len(folded) < 5 or not word.isascii() or folded in self.words or folded in GENERIC or folded in keep \
                    or any(f in self.words for f in singular_forms(folded)):
                return word  # short, accented (likely another language), or a word the catalog knows
            # every catalog word one edit away with the same first letter; a dropped letter is the likeliest
            # typo ("matrx": "matrix", not "marx"), then the more used word
            near = [w for w, _, _ in process.extract(folded, self._spellings, scorer=DamerauLevenshtein.distance,
                                                      score_cutoff=1, limit=None) if w[0] == folded[0]]
            return max(near, key=lambda w: (len(w) == len(folded) + 1, self._uses[w])) if near else word

        return re.sub(r"[^\W\d_]+", fix, text)

    # ---- BM25 ----

    def scores(self, text: str) -> np.ndarray:
        """BM25 score of every catalog item (in catalog order) for the words of `text`."""
        stop = _stop_stems()
        words = [w for w in tokens(text) if w in self.bm25.vocab_dict and w not in stop]
        if not words:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(words), dtype=np.float32)

    def search(self, text: str, n: int) -> list[tuple[str, float]]:
        scores = self.scores(text)
        top = np.argsort(-scores)[:n]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    # ---- reading a message ----

    def spot(self, text: str, max_share: float = 0.05) -> list[tuple[Term, int, int]]:
        """Phrases of `text` the catalog knows, longest first, as (term, start, end) character spans.

        A single word counts only if it is not generic and names a theme, studio or country used by at most
        `max_share` of the catalog ("zombie", "pixar"); a person needs the full name or a surname that is theirs
        alone ("Kubrick")."""
        spans = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"[^\W_]+(?:['’-][^\W_]+)*", text)]
        words = [fold(w) for w, _, _ in spans]
        found, used = [], set()
        limit = max(3, int(max_share * len(self.ids)))
        for size in range(MAX_PHRASE_WORDS, 0, -1):
            for i in range(len(spans) - size + 1):
                if used & set(range(i, i + size)):
                    continue
                head, last = words[i : i + size - 1], words[i + size - 1]
                phrase = " ".join(words[i : i + size])
                entry = next((e for form in singular_forms(last) if (e := self.vocab.get(" ".join(head + [form])))),
                             None)
                if entry is None:
                    continue
                spelling, kind, count = entry
                if size == 1 and (any(f in GENERIC for f in singular_forms(phrase)) or len(phrase) < 3
                                  or count > limit):
                    continue
                if size > 1 and (all(w in GENERIC for w in words[i : i + size])
                                 or words[i + size - 1] in ("movie", "movies", "film", "films")):
                    continue  # "heist movie" asks for heists: the shorter phrase is found next
                if (size == 1 and phrase in self._capitalized and not spans[i][0][:1].isupper()
                        and not (i and words[i - 1] == "by")):
                    continue
                if (size == 1 and kind == "person" and i and spans[i - 1][0][:1].isupper()
                        and words[i - 1] != fold(spelling).split()[0] and " " in spelling):
                    continue  # "Harry Potter" is not Beatrix Potter: a surname after another given name
                found.append((Term(spelling, kind, count), spans[i][1], spans[i + size - 1][2]))
                used |= set(range(i, i + size))
        return sorted(found, key=lambda f: f[1])

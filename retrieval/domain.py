"""What is specific to one kind of item, as data: a typed `Domain` read from the `domain.yaml` beside a catalog.

A domain names the items ("movie"/"movies", "book"/"books") and what people do with them ("watch"/"read"),
lists the category vocabulary and the words that name each category, the moods and the categories each
favours or avoids, who the items can be for (audiences as category rules), the one number a person may cap
("under 2 hours", "under 300 pages") with its units, the people roles and how to say them ("directed by",
"by"), and the texts the UI and the explanations show. The rules, the constraints, the ranking, the prompts
and the UI read it; none of them names a kind of item. The movie domain ships as
`retrieval/data/domain.yaml` and reproduces the behaviour the code had before it was data.

Every string in the file is data: it is shown escaped, rendered into prompts as a value (never as a
template), and `{count}` in the intro text is the only placeholder filled in. The `said` entries of an
audience are regular expressions (matched case-insensitively); each must compile and is capped in length.
What this module leaves out: reading the catalog itself (`retrieval.catalog`) and writing domain files
(`retrieval.ingest`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

MOVIE_DOMAIN = Path(__file__).parent / "data" / "domain.yaml"
MAX_TEXT = 300  # characters in one word or text of a domain file
MAX_PATTERN = 1000  # characters in one `said` regular expression
ITEM_NUMBER_FIELDS = ("year", "runtime", "num_ratings", "mentions")  # Item's own numeric fields
ROLE_FIELDS = ("directors", "cast", "writers", "composers", "companies")

Text = Field(min_length=1, max_length=MAX_TEXT)


class DomainError(Exception):
    """A domain file is missing or invalid; the message names the file and the bad key."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class MoodRule(_Spec):
    """What a mood asks of categories, as soft ranking signals."""

    favour: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()


class Audience(_Spec):
    """Who items can be for, as category rules: `any` of these required, `none` of those allowed."""

    says: str = Text  # how the ledger says it: "for the family"
    any: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    said: tuple[str, ...] = ()  # regular expressions that ask for it ("for my kids", "date night")
    negated: str | None = None  # the audience "not for <this>" asks for ("not for kids" -> adults)

    @field_validator("said")
    @classmethod
    def _patterns_compile(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            if len(pattern) > MAX_PATTERN:
                raise ValueError(f"a pattern is longer than {MAX_PATTERN} characters")
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(f"{pattern[:60]!r} is not a regular expression: {exc}") from exc
        return value


class Unit(_Spec):
    """One way of saying an amount of the length attribute: "2 hours" is 120 minutes (factor 60)."""

    words: tuple[str, ...] = Field(min_length=1)  # "hours", "hour", "hrs", "h"
    factor: float = Field(1.0, gt=0)
    fractions: bool = False  # "1.5 hours", "an hour and a half", "two hours"
    digits: tuple[int, int] = (1, 5)  # how many digits a plain number of this unit has

    @field_validator("digits")
    @classmethod
    def _digits_ordered(cls, value: tuple[int, int]) -> tuple[int, int]:
        if not 1 <= value[0] <= value[1] <= 9:
            raise ValueError("digits must be [low, high] with 1 <= low <= high <= 9")
        return value


class Length(_Spec):
    """The one number a person may cap: a film's runtime in minutes, a book's pages."""

    name: str = Text  # as the violations name it: "runtime", "length"
    field: str = Text  # the Item field it is read from ("runtime") or a key of Item.attributes ("pages")
    unit: str = Text  # "minutes", "pages": "at most 300 pages"
    short: str = Text  # "min", "pages": "runtime over 120 min or unknown"
    about: str = Text  # what it is, for a model: "how long the film runs, in minutes"
    units: tuple[Unit, ...] = Field(min_length=1)  # tried in order; the first said wins
    range: tuple[int, int] = (1, 100_000)  # values outside are dropped as impossible
    any_words: tuple[str, ...] = ()  # "any length", "any runtime" lift the limit
    display: Literal["count", "duration"] = "count"  # "320 pages" or "2 h 05 min" (from minutes)

    @field_validator("field")
    @classmethod
    def _field_name(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,40}", value):
            raise ValueError("field must be a lower-case name such as runtime or pages")
        return value

    def metadata_key(self) -> str:
        """The index metadata key the limit filters on (`retrieval.constraints.item_metadata`)."""
        return self.field if self.field in ITEM_NUMBER_FIELDS else f"attr_{self.field}"


class Role(_Spec):
    """People in one role and how to say them: directors are "Directed by", a book's writers "by"."""

    field: Literal["directors", "cast", "writers", "composers", "companies"]
    label: str = Text  # one of them, in an evidence line: "director", "author"
    says: str = Text  # before their names: "Directed by", "by"
    limit: int = Field(3, ge=0, le=20)  # how many the embedded document names


class Texts(_Spec):
    """What the UI and the replies say."""

    title: str = Text
    intro: str = Text  # `{count}` is the catalog's size
    placeholder: str = Text
    box_placeholder: str = Text
    empty_ledger: str = Text
    ask: str = Text  # the answer to an empty message
    greeting: str = Text
    thanks: str = Text
    examples: tuple[str, ...] = ()
    tags_label: str = Text  # before user tags in the embedded document: "Viewers say"
    ratings_source: str = Text  # whose ratings the mean is: "MovieLens"
    popular: str = Text  # a pick found by popularity: "One of the most-rated movies that fit what you asked"
    # the question back to a request with no taste in it ("surprise me", "idk something good")
    # said once per session when the language model did not answer and the rules alone read the message
    degraded: str = Field(default="(The language model did not answer, so I read this with my rules alone: what "
                                  "you said in other words or in another language may be missed.)", min_length=1,
                          max_length=MAX_TEXT)
    vague: str = Field(default="These are widely loved and of different kinds. Tell me one you loved, a mood, or "
                               "who it is for, and I will narrow it down.", min_length=1, max_length=MAX_TEXT)


class Domain(_Spec):
    name: str = Text
    noun: str = Text
    plural: str = Text
    verb: str = Text  # what people do with one: "watch", "read"
    verb_past: tuple[str, ...] = Field(min_length=1)  # "watched"; "read"
    nouns: tuple[str, ...] = Field(min_length=1)  # words that name one item: movie, film, flick
    medium_words: tuple[str, ...] = ()  # other words about the medium, not a topic: cinema, tv series, sequel
    plural_nouns: tuple[str, ...] = Field(min_length=1)  # and several: movies, films
    language_nouns: tuple[str, ...] = ()  # nouns after a language that ask for that language: "French films"
    noun_modifiers: tuple[str, ...] = ()  # words between a language and a noun: "Chinese martial arts films"
    not_titles: tuple[str, ...] = ()  # one-word titles that are common words here ("heat", "drama")
    categories: tuple[str, ...] = Field(min_length=1)
    # "scary" -> "Horror"; a word may name several ("rom-com" -> [Romance, Comedy])
    category_words: dict[str, str | tuple[str, ...]] = Field(default_factory=dict)
    moods: dict[str, str] = Field(default_factory=dict)  # "lighter" -> "light-hearted"
    mood_categories: dict[str, MoodRule] = Field(default_factory=dict)
    audiences: dict[str, Audience] = Field(default_factory=dict)
    # categories that say who an item is for rather than what it is: an LLM's gloss may name one only when
    # the message has a word for who it is for ("Children")
    audience_categories: tuple[str, ...] = ()
    length: Length | None = None
    roles: tuple[Role, ...] = ()
    texts: Texts
    gloss_examples: tuple[tuple[str, str], ...] = ()  # (message, gloss) pairs shown to the gloss prompt

    _category_of: dict[str, str] = PrivateAttr(default_factory=dict)

    @field_validator("noun", "plural", "verb", "name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if any(c in value for c in "\n\r\t") or not value.strip():
            raise ValueError("must be a non-empty single line")
        return value.strip()

    @model_validator(mode="after")
    def _vocabulary_consistent(self) -> "Domain":
        known = set(self.categories)
        if len(known) != len(self.categories):
            raise ValueError("categories: a category is listed twice")
        for key, named in [(f"category_words.{w}", set(self.categories_of(w))) for w in self.category_words] + \
                [(f"mood_categories.{m}", set(r.favour) | set(r.avoid)) for m, r in self.mood_categories.items()] + \
                [(f"audiences.{a}", set(r.any) | set(r.none)) for a, r in self.audiences.items()] + \
                [("audience_categories", set(self.audience_categories))]:
            if unknown := named - known:
                raise ValueError(f"{key}: {sorted(unknown)} not in categories")
        for word, mood in self.moods.items():
            if mood not in self.mood_categories and mood != "lesser-known":
                raise ValueError(f"moods.{word}: mood {mood!r} has no entry in mood_categories")
        for name, rule in self.audiences.items():
            if rule.negated is not None and rule.negated not in self.audiences:
                raise ValueError(f"audiences.{name}.negated: {rule.negated!r} is not an audience")
        for key in ("category_words", "moods"):
            if any(not w.strip() or w != w.lower() or len(w) > MAX_TEXT for w in getattr(self, key)):
                raise ValueError(f"{key}: every word must be non-empty and lower case")
        return self

    def model_post_init(self, context) -> None:
        self._category_of = {c.lower(): c for c in self.categories}

    def __hash__(self) -> int:  # by identity: the rules cache compiled patterns per domain
        return id(self)

    def category(self, text: str) -> str | None:
        """The category a text names: the category itself in any case, or one of its words."""
        lowered = str(text).strip().lower()
        return self._category_of.get(lowered) or next(iter(self.categories_of(lowered)), None)

    def categories_of(self, word: str) -> tuple[str, ...]:
        """The categories one of the category words names: "scary" -> (Horror,), "rom-com" -> (Romance, Comedy)."""
        named = self.category_words.get(word, ())
        return (named,) if isinstance(named, str) else tuple(named)

    def known_categories(self, values) -> tuple[str, ...]:
        """The values that are categories, spelled as the domain spells them, sorted and once each."""
        return tuple(sorted({c for v in values if (c := self._category_of.get(str(v).lower()))}))

    def moods_conflict(self, a: str, b: str) -> bool:
        """Does one mood favour what the other avoids ("feel-good" and "dark", "funny" and "sad")?"""
        ra, rb = self.mood_categories.get(a), self.mood_categories.get(b)
        return bool(ra and rb and (set(ra.favour) & set(rb.avoid) or set(rb.favour) & set(ra.avoid)))

    def mood_rule(self, mood: str, words: bool = True) -> tuple[frozenset[str], frozenset[str]]:
        """(favoured, avoided) categories of a mood, or (with `words`) of a word for one ("lighter" is
        "light-hearted")."""
        mood = self.moods.get(mood.lower(), mood.lower()) if words else mood.lower()
        rule = self.mood_categories.get(mood)
        return (frozenset(rule.favour), frozenset(rule.avoid)) if rule else (frozenset(), frozenset())

    def intro(self, count: int) -> str:
        return self.texts.intro.replace("{count}", f"{count:,}")

    def role_label(self, field: str) -> str | None:
        return next((r.label for r in self.roles if r.field == field), None)

    def describe_attributes(self) -> str:
        """The item fields a person may ask about, one line each, for a model (like LangChain's AttributeInfo)."""
        lines = [f"- category: one or more of {', '.join(self.categories)}", "- year: when it came out",
                 "- language: the language it is in"]
        if self.length:
            lines.append(f"- {self.length.name}: {self.length.about}")
        lines += [f"- {r.label}: {r.says} ..." for r in self.roles]
        return "\n".join(lines)


def load_domain(path: str | Path) -> Domain:
    """Read and check a domain file; DomainError names the file and the key that is wrong."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DomainError(f"cannot read the domain file {path}: {exc}") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DomainError(f"the domain file {path} is not valid YAML: {exc}") from exc
    return parse_domain(raw, str(path))


def parse_domain(raw: object, source: str = "domain.yaml") -> Domain:
    if not isinstance(raw, dict):
        raise DomainError(f"{source}: expected a mapping of keys (noun, plural, categories, ...), "
                          f"got {type(raw).__name__}")
    try:
        return Domain.model_validate(_tuples(raw))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
                             for e in exc.errors()[:8])
        raise DomainError(f"{source} is not a valid domain: {problems}") from exc


def _tuples(value):
    """YAML lists as tuples, so strict validation accepts them for tuple fields."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


@lru_cache(maxsize=1)
def movie_domain() -> Domain:
    """The shipped movie domain: the default wherever no catalog folder says otherwise."""
    return load_domain(MOVIE_DOMAIN)

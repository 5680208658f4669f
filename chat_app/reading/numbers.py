"""Decades and length limits said in other languages: "90년대", "anni '70", "80er Jahre", "не длиннее полутора
часов", "2時間以内".

What is language is data (`languages.yaml` beside this module); this module only compiles it and turns a
match into the same constraint fields the English reader writes (`year_min`/`year_max`, `length_max` in the
domain's unit). Numbers never depend on the LLM: the packaged coder model misreads decades in other
languages. English stays with `chat_app.reading.limits.years_and_length`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from retrieval.domain import Domain

DATA = Path(__file__).with_name("languages.yaml")  # also the English taste idioms
_AMOUNT = r"\d+(?:[.,]\d+)?"


@cache
def taste_idioms(path: Path = DATA) -> re.Pattern:
    """English expressions of taste whose words name no topic ("fan of", "in the mood for")."""
    idioms = yaml.safe_load(path.read_text(encoding="utf-8"))["taste_idioms"]
    return re.compile(r"\b(?:" + "|".join(idioms) + r")\b", re.IGNORECASE)


@cache
def person_states(path: Path = DATA) -> frozenset[str]:
    """Words for how the person is ("bored", "tired"), not for what the items are about."""
    return frozenset(str(w).lower() for w in yaml.safe_load(path.read_text(encoding="utf-8"))["person_states"])


def blank_idioms(text: str) -> str:
    """The text with those expressions replaced by spaces (offsets kept)."""
    return taste_idioms().sub(lambda m: " " * len(m.group(0)), text)


@dataclass(frozen=True)
class LanguageNumbers:
    decades: tuple[re.Pattern, ...]
    decade_words: dict[str, int]
    lengths: tuple[re.Pattern, ...]  # groups: amount, unit
    amounts: dict[str, float]
    hours: re.Pattern
    minutes: re.Pattern


@cache
def language_numbers(path: Path = DATA) -> LanguageNumbers:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    decades = tuple(re.compile(p, re.IGNORECASE) for p in data["decades"]["patterns"])
    words = {str(k).lower(): int(v) for k, v in data["decades"]["words"].items()}
    spec = data["lengths"]
    amounts = {str(k).lower(): float(v) for k, v in spec["amounts"].items()}
    amount = "(?P<amount>" + _AMOUNT + "|" + "|".join(re.escape(w) for w in sorted(amounts, key=len, reverse=True)) + ")"
    unit = f"(?P<unit>{spec['hours']}|{spec['minutes']})"
    limits = "|".join(spec["limits"])
    after = "|".join(spec["after"])
    half = "(?P<half>\\s+(?:" + "|".join(spec.get("halves", ["(?!)"])) + "))?"
    lengths = (re.compile(rf"(?:^|(?<=\W))(?:{limits})\s*{amount}\s*{unit}(?!\w){half}", re.IGNORECASE),
               re.compile(rf"{amount}\s*{unit}\s*(?:{after})", re.IGNORECASE))
    return LanguageNumbers(decades, words, lengths, amounts,
                           re.compile(rf"^(?:{spec['hours']})$", re.IGNORECASE),
                           re.compile(rf"^(?:{spec['minutes']})$", re.IGNORECASE))


def _decade_start(number: str, century: int | None = None) -> int | None:
    value = int(number)
    if value >= 1900:
        return value - value % 10
    if value % 10 or value >= 100:
        return None
    return (2000 if value <= 10 else 1900) + value  # "20年代" in a film request means the 1920s only with 19..


def decade_in(text: str, numbers: LanguageNumbers | None = None) -> tuple[int, int] | None:
    """(first year, last year) of a decade the text names in a supported language, or None."""
    numbers = numbers or language_numbers()
    for pattern in numbers.decades:
        for m in pattern.finditer(text):
            groups = m.groupdict()
            number = groups.get("n") or groups.get("n2")
            start = None
            if number:
                start = _decade_start(number.lstrip("'’"))
            elif groups.get("w"):
                word = groups["w"].lower()
                value = numbers.decade_words.get(word) or next(
                    (v for w, v in numbers.decade_words.items() if word.startswith(w)), None)
                start = 1900 + value if value else None
            if start:
                return start, start + 9
    return None


def length_limit_in(text: str, domain: Domain, numbers: LanguageNumbers | None = None) -> int | None:
    """The most a person wants in the domain's length unit ("unter zwei Stunden": 120 for minutes), when the
    domain's length is time (minutes) and the text says a limit in a supported language; else None."""
    if domain.length is None or domain.length.unit not in ("minutes", "min"):
        return None
    numbers = numbers or language_numbers()
    for pattern in numbers.lengths:
        if m := pattern.search(text):
            raw = m.group("amount").lower().replace(",", ".")
            amount = numbers.amounts.get(raw) if raw in numbers.amounts else float(raw)
            hours = bool(numbers.hours.match(m.group("unit")))
            half = 0.5 if hours and m.groupdict().get("half") else 0
            return int(round((amount + half) * (60 if hours else 1)))
    return None


def spelled_as_digits(text: str) -> str:
    """English numbers written as words, as digits ("a three year old" -> "a 3 year old", "ninety minutes" ->
    "90 minutes"), with text2num, a well-kept parser; lone small numbers ("one last job", "the first one") stay
    words. Offsets may move: for readers of numbers, not for spans."""
    from text_to_num import alpha2digit

    try:
        return alpha2digit(text, "en")
    except Exception:  # the parser's own errors on odd input: the words stay words
        return text

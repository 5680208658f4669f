"""Answers to questions about shown items, from their catalog facts only (`chat_app.reading.questions`).

Every sentence states a field of the item's catalog entry or says that the catalog does not have it; nothing
is recalled by a model. Whether an item suits children or is frightening is answered from its categories and
the domain's audience rule, and the catalog words that say so are quoted.
"""

from __future__ import annotations

from retrieval.catalog import Item
from retrieval.domain import Domain

FRIGHTENING_WORDS = ("gore", "violence", "murder", "serial killer", "torture", "slasher", "monster", "demon",
                     "ghost", "haunted house", "possession", "blood", "killer", "massacre", "zombie")


def _list(values) -> str:
    values = list(values)
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def _role(item: Item, field: str, domain: Domain) -> str:
    role = next((r for r in domain.roles if r.field == field), None)
    names = getattr(item, field, ())
    label = role.label if role else field
    if not names:
        return f"the catalog doesn't list the {label} of {item.label}"
    return f"{item.label}: {role.says if role else label} {_list(names[:6])}"


def _frightening(item: Item, domain: Domain) -> str:
    """From the categories the domain's "scary" mood favours, in its file's order (the first is the frightening
    kind itself: Horror), and the item's own catalog words."""
    rule = domain.mood_categories.get(domain.moods.get("scary", "scary"))
    favoured = list(rule.favour) if rule else []
    words = [k for k in item.keywords + item.tags if any(w in k.lower() for w in FRIGHTENING_WORDS)][:3]
    said = f" (its catalog words: {', '.join(words)})" if words else ""
    dark = [g for g in item.genres if g in favoured]
    if favoured and favoured[0] in item.genres:
        return f"{item.label} is listed as {favoured[0].lower()}{said}: yes, it is meant to scare."
    if dark or words:
        kinds = f"listed as {_list([g.lower() for g in dark])}" if dark else \
            f"not listed as {favoured[0].lower()}" if favoured else "not listed as frightening"
        return f"{item.label} is {kinds}{said}: tense or dark in places."
    listed = f"listed as {_list([g.lower() for g in item.genres])}" if item.genres else "not listed under any kind"
    return f"{item.label} is {listed}, with nothing in its catalog entry about fear or violence."


def _children(item: Item, domain: Domain) -> str:
    rule = domain.audiences.get("family")
    if rule is None:
        return f"the catalog doesn't say who {item.label} is for"
    bad = [g for g in item.genres if g in rule.none]
    good = [g for g in item.genres if g in rule.any]
    if bad:
        return f"{item.label} is listed as {_list([g.lower() for g in bad])}: probably not for children."
    if good:
        return f"{item.label} is listed as {_list([g.lower() for g in good])}: made with children in mind."
    return (f"{item.label} is {'listed as ' + _list([g.lower() for g in item.genres]) if item.genres else 'not listed'}"
            f"; the catalog doesn't say it is for children, so check it first.")


def describe_item(item: Item, domain: Domain) -> str:
    """An answer about one item from its catalog facts only."""
    size = item.number(domain.length.field) if domain.length else None
    facts = [", ".join(item.genres), f"{size} {domain.length.unit}" if size else ""]
    parts = [f"{item.label}: " + " · ".join(f for f in facts if f) + "."]
    if item.overview:
        parts.append(item.overview)
    known = list(dict.fromkeys(list(item.keywords[:5]) + list(item.tags[:5])))
    if known:
        parts.append("Known for: " + ", ".join(known) + ".")
    if item.mean_rating and item.num_ratings >= 5:
        parts.append(f"{domain.texts.ratings_source} users rate it {item.mean_rating:.1f}/5 "
                     f"({item.num_ratings} ratings).")
    return " ".join(parts)


def answer_one(item: Item, asks: str, domain: Domain) -> str:
    if asks in ("directors", "writers", "composers", "cast"):
        return _role(item, asks, domain)
    if asks == "length":
        length = domain.length
        size = item.number(length.field) if length else None
        if not size:
            return f"the catalog doesn't say how long {item.label} is"
        return f"{item.label} is {int(size)} {length.unit}"
    if asks == "year":
        return f"{item.title} is from {item.year}" if item.year else f"the catalog doesn't say when {item.title} is from"
    if asks == "children":
        return _children(item, domain)
    if asks == "scary":
        return _frightening(item, domain)
    if asks == "genres":
        return (f"{item.label} is listed as {_list([g.lower() for g in item.genres])}" if item.genres
                else f"the catalog doesn't list the kind of {item.label}")
    if asks == "rating":
        if item.mean_rating and item.num_ratings >= 5:
            return (f"{domain.texts.ratings_source} users rate {item.label} {item.mean_rating:.1f}/5 "
                    f"({item.num_ratings} ratings)")
        return f"the catalog doesn't have enough ratings of {item.label} to say"
    return describe_item(item, domain)  # "about"


def answer(items: list[Item], asks: str, domain: Domain) -> str:
    """One sentence per item, each from its own facts."""
    sentences = []
    for item in items:
        sentence = answer_one(item, asks, domain)
        sentences.append(sentence[:1].upper() + sentence[1:] + ("" if sentence.endswith((".", "!", "?")) else "."))
    return " ".join(sentences)

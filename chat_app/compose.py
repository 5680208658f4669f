"""Composition: one retrieval query from the whole profile.

Each liked entry gets a weight from its own emphasis and its recency (newer turns count more), normalised
with a softmax so the weights sum to one whatever the profile's size. Liked catalog items pull towards
their own vectors, liked aspects towards their text; dislikes push away; disliked people become terms an
item must not mention; hard constraints pass through; every item already mentioned, shown or rejected is
excluded. Liked themes, people and studios are also words an item should literally mention; those of the
newest turn that named any are required (the ranking relaxes that when too few items have them). What a
mood asks of categories, and the noun an aspect is said with ("a dark movie"), come from the `Domain`.
"""

from __future__ import annotations

import math
from typing import Callable

from chat_app.profile import Preference, Profile
from chat_app.reading.search import search_text
from retrieval.domain import Domain, movie_domain
from retrieval.recommend import Query

LITERAL_KINDS = ("theme", "person", "studio")  # aspects an item must literally mention to answer them
OBSCURE_MOOD = "lesser-known"  # "hidden gems": popularity counts against an item
CLASSIC_MOOD = "classic"  # "classic Disney animation": older items are preferred
CLASSIC_AGE = 15  # years before the catalog's newest item that an item must be to count as older
RECENCY = 0.6  # log-weight lost per turn of age
ITEM_BOOST = 0.5  # a named movie says more about taste than one aspect word


def softmax_weights(prefs: list[Preference], turn: int) -> list[float]:
    """Normalised weights: softmax over log(emphasis) - RECENCY * age (+ ITEM_BOOST for items)."""
    if not prefs:
        return []
    logits = [math.log(max(p.weight, 1e-6)) - RECENCY * max(turn - p.turn, 0)
              + (ITEM_BOOST if p.item_id else 0.0) for p in prefs]
    top = max(logits)
    exps = [math.exp(v - top) for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def aspect_text(pref: Preference, noun: str = "movie") -> str:
    if pref.kind == "genre":
        return f"{pref.text} {noun}"
    if pref.kind == "mood":
        return f"a {pref.text} {noun}"
    if pref.kind == "item":
        return pref.text
    return pref.text


def compose_query(profile: Profile, fallback_text: str = "", exclude: set[str] | frozenset[str] = frozenset(),
                  domain: Domain | None = None, latest_year: int = 2018,
                  synonyms: Callable[[str], list[str]] | None = None, known_words: frozenset[str] | None = None) -> Query:
    """`synonyms(term)`, when given, names the catalog terms a disliked theme excludes with it ("no mob
    stuff" also leaves out what the catalog calls "mafia"); `known_words`, when given, are the words the
    message's own text must use to be searched by when nothing was read in it
    (`chat_app.reading.search.search_text`)."""
    domain = domain or movie_domain()
    aspect = lambda p: aspect_text(p, domain.noun)
    liked = profile.liked()
    weights = softmax_weights(liked, profile.turn)
    texts = tuple((aspect(p), w) for p, w in zip(liked, weights) if not p.item_id)
    items = tuple((p.item_id, w) for p, w in zip(liked, weights) if p.item_id)
    disliked = profile.disliked()
    d_weights = softmax_weights(disliked, profile.turn)
    # a disliked person or studio is a literal exclusion, not "less like this": pushing the query away from
    # Pixar's text pushes it away from every animated film, and "superheroes, not Marvel" away from superheroes
    avoid_texts = tuple((aspect(p), w) for p, w in zip(disliked, d_weights)
                        if not p.item_id and p.kind not in ("person", "studio"))
    avoid_items = tuple((p.item_id, w) for p, w in zip(disliked, d_weights) if p.item_id)
    avoid_terms = tuple(p.text for p in disliked if p.kind in LITERAL_KINDS)
    if synonyms is not None:
        avoid_terms += tuple(t for p in disliked if p.kind == "theme" for t in synonyms(p.text))
        avoid_terms = tuple(dict.fromkeys(avoid_terms))
    literal = [(p, w) for p, w in zip(liked, weights) if p.kind in LITERAL_KINDS]
    # the words of the newest request that asks for a topic: a later turn naming only a genre ("classic Disney
    # animation" ... "a science fiction movie") asks for something else, so Disney is no longer required
    newest = max((p.turn for p in liked if p.kind in LITERAL_KINDS or p.kind == "genre"), default=None)
    required_terms = tuple(p.text for p, _ in literal if p.turn == newest)
    # ... and the share of the request an item's words meet counts those newer genres too: a Disney film then
    # meets a quarter of it, not all of it
    last_literal = max((p.turn for p, _ in literal), default=None)
    newer_genres = sum(w for p, w in zip(liked, weights) if p.kind == "genre" and last_literal is not None
                       and p.turn > last_literal)
    classic = [w for p, w in zip(liked, weights) if p.kind == "mood" and p.text == CLASSIC_MOOD]
    genre_fit: dict[str, float] = {}
    for pref, w in zip(liked, weights):
        favoured, against = domain.mood_rule(pref.text, words=False) if pref.kind == "mood" else (set(), set())
        if pref.kind == "genre":
            favoured = {pref.text}
        for genre in favoured:
            genre_fit[genre] = genre_fit.get(genre, 0.0) + 1.0
        for genre in against:
            genre_fit[genre] = genre_fit.get(genre, 0.0) - 1.0
    for pref in disliked:
        if pref.kind == "genre":
            genre_fit[pref.text] = genre_fit.get(pref.text, 0.0) - 1.0
    # a mood is a weak word for BM25 ("a dark movie" finds The Dark Knight by its title): left out when the
    # request has other words, kept when it is all there is ("something sad")
    words = tuple(aspect(p) for p in liked if not p.item_id and p.kind != "mood")
    lexical_words = words if words else None
    searched = search_text(fallback_text[:2000], domain, known_words)
    if not texts and not items and searched:
        texts = ((searched[:500], 1.0),)
    return Query(texts=texts, items=items, avoid_texts=avoid_texts, avoid_items=avoid_items,
                 constraints=profile.constraints, avoid_terms=avoid_terms, genre_fit=genre_fit,
                 exclude=frozenset(exclude) | profile.mentioned_ids(),
                 terms=tuple((p.text, w) for p, w in literal), required_terms=required_terms,
                 lexical_words=lexical_words, genres_named=tuple(p.text for p in liked if p.kind == "genre"),
                 prefer_obscure=any(p.kind == "mood" and p.text == OBSCURE_MOOD for p in liked), domain=domain,
                 classic_before=latest_year - CLASSIC_AGE if classic else None,
                 classic_weight=max(classic, default=0.0) / max(weights, default=1.0), match_extra=newer_genres)

"""From a composed query to ranked, constraint-checked items: candidates (dense, lexical, collaborative,
co-mentioned, popular) -> rerank.

`Query` is what the dialogue side hands over: weighted texts and items to move towards and away from, words
the items should literally be about (a theme, a person, a studio) and which of them are required, hard
constraints, words an item must not mention (a disliked actor or theme), and ids never to return. A required
word narrows the candidates to the items that mention it while at least k of them fit the limits; with
fewer it is only preferred. Every returned id is a catalog id that satisfies the constraints; that is checked
here, after the filter, not assumed.
"""

from __future__ import annotations

import random

import math
from dataclasses import dataclass, field, replace

import numpy as np

from retrieval.catalog import Catalog, Item
from retrieval.collaborative import ItemCF
from retrieval.comention import CatalogCoMention
from retrieval.constraints import Constraints
from retrieval.domain import Domain
from retrieval.embeddings import Embedder
from retrieval.lexical import Lexicon
from retrieval.match import fold, mentions
from retrieval.rerank import RerankWeights, feature_score, mmr
from retrieval.store import ItemIndex

DISLIKE_SHIFT = 0.3  # how far disliked texts/items push the query vector away


@dataclass(frozen=True)
class Query:
    texts: tuple[tuple[str, float], ...] = ()
    items: tuple[tuple[str, float], ...] = ()
    avoid_texts: tuple[tuple[str, float], ...] = ()
    avoid_items: tuple[tuple[str, float], ...] = ()
    constraints: Constraints = Constraints()
    avoid_terms: tuple[str, ...] = ()
    exclude: frozenset[str] = frozenset()
    genre_fit: dict[str, float] = field(default_factory=dict)  # soft: + favoured genre, - unwanted genre
    genres_named: tuple[str, ...] = ()  # the genres the person asked for by name (not through a mood)
    terms: tuple[tuple[str, float], ...] = ()  # words the items should be about (theme, person, studio), weighted
    required_terms: tuple[str, ...] = ()  # of those, the ones the newest request insists on
    prefer_obscure: bool = False  # "hidden gems": popularity counts against an item
    classic_before: int | None = None  # "classic …": items from before this year fit better, the older the more
    classic_weight: float = 1.0  # how much "classic" counts: its weight against the newest liked aspect's
    match_extra: float = 0.0  # weight of genres asked for after the newest terms: part of what `match` shares
    # the liked aspects' words for BM25 when not all of `texts` are words an item would contain (a mood is
    # "a dark movie": "dark" is in The Dark Knight's title, not a reason to pick it); None: all of `texts`
    lexical_words: tuple[str, ...] | None = None
    domain: Domain | None = field(default=None, compare=False)  # what the constraints mean; None: movies

    @property
    def lexical_text(self) -> str:
        """The words BM25 scores items against: the literal terms and the liked aspects' words."""
        words = [t for t, _ in self.texts] if self.lexical_words is None else list(self.lexical_words)
        return " ".join([t for t, _ in self.terms] + words)


MISSING_GENRE_FIT = -0.5  # an item with none of the genres a request favours ("a dark war drama": no War, no Drama)


def genre_fit_score(item: Item, fit: dict[str, float], named: tuple[str, ...] = ()) -> float:
    """Mean of the fit of the item's genres that the request says something about, squashed to [-1, 1]; 0 when
    nothing is said about genres, and at most MISSING_GENRE_FIT when the request favours genres and the item
    has none of them. (The mean over all its genres spread the picks wider but cost ReDial R@50 0.285 ->
    0.276: BENCHMARKS.md.) A positive fit is scaled by the share of the genres asked for by name that the
    item has: for "a dark war drama", a crime thriller that is also a drama fits the mood but only half of
    what was named."""
    values = [fit[g] for g in item.genres if g in fit]
    score = math.tanh(sum(values) / max(len(values), 1)) if values else 0.0
    if any(v > 0 for v in fit.values()) and not any(v > 0 for v in values):
        return min(score, MISSING_GENRE_FIT)
    if named and score > 0:
        score *= sum(g in item.genres for g in named) / len(named)
    return score


def age_fit(item: Item, before: int | None) -> float:
    """How well an item answers "classic": 0 for items from `before` on or of unknown year, rising to 1 for
    items 30 years older ("classic Disney animation": The Aristocats over The Incredibles)."""
    if before is None or not item.year:
        return 0.0
    return min(max((before - item.year) / 30, 0.0), 1.0)


@dataclass(frozen=True)
class Ranked:
    item: Item
    score: float
    dense: float
    cf: float
    because: tuple[str, ...] = ()  # ids of liked items this one is closest to
    sources: tuple[str, ...] = field(default=())
    matched: tuple[str, ...] = ()  # the query's terms this item mentions


def _weighted_mean(vectors: list[np.ndarray], weights: list[float]) -> np.ndarray | None:
    if not vectors:
        return None
    total = np.sum([w * v for v, w in zip(vectors, weights)], axis=0)
    norm = float(np.linalg.norm(total))
    return total / norm if norm > 0 else None


def _gather(texts, items, index: ItemIndex, embedder: Embedder) -> tuple[list[np.ndarray], list[float]]:
    """Vectors and weights for weighted texts (embedded as queries) and catalog items (their stored vectors)."""
    vectors, weights = [], []
    if texts:
        vectors += list(embedder.embed([t for t, _ in texts], kind="query"))
        weights += [w for _, w in texts]
    for item_id, w in items:
        v = index.vector(item_id)
        if v is not None:
            vectors.append(v)
            weights.append(w)
    return vectors, weights


def query_vector(toward: tuple[list, list], away: tuple[list, list]) -> np.ndarray | None:
    """Normalised mix of liked texts and items, pushed away from disliked ones; None if nothing is liked."""
    mean = _weighted_mean(*toward)
    if mean is None:
        return None
    away_mean = _weighted_mean(*away)
    if away_mean is not None:
        mean = mean - DISLIKE_SHIFT * away_mean
        mean = mean / np.linalg.norm(mean)
    return mean.astype(np.float32)


@dataclass(frozen=True)
class Signals:
    """What a query turns into before any candidate is fetched: its vector, its dislikes, collaborative and
    co-mention scores."""

    vector: np.ndarray | None  # the query vector (None when nothing is liked yet)
    avoid_vectors: list[np.ndarray]
    cf_scores: dict[str, float]
    comention_scores: dict[str, float] = field(default_factory=dict)


def signals(query: Query, index: ItemIndex, embedder: Embedder, cf: ItemCF | None,
            comention: CatalogCoMention | None = None) -> Signals:
    avoid = _gather(query.avoid_texts, query.avoid_items, index, embedder)
    vector = query_vector(_gather(query.texts, query.items, index, embedder), avoid)
    liked_ids = [i for i, _ in query.items]
    cf_scores = cf.scores(liked_ids, [w for _, w in query.items]) if cf and liked_ids else {}
    co_scores = comention.scores(liked_ids, [w for _, w in query.items], [i for i, _ in query.avoid_items],
                                 [w for _, w in query.avoid_items]) if comention and liked_ids else {}
    return Signals(vector, avoid[0], cf_scores, co_scores)


@dataclass
class Candidates:
    """Candidate ids with where each came from, and the signals needed to score them."""

    sources: dict[str, set[str]]
    signals: Signals


def fits(item: Item | None, query: Query, exclude: set[str]) -> bool:
    return (item is not None and item.id not in exclude and query.constraints.satisfies(item, query.domain)
            and not (query.avoid_terms and mentions(item, query.avoid_terms)))


def excluded(query: Query) -> set[str]:
    return set(query.exclude) | {i for i, _ in query.items} | {i for i, _ in query.avoid_items}


def nothing_asked(query: Query) -> bool:
    """A query with no taste in it ("surprise me", "idk something good", or only limits)."""
    return not (query.texts or query.items or query.terms or query.required_terms or query.genre_fit
                or query.avoid_texts or query.avoid_items or query.lexical_words or query.genres_named
                or query.prefer_obscure)


LOVED_PRIOR = 50  # ratings of the catalog's mean that a rating average is shrunk towards
LOVED_POOL = 40  # the best-loved items a vague request's picks are drawn from


def widely_loved(query: Query, catalog: Catalog, k: int, seed: int = 0) -> list[Ranked]:
    """k items within the limits that most people rated highly (a rating mean shrunk towards the catalog's
    mean by LOVED_PRIOR ratings), no two sharing half their categories: a varied answer to a vague request.
    `seed` shuffles the LOVED_POOL best-loved before the choice, so different vague messages do not all get
    the same five."""
    exclude = excluded(query)
    rated = [i for i in catalog if i.mean_rating and i.num_ratings]
    if not rated:  # a catalog without ratings: its most notable items
        return [Ranked(catalog.get(i), 0.0, 0.0, 0.0, sources=("popular",)) for i in popular(query, catalog, k)]
    mean = sum(i.mean_rating * i.num_ratings for i in rated) / sum(i.num_ratings for i in rated)
    loved = sorted((i for i in rated if fits(i, query, exclude)),
                   key=lambda i: -(i.mean_rating * i.num_ratings + mean * LOVED_PRIOR) / (i.num_ratings + LOVED_PRIOR))
    pool = loved[:LOVED_POOL]
    random.Random(seed).shuffle(pool)
    loved = pool + loved[LOVED_POOL:]
    picks = []
    for item in loved:  # of different kinds: no two sharing half their categories
        kinds = set(item.genres)
        if any(len(kinds & set(p.genres)) * 2 >= max(len(kinds | set(p.genres)), 1) for p in picks):
            continue
        picks.append(item)
        if len(picks) == k:
            break
    picks += [i for i in loved if i not in picks][: k - len(picks)]
    return [Ranked(i, 0.0, 0.0, 0.0, sources=("popular",)) for i in picks]


def popular(query: Query, catalog: Catalog, n: int, exclude: set[str] | None = None) -> list[str]:
    """The n most popular catalog ids that fit the query's constraints."""
    exclude = excluded(query) if exclude is None else exclude
    out = []
    for item in catalog.by_popularity:
        if len(out) >= n:
            break
        if fits(item, query, exclude):
            out.append(item.id)
    return out


def top_cf(sig: Signals, query: Query, catalog: Catalog, n: int, exclude: set[str],
           scores: dict[str, float] | None = None) -> list[str]:
    """The n ids with the highest collaborative score (or other `scores`) that fit the query."""
    out = []
    for item_id, _ in sorted((sig.cf_scores if scores is None else scores).items(), key=lambda kv: -kv[1]):
        if len(out) >= n:
            break
        if fits(catalog.get(item_id), query, exclude):
            out.append(item_id)
    return out


def avoided(query: Query, lexicon: Lexicon | None) -> set[str]:
    """Ids of the items that literally mention a word the person does not want."""
    if lexicon is None:
        return set()
    return set().union(*(lexicon.matching(t) for t in query.avoid_terms if t.strip())) if query.avoid_terms else set()


def term_pool(lexicon: Lexicon, term: str, k: int = 5) -> frozenset[str]:
    """The items that answer a term: those mentioning it, or when fewer than k do, those mentioning one of
    its distinctive words ("courtroom drama" is rare as a phrase; "courtroom" is not)."""
    pool = lexicon.matching(term)
    if len(pool) < k:
        pool = pool.union(*(lexicon.matching(w) for w in lexicon.backoff(term)))
    entry = lexicon.vocab.get(fold(term))
    if entry and entry[1] == "person":
        # an item that names its people, and not this person, is about them, not by or with them ("Jane Austen
        # novels" found "Tea with Jane Austen"); items that name nobody stay, as their words are all there is
        name = fold(term)
        credited = frozenset(i for i in pool if not (people := lexicon.catalog.get(i).people)
                             or name in {fold(p) for p in people})
        if len(credited) >= k:
            return credited
    return pool


def required_ids(query: Query, catalog: Catalog, lexicon: Lexicon | None, exclude: set[str],
                 k: int) -> frozenset[str] | None:
    """The items a request's required words narrow the candidates to: those mentioning all of them when at
    least k fit, else those of all its people and studios (the head of "tim burton movies, the gothic ones": his
    films, the gothic ones ranked first), else those mentioning any, else None (the words are only preferred)."""
    if lexicon is None or not query.required_terms:
        return None
    sets = [term_pool(lexicon, t, k) for t in query.required_terms]
    named = [pool for term, pool in zip(query.required_terms, sets)
             if (entry := lexicon.vocab.get(fold(term))) and entry[1] in ("person", "studio")]
    heads = (frozenset.intersection(*named),) if named and len(named) < len(sets) else ()
    for pool in (frozenset.intersection(*sets), *heads, frozenset.union(*sets)):
        fitting = frozenset(i for i in pool if i not in exclude and fits(catalog.get(i), query, exclude))
        if len(fitting) >= k:
            return fitting
    return None


def gather(query: Query, catalog: Catalog, index: ItemIndex, embedder: Embedder, cf: ItemCF | None,
           n_candidates: int = 50, lexicon: Lexicon | None = None, k: int = 5,
           comention: CatalogCoMention | None = None) -> Candidates:
    """Candidates for a query, all fitting its limits: the items its required words allow, else dense
    (Chroma), lexical (BM25), collaborative, co-mentioned and popular ones."""
    exclude = excluded(query) | avoided(query, lexicon)
    sig = signals(query, index, embedder, cf, comention)
    sources: dict[str, set[str]] = {}
    required = required_ids(query, catalog, lexicon, exclude, k)
    if required is not None:
        # every allowed item is a candidate; the cap keeps the most similar and the best lexical matches
        ids = sorted(required)
        dense = index.similarity(sig.vector, ids) if sig.vector is not None else np.zeros(len(ids))
        lexical = lexicon.scores(query.lexical_text)[[lexicon.row_of[i] for i in ids]]
        keep = set(np.argsort(-dense)[: n_candidates * 2]) | set(np.argsort(-lexical)[:n_candidates])
        cf_scores = np.array([sig.cf_scores.get(i, 0.0) for i in ids])
        keep |= {int(j) for j in np.argsort(-cf_scores)[:n_candidates] if cf_scores[j] > 0}
        co_scores = np.array([sig.comention_scores.get(i, 0.0) for i in ids])
        keep |= {int(j) for j in np.argsort(-co_scores)[:n_candidates] if co_scores[j] > 0}
        for j in sorted(keep):
            sources.setdefault(ids[j], set()).add("required")
        return Candidates(sources, sig)
    where = query.constraints.where(query.domain)
    if sig.vector is not None:
        for hit in index.search(sig.vector, n_candidates, where=where, exclude=frozenset(exclude)):
            sources.setdefault(hit.item_id, set()).add("dense")
        favoured = [{"genres": {"$contains": g}} for g, v in sorted(query.genre_fit.items()) if v > 0]
        if favoured:  # a mood asks for genres the liked items may not reach
            fit_where = favoured[0] if len(favoured) == 1 else {"$or": favoured}
            where_fit = fit_where if where is None else {"$and": [where, fit_where]}
            for hit in index.search(sig.vector, n_candidates, where=where_fit, exclude=frozenset(exclude)):
                sources.setdefault(hit.item_id, set()).add("dense")
    if lexicon is not None and query.lexical_text.strip():
        for item_id, _ in lexicon.search(query.lexical_text, n_candidates * 4):
            if len([i for i in sources if "lexical" in sources[i]]) >= n_candidates:
                break
            if item_id not in exclude and fits(catalog.get(item_id), query, exclude):
                sources.setdefault(item_id, set()).add("lexical")
    for item_id in top_cf(sig, query, catalog, n_candidates, exclude):
        sources.setdefault(item_id, set()).add("cf")
    for item_id in top_cf(sig, query, catalog, n_candidates, exclude, sig.comention_scores):
        sources.setdefault(item_id, set()).add("comention")
    if not query.prefer_obscure and not query.terms:
        # the best-known items that fit, overall and in favoured genres (not when the request names a theme,
        # person or studio: a famous film that has none of them is no answer to it)
        for item_id in popular(query, catalog, n_candidates, exclude):
            sources.setdefault(item_id, set()).add("popular")
        for genre in (g for g, v in sorted(query.genre_fit.items()) if v > 0):
            required_genre = query.constraints.genres_required or (genre,)  # an "any of" the person set stays
            genre_query = replace(query, constraints=replace(query.constraints, genres_required=required_genre))
            for item_id in popular(genre_query, catalog, n_candidates // 2, exclude):
                sources.setdefault(item_id, set()).add("popular")
    sources = {i: s for i, s in sources.items() if fits(catalog.get(i), query, exclude)}
    return Candidates(sources, sig)


@dataclass(frozen=True)
class Features:
    """Per-candidate reranking features, aligned with `ids`; plain arrays so tuning can reuse them."""

    ids: list[str]
    vectors: np.ndarray
    dense: np.ndarray
    cf: np.ndarray
    popularity: np.ndarray
    quality: np.ndarray
    dislike: np.ndarray
    genre_fit: np.ndarray
    lexical: np.ndarray  # BM25 against the query's words, scaled to [0, 1] by the best candidate
    match: np.ndarray  # weighted share of the query's terms the item mentions, in [0, 1]
    seed_genre: np.ndarray | None = None  # genre overlap (Jaccard) with the liked items, weighted as they are
    comention: np.ndarray | None = None  # co-mention score with the liked items (ReDial conversations)
    prefer_obscure: bool = False

    def score(self, weights: RerankWeights) -> np.ndarray:
        if self.prefer_obscure:
            popularity = -self.popularity
        elif weights.popularity_gate > 0:
            relevance = np.clip((self.dense - weights.popularity_gate) / 0.3, 0.0, 1.0)
            popularity = self.popularity * np.maximum(relevance, self.match)
        else:
            popularity = self.popularity
        return feature_score(self.dense, self.cf, popularity, self.quality, self.dislike, self.genre_fit,
                             weights, lexical=self.lexical, match=self.match, seed_genre=self.seed_genre,
                             comention=self.comention)


def term_matches(ids: list[str], query: Query, lexicon: Lexicon | None) -> list[tuple[str, ...]]:
    """For each id, the query terms it mentions."""
    if lexicon is None or not query.terms:
        return [() for _ in ids]
    sets = [(t, term_pool(lexicon, t)) for t, _ in query.terms]
    return [tuple(t for t, members in sets if i in members) for i in ids]


def seed_genre_overlap(items: list[Item], query: Query, catalog: Catalog) -> np.ndarray:
    """For each item, the weighted mean Jaccard overlap of its genres with each liked item's: "like Groundhog
    Day" asks for its kind of film (a comedy), not for whatever its fans also watched."""
    seeds = [(set(seed.genres), w) for i, w in query.items if (seed := catalog.get(i)) is not None and seed.genres]
    total = sum(w for _, w in seeds)
    if not seeds or total <= 0:
        return np.zeros(len(items))
    return np.array([sum(w * len(g & set(item.genres)) / len(g | set(item.genres)) for g, w in seeds) / total
                     for item in items])


def features(cands: Candidates, query: Query, catalog: Catalog, index: ItemIndex,
             lexicon: Lexicon | None = None) -> Features:
    ids = list(cands.sources)
    items = [catalog.get(i) for i in ids]
    vectors = index.vectors[[index.row_of[i] for i in ids]] if ids else np.zeros((0, index.vectors.shape[1]))
    vector, avoid = cands.signals.vector, cands.signals.avoid_vectors
    dense = vectors @ vector if vector is not None else np.zeros(len(ids), dtype=np.float32)
    lexical = np.zeros(len(ids))
    if lexicon is not None and ids and query.lexical_text.strip():
        lexical = lexicon.scores(query.lexical_text)[[lexicon.row_of[i] for i in ids]].astype(np.float64)
        lexical = lexical / lexical.max() if lexical.max() > 0 else lexical
    term_weight = {t: w for t, w in query.terms}
    total = (sum(term_weight.values()) + query.match_extra) or 1.0
    match = np.array([sum(term_weight[t] for t in found) / total for found in term_matches(ids, query, lexicon)])
    return Features(
        ids=ids, vectors=vectors, dense=dense,
        cf=np.array([cands.signals.cf_scores.get(i, 0.0) for i in ids]),
        popularity=np.array([catalog.popularity(i) for i in items]),
        quality=np.array([(i.mean_rating - 3.0) / 2.0 if i.mean_rating and i.num_ratings >= 5 else 0.0
                          for i in items]),
        dislike=(vectors @ np.stack(avoid).T).max(axis=1) if avoid and ids else np.zeros(len(ids)),
        genre_fit=np.array([genre_fit_score(i, query.genre_fit, query.genres_named)
                            + query.classic_weight * age_fit(i, query.classic_before)
                            for i in items]),
        lexical=lexical, match=match if ids else np.zeros(0), seed_genre=seed_genre_overlap(items, query, catalog),
        comention=np.array([cands.signals.comention_scores.get(i, 0.0) for i in ids]),
        prefer_obscure=query.prefer_obscure)


def score(cands: Candidates, query: Query, catalog: Catalog, index: ItemIndex, *, k: int = 5,
          weights: RerankWeights = RerankWeights(), lexicon: Lexicon | None = None) -> list[Ranked]:
    """Rerank candidates by the weighted features (or by a learned ranker passed as `weights`: anything with
    `scores(features, query, sources)` and `diversity`, see `retrieval.ltr`), then pick k of them with MMR."""
    if not cands.sources:
        return []
    f = features(cands, query, catalog, index, lexicon)
    scores = (f.score(weights) if isinstance(weights, RerankWeights)
              else weights.scores(f, query, [cands.sources[i] for i in f.ids]))
    order = mmr(scores, f.vectors, k, weights.diversity)
    liked_vectors = [(i, v) for i, _ in query.items if (v := index.vector(i)) is not None]
    matched = term_matches([f.ids[j] for j in order], query, lexicon)
    out = []
    for j, found in zip(order, matched):
        because = tuple(i for i, v in sorted(liked_vectors, key=lambda iv: -float(f.vectors[j] @ iv[1]))
                        if float(f.vectors[j] @ v) > 0.35)[:2]
        out.append(Ranked(catalog.get(f.ids[j]), float(scores[j]), float(f.dense[j]), float(f.cf[j]), because,
                          tuple(sorted(cands.sources[f.ids[j]])), found))
    return out


def recommend(query: Query, catalog: Catalog, index: ItemIndex, embedder: Embedder, cf: ItemCF | None,
              *, k: int = 5, n_candidates: int = 50, weights: RerankWeights = RerankWeights(),
              lexicon: Lexicon | None = None, comention: CatalogCoMention | None = None,
              seed: int = 0) -> list[Ranked]:
    """The app's ranking: candidates from every source (or the items the request requires), reranked by
    weighted features with MMR; with nothing to go on, widely loved items of different kinds (`seed` varies
    which, see `widely_loved`)."""
    if nothing_asked(query):
        return widely_loved(query, catalog, k, seed)
    cands = gather(query, catalog, index, embedder, cf, max(n_candidates, k), lexicon, k, comention)
    return score(cands, query, catalog, index, k=k, weights=weights, lexicon=lexicon)

"""Evidence: why a pick is in the reply, as a typed record computed from the catalog, the ratings and the
ranking — never from a model's recollection — and the short "why" line a person reads, built from it alone.

A record holds the request words the item's own data answers (with the exact catalog words that matched),
the liked titles it is closest to and what they share, how the people who liked those titles rated it, the
limits it keeps, and its facts. Moods count only through the item's genres (the domain's `mood_categories`);
a request's mood is never copied onto an item. The words the why line uses for the kind of item, its people
and its ratings come from the catalog's `Domain`. Everything here is a pure function of its inputs and takes
milliseconds per pick. Turning the record into prose with an LLM, and checking that prose, live elsewhere
(`chat_app.explain`, `chat_app.faithfulness`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from chat_app.profile import Profile
from chat_app.reading.kinds import LANGUAGES
from retrieval.catalog import Catalog, Item
from retrieval.collaborative import ItemCF
from retrieval.comention import CatalogCoMention
from retrieval.constraints import Constraints
from retrieval.domain import Domain, movie_domain
from retrieval.match import fold, matched_fields, mentions
from retrieval.recommend import Ranked

PEOPLE_FIELDS = ("directors", "cast", "writers", "composers")
NAME_FIELDS = PEOPLE_FIELDS + ("companies",)
# what a catalog field says about an item when a request word is found in it, and how a person reads it
FIELD_KIND = {"keywords": "theme", "tags": "theme", "overview": "theme", "tagline": "theme", "title": "theme",
              "alt_titles": "theme", "cast": "person", "directors": "person", "writers": "person",
              "composers": "person", "companies": "studio", "countries": "country"}
FIELD_LABEL = {"keywords": "keyword", "tags": "viewer tag", "overview": "in the plot summary",
               "tagline": "in the tagline", "title": "in the title", "alt_titles": "in another title",
               "cast": "cast", "directors": "director", "writers": "writer", "composers": "composer",
               "companies": "studio", "countries": "country"}
MIN_RATERS = 10  # a "people who liked X" share is cited only when at least this many people liked X
MIN_SHARE = 0.2  # ... and at least this share of them liked the pick too
MIN_RATINGS = 5  # a mean rating is cited only over at least this many ratings
LIKED = "4+"  # how the collaborative counts name a liked rating (retrieval.collaborative.LIKED_RATING)
_DECADE = re.compile(r"^(?:(1[89]|20)?(\d)0)'?s$")


@dataclass(frozen=True)
class Match:
    """A request word the item's own data answers: what was asked, what kind of thing the item has, where."""

    asked: str  # the ledger's words: "time travel", "Tom Hanks", "funny", "90s"
    kind: str  # theme, person, studio, country, genre, mood, era, language
    field: str  # the catalog field: keywords, cast, genres, year, language, ...
    words: tuple[str, ...]  # the exact catalog values that matched ("Time Travel", "Comedy", "1995")


@dataclass(frozen=True)
class Similar:
    """A liked title the ranking found this pick closest to, and what the two share in the catalog."""

    item_id: str
    title: str  # its label, "Heat (1995)"
    genres: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class CoLiked:
    """Of the `raters` people who rated a liked title 4 or more, `also` rated this pick 4 or more; of everyone
    in the ratings, `overall_percent` did."""

    item_id: str
    title: str
    raters: int
    also: int
    overall_percent: int

    @property
    def percent(self) -> int:
        return round(100 * self.also / self.raters) if self.raters else 0


@dataclass(frozen=True)
class Evidence:
    item: Item
    matches: tuple[Match, ...] = ()
    similar: tuple[Similar, ...] = ()
    co_liked: tuple[CoLiked, ...] = ()
    # liked titles that ReDial's training conversations mention together with this item: (item id, title)
    co_mentioned: tuple[tuple[str, str], ...] = ()
    limits: tuple[str, ...] = ()  # the person's limits this item keeps, as they would say them
    avoided: tuple[str, ...] = ()  # disliked names the item does not mention
    sources: tuple[str, ...] = ()  # how the ranking found it: dense, cf, popular, ...
    domain: Domain = field(default_factory=movie_domain, compare=False, repr=False)  # what kind of item it is

    def facts(self) -> dict:
        """Title, year, categories, the domain's length ("runtime", "pages"), rating, and the first role's
        people ("directors", a book's "writers")."""
        item, length = self.item, self.domain.length
        rated = item.mean_rating is not None and item.num_ratings >= MIN_RATINGS
        facts = {"title": item.title, "year": item.year, "genres": list(item.genres)}
        if length:
            facts[length.field] = item.number(length.field)
        facts |= {"mean_rating": round(item.mean_rating, 1) if rated else None,
                  "num_ratings": item.num_ratings if rated else None}
        if self.domain.roles:
            role = self.domain.roles[0].field
            facts[role] = list(getattr(item, role)[:2])
        return facts

    def to_json(self) -> dict:
        return {"matches": [asdict(m) | {"words": list(m.words)} for m in self.matches],
                "similar": [{k: list(v) if isinstance(v, tuple) else v for k, v in asdict(s).items()}
                            for s in self.similar],
                "co_liked": [asdict(c) | {"percent": c.percent} for c in self.co_liked],
                "co_mentioned": [{"item_id": i, "title": t} for i, t in self.co_mentioned],
                "limits": list(self.limits), "avoided": list(self.avoided), "sources": list(self.sources),
                "facts": self.facts(), "why": why_line(self)}


def mood_genres(mood: str, genres: tuple[str, ...] | list[str], domain: Domain | None = None) -> tuple[str, ...]:
    """The item genres through which it has `mood`: some favoured genre and none the mood rules against."""
    favoured, against = (domain or movie_domain()).mood_rule(mood)  # "lighter" is read as "light-hearted"
    if set(genres) & against:
        return ()
    return tuple(g for g in genres if g in favoured)


def decade(text: str) -> int | None:
    """'90s' / "1990s" / "'80s" -> the decade's first year; anything else -> None."""
    m = _DECADE.match(fold(text).replace(" ", ""))
    if not m:
        return None
    century = m.group(1)
    digit = int(m.group(2))
    if century is None:
        return (1900 if digit >= 2 else 2000) + digit * 10
    return int(century) * 100 + digit * 10


def match_request(item: Item, kind: str, text: str, domain: Domain | None = None) -> Match | None:
    """How the item's data answers one liked request word, or None when it does not."""
    if kind == "genre":
        return Match(text, "genre", "genres", (text,)) if text in item.genres else None
    if kind == "mood":
        via = mood_genres(text, item.genres, domain)
        return Match(text, "mood", "genres", via) if via else None
    if kind == "era":
        start = decade(text)
        ok = start is not None and item.year is not None and start <= item.year <= start + 9
        return Match(text, "era", "year", (str(item.year),)) if ok else None
    if kind == "language":
        code = LANGUAGES.get(text.lower(), text.lower())
        return Match(text, "language", "language", (item.language,)) if item.language == code else None
    if kind in ("theme", "person", "studio", "other"):
        # a person is found among the people, a studio among the companies; a theme is not found inside a name
        # ("zombie" is not Rob Zombie, "horse" not Dark Horse Entertainment) unless it is the whole name
        own = {fold(p) for p in item.people + item.companies}
        found = [(f, v) for f, v in matched_fields(item, text)
                 if (f in PEOPLE_FIELDS if kind == "person" else f not in PEOPLE_FIELDS if kind == "studio"
                     else (f not in NAME_FIELDS and fold(v) not in own) or fold(v) == fold(text))]
        if not found:
            return None
        field = found[0][0]
        words = tuple(dict.fromkeys(text if v in ("overview", "tagline") else v for f, v in found if f == field))
        return Match(text, FIELD_KIND.get(field, "theme"), field, words[:3])
    return None  # audience is a limit; other kinds have no catalog field to check


def shared(item: Item, liked: Item) -> Similar:
    def common(a, b):
        other = {fold(x) for x in b}
        return tuple(x for x in dict.fromkeys(a) if fold(x) in other)

    return Similar(liked.id, liked.label, common(item.genres, liked.genres), common(item.keywords, liked.keywords)[:3],
                   common(item.tags, liked.tags)[:3], common(item.people, liked.people)[:3])


def kept_limits(item: Item, constraints: Constraints, domain: Domain | None = None) -> tuple[str, ...]:
    """The person's limits, each said only if the item keeps it (the ranking enforces them; this re-checks)."""
    out = []
    for names in (("year_min", "year_max"), ("length_max",), ("genres_required",), ("genres_excluded",),
                  ("languages",), ("audience",)):
        values = {n: v for n in names if (v := getattr(constraints, n, None)) not in (None, ())}
        if values and (one := Constraints(**values)).satisfies(item, domain):
            out += one.describe(domain)
    return tuple(out)


def gather_evidence(ranked: Ranked, profile: Profile, catalog: Catalog, cf: ItemCF | None,
                    comention: CatalogCoMention | None = None) -> Evidence:
    """The evidence record for one pick, from the ledger, the ranking's own trace and the ratings."""
    item = ranked.item
    matches = []
    for pref in sorted(profile.liked(), key=lambda p: -p.turn):  # the newest request first: the why line shows 3
        if pref.kind != "item" and (m := match_request(item, pref.kind, pref.text, catalog.domain)):
            matches.append(m)
    similar = tuple(shared(item, liked) for i in ranked.because if (liked := catalog.get(i)))
    co_liked = []
    if cf is not None:
        for pref in reversed(profile.liked("item")):
            seed = catalog.get(pref.item_id) if pref.item_id else None
            if seed is None:
                continue
            raters, also = cf.co_liked(seed.id, item.id)
            overall = cf.liked_by(item.id) / max(cf.n_users, 1)
            # cited only when the seed's fans like the pick more often than people in general do
            if raters >= MIN_RATERS and also / raters >= max(MIN_SHARE, overall):
                co_liked.append(CoLiked(seed.id, seed.label, raters, also, round(100 * overall)))
    co_liked.sort(key=lambda c: -c.also / c.raters)
    # "no George Clooney" only where the catalog knows who made the film: most entries list no cast
    known = {"person": bool(item.people), "studio": bool(item.companies)}
    avoided = tuple(p.text for p in profile.disliked() if p.kind in known and known[p.kind]
                    and not mentions(item, [p.text]))
    co_mentioned = tuple((seed.id, seed.label) for pref in reversed(profile.liked("item"))
                         if comention is not None and pref.item_id and (seed := catalog.get(pref.item_id))
                         and comention.mentioned_with(seed.id, item.id))[:2]
    return Evidence(item, tuple(matches), similar, tuple(co_liked[:2]), co_mentioned,
                    kept_limits(item, profile.constraints, catalog.domain), avoided, tuple(ranked.sources),
                    catalog.domain)


def _quote(words: tuple[str, ...]) -> str:
    return ", ".join(f"“{w}”" for w in words)


def match_phrase(m: Match, domain: Domain | None = None) -> str:
    if m.kind == "mood":
        return f"{m.asked} (genre: {', '.join(m.words[:2])})"
    if m.kind == "genre":
        return m.asked
    if m.kind == "era":
        return f"the {m.asked} ({m.words[0]})"
    if m.kind == "language":
        return f"{m.asked} (language)"
    label = (domain and domain.role_label(m.field)) or FIELD_LABEL.get(m.field, m.field)
    if m.field in ("overview", "tagline", "title", "alt_titles"):
        return f"{m.asked} ({label})"
    if len(m.words) == 1 and fold(m.words[0]) == fold(m.asked):
        return f"{m.words[0]} ({label})"
    return f"{m.asked} ({label} {_quote(m.words)})"


def similar_phrase(s: Similar) -> str:
    parts = []
    if s.genres:
        parts.append("both " + ", ".join(s.genres))
    if s.people:
        parts.append("both with " + ", ".join(s.people))
    words = tuple(dict.fromkeys(s.keywords + s.tags))[:3]
    if words:
        parts.append("both about " + _quote(words))
    return f"Like {s.title}: " + "; ".join(parts) if parts else f"Described much like {s.title}"


def why_line(evidence: Evidence) -> str:
    """The short readable reason shown with the pick; every word comes from the evidence record."""
    domain = evidence.domain
    sentences = []
    if evidence.matches:
        sentences.append("Matches your request: " + ", ".join(match_phrase(m, domain)
                                                               for m in evidence.matches[:3]))
    if evidence.similar:
        sentences.append(similar_phrase(evidence.similar[0]))
    if evidence.co_liked:
        c = evidence.co_liked[0]
        sentences.append(f"{c.percent}% of the {c.raters} people who rated {c.title} {LIKED} rated it {LIKED} too "
                         f"({c.overall_percent}% of all raters did)")
    if evidence.co_mentioned and not evidence.co_liked:
        titles = " and ".join(t for _, t in evidence.co_mentioned)
        sentences.append(f"Often recommended together with {titles} in {domain.noun} conversations (ReDial)")
    if not sentences:
        if "dense" in evidence.sources or "lexical" in evidence.sources:
            about = tuple(dict.fromkeys(evidence.item.keywords[:2] + evidence.item.tags[:2]))[:3]
            sentences.append("Its description is close to what you wrote" + (f"; it is about {_quote(about)}"
                                                                              if about else ""))
        elif "cf" in evidence.sources:
            sentences.append("People who rated the titles you named 4+ often rated it 4+ too")
        elif "popular" in evidence.sources:
            sentences.append(domain.texts.popular)
    facts = evidence.facts()
    if facts["mean_rating"] is not None:
        sentences.append(f"{domain.texts.ratings_source}: {facts['mean_rating']:.1f}/5 "
                         f"from {facts['num_ratings']} ratings")
    if not sentences:  # nothing but the item itself: say what it is
        item = evidence.item
        sentences.append(f"{item.label}: " + (", ".join(item.genres) or f"a {domain.noun}")
                         + " that keeps to your limits")
    return ". ".join(sentences) + "."


def citations(evidence: Evidence) -> tuple[str, ...]:
    """The ledger entries this pick relies on, as the person would say them; only what the evidence shows."""
    out = [f"you wanted {m.asked}" for m in evidence.matches]
    liked = dict.fromkeys([s.title for s in evidence.similar] + [c.title for c in evidence.co_liked]
                          + [t for _, t in evidence.co_mentioned])
    out += [f"you liked {title}" for title in liked]
    if evidence.limits:
        out.append(f"within your limits ({'; '.join(evidence.limits)})")  # "kept to from 1990 on" read badly
    out += [f"no {name}" for name in evidence.avoided]
    return tuple(out)

"""The typed picture of one person's interests, the per-turn change to it, and the rule that merges them.

`Profile` is what the system believes now; `Delta` is what one turn said. `merge` is pure: it returns a new
profile and never mutates its inputs. Rules: the newest turn wins a contradiction (a liked aspect removes
the same aspect's dislike and vice versa; a liked genre lifts its exclusion); constraints given this turn
replace earlier ones; every entry records the turn it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from retrieval.constraints import Constraints
from retrieval.domain import Domain

Polarity = Literal["like", "dislike"]
ASPECT_KINDS = ("genre", "theme", "mood", "person", "studio", "audience", "era", "language", "other")
INTENTS = ("new_request", "refine", "feedback", "question", "chitchat")


@dataclass(frozen=True)
class Preference:
    kind: str  # "item" or one of ASPECT_KINDS
    text: str
    polarity: Polarity
    turn: int
    item_id: str | None = None  # set for items linked to the catalog
    weight: float = 1.0

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.item_id or self.text.strip().lower())


@dataclass(frozen=True)
class Delta:
    """What one message said, already linked to catalog ids where possible."""

    intent: str = "new_request"
    preferences: tuple[Preference, ...] = ()
    constraints: dict = field(default_factory=dict)  # Constraints field -> value, only what this turn set
    lifted: tuple[str, ...] = ()  # constraint fields the user withdrew ("any year is fine")
    seen: tuple[str, ...] = ()  # catalog ids the person has seen: never recommended, no taste signal
    about: str | None = None  # with intent "question": the catalog id asked about
    asks: str = ""  # with intent "question": what is asked of the items in `asked` (chat_app.reading.questions)
    asked: tuple[str, ...] = ()
    change_of_mind: bool = False  # "... instead", "changed my mind": new genres and moods replace earlier ones
    adds: bool = False  # "and scary", "funny too": a new mood joins the earlier ones even where they conflict
    unmeant: tuple[str, ...] = ()  # items whose title the message wrote as words ("home alone tonight"): not shown


@dataclass(frozen=True)
class Profile:
    preferences: tuple[Preference, ...] = ()
    constraints: Constraints = Constraints()
    turn: int = 0
    constraint_turns: dict = field(default_factory=dict)  # constraint field -> turn it was set
    seen: frozenset[str] = frozenset()

    def liked(self, kind: str | None = None) -> list[Preference]:
        return [p for p in self.preferences if p.polarity == "like" and (kind is None or p.kind == kind)]

    def disliked(self, kind: str | None = None) -> list[Preference]:
        return [p for p in self.preferences if p.polarity == "dislike" and (kind is None or p.kind == kind)]

    def mentioned_ids(self) -> set[str]:
        return {p.item_id for p in self.preferences if p.item_id} | set(self.seen)

    @property
    def is_empty(self) -> bool:
        return not self.preferences and self.constraints == Constraints()


def merge(profile: Profile, delta: Delta, turn: int, domain: Domain | None = None) -> Profile:
    """The profile after one turn's delta; constraints normalised for the catalog's domain (movies if none)."""
    earlier = profile.preferences
    if delta.change_of_mind and any(p.kind in ("genre", "mood") and p.polarity == "like" for p in delta.preferences):
        earlier = tuple(p for p in earlier if not (p.kind in ("genre", "mood") and p.polarity == "like"))
    # "something feel-good" ... "in the mood for something dark": the new mood replaces one it contradicts
    moods = [p.text for p in delta.preferences if p.kind == "mood" and p.polarity == "like"]
    if moods and domain is not None and not delta.adds:
        earlier = tuple(p for p in earlier if not (p.kind == "mood" and p.polarity == "like" and any(
            domain.moods_conflict(p.text, m) for m in moods if m != p.text)))
    prefs = {p.key: p for p in earlier}
    order = [p.key for p in earlier]
    excluded = set(profile.constraints.genres_excluded)
    for new in delta.preferences:
        new = replace(new, turn=turn)
        if new.key not in prefs:
            order.append(new.key)
        prefs[new.key] = new  # same key: newest polarity and turn win
        if new.kind == "genre" and new.polarity == "like":
            excluded.discard(new.text)
    constraints = profile.constraints
    turns = dict(profile.constraint_turns)
    for name in delta.lifted:
        constraints = constraints.without(name)
        turns.pop(name, None)
    updates = dict(delta.constraints)
    if "genres_excluded" in updates:
        excluded |= set(updates["genres_excluded"])
    updates["genres_excluded"] = tuple(sorted(excluded))
    constraints = replace(constraints, **updates).normalized(domain)
    # a genre both required and excluded: this turn's word decides, else exclusion wins
    required = tuple(g for g in constraints.genres_required if g not in constraints.genres_excluded
                     or g in delta.constraints.get("genres_required", ()))
    excluded_final = tuple(g for g in constraints.genres_excluded if g not in required)
    constraints = replace(constraints, genres_required=required, genres_excluded=excluded_final)
    for name in delta.constraints:
        turns[name] = turn
    turns = {name: t for name, t in turns.items() if getattr(constraints, name) not in (None, ())}
    return Profile(tuple(prefs[k] for k in order), constraints, turn, turns, profile.seen | set(delta.seen))


# ---- the ledger: entries a person can see, remove or flip ----

def entry_id(pref: Preference) -> str:
    return f"{pref.kind}:{pref.item_id or pref.text.strip().lower()}"


def remove_entry(profile: Profile, entry: str) -> Profile:
    """Drop a preference (by `entry_id`) or a limit ("limit:<field>") from the profile."""
    if entry.startswith("limit:"):
        name = entry.removeprefix("limit:")
        turns = {k: v for k, v in profile.constraint_turns.items() if k != name}
        return replace(profile, constraints=profile.constraints.without(name), constraint_turns=turns)
    return replace(profile, preferences=tuple(p for p in profile.preferences if entry_id(p) != entry))


def flip_entry(profile: Profile, entry: str, turn: int) -> Profile:
    """Turn a like into a dislike or back; the flip counts as said now."""
    flipped = []
    for p in profile.preferences:
        if entry_id(p) == entry:
            p = replace(p, polarity="dislike" if p.polarity == "like" else "like", turn=turn)
        flipped.append(p)
    return replace(profile, preferences=tuple(flipped))

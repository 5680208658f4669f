"""Turn views and profiles into what people and API clients see: escaped Markdown and plain JSON.

Everything that came from a person or from catalog text is escaped, so a title or message holding HTML,
Markdown links or script is shown as text and never rendered or run in the browser.
"""

from __future__ import annotations

import html
import re

from chat_app.compose import softmax_weights
from chat_app.pipeline import TurnView
from chat_app.profile import Profile, entry_id
from retrieval.constraints import LIMIT_FIELDS, Constraints


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def escape_md(text: str) -> str:
    """Plain text that renders as itself in Markdown with HTML: no tags, links, images or emphasis."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False)).replace("\n", "  \n")


def _runtime(minutes: int | None) -> str:
    if not minutes:
        return ""
    hours, mins = divmod(minutes, 60)
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


def render_reply(view: TurnView) -> str:
    lines = [escape_md(view.notice)] if view.notice else []
    for i, rec in enumerate(view.recommendations, 1):
        item = rec.ranked.item
        facts = " · ".join(x for x in (", ".join(item.genres), _runtime(item.runtime)) if x)
        lines.append(f"**{i}\\. {escape_md(item.label)}**" + (f" — {escape_md(facts)}" if facts else ""))
        text = escape_md(rec.explanation) if rec.explanation else "_…_"
        if rec.cites:
            text += "  \n<small>Because " + escape_md(" · ".join(rec.cites)) + "</small>"
        lines.append(text)
    return "\n\n".join(lines)


def ledger_entries(profile: Profile) -> list[dict]:
    """Every ledger entry with its id (for removing or flipping), label, weight and source turn."""
    out = []
    for polarity, prefs in (("like", profile.liked()), ("dislike", profile.disliked())):
        for pref, weight in zip(prefs, softmax_weights(prefs, profile.turn)):
            out.append({"id": entry_id(pref), "polarity": polarity, "kind": pref.kind, "text": pref.text,
                        "item_id": pref.item_id, "turn": pref.turn, "weight": round(weight, 3)})
    for name in LIMIT_FIELDS:
        value = getattr(profile.constraints, name)
        if value not in (None, ()):
            label = Constraints(**{name: value}).describe()
            out.append({"id": f"limit:{name}", "polarity": "limit", "kind": name, "text": "; ".join(label),
                        "item_id": None, "turn": profile.constraint_turns.get(name), "weight": None})
    return out


def render_profile(profile: Profile) -> str:
    """The ledger as a person would say it: what they like, what they don't, their limits."""
    if profile.is_empty and not profile.seen:
        return "_Nothing yet. Tell me a movie you loved, a mood, a genre or an era._"
    entries = ledger_entries(profile)

    def lines(polarity: str) -> str:
        rows = []
        for e in entries:
            if e["polarity"] != polarity:
                continue
            meta = [e["kind"] if polarity != "limit" else None,
                    f"weight {e['weight']:.0%}" if e["weight"] is not None else None,
                    f"turn {e['turn']}" if e["turn"] is not None else None]
            rows.append(f"- {escape_md(e['text'])} · " + " · ".join(m for m in meta if m))
        return "\n".join(rows) or "- none"

    seen = f"\n\n**Seen** ({len(profile.seen)})" if profile.seen else ""
    return (f"**Likes**\n{lines('like')}\n\n**Dislikes**\n{lines('dislike')}\n\n**Limits**\n{lines('limit')}"
            + seen)


def profile_json(profile: Profile) -> dict:
    c = profile.constraints
    return {
        "ledger": ledger_entries(profile),
        "seen": sorted(profile.seen),
        "likes": [{"kind": p.kind, "text": p.text, "item_id": p.item_id, "turn": p.turn} for p in profile.liked()],
        "dislikes": [{"kind": p.kind, "text": p.text, "item_id": p.item_id, "turn": p.turn}
                     for p in profile.disliked()],
        "constraints": {"year_min": c.year_min, "year_max": c.year_max, "runtime_max": c.runtime_max,
                        "genres_required": list(c.genres_required), "genres_excluded": list(c.genres_excluded),
                        "languages": list(c.languages)},
    }


def recommendations_json(view: TurnView) -> list[dict]:
    return [{"id": r.ranked.item.id, "title": r.ranked.item.title, "year": r.ranked.item.year,
             "genres": list(r.ranked.item.genres), "runtime": r.ranked.item.runtime,
             "explanation": r.explanation, "cites": list(r.cites), "score": round(r.ranked.score, 4),
             "explained_by": r.explained_by, "evidence": r.evidence.to_json() if r.evidence else None}
            for r in view.recommendations]

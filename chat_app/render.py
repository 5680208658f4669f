"""Turn views and profiles into what people and API clients see: escaped Markdown and plain JSON.

Everything that came from a person or from catalog text is escaped, so a title or message holding HTML,
Markdown links or script is shown as text and never rendered or run in the browser. Lengths and limits are
said in the catalog domain's units ("2 h 05 min", "320 pages").
"""

from __future__ import annotations

import html
import re

from chat_app.compose import softmax_weights
from chat_app.pipeline import TurnView
from chat_app.profile import Profile, entry_id
from retrieval.constraints import LIMIT_FIELDS, Constraints
from retrieval.domain import Domain, movie_domain


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def escape_md(text: str) -> str:
    """Plain text that renders as itself in Markdown with HTML: no tags, links, images or emphasis."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False)).replace("\n", "  \n")


def length_text(item, domain: Domain | None = None) -> str:
    """The item's length as the domain shows it: "1 h 45 min" for a duration in minutes, "320 pages"."""
    length = (domain or movie_domain()).length
    value = item.number(length.field) if length else None
    if not value:
        return ""
    if length.display == "count":
        return f"{value:g} {length.unit}"
    hours, mins = divmod(int(value), 60)
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


def render_reply(view: TurnView) -> str:
    lines = [escape_md(view.notice)] if view.notice else []
    for i, rec in enumerate(view.recommendations, 1):
        item = rec.ranked.item
        domain = rec.evidence.domain if rec.evidence else None
        facts = " · ".join(x for x in (", ".join(item.genres), length_text(item, domain)) if x)
        lines.append(f"**{i}\\. {escape_md(item.label)}**" + (f" — {escape_md(facts)}" if facts else ""))
        text = escape_md(rec.explanation) if rec.explanation else "_…_"
        if rec.cites:
            text += "  \n<small>Because " + escape_md(" · ".join(rec.cites)) + "</small>"
        lines.append(text)
    return "\n\n".join(lines)


def ledger_entries(profile: Profile, domain: Domain | None = None) -> list[dict]:
    """Every ledger entry with its id (for removing or flipping), label, weight and source turn."""
    out = []
    for polarity, prefs in (("like", profile.liked()), ("dislike", profile.disliked())):
        for pref, weight in zip(prefs, softmax_weights(prefs, profile.turn)):
            out.append({"id": entry_id(pref), "polarity": polarity, "kind": pref.kind, "text": pref.text,
                        "item_id": pref.item_id, "turn": pref.turn, "weight": round(weight, 3)})
    for name in LIMIT_FIELDS:
        value = getattr(profile.constraints, name)
        if value not in (None, ()):
            label = Constraints(**{name: value}).describe(domain)
            out.append({"id": f"limit:{name}", "polarity": "limit", "kind": name, "text": "; ".join(label),
                        "item_id": None, "turn": profile.constraint_turns.get(name), "weight": None})
    return out


def render_profile(profile: Profile, domain: Domain | None = None) -> str:
    """The ledger as a person would say it: what they like, what they don't, their limits."""
    if profile.is_empty and not profile.seen:
        return f"_{escape_md((domain or movie_domain()).texts.empty_ledger)}_"
    entries = ledger_entries(profile, domain)

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


def profile_json(profile: Profile, domain: Domain | None = None) -> dict:
    """`length_max` is in the domain's `length_unit` (minutes for films, pages for books)."""
    c = profile.constraints
    length = (domain or movie_domain()).length
    return {
        "ledger": ledger_entries(profile, domain),
        "seen": sorted(profile.seen),
        "likes": [{"kind": p.kind, "text": p.text, "item_id": p.item_id, "turn": p.turn} for p in profile.liked()],
        "dislikes": [{"kind": p.kind, "text": p.text, "item_id": p.item_id, "turn": p.turn}
                     for p in profile.disliked()],
        "constraints": {"year_min": c.year_min, "year_max": c.year_max, "length_max": c.length_max,
                        "length_unit": length.unit if length else None,
                        "genres_required": list(c.genres_required), "genres_excluded": list(c.genres_excluded),
                        "languages": list(c.languages)},
    }


def recommendations_json(view: TurnView) -> list[dict]:
    """One record per pick; `length` is the domain's length (a film's runtime in minutes, a book's pages)."""
    return [{"id": r.ranked.item.id, "title": r.ranked.item.title, "year": r.ranked.item.year,
             "genres": list(r.ranked.item.genres), "runtime": r.ranked.item.runtime,
             "length": r.ranked.item.number(r.evidence.domain.length.field)
             if r.evidence and r.evidence.domain.length else None,
             "explanation": r.explanation, "cites": list(r.cites), "score": round(r.ranked.score, 4),
             "explained_by": r.explained_by, "evidence": r.evidence.to_json() if r.evidence else None}
            for r in view.recommendations]

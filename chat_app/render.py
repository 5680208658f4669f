"""Turn views and profiles into what people and API clients see: escaped Markdown and plain JSON.

Everything that came from a person or from catalog text is escaped, so a title or message holding HTML,
Markdown links or script is shown as text and never rendered or run in the browser.
"""

from __future__ import annotations

import html
import re

from chat_app.pipeline import TurnView
from chat_app.profile import Profile

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
        explanation = rec.explanation or ("…" if not view.finished else "")
        lines.append(f"{escape_md(explanation)}" if rec.explanation else "_…_")
    return "\n\n".join(lines)


def render_profile(profile: Profile) -> str:
    """The ledger as a person would say it: what they like, what they don't, their limits."""
    if profile.is_empty:
        return "_Nothing yet. Tell me a movie you loved, a mood, a genre or an era._"

    def entries(prefs) -> str:
        return "\n".join(f"- {escape_md(p.text)} · {p.kind} · turn {p.turn}" for p in prefs) or "- none"

    limits = "\n".join(f"- {escape_md(c)}" for c in profile.constraints.describe()) or "- none"
    return (f"**Likes**\n{entries(profile.liked())}\n\n**Dislikes**\n{entries(profile.disliked())}\n\n"
            f"**Limits**\n{limits}")


def profile_json(profile: Profile) -> dict:
    c = profile.constraints
    return {
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
             "explanation": r.explanation, "score": round(r.ranked.score, 4)} for r in view.recommendations]

"""Explanations: why each recommended item fits, written by the LLM from that item's own facts.

One short generation per item, streamed. The prompt holds the person's request (from the profile) and the
item's metadata only, so the text is grounded in what the catalog says about it. When the LLM fails or
says nothing usable, a template built from the same facts takes its place, so no item goes unexplained.
"""

from __future__ import annotations

import logging
import re
from typing import Iterator

from chat_app.llm.base import ChatModel, ModelError
from chat_app.compose import MOOD_GENRES
from chat_app.profile import Preference, Profile
from prompts import load_prompt
from retrieval.catalog import Catalog, Item
from retrieval.recommend import Ranked

log = logging.getLogger(__name__)
MAX_EXPLANATION_CHARS = 400


def item_facts(item: Item) -> str:
    parts = [item.label]
    if item.genres:
        parts.append("genres: " + ", ".join(item.genres))
    if item.runtime:
        parts.append(f"{item.runtime} minutes")
    if item.overview:
        parts.append("plot: " + item.overview[:180])
    words = list(item.keywords[:4]) + list(item.tags[:4])
    if words:
        parts.append("known for: " + ", ".join(dict.fromkeys(words)))
    return "; ".join(parts)


def matched_likes(ranked: Ranked, profile: Profile) -> list[Preference]:
    """The liked entries this item actually answers: the basis of its explanation, nothing else."""
    item = ranked.item
    text = item.document().lower()
    out = []
    for pref in profile.liked():
        if pref.kind == "item":
            hit = pref.item_id in ranked.because
        elif pref.kind == "genre":
            hit = pref.text in item.genres
        elif pref.kind == "mood" and pref.text.lower() in MOOD_GENRES:
            hit = bool(MOOD_GENRES[pref.text.lower()][0] & set(item.genres))
        else:
            hit = pref.text.lower() in text or (pref.turn == profile.turn and pref.kind in ("mood", "theme", "era"))
        if hit:
            out.append(pref)
    return out


def citations(ranked: Ranked, profile: Profile) -> tuple[str, ...]:
    """The ledger entries this pick relies on, as the person would say them."""
    out = []
    for pref in matched_likes(ranked, profile):
        out.append(f"you liked {pref.text}" if pref.kind == "item" else f"you wanted {pref.text}")
    limits = profile.constraints.describe()
    if limits:
        out.append(f"kept to {'; '.join(limits)} as you asked")
    for pref in profile.disliked("person"):
        out.append(f"no {pref.text}")
    return tuple(out)


def request_text(ranked: Ranked, profile: Profile) -> str:
    """What the person asked for that this item answers; dislikes and limits are enforced, not explained."""
    matched = matched_likes(ranked, profile)
    items = [p.text for p in matched if p.kind == "item"][-3:]
    aspects = [p.text for p in matched if p.kind != "item"][-4:]
    parts = ([f"liked {', '.join(items)}"] if items else []) + ([f"wants {', '.join(aspects)}"] if aspects else [])
    return "; ".join(parts) or "a good movie"


def because_text(ranked: Ranked, catalog: Catalog) -> str:
    names = [catalog.get(i).label for i in ranked.because if catalog.get(i)]
    return f"Close to: {', '.join(names)}." if names else ""


def fallback_explanation(ranked: Ranked, profile: Profile, catalog: Catalog) -> str:
    item = ranked.item
    names = [catalog.get(i).title for i in ranked.because if catalog.get(i)]
    liked_genres = [p.text for p in matched_likes(ranked, profile) if p.kind in ("genre", "mood")]
    reasons = []
    if names:
        reasons.append(f"it is a close match to {' and '.join(names)}, which you liked")
    if liked_genres:
        reasons.append(f"it is {' and '.join(liked_genres).lower()}, as you asked")
    if not reasons:
        reasons.append(f"it is a well-liked {', '.join(item.genres[:2]).lower() or 'movie'} that fits your request")
    limits = profile.constraints.describe()
    tail = f" It also keeps to what you set ({'; '.join(limits)})." if limits else ""
    return f"{reasons[0][0].upper()}{reasons[0][1:]}{'; ' + reasons[1] if len(reasons) > 1 else ''}.{tail}"


def _tidy(text: str) -> str:
    """One clean paragraph; a text cut off by the token limit ends at its last full sentence."""
    text = re.sub(r"\s+", " ", text).strip().strip('"').strip()
    text = re.sub(r"^(answer|explanation)\s*:\s*", "", text, flags=re.IGNORECASE)
    if len(text) > MAX_EXPLANATION_CHARS:
        text = text[:MAX_EXPLANATION_CHARS]
    if text and text[-1] not in ".!?…":
        end = max(text.rfind(". "), text.rfind("! "), text.rfind("? "))
        text = text[: end + 1] if end > 20 else text.rsplit(" ", 1)[0] + "…"
    return text


def explain_stream(llm: ChatModel | None, ranked: Ranked, profile: Profile, catalog: Catalog, *,
                   max_tokens: int = 48, timeout_s: float | None = 30) -> Iterator[str]:
    """Yield the explanation as it grows (each value is the whole text so far); the last value is final.

    If the model fails part-way or says nothing usable, the last value is the template explanation instead.
    """
    if llm is None:
        yield fallback_explanation(ranked, profile, catalog)
        return
    messages = load_prompt("explain").render(
        request=request_text(ranked, profile), item=item_facts(ranked.item), because=because_text(ranked, catalog))
    text = ""
    try:
        for piece in llm.stream(messages, max_tokens=max_tokens, temperature=0.3, timeout_s=timeout_s):
            text += piece
            if len(text) > MAX_EXPLANATION_CHARS:
                break
            yield text
    except ModelError as exc:
        log.warning("explanation for %s fell back to the template: %s", ranked.item.id, exc)
        text = ""
    final = _tidy(text)
    yield final if len(final) >= 15 else fallback_explanation(ranked, profile, catalog)

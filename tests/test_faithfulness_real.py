"""Faithfulness over real replies: the real pipeline (packaged embedder, full catalog, Chroma, ratings) answers
the scripted suite and the request benchmark, and not one explanation or citation a person reads makes a claim
its pick's evidence or catalog record does not support. Run with -s to see the rate."""

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from chat_app.faithfulness import unsupported_claims
from chat_app.pipeline import run_turn
from chat_app.session import SessionState

pytestmark = pytest.mark.slow
DIALOGUES = Path(__file__).parent / "dialogues"


def conversations() -> list[list[str]]:
    out = []
    for name in ("suite.yaml", "requests.yaml"):
        out += [[t["user"] for t in d["turns"]] for d in yaml.safe_load((DIALOGUES / name).read_text())]
    return out


def explain_all(services, dialogues) -> tuple[int, list[str], int]:
    """(explanations read, every unsupported claim found in them with the pick it was about, how many of the
    explanations are model sentences)."""
    seen, claims, by_llm = 0, [], 0
    for turns in dialogues:
        state = SessionState()
        for message in turns:
            view = None
            for view in run_turn(services, state, message):
                pass
            for rec in view.recommendations:
                text = rec.explanation + "\n" + " · ".join(rec.cites)
                seen += 1
                by_llm += rec.explained_by == "llm"
                claims += [f"{rec.ranked.item.label}: {c} | {rec.explanation}"
                           for c in unsupported_claims(text, rec.evidence, services.catalog)]
    return seen, claims, by_llm


def test_evidence_explanations_make_no_unsupported_claim(real_services):
    seen, claims, _ = explain_all(replace(real_services, llm=None, writer=None), conversations())
    print(f"\nfaithfulness (--explain evidence): {len(claims)} unsupported claims in {seen} explanations "
          f"({len(claims) / max(seen, 1):.2%})")
    assert seen >= 200
    assert claims == [], "\n".join(claims[:20])


def test_model_sentences_are_shown_only_when_faithful(real_services, small_llm):
    """The small model rephrases evidence (--explain llm); whatever is shown still makes no unsupported claim."""
    services = replace(real_services, llm=None, writer=small_llm)
    dialogues = conversations()[:3]  # 8 turns, about 40 picks
    seen, claims, by_llm = explain_all(services, dialogues)
    print(f"\nfaithfulness (--explain llm, small model): {len(claims)} unsupported claims in {seen} explanations; "
          f"{by_llm} model sentences passed the check, {seen - by_llm} kept the why line")
    assert seen >= 30 and claims == [], "\n".join(claims[:20])

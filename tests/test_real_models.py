"""Real models end to end: the real catalog ingested into Chroma with the packaged embedder, and scripted
dialogues through the real pipeline with the packaged small LLM (and one with the default 1.5B model)."""

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from chat_app.pipeline import run_turn
from chat_app.session import SessionState
from conftest import unexplained

pytestmark = pytest.mark.slow
DIALOGUES = yaml.safe_load((Path(__file__).parent / "dialogues" / "core.yaml").read_text())


def test_real_catalog_is_ingested(real_services):
    index = real_services.index
    assert index.collection.count() == len(real_services.catalog) == 9742
    meta = index.collection.metadata
    assert meta["complete"] and meta["embedder"] == "all-MiniLM-L6-v2" and meta["dim"] == 384
    query = real_services.embedder.embed(["toys that come to life when their owner leaves the room"], kind="query")[0]
    top = [real_services.catalog.get(h.item_id).title for h in index.search(query, 10)]
    assert "Toy Story" in top


def check_turn(services, state, view, shown_before, expect):
    catalog = services.catalog
    recs = [r.ranked.item for r in view.recommendations]
    assert view.finished
    assert recs or "Nothing left" in view.notice
    for item in recs:
        assert item.id in catalog, f"{item.id} is not a catalog item"
        assert state.profile.constraints.satisfies(item), (item.label, state.profile.constraints)
        assert item.id not in state.profile.mentioned_ids(), f"recommended a mentioned movie: {item.label}"
        assert item.id not in shown_before, f"repeated {item.label}"
    problems = unexplained(view, catalog, state)
    assert not problems, problems
    likes = " | ".join(p.text.lower() for p in state.profile.liked())
    dislikes = " | ".join(p.text.lower() for p in state.profile.disliked())
    for text in expect.get("likes", []):
        assert text.lower() in likes, (text, likes)
    for text in expect.get("dislikes", []):
        assert text.lower() in dislikes, (text, dislikes)
    for name in ("year_min", "year_max", "runtime_max"):  # a movie file's runtime_max is the length_max
        if name in expect:
            assert getattr(state.profile.constraints, name.replace("runtime", "length")) == expect[name], name
    for genre in expect.get("excluded", []):
        assert genre in state.profile.constraints.genres_excluded
    for tag in expect.get("avoid_tags", []):
        assert not any(tag.lower() in " ".join(i.tags).lower() for i in recs), tag


def run_dialogue(services, dialogue):
    state = SessionState()
    for turn in dialogue["turns"]:
        shown_before = set(state.shown)
        view = None
        for view in run_turn(services, state, turn["user"]):
            pass
        check_turn(services, state, view, shown_before, turn.get("expect", {}))


@pytest.mark.parametrize("dialogue", DIALOGUES, ids=[d["name"] for d in DIALOGUES])
def test_dialogue_with_small_model(real_services, small_llm, dialogue):
    # the product's default: the LLM reads, the evidence explains (model prose: tests/test_faithfulness_real.py)
    run_dialogue(replace(real_services, llm=small_llm, writer=None), dialogue)


def test_dialogue_with_default_model(real_services, default_llm):
    run_dialogue(replace(real_services, llm=default_llm, writer=None), DIALOGUES[0])

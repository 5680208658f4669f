"""The co-mention model: fitting only on what it may see, refusing to be scored on its own training
conversations, mapping ReDial ids to catalog ids, and recommending what is brought up together (better than a
popularity-only control on held-out synthetic conversations)."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from chat_app.eval.__main__ import main as eval_main, read_comention
from chat_app.eval.dialogues import Dialogue
from retrieval.catalog import Catalog, Item
from retrieval.comention import (DEFAULT_PATH, CoMention, CoMentionFileError, Conversation, LeakageError,
                                 held_out_check, next_mention_recall, read_conversations)
from retrieval.rerank import RerankWeights, feature_score

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "redial"


def synthetic(n: int, seed: int, first_id: int = 0) -> list[Conversation]:
    """Conversations about one of three "kinds" of film (ids 10-14, 20-24, 30-34), each also bringing up the
    one blockbuster (1) in 40% of them: the kind decides what else is mentioned, the blockbuster does not."""
    rng = random.Random(seed)
    out = []
    for c in range(n):
        kind = rng.choice((10, 20, 30))
        films = [f for f in range(kind, kind + 5) if rng.random() < 0.7] or [kind]
        rng.shuffle(films)
        if rng.random() < 0.4:
            films.insert(rng.randrange(len(films) + 1), 1)
        out.append(Conversation(first_id + c, tuple((f, rng.random() > 0.1) for f in films)))
    return out


@pytest.fixture(scope="module")
def model() -> CoMention:
    return CoMention.fit(synthetic(300, seed=0), lam=5.0, top_k=10, ml_of={10: 110, 11: 111, 1: 101})


def redial_catalog(ids) -> Catalog:
    return Catalog.from_items(Item(id=str(i), title=f"Film {i}") for i in ids)


def test_recommends_what_is_mentioned_together_not_the_blockbuster(model):
    co = model.for_catalog(redial_catalog([1] + list(range(10, 35))), "redial")
    top = sorted(co.scores(["10", "11"]).items(), key=lambda kv: -kv[1])
    assert {i for i, _ in top[:3]} == {"12", "13", "14"}
    assert "10" not in dict(top) and "11" not in dict(top)  # never a seed


def test_beats_a_popularity_only_control_on_held_out_conversations(model):
    held_out = synthetic(100, seed=1, first_id=1000)
    co = model.for_catalog(redial_catalog([1] + list(range(10, 35))), "redial")
    counts = Counter(str(m) for c in synthetic(300, seed=0) for m, _ in c.mentions)
    ours = next_mention_recall(lambda liked, disliked: co.scores(liked, avoid=disliked), held_out, ks=(1, 3))
    popular = next_mention_recall(lambda liked, disliked: {i: float(n) for i, n in counts.items()}, held_out, ks=(1, 3))
    assert ours["recall@3"] > popular["recall@3"] + 0.2
    assert ours["recall@1"] > popular["recall@1"]


def test_a_disliked_seed_pushes_its_neighbours_down(model):
    co = model.for_catalog(redial_catalog([1] + list(range(10, 35))), "redial")
    liked_only = co.scores(["10"])
    with_dislike = co.scores(["10"], avoid=["20"])
    assert with_dislike.get("21", 0.0) < max(liked_only.get("21", 0.0), 1e-9) or "21" not in with_dislike
    assert "20" not in with_dislike


def test_refuses_to_be_scored_on_the_conversations_it_was_fitted_on(model):
    model.check_unseen(["1000", "1001", "not-a-number"])  # unseen: fine
    with pytest.raises(LeakageError, match="fitted on 1 of the 2 conversations"):
        model.check_unseen(["1000", "7"])
    with pytest.raises(LeakageError):
        model.for_catalog(redial_catalog([1]), "redial").check_unseen([0])


def test_the_harness_refuses_a_model_fitted_on_its_dialogues(model, tmp_path, capsys):
    path = model.save(tmp_path / "co.npz")
    dialogues = [Dialogue(str(i), (), {}) for i in (5, 2000)]
    with pytest.raises(LeakageError):
        read_comention(str(path), dialogues)
    assert read_comention(str(path), [Dialogue("2000", (), {})]) is not None
    assert read_comention("none", dialogues) is None
    # the command line says so and stops before any slow work
    dialogue_file = tmp_path / "d.jsonl"
    dialogue_file.write_text('{"conversationId": "5", "initiatorWorkerId": 1, "messages": [], "movieMentions": {}}\n')
    code = eval_main(["redial", "--no-llm", "--dialogues", str(dialogue_file), "--comention", str(path),
                      "--cache-dir", str(tmp_path / "cache")])
    assert code == 2 and "fitted on 1 of the 1 conversations" in capsys.readouterr().err


def test_fits_only_on_conversations_outside_the_validation_split(tmp_path):
    csv = tmp_path / "mentions.csv"
    csv.write_text("conversation,split,order,movie_index,redial_movie_id,title,liked,match,in_valid_data\n"
                   "1,train,0,0,10,A,1,order,0\n1,train,1,0,11,B,0,order,0\n"
                   "2,train,0,0,10,A,1,order,1\n2,train,1,0,12,C,1,order,1\n3,train,0,0,,D,1,order,0\n")
    kept = read_conversations(csv)
    assert [c.id for c in kept] == [1] and kept[0].mentions == ((10, True), (11, False))
    assert [c.id for c in read_conversations(csv, keep_validation=True)] == [1, 2]
    fitted = CoMention.fit(kept, lam=1.0)
    with pytest.raises(LeakageError):
        fitted.check_unseen([1])
    fitted.check_unseen([2])


def test_maps_redial_ids_to_catalog_ids_through_movielens(model):
    # the shipped catalog's ids are MovieLens ids: "1" there is not ReDial's film 1
    ml_catalog = Catalog.from_items([Item(id="110", title="Film 10", ml_id=110), Item(id="111", title="Film 11", ml_id=111),
                                     Item(id="1", title="Another film", ml_id=1), Item(id="101", title="Film 1", ml_id=101)])
    co = model.for_catalog(ml_catalog, "movielens")
    assert set(co.rows_of) == {"110", "111", "101"}
    scores = co.scores(["110"])
    assert set(scores) <= {"111", "101"} and "111" in scores
    assert "1" not in co.rows_of  # an id that only looks like ReDial's
    redial = model.for_catalog(ml_catalog, "redial")
    assert set(redial.rows_of) == {"1"}  # taken as they are
    with pytest.raises(ValueError):
        model.for_catalog(ml_catalog, "tmdb")


def test_saves_small_and_loads_the_same(model, tmp_path):
    path = model.save(tmp_path / "co.npz")
    again = CoMention.read(path)
    assert np.array_equal(again.neighbours, model.neighbours) and np.array_equal(again.fitted_on, model.fitted_on)
    assert np.allclose(again.weights, model.weights, atol=1e-3)
    assert CoMention.load(redial_catalog([1]), "redial", tmp_path / "missing.npz") is None
    np.savez(tmp_path / "old.npz", version=np.int64(0))
    with pytest.raises(CoMentionFileError, match="rebuild"):
        CoMention.read(tmp_path / "old.npz")


def test_co_mention_is_a_weighted_feature():
    zeros = np.zeros(2)
    base = dict(dense=zeros, cf=zeros, popularity=zeros, quality=zeros, dislike=zeros, genre_fit=zeros)
    score = feature_score(**base, w=RerankWeights(comention=0.5), comention=np.array([0.0, 4.0]))
    assert score.tolist() == [0.0, 0.5]  # scaled by its maximum, like cf
    assert feature_score(**base, w=RerankWeights(comention=0.5)).tolist() == [0.0, 0.0]


@pytest.mark.skipif(not DEFAULT_PATH.is_file(), reason="no shipped co-mention model")
def test_the_shipped_model_is_small_and_never_saw_the_validation_split():
    assert DEFAULT_PATH.stat().st_size < 5e6
    model = CoMention.read(DEFAULT_PATH)
    if (SHARED / "valid_data.jsonl").is_file():
        from chat_app.eval.dialogues import read_dialogues
        model.check_unseen(d.id for d in read_dialogues(SHARED / "valid_data.jsonl"))


def test_the_held_out_check_tells_the_model_from_popularity():
    result = held_out_check(synthetic(300, seed=2), lam=5.0, top_k=10)
    assert result["comention"]["recall@1"] > result["popularity"]["recall@1"] + 0.1

import math

import numpy as np
import pytest

from retrieval.rerank import RerankWeights, feature_score, mmr


def test_feature_score_hand_computed():
    w = RerankWeights(dense=1.0, cf=0.5, popularity=0.1, quality=0.1, genre_fit=0.2, dislike=1.0, dislike_floor=0.3)
    s = feature_score(np.array([0.8, 0.5]), np.array([2.0, 4.0]), np.array([0.5, 1.0]), np.array([0.0, 0.5]),
                      np.array([0.1, 0.7]), np.array([1.0, -1.0]), w)
    # item 0: .8 + .5*(2/4) + .1*.5 + 0 + .2*1 - 0            = 1.30
    # item 1: .5 + .5*(4/4) + .1*1 + .1*.5 - .2 - 1*(.7-.3)   = 0.55
    assert np.allclose(s, [1.30, 0.55])


def test_mmr_without_diversity_is_plain_ranking():
    scores = np.array([0.1, 0.9, 0.5, 0.7])
    vectors = np.eye(4)
    assert mmr(scores, vectors, 3, diversity=0.0) == [1, 3, 2]


def brute_force_mmr(scores, vectors, k, diversity):
    """Same greedy rule written plainly: at each step the candidate with the best marginal value."""
    picked = []
    for _ in range(k):
        best, best_value = None, -np.inf
        for i in range(len(scores)):
            if i in picked:
                continue
            redundancy = max((float(vectors[i] @ vectors[j]) for j in picked), default=0.0)
            value = (1 - diversity) * scores[i] - diversity * redundancy
            if value > best_value:
                best, best_value = i, value
        picked.append(best)
    return picked


def test_mmr_matches_brute_force_and_prefers_variety():
    rng = np.random.default_rng(0)
    for _ in range(20):
        vectors = rng.normal(size=(12, 5))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        scores = rng.uniform(size=12)
        assert mmr(scores, vectors, 5, 0.3) == brute_force_mmr(scores, vectors, 5, 0.3)
    # two near-duplicates at the top: with diversity the second pick is the different item
    vectors = np.array([[1.0, 0.0], [0.999, 0.045], [0.0, 1.0]])
    assert mmr(np.array([1.0, 0.99, 0.8]), vectors, 2, 0.5) == [0, 2]


def test_mmr_edge_cases():
    assert mmr(np.array([]), np.zeros((0, 3)), 5, 0.2) == []
    assert mmr(np.array([0.3, 0.2]), np.eye(2), 5, 0.2) == [0, 1]


def test_an_item_with_none_of_the_favoured_genres_fits_worse_than_one_nothing_was_said_about():
    from retrieval.catalog import Item
    from retrieval.recommend import MISSING_GENRE_FIT, genre_fit_score

    war, thriller = Item("1", "A", 1998, genres=("Drama", "War")), Item("2", "B", 1991, genres=("Crime", "Thriller"))
    fit = {"War": 1.0, "Drama": 2.0, "Children": -1.0}
    assert genre_fit_score(war, fit) == pytest.approx(math.tanh(1.5))
    # a genre nothing was said about neither helps nor dilutes
    assert genre_fit_score(Item("3", "C", 1999, genres=("Drama", "War", "Action")), fit) == pytest.approx(math.tanh(1.5))
    assert genre_fit_score(thriller, fit) == MISSING_GENRE_FIT
    assert genre_fit_score(thriller, {}) == 0.0
    assert genre_fit_score(thriller, {"Children": -1.0}) == 0.0  # only a dislike said: nothing is missing


def test_genres_asked_for_by_name_count_more_than_those_a_mood_favours():
    from retrieval.catalog import Item
    from retrieval.recommend import genre_fit_score

    fit = {"Drama": 2.0, "War": 1.0, "Crime": 1.0, "Horror": 1.0, "Thriller": 1.0}  # "a dark war drama"
    war = Item("1", "A", 1998, genres=("Drama", "War"))
    crime = Item("2", "B", 1991, genres=("Crime", "Horror", "Thriller", "Drama"))
    assert genre_fit_score(war, fit, ("Drama", "War")) == pytest.approx(math.tanh(1.5))
    assert genre_fit_score(crime, fit, ("Drama", "War")) == pytest.approx(math.tanh(1.25) * 0.5)
    assert genre_fit_score(crime, fit) == pytest.approx(math.tanh(1.25))


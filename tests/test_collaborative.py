import numpy as np
import pandas as pd

from retrieval.catalog import Catalog, Item
from retrieval.collaborative import ItemCF


def test_item_cosine_hand_computed():
    catalog = Catalog.from_items([Item(str(i), f"M{i}", ml_id=i) for i in (1, 2, 3, 4)])
    ratings = pd.DataFrame({
        "userId":  [1, 1, 2, 2, 3, 3, 3],
        "movieId": [1, 2, 1, 2, 1, 3, 4],
        "rating":  [5, 4, 4, 5, 5, 4, 2.0],  # movie 4 is never liked (2 < 4)
    })
    cf = ItemCF.from_ratings(ratings, catalog)
    scores = cf.scores(["1"])
    # liked sets: m1 = {u1,u2,u3}, m2 = {u1,u2}, m3 = {u3}; cos(1,2) = 2/sqrt(3*2), cos(1,3) = 1/sqrt(3)
    assert np.isclose(scores["2"], 2 / np.sqrt(6)) and np.isclose(scores["3"], 1 / np.sqrt(3))
    assert "1" not in scores and "4" not in scores
    assert cf.top(["1"], 1)[0][0] == "2"
    assert cf.scores(["unknown"]) == {}


def test_shipped_ratings_give_sensible_neighbours(full_catalog):
    cf = ItemCF.load(full_catalog)
    toy_story = next(i.id for i in full_catalog if i.title == "Toy Story" and i.year == 1995)
    neighbours = [full_catalog.get(i).title for i, _ in cf.top([toy_story], 10)]
    assert "Toy Story 2" in neighbours

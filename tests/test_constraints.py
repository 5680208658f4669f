from hypothesis import given, strategies as st

from retrieval.catalog import GENRES, Item
from retrieval.constraints import Constraints, item_metadata


def test_empty_constraints_compile_to_no_filter():
    assert Constraints().where() is None


def test_where_compiles_each_field():
    c = Constraints(year_min=1990, year_max=1999, length_max=120, genres_required=("Comedy",),
                    genres_excluded=("Horror",), languages=("fr",))
    assert c.where() == {"$and": [
        {"year": {"$gte": 1990}}, {"year": {"$lte": 1999}}, {"year": {"$gt": 0}},
        {"runtime": {"$lte": 120}}, {"runtime": {"$gt": 0}}, {"genres": {"$contains": "Comedy"}},
        {"genres": {"$not_contains": "Horror"}}, {"language": {"$in": ["fr"]}}]}


def test_single_clause_is_not_wrapped():
    assert Constraints(year_max=1999).normalized().where() == {"$and": [{"year": {"$lte": 1999}}, {"year": {"$gt": 0}}]}
    assert Constraints(genres_excluded=("Horror",)).where() == {"genres": {"$not_contains": "Horror"}}


def test_satisfies_and_unknown_fields_fail_their_constraint():
    item = Item("1", "X", 1995, genres=("Comedy",), runtime=None)
    assert Constraints(year_max=1999).satisfies(item)
    assert not Constraints(year_min=2000).satisfies(item)
    assert not Constraints(length_max=120).satisfies(item)  # unknown runtime: cannot promise it
    assert not Constraints(genres_excluded=("Comedy",)).satisfies(item)
    assert Constraints(genres_required=("Comedy", "Drama")).satisfies(item)
    assert not Constraints(year_max=1999).satisfies(Item("2", "No year"))


def test_normalized_drops_nonsense_and_orders_ranges():
    c = Constraints(year_min=2005, year_max=1990, length_max=-5, genres_excluded=("horror", "Nope"),
                    languages=("FR", "english", "1x")).normalized()
    assert (c.year_min, c.year_max, c.length_max) == (1990, 2005, None)
    assert c.genres_excluded == ("Horror",) and c.languages == ("fr",)


def test_describe_reads_like_a_person():
    c = Constraints(year_max=1999, length_max=90, genres_excluded=("Horror",))
    assert c.describe() == ["up to 1999", "at most 90 minutes", "no Horror"]


def test_metadata_never_has_empty_genres():
    assert item_metadata(Item("1", "X"))["genres"] == ["(none)"]


junk = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                 st.text(max_size=20), st.lists(st.text(max_size=10), max_size=3))


@given(year_min=junk, year_max=junk, runtime=junk,
       excluded=st.lists(st.one_of(st.sampled_from(GENRES), st.text(max_size=12)), max_size=5),
       languages=st.lists(st.text(max_size=4), max_size=3))
def test_any_values_normalize_to_a_valid_filter(year_min, year_max, runtime, excluded, languages):
    c = Constraints(year_min, year_max, runtime, (), tuple(excluded), tuple(languages)).normalized()
    where = c.where()
    from chromadb.api.types import validate_where

    if where is not None:
        validate_where(where)
    assert all(g in GENRES for g in c.genres_excluded)

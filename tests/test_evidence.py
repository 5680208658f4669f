"""Evidence records and why lines from hand-made items: only what an item's own data shows is cited."""

import numpy as np
import pandas as pd
import pytest

from chat_app.evidence import (Match, citations, decade, gather_evidence, kept_limits, match_request, mood_genres,
                               why_line)
from chat_app.faithfulness import unsupported_claims
from chat_app.profile import Preference, Profile
from retrieval.catalog import Catalog, Item
from retrieval.collaborative import ItemCF
from retrieval.constraints import Constraints
from retrieval.recommend import Ranked

BTTF = Item("1", "Back to the Future", 1985, genres=("Adventure", "Comedy", "Sci-Fi"),
            keywords=("time travel", "delorean"), tags=("time travel",), cast=("Michael J. Fox",), mean_rating=4.04,
            num_ratings=171, ml_id=1)
SEVEN = Item("2", "Seven", 1995, genres=("Crime", "Mystery", "Thriller"), keywords=("serial killer",), runtime=127,
             mean_rating=3.98, num_ratings=203, ml_id=2)
BLADE = Item("3", "Blade Runner", 1982, genres=("Action", "Sci-Fi", "Thriller"), tags=("dystopia",), ml_id=3)
LEON = Item("4", "Léon: The Professional", 1994, genres=("Action", "Crime", "Drama", "Thriller"), ml_id=4)
LOOPER = Item("5", "Looper", 2012, genres=("Action", "Crime", "Sci-Fi"), keywords=("time travel", "assassin"),
              cast=("Bruce Willis",), companies=("TriStar Pictures",), mean_rating=3.7, num_ratings=4, ml_id=5)
TWELVE = Item("6", "Twelve Monkeys", 1995, genres=("Mystery", "Sci-Fi", "Thriller"), tags=("time travel",),
              cast=("Bruce Willis", "Brad Pitt"), mean_rating=3.98, num_ratings=177, ml_id=6)
CATALOG = Catalog.from_items([BTTF, SEVEN, BLADE, LEON, LOOPER, TWELVE])


def like(kind, text, item_id=None, turn=1):
    return Preference(kind, text, "like", turn, item_id=item_id)


def profile(*prefs, constraints=Constraints(), turn=1):
    return Profile(tuple(prefs), constraints, turn)


# the request of issue 15's hole: time travel, this turn, like Back to the Future
TIME_TRAVEL = profile(like("theme", "time travel"), like("item", "Back to the Future", "1"), like("mood", "dark"))


@pytest.mark.parametrize("item", [SEVEN, BLADE, LEON])
def test_a_request_word_is_never_cited_on_an_item_whose_data_lacks_it(item):
    """Issue 15: 'you wanted time travel' was cited on Seven, Blade Runner and Léon."""
    evidence = gather_evidence(Ranked(item, 1.0, 0.5, 0.0), TIME_TRAVEL, CATALOG, None)
    assert all(m.asked != "time travel" for m in evidence.matches)
    assert "you wanted time travel" not in citations(evidence)
    assert "time travel" not in why_line(evidence)
    assert "you liked Back to the Future (1985)" not in citations(evidence)  # not in `because`, no ratings


def test_the_matched_words_are_the_catalogs_own():
    evidence = gather_evidence(Ranked(TWELVE, 1.0, 0.5, 0.0, because=("1",)), TIME_TRAVEL, CATALOG, None)
    assert Match("time travel", "theme", "tags", ("time travel",)) in evidence.matches
    assert Match("dark", "mood", "genres", ("Mystery", "Thriller")) not in evidence.matches  # Mystery: not "dark"
    assert [m.words for m in evidence.matches if m.kind == "mood"] == [("Thriller",)]
    [similar] = evidence.similar
    assert (similar.title, similar.genres, similar.tags) == ("Back to the Future (1985)", ("Sci-Fi",), ("time travel",))
    assert citations(evidence) == ("you wanted time travel", "you wanted dark", "you liked Back to the Future (1985)")
    line = why_line(evidence)
    assert line.startswith("Matches your request: time travel (viewer tag), dark (genre: Thriller).")
    assert "Like Back to the Future (1985): both Sci-Fi; both about “time travel”." in line
    assert "MovieLens: 4.0/5 from 177 ratings." in line


def test_moods_count_only_through_genres():
    assert mood_genres("funny", ("Comedy", "Drama")) == ("Comedy",)
    assert mood_genres("lighter", ("Comedy",)) == ("Comedy",)  # read as light-hearted
    assert mood_genres("light-hearted", ("Comedy", "Horror")) == ()  # a genre the mood rules against
    assert mood_genres("quirky", ("Comedy",)) == ()  # a mood with no genre rule is never matched
    assert match_request(SEVEN, "mood", "funny") is None


@pytest.mark.parametrize("kind,text,item,expected", [
    ("person", "Bruce Willis", LOOPER, Match("Bruce Willis", "person", "cast", ("Bruce Willis",))),
    ("person", "Serial Killer", SEVEN, None),  # a person is looked up in people fields only
    ("studio", "TriStar", LOOPER, Match("TriStar", "studio", "companies", ("TriStar Pictures",))),
    ("genre", "Crime", SEVEN, Match("Crime", "genre", "genres", ("Crime",))),
    ("genre", "Comedy", SEVEN, None),
    ("era", "90s", SEVEN, Match("90s", "era", "year", ("1995",))),
    ("era", "1980s", SEVEN, None),
    ("theme", "time machine", LOOPER, None),
])
def test_match_request(kind, text, item, expected):
    assert match_request(item, kind, text) == expected


def test_decades():
    assert [decade(x) for x in ("90s", "1990s", "'80s", "00s", "2010s", "nineties", "1995")] == \
        [1990, 1990, 1980, 2000, 2010, None, None]


def test_limits_are_said_only_when_the_item_keeps_them():
    limits = Constraints(year_min=1990, year_max=1999, length_max=120, genres_excluded=("Horror",))
    assert kept_limits(SEVEN, limits) == ("from 1990 to 1999", "no Horror")  # 127 minutes: not "at most 120"


def test_collaborative_evidence_counts_people_and_is_cited_only_above_the_base_rate():
    users = range(1, 21)
    rows = [(u, 1, 5.0) for u in users]  # all 20 like Back to the Future
    rows += [(u, 6, 4.0) for u in users[:12]]  # 12 of them like Twelve Monkeys
    rows += [(u, 2, 4.0) for u in users[:3]] + [(u, 2, 4.0) for u in range(21, 41)]  # Seven: 3 of them, 20 others
    cf = ItemCF.from_ratings(pd.DataFrame(rows, columns=["userId", "movieId", "rating"]), CATALOG)
    assert cf.co_liked("1", "6") == (20, 12) and cf.co_liked("6", "1") == (12, 12) and cf.co_liked("9", "1") == (0, 0)
    evidence = gather_evidence(Ranked(TWELVE, 1.0, 0.5, 0.0), TIME_TRAVEL, CATALOG, cf)
    [co] = evidence.co_liked
    assert (co.raters, co.also, co.percent, co.overall_percent) == (20, 12, 60, 30)
    assert "60% of the 20 people who rated Back to the Future (1985) 4+ rated it 4+ too (30% of all raters did)" \
        in why_line(evidence)
    assert not gather_evidence(Ranked(SEVEN, 1.0, 0.5, 0.0), TIME_TRAVEL, CATALOG, cf).co_liked  # 15% < 20%


def test_a_pick_with_no_match_says_only_how_it_was_found_and_its_facts():
    evidence = gather_evidence(Ranked(SEVEN, 1.0, 0.5, 0.0, sources=("dense",)), profile(), CATALOG, None)
    assert why_line(evidence) == ("Its description is close to what you wrote; it is about “serial killer”. "
                                  "MovieLens: 4.0/5 from 203 ratings.")
    assert citations(evidence) == ()
    few = gather_evidence(Ranked(LOOPER, 1.0, 0.5, 0.0), profile(), CATALOG, None)
    assert few.facts()["mean_rating"] is None
    assert why_line(few) == "Looper (2012): Action, Crime, Sci-Fi that keeps to your limits."


def test_disliked_people_are_cited_only_when_absent():
    prefs = profile(Preference("person", "Bruce Willis", "dislike", 1),
                    Preference("person", "Adam Sandler", "dislike", 1))
    assert gather_evidence(Ranked(LOOPER, 1.0, 0.5, 0.0), prefs, CATALOG, None).avoided == ("Adam Sandler",)


def test_the_api_record_is_plain_json():
    import json

    record = gather_evidence(Ranked(TWELVE, 1.0, 0.5, 0.0, because=("1",)), TIME_TRAVEL, CATALOG, None).to_json()
    assert json.loads(json.dumps(record)) == record
    assert set(record) == {"matches", "similar", "co_liked", "co_mentioned", "limits", "avoided", "sources", "facts",
                           "why"}
    assert record["facts"] == {"title": "Twelve Monkeys", "year": 1995, "genres": ["Mystery", "Sci-Fi", "Thriller"],
                               "runtime": None, "mean_rating": 4.0, "num_ratings": 177, "directors": []}


@pytest.mark.parametrize("item", [BTTF, SEVEN, BLADE, LEON, LOOPER, TWELVE])
def test_why_lines_and_citations_pass_the_faithfulness_check(item):
    evidence = gather_evidence(Ranked(item, 1.0, 0.5, 0.0, because=("1",) if item is not BTTF else ()),
                               TIME_TRAVEL, CATALOG, None)
    assert unsupported_claims(why_line(evidence) + " " + " · ".join(citations(evidence)), evidence, CATALOG) == []


def test_a_pick_recommended_with_a_liked_title_in_redial_says_so_and_only_then():
    from retrieval.comention import CoMention

    # a co-mention model by hand: Back to the Future's neighbours are Looper (and nothing else)
    model = CoMention(np.array([10, 11, 12]), np.array([[1, -1], [0, -1], [-1, -1]], dtype=np.int32),
                      np.array([[0.5, 0.0], [0.5, 0.0], [0.0, 0.0]], dtype=np.float32), np.array([1]),
                      np.array([1, 5, 2]), 200.0)
    comention = model.for_catalog(CATALOG, "movielens")
    prefs = profile(like("item", "Back to the Future", "1"))
    looper = gather_evidence(Ranked(LOOPER, 1.0, 0.5, 0.0, sources=("comention",)), prefs, CATALOG, None, comention)
    assert looper.co_mentioned == (("1", "Back to the Future (1985)"),)
    line = why_line(looper)
    assert "Back to the Future (1985)" in line and "ReDial" in line
    assert not unsupported_claims(line, looper, CATALOG)
    seven = gather_evidence(Ranked(SEVEN, 1.0, 0.5, 0.0, sources=("comention",)), prefs, CATALOG, None, comention)
    assert seven.co_mentioned == () and "ReDial" not in why_line(seven)


def test_no_avoided_person_is_claimed_for_an_item_whose_cast_is_unknown():
    prefs = profile(Preference("person", "Bruce Willis", "dislike", 1),
                    Preference("person", "Adam Sandler", "dislike", 1))
    assert gather_evidence(Ranked(SEVEN, 1.0, 0.5, 0.0), prefs, CATALOG, None).avoided == ()  # no cast listed
    assert gather_evidence(Ranked(BTTF, 1.0, 0.5, 0.0), prefs, CATALOG, None).avoided == ("Bruce Willis",
                                                                                         "Adam Sandler")


def test_a_theme_is_never_claimed_from_a_persons_name():
    """The why line said "Matches your request: zombie (cast “Sheri Moon Zombie”)" for Halloween (2007)."""
    halloween = Item("h", "Halloween", 2007, cast=("Sheri Moon Zombie",), directors=("Rob Zombie",),
                     tags=("Rob Zombie",))
    assert match_request(halloween, "theme", "zombie") is None
    assert match_request(halloween, "person", "Rob Zombie").field == "directors"
    king = Item("s", "The Shawshank Redemption", 1994, writers=("Stephen King",), tags=("Stephen King",))
    assert match_request(king, "theme", "Stephen King") is not None  # the tag is the name asked for

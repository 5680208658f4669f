"""The faithfulness checker on hand-made explanations: true ones pass, and each kind of made-up claim is caught
(including the ones the issue found in real replies)."""

import pytest

from chat_app.evidence import CoLiked, Evidence, Match, Similar, why_line
from chat_app.faithfulness import unsupported_claims
from retrieval.catalog import Catalog, Item

CRUMB = Item("162", "Crumb", 1994, genres=("Documentary",), runtime=119, mean_rating=4.21, num_ratings=17,
             overview="Robert Crumb, the cartoonist, and his family in San Francisco.", directors=("Terry Zwigoff",))
HEAT = Item("6", "Heat", 1995, genres=("Action", "Crime", "Thriller"), mean_rating=3.95, num_ratings=102)
RONIN = Item("7", "Ronin", 1998, genres=("Action", "Crime", "Thriller"), runtime=122, mean_rating=3.6, num_ratings=52,
             keywords=("heist", "paris"), cast=("Robert De Niro", "Jean Reno"))
COLLATERAL = Item("8", "Collateral", 2004, genres=("Action", "Crime", "Thriller"))
HOOP = Item("246", "Hoop Dreams", 1994, genres=("Documentary",), keywords=("chicago", "basketball"),
            overview="Two inner-city Chicago residents dream of becoming basketball superstars.")
LOTR = Item("9", "The Lord of the Rings: The Return of the King", 2003,
            genres=("Action", "Adventure", "Drama", "Fantasy"))
SEVEN = Item("10", "Seven", 1995, genres=("Crime", "Mystery", "Thriller"))
AMERICAN_BEAUTY = Item("11", "American Beauty", 1999, genres=("Drama",))
CATALOG = Catalog.from_items([CRUMB, HEAT, RONIN, COLLATERAL, HOOP, LOTR, SEVEN, AMERICAN_BEAUTY])

RONIN_EVIDENCE = Evidence(RONIN, similar=(Similar("6", "Heat (1995)", ("Action", "Crime", "Thriller"),
                                                  people=("Robert De Niro",)),),
                          co_liked=(CoLiked("6", "Heat (1995)", 69, 42, 20),),
                          limits=("from 1990 to 1999", "no Horror"))
SEVEN_EVIDENCE = Evidence(SEVEN, matches=(Match("dark", "mood", "genres", ("Crime", "Thriller")),))

TRUE = [
    (RONIN_EVIDENCE, why_line(RONIN_EVIDENCE)),
    (RONIN_EVIDENCE, "Like Heat, it is an action crime thriller, and 61% of the people who loved Heat rated it "
                     "highly too."),
    (RONIN_EVIDENCE, "If you liked Heat (1995), Ronin brings back Robert De Niro in another crime thriller."),
    (RONIN_EVIDENCE, "A 90s heist thriller from 1998 with Jean Reno, set in Paris, 122 minutes long."),
    (RONIN_EVIDENCE, "Kept to 1990 to 1999 with no horror, as you asked: MovieLens users give it 3.6/5 over 52 "
                     "ratings."),
    (Evidence(CRUMB), "A documentary by Terry Zwigoff about a cartoonist in San Francisco, rated 4.2/5."),
    (Evidence(HOOP), "A documentary about two Chicago kids and basketball."),
    (SEVEN_EVIDENCE, "You wanted dark, and this crime thriller is exactly that."),
    (SEVEN_EVIDENCE, "You'll love this one."),
]

FALSE = [  # (evidence, text, a fragment of the claim that must be flagged)
    (Evidence(CRUMB), "Crumb is a heartwarming look at life in the slums of India.", "heartwarming"),
    (Evidence(CRUMB), "Crumb is a heartwarming look at life in the slums of India.", "India"),
    (Evidence(CRUMB), "An Oscar-winning documentary.", "Oscar"),
    (Evidence(CRUMB), "A documentary from 1996.", "1996"),
    (Evidence(CRUMB), "Rated 4.5/5 by MovieLens users.", "4.5/5"),
    (Evidence(CRUMB), "It runs 95 minutes.", "95"),
    (Evidence(HOOP), "The same gritty Chicago story you loved in Hoop Dreams.", "liked Hoop Dreams"),
    (Evidence(HOOP), "The same gritty Chicago story you loved in Hoop Dreams.", "gritty"),
    (RONIN_EVIDENCE, "Ronin closely follows the plot of Collateral.", "Collateral"),
    (RONIN_EVIDENCE, "Fans of Seven will love it.", "Seven"),
    (RONIN_EVIDENCE, "Like Heat, and 60% of the people who loved Heat rated it highly too.", "60%"),
    (RONIN_EVIDENCE, "A light-hearted comedy.", "light-hearted"),
    (RONIN_EVIDENCE, "A light-hearted comedy.", "comedy"),
    (RONIN_EVIDENCE, "A 1980s thriller.", "1980s"),
    (RONIN_EVIDENCE, "Al Pacino is at his best here.", "Pacino"),
    (Evidence(LOTR), "The Lord of the Rings: The Return of the King (2003) is an adaptation of J.R.R. Tolkien.",
     "Tolkien"),
    (Evidence(AMERICAN_BEAUTY), "American Beauty is a funny, romantic movie.", "funny"),
    (Evidence(AMERICAN_BEAUTY), "American Beauty is a funny, romantic movie.", "romantic"),
    (Evidence(SEVEN), "You wanted time travel, and this has it.", "time travel"),  # issue 15's hole, in prose
    (SEVEN_EVIDENCE, "You asked for something funny and this is it.", "funny"),
]


@pytest.mark.parametrize("evidence,text", TRUE, ids=range(len(TRUE)))
def test_true_explanations_pass(evidence, text):
    assert unsupported_claims(text, evidence, CATALOG) == []


@pytest.mark.parametrize("evidence,text,claim", FALSE, ids=range(len(FALSE)))
def test_made_up_claims_are_caught(evidence, text, claim):
    claims = unsupported_claims(text, evidence, CATALOG)
    assert any(claim in c for c in claims), claims


def test_negated_genres_and_the_persons_limits_are_not_claims():
    assert unsupported_claims("No horror here, just a tense action thriller.", RONIN_EVIDENCE, CATALOG) == []
    assert unsupported_claims("Not a comedy.", RONIN_EVIDENCE, CATALOG) == []
    assert unsupported_claims("A comedy.", RONIN_EVIDENCE, CATALOG) != []


def test_every_claim_is_reported_once():
    claims = unsupported_claims("Collateral, Collateral and Collateral: a comedy, a comedy.", RONIN_EVIDENCE, CATALOG)
    assert len(claims) == len(set(claims)) == 2


def test_kids_and_family_claim_a_genre_only_when_they_say_who_it_is_for():
    assert unsupported_claims("A documentary about two Chicago kids.", Evidence(HOOP), CATALOG) == []
    assert unsupported_claims("A great pick for the kids.", Evidence(HOOP), CATALOG) != []
    assert unsupported_claims("A family movie.", Evidence(HOOP), CATALOG) != []


def test_names_and_numbers_that_are_also_titles_are_read_as_what_they_are():
    """Real why lines tripped on these: 'Keanu' (a 2016 film) in 'Keanu Reeves', '21' (a 2008 film) as a count."""
    wick = Item("20", "John Wick", 2014, genres=("Action", "Thriller"), cast=("Keanu Reeves",))
    catalog = Catalog.from_items([wick, Item("21", "Keanu", 2016), Item("22", "21", 2008), HEAT])
    evidence = Evidence(wick, co_liked=(CoLiked("6", "Heat (1995)", 21, 9, 21),))
    assert unsupported_claims("Matches your request: Keanu Reeves (cast). 43% of the 21 people who rated Heat (1995) "
                              "4+ rated it 4+ too (21% of all raters did).", evidence, catalog) == []
    assert unsupported_claims("As good as Keanu, the 2016 comedy.", evidence, catalog) != []


def test_a_title_inside_a_longer_liked_title_is_the_longer_one():
    """Seen on the real pipeline: the pick Toy Story, cited beside 'you liked Toy Story 2 (1999)'."""
    toy, toy2 = Item("1", "Toy Story", 1995, genres=("Animation",)), Item("3114", "Toy Story 2", 1999)
    evidence = Evidence(toy, similar=(Similar("3114", "Toy Story 2 (1999)", ("Animation",)),))
    catalog = Catalog.from_items([toy, toy2])
    assert unsupported_claims("Toy Story is animated too. you liked Toy Story 2 (1999)", evidence, catalog) == []
    assert unsupported_claims("you liked Toy Story, so here it is", evidence, catalog) != []

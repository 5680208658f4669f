"""The check the pipeline, real-model and app tests put every shown explanation through (`conftest.
explanation_problems`), on worked examples: it must pass good explanations and name what is wrong with bad ones."""

import pytest

from conftest import explanation_problems, named_titles


@pytest.fixture(scope="module")
def titled(full_catalog):
    return {item.label: item for item in full_catalog}


GOOD = [  # (pick, what the person said, explanation)
    ("Léon: The Professional (a.k.a. The Professional) (1994)", ["I loved Heat, from the 90s"],
     "Like Heat (1995): both Action, Crime, Thriller. MovieLens: 4.0/5 from 133 ratings."),
    ("Toy Story 2 (1999)", ["I loved Toy Story, something for kids"],
     "A close match to Toy Story, which you liked; both about “toy comes to life”."),
    ("Airplane! (1980)", ["a comedy from the 80s"], "It is a comedy, as you asked."),
    ("Heat (1995)", ["a crime thriller please"], "A tense crime thriller with a cop chasing a thief (as you asked)!"),
    ("Toy Story 2 (1999)", ["something for the family"], "Woody is back with Ray Liotta as a toy that comes to life."),
    ("Seven (1995)", ["a dark thriller"], "A dark thriller: 4.1/5 from 21 ratings; it came out 1995, not 1984."),
]

BAD = [  # (pick, what the person said, explanation, the start of the problem it must be flagged for)
    ("Heat (1995)", ["crime"], "", "empty"),
    ("Heat (1995)", ["crime"], "   ", "empty"),
    ("Heat (1995)", ["a crime thriller"], "A crime thriller where a cop chases a thie", "does not end a sentence"),
    ("Heat (1995)", ["a crime thriller"], "A crime thriller where a cop…", "cut off with an ellipsis"),
    ("Heat (1995)", ["a crime thriller"], "A crime thriller, as you asked, written by J.R.R.", "cut after an initial"),
    ("Heat (1995)", ["a crime thriller"], "A crime thriller like Mr.", "cut after an initial"),
    ("Heat (1995)", ["I loved Heat"], "It is a close match to The Matrix, which you liked.", "names 'The Matrix'"),
    ("Heat (1995)", ["a crime thriller"], "A crime thriller that fans of Toy Story will love.", "names 'Toy Story'"),
    ("Heat (1995)", ["something exciting"], "It is a well-liked action, crime that fits your request.", "generic"),
    ("Heat (1995)", ["something exciting"], "A fine pick for you.", "generic"),
    ("Heat (1995)", ["something exciting"], "Heat fits what you asked.", "generic"),
]


@pytest.mark.parametrize("pick, said, text", GOOD, ids=range(len(GOOD)))
def test_good_explanations_pass(full_catalog, titled, pick, said, text):
    assert explanation_problems(text, titled[pick], full_catalog, said) == []


@pytest.mark.parametrize("pick, said, text, problem", BAD, ids=[b[3] for b in BAD])
def test_bad_explanations_are_named(full_catalog, titled, pick, said, text, problem):
    problems = explanation_problems(text, titled[pick], full_catalog, said)
    assert any(p.startswith(problem) for p in problems), problems


def test_titles_are_read_as_titles_only_where_prose_names_one(full_catalog):
    found = [words for words, _ in named_titles(
        "Up next: a heist movie like The Matrix and Toy Story 2, with Ray Liotta. Heat is short.", full_catalog)]
    # "Up" opens a sentence, "Ray" is part of a name and "Heat" opens a sentence: none is read as a film
    assert found == ["The Matrix", "Toy Story 2"]


def test_a_genre_counts_when_the_request_was_matched_as_that_genre(full_catalog, titled):
    up, said = titled["Up (2009)"], ["a funny movie for tonight"]
    text = "Up is an adventure comedy, 4.0/5 from 105 ratings."
    assert any(p.startswith("generic") for p in explanation_problems(text, up, full_catalog, said))
    assert explanation_problems(text, up, full_catalog, said, matched=["Comedy"]) == []  # "funny" read as Comedy

from chat_app.profile import Delta, Preference, Profile, merge
from retrieval.constraints import Constraints


def like(kind, text, item_id=None):
    return Preference(kind, text, "like", 0, item_id=item_id)


def dislike(kind, text, item_id=None):
    return Preference(kind, text, "dislike", 0, item_id=item_id)


def test_merge_records_the_turn_and_keeps_order():
    p = merge(Profile(), Delta(preferences=(like("item", "Inception", "79132"), like("mood", "lighter"))), 1)
    assert [(x.text, x.turn) for x in p.preferences] == [("Inception", 1), ("lighter", 1)]
    assert p.mentioned_ids() == {"79132"} and p.turn == 1


def test_newest_turn_wins_a_contradiction():
    p = merge(Profile(), Delta(preferences=(dislike("genre", "Horror"),), constraints={"genres_excluded": ("Horror",)}), 1)
    assert p.constraints.genres_excluded == ("Horror",)
    p = merge(p, Delta(preferences=(like("genre", "Horror"),)), 2)
    assert [(x.text, x.polarity, x.turn) for x in p.preferences] == [("Horror", "like", 2)]
    assert p.constraints.genres_excluded == ()


def test_constraints_given_later_replace_earlier_ones_and_others_stay():
    p = merge(Profile(), Delta(constraints={"year_max": 1999, "length_max": 120}), 1)
    p = merge(p, Delta(constraints={"year_max": 1989}), 2)
    assert (p.constraints.year_max, p.constraints.length_max) == (1989, 120)


def test_lifted_constraints_are_removed():
    p = merge(Profile(), Delta(constraints={"year_min": 1990, "year_max": 1999}), 1)
    p = merge(p, Delta(lifted=("year_min", "year_max")), 2)
    assert p.constraints == Constraints()


def test_excluded_genres_accumulate():
    p = merge(Profile(), Delta(constraints={"genres_excluded": ("Horror",)}), 1)
    p = merge(p, Delta(constraints={"genres_excluded": ("War",)}), 2)
    assert p.constraints.genres_excluded == ("Horror", "War")


def test_merge_does_not_mutate_its_input():
    before = merge(Profile(), Delta(preferences=(like("mood", "dark"),)), 1)
    merge(before, Delta(preferences=(dislike("mood", "dark"),)), 2)
    assert before.preferences[0].polarity == "like"


def test_same_item_by_different_names_is_one_entry():
    p = merge(Profile(), Delta(preferences=(like("item", "the matrix", "2571"),)), 1)
    p = merge(p, Delta(preferences=(dislike("item", "Matrix", "2571"),)), 2)
    assert len(p.preferences) == 1 and p.preferences[0].polarity == "dislike"


def test_a_change_of_mind_replaces_earlier_genres_and_moods_only():
    p = merge(Profile(), Delta(preferences=(like("genre", "War"), like("mood", "dark"), like("item", "Heat", "6"),
                                            dislike("person", "Adam Sandler"))), 1)
    same = merge(p, Delta(preferences=(like("mood", "fun"),)), 2)
    assert {x.text for x in same.preferences} == {"War", "dark", "Heat", "Adam Sandler", "fun"}
    changed = merge(p, Delta(preferences=(like("mood", "fun"),), change_of_mind=True), 2)
    assert {x.text for x in changed.preferences} == {"Heat", "Adam Sandler", "fun"}
    # "something else instead" with no new genre or mood keeps what there was
    kept = merge(p, Delta(change_of_mind=True), 2)
    assert kept.preferences == p.preferences


def test_a_new_mood_replaces_an_earlier_one_it_contradicts_unless_it_is_added():
    """"something feel-good and uplifting" ... "hmm actually I'm in the mood for something dark": the picks were
    dark comedies and romances, as both moods stayed. A mood that favours what an earlier one avoids replaces
    it; "and scary", "funny too" add; a mood that does not conflict ("romantic") joins."""
    from retrieval.domain import movie_domain

    domain = movie_domain()
    p = merge(Profile(), Delta(preferences=(like("mood", "feel-good"), like("mood", "uplifting"),
                                            like("genre", "Musical"))), 1, domain)
    dark = merge(p, Delta(preferences=(like("mood", "dark"),)), 2, domain)
    assert {x.text for x in dark.preferences} == {"Musical", "dark"}
    added = merge(p, Delta(preferences=(like("mood", "dark"),), adds=True), 2, domain)
    assert {x.text for x in added.preferences} == {"feel-good", "uplifting", "Musical", "dark"}
    romantic = merge(p, Delta(preferences=(like("mood", "romantic"),)), 2, domain)
    assert {x.text for x in romantic.preferences} == {"feel-good", "uplifting", "Musical", "romantic"}

"""INSPIRED's dev.tsv read as harness dialogues: speakers, titles split on ';', and matched to catalog ids by
title and year (a year off by one still matches; an unknown title stays a miss with its own id)."""

import pytest

from chat_app.eval.dialogues import DialogueFileError
from chat_app.eval.inspired import MISSING, read_inspired, with_catalog_ids
from retrieval.catalog import Catalog, Item

HEADER = "dialog_id\tutt_id\tspeaker\tturn_id\ttext\tmovies\n"
ROWS = [
    ("d1", 1, "SEEKER", 1, "I loved The Matrix, got anything like it?", "The Matrix (1999)"),
    ("d1", 2, "RECOMMENDER", 1, "Try Inception or Knives Out!", "Inception (2011);  Knives Out (2019)"),
    ("d2", 1, "SEEKER", 1, "hello", ""),
    ("d2", 2, "RECOMMENDER", 1, "How about Heat?", "Heat (1995)"),
]


def write(tmp_path, rows=ROWS):
    path = tmp_path / "dev.tsv"
    path.write_text(HEADER + "".join("\t".join(map(str, r)) + "\n" for r in rows))
    return path


def test_dialogues_mentions_and_catalog_ids(tmp_path):
    dialogues = read_inspired(write(tmp_path))
    assert [d.id for d in dialogues] == ["d1", "d2"]
    first = dialogues[0].utterances
    assert [u.seeker for u in first] == [True, False]
    assert first[1].mentions == ("Inception (2011)", "Knives Out (2019)")
    catalog = Catalog.from_items([Item(id="m1", title="The Matrix", year=1999), Item(id="i1", title="Inception", year=2010),
                                  Item(id="h1", title="Heat", year=1995), Item(id="h2", title="Heat", year=1986)])
    mapped = with_catalog_ids(dialogues, catalog)
    assert mapped[0].utterances[0].mentions == ("m1",)
    assert mapped[0].utterances[1].mentions == ("i1", MISSING + "Knives Out (2019)")  # 2011 vs 2010: one year off
    assert mapped[1].utterances[1].mentions == ("h1",)  # two films called Heat: the year decides
    assert mapped[0].readable(mapped[0].utterances[0].text) == "I loved The Matrix, got anything like it?"


def test_not_an_inspired_file(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("a\tb\n1\t2\n")
    with pytest.raises(DialogueFileError, match="not an INSPIRED"):
        read_inspired(path)
    with pytest.raises(DialogueFileError, match="not found"):
        read_inspired(tmp_path / "absent.tsv")

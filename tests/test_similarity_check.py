"""The similarity benchmark's weight parser: defaults kept, bad input refused with a message."""

import argparse
import importlib.util
from pathlib import Path

import pytest

from retrieval.rerank import RerankWeights, parse_weights

_spec = importlib.util.spec_from_file_location(
    "similarity_check", Path(__file__).resolve().parents[1] / "scripts" / "similarity_check.py")
similarity_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(similarity_check)


def test_changes_only_the_named_weights():
    w = parse_weights("dense=0.5, popularity=0.2")
    assert (w.dense, w.popularity) == (0.5, 0.2)
    assert w.cf == RerankWeights().cf and w.genre_fit == RerankWeights().genre_fit


def test_empty_text_means_the_defaults():
    assert parse_weights("") == RerankWeights()
    assert parse_weights(" , ,") == RerankWeights()


@pytest.mark.parametrize("text, message", [
    ("bogus=1", "unknown weight 'bogus'"),
    ("__class__=1", "unknown weight"),
    ("dense", "dense needs a number"),
    ("dense=abc", "dense needs a number"),
    ("dense=nan", "between 0 and 10"),
    ("dense=-1", "between 0 and 10"),
    ("dense=1e309", "between 0 and 10"),
    ("dense=" + "9" * 10_000, "between 0 and 10"),
])
def test_refuses_bad_weights(text, message):
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        parse_weights(text)


def test_seed_count_is_bounded(capsys):
    with pytest.raises(SystemExit) as exit_info:
        similarity_check.main(["--seeds", "0"])
    assert exit_info.value.code == 2
    assert "--seeds must be between 1 and 2000" in capsys.readouterr().err

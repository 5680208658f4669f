import pytest

from prompts import PromptError, load_prompt


@pytest.mark.parametrize("name", ["extract", "explain", "gloss", "listwise"])
def test_shipped_prompts_load_and_render(name):
    prompt = load_prompt(name)
    messages = prompt.render(**{v: f"<{v}>" for v in prompt.variables})
    assert [m["role"] for m in messages] == ["system", "user"]
    assert all(f"<{v}>" in messages[0]["content"] + messages[1]["content"] for v in prompt.variables)


def test_render_refuses_missing_or_extra_variables():
    prompt = load_prompt("explain")
    with pytest.raises(PromptError, match="takes"):
        prompt.render(request="x")
    with pytest.raises(PromptError, match="takes"):
        prompt.render(evidence="x", extra="w")


def test_declared_variables_must_match_the_template(tmp_path):
    (tmp_path / "bad.yaml").write_text("variables: [a]\nsystem: '{{ a }} {{ b }}'\nuser: 'u'\n")
    with pytest.raises(PromptError, match="declares"):
        load_prompt("bad", tmp_path)
    with pytest.raises(PromptError, match="missing or malformed"):
        load_prompt("absent", tmp_path)

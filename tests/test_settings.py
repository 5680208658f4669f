import pytest
from pydantic import ValidationError

from chat_app.settings import Settings


def test_cli_flags_parse():
    s = Settings.from_cli(["--port", "9000", "--share", "--auth", "ann:secret", "--model", "small",
                           "--threads", "1", "--index-dir", "~/idx"])
    assert (s.port, s.share, s.auth_pair, s.model, s.threads) == (9000, True, ("ann", "secret"), "small", 1)
    assert "~" not in str(s.index_dir)


def test_environment_variables(monkeypatch):
    monkeypatch.setenv("CINECHAT_PORT", "7000")
    monkeypatch.setenv("CINECHAT_AUTH", "bob:pw")
    s = Settings.from_cli([])
    assert s.port == 7000 and s.auth_pair == ("bob", "pw")


@pytest.mark.parametrize("argv", [
    ["--port", "0"], ["--port", "abc"], ["--port", "99999"], ["--auth", "nopassword"], ["--auth", ":pw"],
    ["--engine", "magic"], ["--threads", "0"], ["--model", "   "], ["--top-k", "1000"], ["--port", "1" * 5000],
    ["--rerank-blend", "2"], ["--rerank-blend", "nan"], ["--rerank-blend", "-0.1"], ["--explain", "poetry"],
])
def test_bad_values_are_refused_with_a_message(argv):
    with pytest.raises(ValidationError):
        Settings.from_cli(argv)


def test_unknown_flag_is_refused():
    with pytest.raises(SystemExit):
        Settings.from_cli(["--no-such-flag"])


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit):
        Settings.from_cli(["--help"])
    out = capsys.readouterr().out
    for flag in ("--host", "--port", "--share", "--auth", "--model", "--engine", "--threads", "--catalog",
                 "--index-dir"):
        assert flag in out


def test_exposing_the_app_without_auth_is_warned_about():
    import importlib.util

    from conftest import REPO

    spec = importlib.util.spec_from_file_location("launch", REPO / "launch.py")
    launch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(launch)
    exposure_warnings = launch.exposure_warnings

    assert exposure_warnings(Settings()) == []
    assert "anyone on your network" in exposure_warnings(Settings(host="0.0.0.0"))[0]
    assert "anyone with the link" in exposure_warnings(Settings(share=True))[0]
    assert exposure_warnings(Settings(host="0.0.0.0", share=True, auth="a:b")) == []


def test_no_llm_flag_turns_the_llm_off():
    # argparse reads a flag starting with "--no-" as a boolean's negative: the field is "llm" so that works
    assert Settings.from_cli(["--no-llm"]).no_llm is True
    assert Settings.from_cli([]).no_llm is False
    assert Settings(llm=False).no_llm is True


def test_picks_are_explained_by_their_evidence_unless_asked_for_llm_prose():
    assert Settings.from_cli([]).explain == "evidence"
    assert Settings.from_cli(["--explain", "llm"]).explain == "llm"

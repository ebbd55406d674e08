"""What ``dgtts speak`` accepts: text or stdin (never both, never empty), validated options
before the embedded emulator starts, help with every default, no pydantic wording."""

from __future__ import annotations

import argparse
import pathlib

import pytest

from deepgram_tts2.cli import build_parser, main
from tests.cli.support import free_port, leftovers, run


@pytest.mark.parametrize("stdin", ["", "\n   \n\t\n"], ids=["empty", "blank lines"])
def test_stdin_without_text_is_bad_input(tmp_path: pathlib.Path, stdin: str) -> None:
    out = tmp_path / "out.wav"
    result = run("speak", "--stdin", "-o", str(out), stdin=stdin)
    assert result.returncode == 2, result.stderr
    assert "nothing to say: standard input had no text" in result.stderr
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_dash_reads_stdin_like_the_flag(tmp_path: pathlib.Path) -> None:
    result = run("speak", "-", "-o", str(tmp_path / "out.wav"), stdin="")
    assert result.returncode == 2
    assert "nothing to say" in result.stderr


def test_text_and_stdin_together_are_refused(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "out.wav"
    result = run("speak", "Hello.", "--stdin", "-o", str(out), stdin="Other text.\n")
    assert result.returncode == 2
    assert "give TEXT or --stdin, not both" in result.stderr
    assert "embedded emulator" not in result.stderr
    assert not out.exists()


def test_blank_text_is_bad_input() -> None:
    result = run("speak", "   ")
    assert result.returncode == 2
    assert "nothing to say" in result.stderr


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        (["--model", "bogus"], "model is neither an Aura model id"),
        (["--encoding", "mulaw", "--sample-rate", "48000"], "sample_rate for mulaw must be one of"),
        (["--url", "ftp://example.com/v1/speak", "--api-key", "k"], "base_url must be"),
    ],
    ids=["model", "sample rate", "url"],
)
def test_invalid_options_exit_2_before_the_emulator_starts(
    tmp_path: pathlib.Path, extra: list[str], field: str
) -> None:
    out = tmp_path / "out.wav"
    result = run("speak", "Hi.", "-o", str(out), *extra)
    assert result.returncode == 2, result.stderr
    assert field in result.stderr
    assert "Value error" not in result.stderr
    assert "embedded emulator" not in result.stderr
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_url_without_a_key_is_bad_input(tmp_path: pathlib.Path) -> None:
    url = f"ws://127.0.0.1:{free_port()}/v1/speak"
    result = run("speak", "Hi.", "--url", url, "-o", str(tmp_path / "out.wav"))
    assert result.returncode == 2
    assert "--url needs --api-key or $DEEPGRAM_API_KEY" in result.stderr


def subcommand(name: str) -> argparse.ArgumentParser:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[name]  # type: ignore[no-any-return]
    raise AssertionError("no subcommands")


@pytest.mark.parametrize("name", ["speak", "bench", "doctor"])
def test_every_option_documents_its_default(name: str) -> None:
    for action in subcommand(name)._actions:
        if not action.option_strings or action.help == argparse.SUPPRESS:
            continue
        if isinstance(action, argparse._HelpAction | argparse._VersionAction):
            continue
        assert action.help, action.option_strings
        assert "default" in action.help, action.option_strings


def test_speak_help_shows_the_model_rates_and_encodings(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["speak", "--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: aura-2-thalia-en)" in text
    assert "linear16 24000" in text
    assert "mulaw 8000" in text
    assert "alaw 8000" in text
    assert "16-bit PCM" in text  # --encoding explains itself
    assert "(default: out.wav)" in text


def test_top_level_help_lists_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for words in ("2 bad input", "3 auth", "130 SIGINT", "141 broken pipe", "143 SIGTERM"):
        assert words in text

"""``dgtts`` without the optional extras, simulated by an import blocker around the real CLI
(tests/cli/without_modules.py): a clear message naming the extra and exit 2 where the emulator
is needed; ``speak`` against an endpoint works on the client-only install."""

from __future__ import annotations

import pathlib
import subprocess

import pytest
import soundfile

from tests.cli.conftest import SERVED_KEY
from tests.cli.support import EMULATOR_AND_CLI_MODULES, leftovers, wav_sizes, without

HINT = "pip install 'deepgram-tts2[cli]'"


@pytest.mark.parametrize(
    "args",
    [
        ["speak", "Hello.", "-o", "{out}"],
        ["serve", "--port", "0"],
        ["doctor"],
        ["bench", "--requests", "1"],
    ],
    ids=["speak", "serve", "doctor", "bench"],
)
def test_commands_that_need_the_emulator_name_the_extra(
    tmp_path: pathlib.Path, args: list[str]
) -> None:
    out = tmp_path / "x.wav"
    result = without(EMULATOR_AND_CLI_MODULES, *(a.format(out=out) for a in args))
    assert result.returncode == 2, result.stdout + result.stderr
    assert HINT in result.stderr
    assert "Traceback" not in result.stderr
    assert "cannot import numpy" in result.stderr or "cannot import rich" in result.stderr
    assert leftovers(tmp_path) == []
    assert not out.exists()


def test_help_works_without_the_extras() -> None:
    result = without(EMULATOR_AND_CLI_MODULES, "--help")
    assert result.returncode == 0, result.stderr
    for command in ("speak", "serve", "doctor", "bench"):
        assert command in result.stdout


def test_speak_to_an_endpoint_needs_no_extra(
    served: tuple[str, subprocess.Popen[str]], tmp_path: pathlib.Path
) -> None:
    url, _ = served
    out = tmp_path / "client-only.wav"
    result = without(
        EMULATOR_AND_CLI_MODULES,
        "speak",
        "Served.",
        "--url",
        url,
        "--api-key",
        SERVED_KEY,
        "-o",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    riff, data, size = wav_sizes(out)
    assert (riff, data, size) == (36 + 16800, 16800, 44 + 16800)
    assert soundfile.info(out).frames == len("Served.") * 1200


def test_bench_against_an_endpoint_needs_no_extra(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    url, _ = served
    result = without(
        EMULATOR_AND_CLI_MODULES,
        "bench",
        "--url",
        url,
        "--api-key",
        SERVED_KEY,
        "--requests",
        "2",
        "--concurrency",
        "1",
    )
    assert result.returncode == 0, result.stderr
    assert "outcomes.completed" in result.stdout


def test_the_embedded_emulator_works_without_rich(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "plain.wav"
    result = without("rich", "speak", "Hello.", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert soundfile.info(out).frames > 0

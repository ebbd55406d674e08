"""The progress line of ``dgtts speak``: the pure estimate, and the line drawn on a terminal."""

from __future__ import annotations

import os
import pathlib
import pty
import subprocess
import threading

import pytest

from deepgram_tts2.cli.progress import CHARS_PER_AUDIO_SECOND, Progress, estimate, render
from tests.cli.conftest import SERVED_KEY
from tests.cli.support import DGTTS, environment, run


def test_nothing_is_known_before_any_audio() -> None:
    assert estimate(audio_s=0.0, chars=150, audio_elapsed_s=0.0) == Progress(0.0, 0.0, None)


def test_the_fraction_follows_the_audio_expected_from_the_text() -> None:
    chars = int(CHARS_PER_AUDIO_SECOND * 10)  # about 10 s of speech
    progress = estimate(audio_s=2.5, chars=chars, audio_elapsed_s=1.0)
    assert progress.fraction == pytest.approx(0.25)
    # audio arrives at 2.5 s per second; 7.5 s of audio are still expected
    assert progress.eta_s == pytest.approx(3.0)


def test_the_fraction_stays_below_one_until_the_request_ends() -> None:
    progress = estimate(audio_s=30.0, chars=15, audio_elapsed_s=5.0)
    assert progress.fraction == 0.99
    assert progress.eta_s == 0.0
    assert estimate(audio_s=30.0, chars=15, audio_elapsed_s=5.0, finished=True) == Progress(
        30.0, 1.0, 0.0
    )


def test_no_text_yet_means_no_estimate() -> None:  # stdin before its first line
    assert estimate(audio_s=0.0, chars=0, audio_elapsed_s=0.0) == Progress(0.0, 0.0, None)


def test_the_first_chunk_has_no_rate_yet() -> None:
    assert estimate(audio_s=0.04, chars=150, audio_elapsed_s=0.0).eta_s is None


def test_render_says_seconds_percent_and_time_left() -> None:
    assert render(Progress(3.24, 0.456, 4.2)) == (
        "speaking… 3.2 s of audio, 46% of the text, about 4 s left"
    )
    assert render(Progress(0.0, 0.0, None)) == "speaking… 0.0 s of audio, 0% of the text"


def test_the_line_is_drawn_on_a_terminal_only(
    served: tuple[str, subprocess.Popen[str]], tmp_path: pathlib.Path
) -> None:
    url, _ = served
    args = ["speak", "A line of text for the progress test.", "--url", url]
    args += ["--api-key", SERVED_KEY, "-o", str(tmp_path / "p.wav")]
    piped = run(*args)
    assert piped.returncode == 0
    assert "of the text" not in piped.stderr

    primary, secondary = pty.openpty()
    seen = bytearray()

    def drain() -> None:
        while True:
            try:
                data = os.read(primary, 4096)
            except OSError:  # EIO: the child closed the terminal
                return
            if not data:
                return
            seen.extend(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        process = subprocess.run(
            [*DGTTS, *args],
            stderr=secondary,
            stdout=subprocess.DEVNULL,
            env=environment({"TERM": "xterm-256color", "COLUMNS": "120"}),
            timeout=60,
            check=False,
        )
    finally:
        os.close(secondary)
        reader.join(timeout=30)
        os.close(primary)
    text = seen.decode(errors="replace")
    assert process.returncode == 0, text
    assert "s of audio" in text
    assert "% of the text" in text
    assert "wrote " in text  # the summary follows the cleared line

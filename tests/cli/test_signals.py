"""SIGINT and SIGTERM during ``dgtts speak``: the partial audio is finalised at the target path
(real RIFF and data sizes), the run says what it wrote, and exits 130 or 143."""

from __future__ import annotations

import json
import pathlib
import signal
import subprocess

import pytest
import soundfile

from tests.cli.support import DGTTS, environment, leftovers, wait_until, wav_sizes


def speak_from_stdin(out: pathlib.Path) -> subprocess.Popen[bytes]:
    """``dgtts speak --stdin`` on the embedded emulator; stdin stays open, so after the first
    line's audio the run waits for more text: the signal always lands mid-request."""
    return subprocess.Popen(
        [*DGTTS, "speak", "--stdin", "-o", str(out), "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment(),
    )


def part_size(folder: pathlib.Path) -> int:
    parts = [folder / name for name in leftovers(folder)]
    return max((p.stat().st_size for p in parts), default=-1)


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"]
)
def test_a_signal_keeps_a_finalised_partial_wav(
    tmp_path: pathlib.Path, signum: signal.Signals, code: int
) -> None:
    out = tmp_path / "partial.wav"
    with speak_from_stdin(out) as process:
        assert process.stdin is not None
        process.stdin.write(b"The first line is spoken at once, before any more text.\n")
        process.stdin.flush()
        wait_until(lambda: part_size(tmp_path) > 44 + 24_000)  # audio reached the disk
        process.send_signal(signum)
        stdout, stderr_bytes = process.communicate(timeout=60)
    stderr = stderr_bytes.decode()
    assert process.returncode == code, stderr
    riff, data, size = wav_sizes(out)
    report = json.loads(stdout)
    assert report["interrupted"] == signum.name
    assert report["bytes"] == data
    assert report["error"] is None
    assert data > 24_000
    assert (riff, data) == (size - 8, size - 44)
    info = soundfile.info(out)
    assert info.frames == data // 2
    assert f"interrupted by {signum.name}: wrote {data / 48000:.2f} s of audio" in stderr
    assert f"({data} bytes) to {out}" in stderr
    assert leftovers(tmp_path) == []


def test_sigterm_before_any_audio_leaves_no_file(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "never.wav"
    with speak_from_stdin(out) as process:
        wait_until(lambda: part_size(tmp_path) >= 0)  # the output was opened; no text yet
        process.send_signal(signal.SIGTERM)
        _, stderr_bytes = process.communicate(timeout=60)
    stderr = stderr_bytes.decode()
    assert process.returncode == 143, stderr
    assert "interrupted by SIGTERM before any audio" in stderr
    assert f"{out} was not written" in stderr
    assert not out.exists()
    assert leftovers(tmp_path) == []

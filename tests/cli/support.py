"""Helpers of the CLI tests: run the real ``dgtts`` in a subprocess and inspect what it left."""

from __future__ import annotations

import os
import pathlib
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable

DGTTS = [sys.executable, "-m", "deepgram_tts2.cli"]
HERE = pathlib.Path(__file__).resolve().parent
BLOCKER = HERE / "without_modules.py"
EMULATOR_AND_CLI_MODULES = "numpy,soxr,soundfile,lameenc,espeakng_loader,rich"


def environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without ``DEEPGRAM_API_KEY`` (so the emulator is used)."""
    environment = {k: v for k, v in os.environ.items() if k != "DEEPGRAM_API_KEY"}
    environment.update(env or {})
    return environment


def run(
    *args: str,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
    command: list[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``dgtts ARGS`` to completion, text in and out."""
    return subprocess.run(
        [*(command or DGTTS), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment(env),
        check=False,
    )


def run_bytes(
    *args: str, stdin: bytes | None = None, timeout: float = 60, **popen: object
) -> subprocess.CompletedProcess[bytes]:
    """``dgtts ARGS`` to completion with binary stdout (audio on ``-o -``)."""
    return subprocess.run(
        [*DGTTS, *args],
        input=stdin,
        capture_output=True,
        timeout=timeout,
        env=environment(),
        check=False,
        **popen,  # type: ignore[arg-type]
    )


def without(modules: str, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """``dgtts ARGS`` as if the distributions of ``modules`` (comma-separated) were absent."""
    return run(*args, command=[sys.executable, str(BLOCKER), modules], **kwargs)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wav_sizes(path: pathlib.Path) -> tuple[int, int, int]:
    """(RIFF size field, data size field, file size) of a canonical 44-byte-header WAV."""
    header = path.read_bytes()[:44]
    assert header[:4] == b"RIFF"
    assert header[8:12] == b"WAVE"
    assert header[36:40] == b"data"
    riff = struct.unpack_from("<I", header, 4)[0]
    data = struct.unpack_from("<I", header, 40)[0]
    return riff, data, path.stat().st_size


def wait_until(predicate: Callable[[], bool], within_s: float = 30.0) -> None:
    """Poll ``predicate`` until it holds; fail after ``within_s`` (a hang guard, not a timing
    assertion)."""
    deadline = time.monotonic() + within_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached within {within_s} s")
        time.sleep(0.02)


def leftovers(folder: pathlib.Path) -> list[str]:
    """Temporary files ``dgtts speak`` may have left in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))

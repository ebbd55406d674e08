"""Fixtures of the CLI tests: a ``dgtts serve`` process on a free port."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator

import pytest

from tests.cli.support import DGTTS, environment, free_port

SERVED_KEY = "right-key"


@pytest.fixture
def served() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``dgtts serve`` (tone voice, instant pacing, key ``right-key``); yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            *DGTTS,
            "serve",
            "--port",
            str(port),
            "--api-key",
            SERVED_KEY,
            "--voice-engine",
            "tone",
            "--instant",
        ],
        stderr=subprocess.PIPE,
        text=True,
        env=environment(),
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    assert "listening" in line
    yield f"ws://127.0.0.1:{port}/v1/speak", process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    process.stderr.close()

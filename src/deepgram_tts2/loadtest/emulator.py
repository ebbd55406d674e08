"""The emulator as a separate process for load tests and benchmarks: one implementation.

``dgtts bench`` and ``bench/`` both start ``dgtts serve`` through :func:`spawned_emulator`, with
the conditions of a run stated once in :class:`ServerConditions`: pacing preset,
permessage-deflate, Deepgram's per-connection budgets or lifted ones, which reading of
"synthesis before Flush" the server follows, how many ``SO_REUSEPORT`` worker processes share
the port, and the concurrency limit. :meth:`ServerConditions.describe` is the sentence a report
prints next to its figures.

Pacing presets (emulator options, docs/emulator.md; Deepgram's figures from aura §2.5.2: warm
time to first audio about 0.24 s, REST about 600 ms + 40 ms per 100 characters for the whole
answer, so audio is generated many times faster than real time):

* ``instant``: no delays (tests, leak checks).
* ``fast``: first audio 20 ms after a Flush, audio as fast as the server can send.
* ``realistic``: first audio 200 ms + 0.4 ms per character after a Flush, audio generated at 4x
  real time (conservative: Deepgram's documented REST figures imply well over 10x).
* ``realtime``: the server as in ``realistic``; what makes a stream real-time is the consumer,
  which plays the audio out at 1x (:mod:`deepgram_tts2.loadtest.playout`), so a request lasts as
  long as its audio and underruns against the playout clock are what counts. (A server that
  generates at exactly 1x is not Deepgram: it turns every Flush boundary into silence.)

Python 3.10-compatible: imports nothing of the emulator itself (it runs in the child).
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from deepgram_tts2.compat import StrEnum

# Deepgram's per-connection budgets (aura §2.6) and the "lifted" values a run may choose.
DEEPGRAM_FLUSHES_PER_WINDOW = 20
DEEPGRAM_CHARS_PER_WINDOW = 2400
LIFTED_FLUSHES_PER_WINDOW = 1_000_000
LIFTED_CHARS_PER_WINDOW = 1_000_000_000


@dataclass(frozen=True)
class PacingPreset:
    """A named emulator pacing (``dgtts serve`` flags) and whether streams are played out."""

    name: str
    args: tuple[str, ...]
    summary: str
    playout: bool = False  # the consumer plays each stream at 1x (a real-time stream)


PACING_PRESETS: dict[str, PacingPreset] = {
    preset.name: preset
    for preset in (
        PacingPreset("instant", ("--instant",), "no delays"),
        PacingPreset(
            "fast",
            ("--first-audio-ms", "20", "--per-char-ms", "0", "--realtime-factor", "0"),
            "first audio 20 ms after a Flush, audio as fast as possible",
        ),
        PacingPreset(
            "realistic",
            ("--first-audio-ms", "200", "--per-char-ms", "0.4", "--realtime-factor", "4"),
            "first audio 200 ms + 0.4 ms per character after a Flush, audio at 4x real time",
        ),
        PacingPreset(
            "realtime",
            ("--first-audio-ms", "200", "--per-char-ms", "0.4", "--realtime-factor", "4"),
            "server as in realistic (4x real time); each stream played out at 1x by the "
            "consumer, underruns counted against its playout clock",
            playout=True,
        ),
    )
}


class Budgets(StrEnum):
    """Deepgram's per-connection budgets, or lifted ones."""

    DEEPGRAM = "deepgram"  # 20 Flushes and 2400 characters per 60 s (aura §2.6)
    LIFTED = "lifted"  # 1,000,000 Flushes and 10^9 characters per 60 s


class SynthesisReading(StrEnum):
    """When the server starts synthesis (aura §2.5.1 item 3 is uncertain; both are run)."""

    FLUSH = "flush"  # audio only for flushed text (the emulator's default)
    SENTENCE = "sentence"  # at sentence ends once N characters are buffered


@dataclass(frozen=True)
class ServerConditions:
    """Everything about the server that a figure depends on.

    Attributes:
        pacing: a key of :data:`PACING_PRESETS`.
        permessage_deflate: whether the emulator accepts a client's deflate offer. Off makes every
            client send and receive uncompressed frames whatever it offers.
        budgets: Deepgram's (default) or lifted.
        synthesis: the "synthesis before Flush" reading; ``synthesis_chars`` is its N (None: the
            emulator's default).
        workers: emulator processes behind one port (``dgtts serve --workers``, SO_REUSEPORT).
        max_concurrent_ws / max_concurrent_rest: the per-key concurrency limit (429 past it).
        voice: ``tone`` (cheap, and every letter has its own samples) or ``espeak``.
    """

    pacing: str = "realistic"
    permessage_deflate: bool = False
    budgets: Budgets = Budgets.DEEPGRAM
    synthesis: SynthesisReading = SynthesisReading.FLUSH
    synthesis_chars: int | None = None
    workers: int = 1
    max_concurrent_ws: int = 45
    max_concurrent_rest: int = 15
    voice: str = "tone"
    extra_args: tuple[str, ...] = field(default=())

    @property
    def max_pending_connections(self) -> int:
        """Connections the emulator lets wait for their headers at once: enough for every
        socket a run may open together (its default, 256, is a slowloris guard, not Deepgram's)."""
        return max(256, self.max_concurrent_ws + self.max_concurrent_rest)

    def __post_init__(self) -> None:
        if self.pacing not in PACING_PRESETS:
            raise ValueError(f"unknown pacing preset {self.pacing!r}")
        if self.workers < 1:
            raise ValueError("workers must be at least 1")

    @property
    def preset(self) -> PacingPreset:
        """The pacing preset."""
        return PACING_PRESETS[self.pacing]

    def with_(self, **changes: object) -> ServerConditions:
        """A copy with ``changes`` (dataclasses.replace)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def flushes_per_window(self) -> int:
        """The server's Flush budget per 60 s."""
        lifted = self.budgets is Budgets.LIFTED
        return LIFTED_FLUSHES_PER_WINDOW if lifted else DEEPGRAM_FLUSHES_PER_WINDOW

    @property
    def chars_per_window(self) -> int:
        """The server's character budget per 60 s."""
        lifted = self.budgets is Budgets.LIFTED
        return LIFTED_CHARS_PER_WINDOW if lifted else DEEPGRAM_CHARS_PER_WINDOW

    def serve_args(self) -> list[str]:
        """The ``dgtts serve`` options (after ``--port`` and ``--api-key``)."""
        args = [
            "--voice-engine",
            self.voice,
            "--max-concurrent-ws",
            str(self.max_concurrent_ws),
            "--max-concurrent-rest",
            str(self.max_concurrent_rest),
            "--flushes-per-window",
            str(self.flushes_per_window),
            "--chars-per-window",
            str(self.chars_per_window),
            "--permessage-deflate",
            "on" if self.permessage_deflate else "off",
            "--synthesis-start",
            self.synthesis.value,
            "--max-pending-connections",
            str(self.max_pending_connections),
            *self.preset.args,
        ]
        if self.synthesis_chars is not None:
            args += ["--synthesis-start-chars", str(self.synthesis_chars)]
        if self.workers > 1:
            args += ["--workers", str(self.workers)]
        return [*args, *self.extra_args]

    def describe(self) -> str:
        """One sentence stating the conditions, for a report."""
        budgets = (
            "Deepgram's budgets (20 Flushes and 2400 characters per 60 s per connection)"
            if self.budgets is Budgets.DEEPGRAM
            else "budgets lifted (1,000,000 Flushes and 10^9 characters per 60 s)"
        )
        if self.synthesis is SynthesisReading.FLUSH:
            reading = "audio only on Flush"
        else:
            n = "the emulator's default N" if self.synthesis_chars is None else self.synthesis_chars
            reading = f"synthesis starts at sentence ends once {n} characters are buffered"
        processes = "1 emulator process" if self.workers == 1 else f"{self.workers} emulator "
        if self.workers > 1:
            processes += "processes behind one port (SO_REUSEPORT)"
        return (
            f"pacing {self.pacing} ({self.preset.summary}); permessage-deflate "
            f"{'on' if self.permessage_deflate else 'off'}; {budgets}; {reading}; {processes}; "
            f"{self.voice} voice; {self.max_concurrent_ws} concurrent sockets per key"
        )

    def as_dict(self) -> dict[str, object]:
        """The conditions as JSON-ready values."""
        return {
            "pacing": self.pacing,
            "permessage_deflate": self.permessage_deflate,
            "budgets": self.budgets.value,
            "flushes_per_window": self.flushes_per_window,
            "chars_per_window": self.chars_per_window,
            "synthesis": self.synthesis.value,
            "synthesis_chars": self.synthesis_chars,
            "workers": self.workers,
            "max_concurrent_ws": self.max_concurrent_ws,
            "voice": self.voice,
        }


class EmulatorStartError(Exception):
    """The spawned emulator did not start; the message carries its last words."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SpawnedEmulator:
    """A running ``dgtts serve`` child: where it listens and what CPU it spent."""

    process: subprocess.Popen[str]
    port: int
    conditions: ServerConditions

    @property
    def ws_url(self) -> str:
        """The WebSocket endpoint."""
        return f"ws://127.0.0.1:{self.port}/v1/speak"

    @property
    def http_base(self) -> str:
        """``http://127.0.0.1:PORT`` (no path)."""
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        """The serve process and its descendants (the workers)."""
        return process_tree(self.process.pid)

    def cpu_s(self) -> float:
        """User + system CPU seconds of the serve process and its workers so far."""
        return sum(process_cpu_s(pid) for pid in self.pids())


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux /proc; just ``pid`` elsewhere)."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        with contextlib.suppress(OSError, ValueError):
            path = f"/proc/{current}/task/{current}/children"
            with open(path, encoding="ascii") as handle:
                todo.extend(int(p) for p in handle.read().split())
    return out


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (0 when it is gone or /proc is absent)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14, 15 of stat)


@contextlib.contextmanager
def spawned_emulator(
    key: str, conditions: ServerConditions, *, start_timeout_s: float = 120.0
) -> Iterator[SpawnedEmulator]:
    """Run ``dgtts serve`` in a child process until the block ends.

    Raises:
        EmulatorStartError: the child did not report that it listens.
    """
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "deepgram_tts2.cli",
        "serve",
        "--port",
        str(port),
        "--api-key",
        key,
        *conditions.serve_args(),
    ]
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    tail: collections.deque[str] = collections.deque(maxlen=20)
    # Keep reading its stderr so a chatty child never blocks on a full pipe.
    reader = threading.Thread(
        target=lambda: tail.extend(process.stderr or ()),
        name="deepgram-tts2-emulator-stderr",
        daemon=True,
    )
    try:
        _await_listening(process, tail, start_timeout_s)
        reader.start()
        yield SpawnedEmulator(process, port, conditions)
    finally:
        stop_process(process)
        if reader.is_alive():
            reader.join(timeout=5.0)  # EOF once the child is gone
        if process.stderr is not None and not reader.is_alive():
            process.stderr.close()


def _await_listening(
    process: subprocess.Popen[str], tail: collections.deque[str], timeout_s: float
) -> None:
    assert process.stderr is not None
    deadline = time.monotonic() + timeout_s
    while True:
        line = process.stderr.readline()
        if "listening" in line:
            return
        if line:
            tail.append(line.strip())
        if not line or time.monotonic() > deadline:
            tail.extend(process.stderr.read().splitlines()[-5:] if not line else ())
            words = " / ".join(t for t in tail if t) or f"exit code {process.poll()}"
            raise EmulatorStartError(f"the spawned emulator did not start: {words}")


def stop_process(process: subprocess.Popen[str], timeout_s: float = 10.0) -> None:
    """SIGTERM ``process`` (it stops its workers), then SIGKILL if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

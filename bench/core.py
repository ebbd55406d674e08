"""The interface every client of the comparison sits behind, and what one turn records.

A *client* (:class:`Client`) is one instance of a library as its users hold it: our
``DeepgramTTS``, a LiveKit ``deepgram.TTS``, a Pipecat pipeline, an SDK socket, a raw socket.
A *turn* (:class:`Turn`) is one reply of a voice agent: text pushed as the LLM produces it, an
end, and possibly an interrupt. The adapter hands every audio chunk the application receives to
the turn's :class:`TurnRecord` the moment it arrives; every figure of the benchmark (first
audio, underruns, stale audio, interrupt timings) is computed from these records by the
scenarios, the same way for every client.

Adding a client is one module in ``bench/adapters`` with one :class:`AdapterSpec` in its
registry; adding a protocol generation (Flux ``/v2/speak``) is a spec with ``dialect="v2"``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from deepgram_tts2.loadtest.playout import Playout

SAMPLE_RATE = 24000
MODEL = "aura-2-thalia-en"
FLUX_MODEL = "flux-alexis-en"
Dialect = Literal["v1", "v2"]


def now() -> float:
    """The benchmark's clock (monotonic seconds)."""
    return time.perf_counter()


@dataclass
class TurnRecord:
    """What the application received in one turn, with arrival times.

    Attributes:
        index: the turn's number within its run.
        started: when the first text was handed to the client (None before).
        ended: when the client said the turn's audio is over (its end event, ``Flushed``,
            ``TTSStoppedFrame``, the end of its iterator), or was interrupted.
        interrupted_at / interrupt_returned: around the call of :meth:`Turn.interrupt`.
        chunks: (arrival, bytes) of every audio chunk delivered to the application.
        audio: the chunks themselves, kept only when ``keep_audio`` (content checks).
        error: what went wrong, if anything (one line).
        playout: the listener's clock over the chunks (underruns, gaps).
        transport: what served the turn, where the client says (ours: ``websocket``,
            ``rest`` or ``cache``, from its ``AudioEnd``); None for the others.
    """

    index: int = 0
    keep_audio: bool = False
    started: float | None = None
    ended: float | None = None
    interrupted_at: float | None = None
    interrupt_returned: float | None = None
    chunks: list[tuple[float, int]] = field(default_factory=list)
    audio: list[bytes] = field(default_factory=list)
    error: str | None = None
    playout: Playout = field(default_factory=Playout)
    first_audio: asyncio.Event | None = None  # set at the first chunk, when given
    transport: str | None = None

    def text_sent(self) -> None:
        """Mark the first text handed over (idempotent)."""
        if self.started is None:
            self.started = now()

    def on_audio(self, data: bytes, at: float | None = None) -> None:
        """An audio chunk reached the application."""
        if not data:
            return
        arrival = now() if at is None else at
        self.chunks.append((arrival, len(data)))
        self.playout.feed(arrival, len(data) / (2 * SAMPLE_RATE))
        if self.keep_audio:
            self.audio.append(data)
        if self.first_audio is not None and not self.first_audio.is_set():
            self.first_audio.set()

    def finish(self, error: str | None = None) -> None:
        """The turn is over (idempotent; the first error is kept)."""
        if self.ended is None:
            self.ended = now()
        if error and self.error is None:
            self.error = " ".join(error.split())[:200]

    @property
    def first_audio_ms(self) -> float | None:
        """From the first text handed over to the first audio chunk."""
        if self.started is None or not self.chunks:
            return None
        return (self.chunks[0][0] - self.started) * 1000.0

    @property
    def audio_bytes(self) -> int:
        """Bytes of audio delivered."""
        return sum(n for _, n in self.chunks)


class Turn(Protocol):
    """One reply on a client. Created by :meth:`Client.turn`; text flows in as the LLM makes it.

    ``push`` and ``end`` take text exactly as the client's framework hands it over (a token at a
    time); ``interrupt`` is what the framework does on barge-in; ``done`` waits until the client
    says the turn's audio is over (or raises ``TimeoutError`` past ``timeout_s``); ``abandon``
    gives up on a turn past its deadline and frees what it holds.
    """

    async def push(self, text: str) -> None: ...

    async def end(self) -> None: ...

    async def interrupt(self) -> None: ...

    async def done(self, timeout_s: float) -> None: ...

    async def abandon(self) -> None: ...


class Client(Protocol):
    """One instance of a library, as its users hold one."""

    name: str

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    def turn(self, record: TurnRecord) -> Turn: ...


@dataclass(frozen=True)
class Endpoint:
    """Where the emulator listens and how to authenticate."""

    ws_url: str  # ws://127.0.0.1:PORT/v1/speak
    http_base: str  # http://127.0.0.1:PORT
    key: str

    @property
    def host_port(self) -> str:
        """``127.0.0.1:PORT``."""
        return self.http_base.split("://", 1)[1]


@dataclass(frozen=True)
class Sizing:
    """How a deployment sizes a client for the load of a scenario.

    Attributes:
        streams: concurrent streams one instance serves (1: a single conversation).
        lifted_budgets: the server's budgets are lifted, so a client with its own budget
            accounting (ours) lifts it too.
    """

    streams: int = 1
    lifted_budgets: bool = False


ClientFactory = Callable[[Endpoint, Sizing], Client]


@dataclass(frozen=True)
class AdapterSpec:
    """A client of the comparison.

    Attributes:
        key: short id (``floor``, ``ours``, ``sdk``, ``livekit``, ``pipecat``...).
        name: the row label.
        factory: builds one instance.
        pooled: one instance serves many concurrent streams (ours); otherwise a scenario with
            N concurrent streams builds N instances, as N conversations (jobs, bots) would.
        dialect: ``v1`` (Aura ``/v1/speak``) or ``v2`` (Flux ``/v2/speak``).
        feeding: how text reaches the server, in one line (the report says it).
        interrupting: what its interrupt does, in one line.
        requires: importable modules without which it is skipped (with the reason).
    """

    key: str
    name: str
    factory: ClientFactory
    pooled: bool = False
    dialect: Dialect = "v1"
    feeding: str = ""
    interrupting: str = ""
    requires: tuple[str, ...] = ()

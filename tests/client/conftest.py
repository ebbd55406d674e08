"""Helpers for client tests: a client pointed at an emulator, and event collection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest

from deepgram_tts2 import DeepgramTTS, TTSOptions
from deepgram_tts2.client.events import (
    AudioChunk,
    AudioEnd,
    AudioStart,
    EndReason,
    Error,
    Metric,
    SpeakEvent,
)
from deepgram_tts2.client.stream import SpeakStream
from deepgram_tts2.emulator.server import Emulator
from deepgram_tts2.timing import FakeClock
from tests.conftest import TEST_KEY

T = TypeVar("T")

ClientFactory = Callable[..., Awaitable[DeepgramTTS]]

FAST_TIMEOUTS = {
    "connect_s": 2.0,
    "first_audio_s": 2.0,
    "stall_s": 2.0,
    "flush_s": 2.0,
    "clear_s": 1.0,
    "close_s": 1.0,
    "rest_s": 5.0,
}
FAST_RETRY = {"max_attempts": 3, "initial_s": 0.01, "max_s": 0.05, "max_elapsed_s": 5.0}


def options_for(emulator: Emulator, **overrides: Any) -> TTSOptions:
    """Options pointing at ``emulator`` with short deadlines for tests."""
    settings: dict[str, Any] = {
        "api_key": TEST_KEY,
        "base_url": emulator.ws_url,
        "timeouts": dict(FAST_TIMEOUTS),
        "retry": dict(FAST_RETRY),
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(settings.get(key), dict):
            settings[key] = {**settings[key], **value}
        else:
            settings[key] = value
    return TTSOptions.create(**settings)


@pytest.fixture
async def client_factory() -> AsyncIterator[ClientFactory]:
    """Start clients against an emulator; all are closed at teardown."""
    clients: list[DeepgramTTS] = []

    async def make(
        emulator: Emulator, hooks: Any = None, clock: Any = None, **overrides: Any
    ) -> DeepgramTTS:
        """``clock``: a :class:`~deepgram_tts2.timing.FakeClock` drives every timer of the
        client (deadlines, backoff, breaker, pool maintenance) while the sockets stay real."""
        client = DeepgramTTS(options_for(emulator, **overrides), hooks=hooks, clock=clock)
        await client.start()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@dataclass
class Outcome:
    """The events of one request, with accessors."""

    events: list[SpeakEvent] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        out: list[str] = []
        for event in self.events:
            name = type(event).__name__
            if not (name == "AudioChunk" and out and out[-1] == "AudioChunk"):
                out.append(name)
        return out

    @property
    def audio(self) -> bytes:
        return b"".join(e.data for e in self.events if isinstance(e, AudioChunk))

    @property
    def end(self) -> AudioEnd:
        ends = [e for e in self.events if isinstance(e, AudioEnd)]
        assert len(ends) == 1, f"expected exactly one AudioEnd, got {self.kinds}"
        assert self.events[-1] is ends[0], "AudioEnd must be the last event"
        return ends[0]

    @property
    def error(self) -> Error | None:
        errors = [e for e in self.events if isinstance(e, Error)]
        assert len(errors) <= 1
        return errors[0] if errors else None

    def check_grammar(self) -> None:
        """AudioStart -> Metric(ttfb) -> AudioChunk* -> [Error] -> AudioEnd, exactly."""
        end = self.end
        kinds = [type(e).__name__ for e in self.events]
        if AudioStart.__name__ in kinds:
            assert kinds[0] == "AudioStart"
            assert kinds[1] == "Metric"
            metric = self.events[1]
            assert isinstance(metric, Metric)
            assert metric.name == "ttfb"
            assert metric.value >= 0
        body = [k for k in kinds[:-1] if k not in ("AudioStart", "Metric")]
        assert all(k == "AudioChunk" for k in body[:-1])
        assert body[-1:] in ([], ["AudioChunk"], ["Error"])
        if end.reason is EndReason.ERROR:
            assert self.error is not None
        assert end.audio_bytes == len(self.audio)
        assert all(len(e.data) % 2 == 0 for e in self.events if isinstance(e, AudioChunk))


async def drain(stream: SpeakStream) -> Outcome:
    outcome = Outcome()
    async for event in stream:
        outcome.events.append(event)
    return outcome


async def speak(client: DeepgramTTS, text: str, request_id: str | None = None) -> Outcome:
    stream = client.stream(request_id)
    await stream.push(text)
    await stream.end()
    outcome = await drain(stream)
    await stream.aclose()
    outcome.check_grammar()
    return outcome


def tone_bytes(text: str, rate: int = 24000) -> int:
    """Bytes of linear16 audio the emulator's tone voice produces for ``text`` (50 ms/char)."""
    return len(text.strip()) * int(rate * 0.05) * 2


async def on_fake_time(clock: FakeClock, awaitable: Awaitable[T], step_s: float = 0.05) -> T:
    """Await ``awaitable`` while fake time moves on in small steps (backoffs, cool-downs)."""
    task = asyncio.ensure_future(awaitable)
    for _ in range(10_000):
        if task.done():
            break
        await clock.advance(step_s)
    return await asyncio.wait_for(task, 30)

"""deepgram_tts2 through its public API only: ``DeepgramTTS``, ``SpeakStream`` push / end /
interrupt / aclose, the events of ``deepgram_tts2.events``, ``DeepgramTTS(hooks=...)``.

Defaults everywhere (segmenter, pool of 4, prewarm 1, Deepgram's budgets, the in-process
governor's 45 sockets) unless the scenario sizes the client for N concurrent streams, as a
deployment for N streams would: ``pool_size`` and ``prewarm`` N, a queue of N, and the
governor's limits set to a plan that allows N. Against an emulator with lifted budgets the
client's own budget accounting is lifted too.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from bench.core import MODEL, SAMPLE_RATE, Endpoint, Sizing, TurnRecord
from deepgram_tts2 import DeepgramTTS, MetricsHooks, SpeakStream, TTSOptions
from deepgram_tts2.events import AudioChunk, AudioEnd, EndReason, Error
from deepgram_tts2.loadtest.emulator import LIFTED_CHARS_PER_WINDOW, LIFTED_FLUSHES_PER_WINDOW


class Counters(MetricsHooks):
    """What the client reports through its hooks (reconnects, warnings, errors)."""

    def __init__(self) -> None:
        self.reconnects = 0
        self.warnings: dict[str, int] = {}
        self.errors: dict[str, int] = {}
        self.throttled = 0  # fleet governor: acquires that found the budget full and waited

    def on_fleet_throttled(self, kind: str) -> None:
        self.throttled += 1

    def on_reconnect(self, reason: str) -> None:
        self.reconnects += 1

    def on_warning(self, code: str) -> None:
        self.warnings[code] = self.warnings.get(code, 0) + 1

    def on_error(self, error_class: str, vendor_code: str | None) -> None:
        key = f"{error_class}:{vendor_code}" if vendor_code else error_class
        self.errors[key] = self.errors.get(key, 0) + 1


def options_for(endpoint: Endpoint, sizing: Sizing, **overrides: Any) -> TTSOptions:
    """Our options for a scenario (defaults unless sized for many streams)."""
    limits: dict[str, Any] = {}
    fleet: dict[str, Any] = {}
    if sizing.streams > 1:
        n = min(sizing.streams, 1024)
        limits.update(pool_size=n, prewarm=n, max_queued_requests=max(64, sizing.streams))
        # The plan of a deployment for N streams allows N (the governor's defaults, 45 and 15,
        # are one published plan; the emulator of such a scenario allows more).
        fleet["governor"] = {"websocket_limit": max(45, n), "rest_limit": max(15, n)}
    if sizing.lifted_budgets:
        limits.update(
            flushes_per_window=LIFTED_FLUSHES_PER_WINDOW,
            chars_per_window=LIFTED_CHARS_PER_WINDOW,
        )
    settings: dict[str, Any] = {
        "api_key": endpoint.key,
        "base_url": endpoint.ws_url,
        "model": MODEL,
        "sample_rate": SAMPLE_RATE,
        "limits": limits,
        "fleet": fleet,
        **overrides,
    }
    return TTSOptions.create(**settings)


class OursClient:
    """One ``DeepgramTTS`` (pooled: it serves every concurrent stream of a scenario)."""

    def __init__(
        self, endpoint: Endpoint, sizing: Sizing, name: str = "deepgram_tts2", **overrides: Any
    ) -> None:
        self.name = name
        self.options = options_for(endpoint, sizing, **overrides)
        self.counters = Counters()
        self.tts = DeepgramTTS(self.options, hooks=self.counters)

    async def open(self) -> None:
        await self.tts.start()

    async def close(self) -> None:
        await self.tts.aclose()

    def turn(self, record: TurnRecord) -> OursTurn:
        return OursTurn(self.tts.stream(), record)


class OursTurn:
    """One ``SpeakStream``; a task reads its events into the record."""

    def __init__(self, stream: SpeakStream, record: TurnRecord) -> None:
        self.stream = stream
        self.record = record
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        error: str | None = None
        try:
            async for event in self.stream:
                if isinstance(event, AudioChunk):
                    self.record.on_audio(event.data)
                elif isinstance(event, Error):
                    error = f"{event.error_class.value}: {event.message}"
                elif isinstance(event, AudioEnd):
                    self.record.transport = event.transport.value if event.transport else None
                    if event.reason is EndReason.ERROR:
                        error = error or "ended with an error"
        except Exception as exc:  # the public API should not raise here; record it if it does
            error = f"{type(exc).__name__}: {exc}"
        finally:
            self.record.finish(error)

    async def push(self, text: str) -> None:
        self.record.text_sent()
        await self.stream.push(text)

    async def end(self) -> None:
        await self.stream.end()

    async def interrupt(self) -> None:
        await self.stream.interrupt()

    async def done(self, timeout_s: float) -> None:
        try:
            await asyncio.wait_for(asyncio.shield(self.reader), timeout_s)
        finally:
            if self.reader.done():
                await self.stream.aclose()

    async def abandon(self) -> None:
        """Stop reading and close the stream (after a timeout)."""
        self.reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.reader
        await self.stream.aclose()

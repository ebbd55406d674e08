"""LiveKit Agents' Deepgram plugin (``livekit.plugins.deepgram.TTS``), driven as its framework
drives it.

* One ``deepgram.TTS`` per conversation: LiveKit runs each job (room) in its own process with its
  own plugin instances, and ``AgentSession`` calls ``tts.prewarm()`` at the start (one pooled
  socket). So N concurrent streams are N instances, each prewarmed.
* The HTTP session: each job process gets its own ``aiohttp.ClientSession`` from
  ``livekit.agents.utils.http_context`` (``TCPConnector(limit_per_host=50,
  keepalive_timeout=120)``), so a fleet of N jobs has no cap across them. In one process the
  harness gives all instances one session with an unlimited connector (``limit=0,
  limit_per_host=0``) and the same keep-alive: aiohttp's default of 100 connections per session
  is a limit LiveKit's users do not have.
* A turn is ``Agent.tts_node``: ``async with tts.stream() as stream``, ``push_text`` per LLM
  chunk, ``end_input()`` after the last one, frames read from ``async for ev in stream``. The
  plugin sends one ``Speak`` per word and one ``Flush`` per segment.
* Barge-in cancels the TTS task, which closes the stream: the plugin then drops its socket from
  the pool (the next turn opens a new one).
* Flux: ``deepgram.tts_v2.TTSv2`` on ``/v2/speak``, the same stream shape (one turn per segment,
  ended by ``SpeechMetadata``).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from bench.core import FLUX_MODEL, MODEL, SAMPLE_RATE, Endpoint, Sizing, TurnRecord

_SESSIONS: dict[int, Any] = {}  # one unlimited aiohttp session per event loop


def shared_session() -> Any:
    """The process's unlimited ``aiohttp.ClientSession`` (created on first use)."""
    import aiohttp

    loop = asyncio.get_running_loop()
    session = _SESSIONS.get(id(loop))
    if session is None or session.closed:
        connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, keepalive_timeout=120)
        session = aiohttp.ClientSession(connector=connector)
        _SESSIONS[id(loop)] = session
    return session


async def close_shared_session() -> None:
    """Close the session of the running loop (end of a scenario)."""
    session = _SESSIONS.pop(id(asyncio.get_running_loop()), None)
    if session is not None:
        await session.close()


class LiveKitClient:
    """One plugin instance (one job's TTS)."""

    def __init__(self, endpoint: Endpoint, sizing: Sizing, *, flux: bool = False) -> None:
        self.name = "livekit-plugins-deepgram TTSv2" if flux else "livekit-plugins-deepgram"
        self.flux = flux
        self.endpoint = endpoint
        self.tts: Any = None
        self.errors: list[str] = []  # the plugin's "error" events (retries included)

    async def open(self) -> None:
        from livekit.plugins import deepgram

        if self.flux:
            from livekit.plugins.deepgram.tts_v2 import TTSv2

            self.tts = TTSv2(
                model=FLUX_MODEL,
                api_key=self.endpoint.key,
                base_url=f"{self.endpoint.http_base}/v2/speak",
                http_session=shared_session(),
                sample_rate=SAMPLE_RATE,
            )
        else:
            self.tts = deepgram.TTS(
                model=MODEL,
                api_key=self.endpoint.key,
                base_url=f"{self.endpoint.http_base}/v1/speak",
                http_session=shared_session(),
                sample_rate=SAMPLE_RATE,
            )
        self.tts.on(
            "error", lambda event: self.errors.append(repr(getattr(event, "error", event))[:200])
        )
        self.tts.prewarm()
        await self._prewarmed()

    async def _prewarmed(self) -> None:
        """Wait for the prewarm connection (the plugin does not expose it; best effort)."""
        reference = getattr(self.tts._pool, "_prewarm_task", None)
        task = reference() if reference is not None else None
        if task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(task), 10)

    async def close(self) -> None:
        if self.tts is not None:
            await self.tts.aclose()

    def turn(self, record: TurnRecord) -> LiveKitTurn:
        return LiveKitTurn(self.tts.stream(), record)


class LiveKitTurn:
    """One ``SynthesizeStream``, as ``Agent.tts_node`` uses it."""

    def __init__(self, stream: Any, record: TurnRecord) -> None:
        self.stream = stream
        self.record = record
        self.closed = False
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        error: str | None = None
        try:
            async for event in self.stream:
                self.record.on_audio(event.frame.data.cast("B").tobytes())
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        finally:
            self.record.finish(error)

    async def push(self, text: str) -> None:
        self.record.text_sent()
        self.stream.push_text(text)

    async def end(self) -> None:
        self.stream.end_input()

    async def interrupt(self) -> None:
        await self._close()

    async def _close(self) -> None:
        """What the agent does on barge-in: cancel the task that reads the stream, then leave
        ``async with tts.stream()`` (``aclose``)."""
        self.reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.reader
        if not self.closed:
            self.closed = True
            await self.stream.aclose()
        self.record.finish()

    async def done(self, timeout_s: float) -> None:
        await asyncio.wait_for(asyncio.shield(self.reader), timeout_s)
        await self._close()

    async def abandon(self) -> None:
        await self._close()

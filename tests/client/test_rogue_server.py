"""Against servers that break the rules the emulator keeps: huge frames, no acks, close storms.

A tiny ``websockets`` server written per test (a real socket on loopback) plays the rogue; the
emulator plays the ones it can (its faults).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from deepgram_tts2 import DeepgramTTS, MetricsHooks, TTSOptions
from deepgram_tts2.client.events import EndReason
from tests.client.conftest import FAST_RETRY, FAST_TIMEOUTS, ClientFactory, drain, speak
from tests.conftest import TEST_KEY, EmulatorFactory

Handler = Callable[[ServerConnection], Awaitable[None]]
METADATA = json.dumps({"type": "Metadata", "request_id": "rogue", "model_name": "x"})


@pytest.fixture
async def rogue() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    servers: list[Any] = []

    async def start(handler: Handler) -> str:
        server = await serve(handler, "127.0.0.1", 0)
        servers.append(server)
        port = next(iter(server.sockets)).getsockname()[1]
        return f"ws://127.0.0.1:{port}/v1/speak"

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def client_for(url: str, **overrides: Any) -> DeepgramTTS:
    settings: dict[str, Any] = {
        "api_key": TEST_KEY,
        "base_url": url,
        "transport": "websocket",
        "timeouts": dict(FAST_TIMEOUTS),
        "retry": {**FAST_RETRY, "max_attempts": 1},
        **overrides,
    }
    return DeepgramTTS(TTSOptions.create(**settings))


async def test_a_frame_larger_than_max_frame_bytes_fails_the_request_not_the_memory(
    rogue: Callable[[Handler], Awaitable[str]],
) -> None:
    """A rogue 12 x 50 MB took the client from 51 to 666 MB; now the first is refused (#10.6)."""

    async def huge(ws: ServerConnection) -> None:
        await ws.send(METADATA)
        async for message in ws:
            if '"Flush"' in str(message):
                await ws.send(b"\0" * (2 * 1024 * 1024))

    url = await rogue(huge)
    async with client_for(url) as client:
        outcome = await asyncio.wait_for(speak(client, "Hello there."), 30)
    assert outcome.end.reason is EndReason.ERROR
    assert outcome.error is not None
    assert "max_frame_bytes" in outcome.error.message
    assert outcome.audio == b""


async def test_a_flush_timeout_closes_the_socket_with_a_close_frame(
    rogue: Callable[[Handler], Awaitable[str]],
) -> None:
    """A socket given up on is closed properly, not dropped without a close frame (#10.7)."""
    closes: list[int | None] = []

    async def never_acks(ws: ServerConnection) -> None:
        await ws.send(METADATA)
        try:
            async for message in ws:
                if '"Flush"' in str(message):
                    await ws.send(b"\0\0" * 480)  # some audio, then silence: no Flushed
        finally:
            closes.append(ws.close_code)

    url = await rogue(never_acks)
    timeouts = {**FAST_TIMEOUTS, "flush_s": 0.3, "stall_s": 0.3}
    async with client_for(url, timeouts=timeouts) as client:
        outcome = await asyncio.wait_for(speak(client, "Hello there."), 30)
        assert outcome.end.reason is EndReason.ERROR
        assert outcome.error is not None
        assert "flush timed out" in outcome.error.message
        for _ in range(200):
            if closes:
                break
            await asyncio.sleep(0.01)
    assert closes[:1] == [1000]


class Counting(MetricsHooks):
    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.breaker: list[str] = []

    def on_warning(self, code: str) -> None:
        self.warnings.append(code)

    def on_breaker_state(self, state: str) -> None:
        self.breaker.append(state)


async def test_a_warning_during_a_request_is_counted_and_logged_once(
    emulator_factory: EmulatorFactory,
    client_factory: ClientFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    warning = {"kind": "send_warning", "code": "SOMETHING_ODD", "message": "odd", "connections": 1}
    emulator = await emulator_factory(faults={"faults": [warning]})
    hooks = Counting()
    client = await client_factory(emulator, hooks=hooks)
    caplog.set_level(logging.INFO, logger="deepgram_tts2")
    outcome = await speak(client, "Hello there, how are you?")
    assert outcome.end.reason is EndReason.COMPLETED
    assert hooks.warnings == ["SOMETHING_ODD"]
    logged = [r for r in caplog.records if "SOMETHING_ODD" in r.getMessage()]
    assert len(logged) == 1


async def test_repeated_1011_closes_open_the_breaker(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    """Seven 1011 closes in a second never opened it, each handshake 'succeeding' (#10.7)."""
    close = {"kind": "close", "code": 1011, "reason": "NET-0000", "after_audio_bytes": 2400}
    emulator = await emulator_factory(faults={"faults": [close]})
    hooks = Counting()
    client = await client_factory(
        emulator, hooks=hooks, transport="websocket", retry={"max_attempts": 1}
    )
    for i in range(7):
        stream = client.stream(f"r{i}")
        await stream.push("A sentence long enough to be cut off by the close.")
        await stream.end()
        await drain(stream)
        await stream.aclose()
    assert "open" in hooks.breaker
    assert client.state.breaker in ("open", "half_open")

"""Every fault kind, from a startup plan and from the runtime endpoint, over real sockets."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from deepgram_tts2.emulator.config import Pacing
from deepgram_tts2.emulator.server import Emulator
from tests.conftest import TEST_KEY, EmulatorFactory
from tests.emulator.conftest import (
    CLEAR,
    CLOSE,
    FLUSH,
    SPEAK,
    Transcript,
    collect,
    send,
    session,
)

AUTH = {"Authorization": f"Token {TEST_KEY}"}
Faulty = Callable[[list[dict[str, Any]]], Awaitable[Emulator]]


@pytest.fixture(params=["plan", "runtime"])
def faulty(request: pytest.FixtureRequest, emulator_factory: EmulatorFactory) -> Faulty:
    """An emulator with the given faults, set at start or through POST /_emulator/faults."""

    async def make(faults: list[dict[str, Any]], **overrides: Any) -> Emulator:
        if request.param == "plan":
            return await emulator_factory(faults={"faults": faults}, **overrides)
        emulator = await emulator_factory(**overrides)
        async with httpx.AsyncClient() as client:
            response = await client.post(
                f"{emulator.http_url}/_emulator/faults", json={"faults": faults}
            )
        assert response.status_code == 200
        assert response.json() == {"faults": len(faults)}
        return emulator

    return make  # type: ignore[return-value]


@pytest.mark.parametrize("status", [401, 402, 429, 500, 503])
async def test_reject_handshake(faulty: Faulty, status: int) -> None:
    emulator = await faulty(
        [{"kind": "reject_handshake", "status": status, "retry_after_s": 2, "connections": 1}]
    )
    with pytest.raises(InvalidStatus) as info:
        async with session(emulator):
            pass
    response = info.value.response
    assert response.status_code == status
    assert response.headers["retry-after"] == "2"
    assert response.headers["dg-request-id"]
    assert response.headers["dg-error"]
    async with session(emulator) as ws:  # spent after one connection
        assert "Metadata" in str(await ws.recv())


async def test_reject_applies_to_rest_too(faulty: Faulty) -> None:
    emulator = await faulty([{"kind": "reject_handshake", "status": 503, "api": "rest"}])
    async with session(emulator) as ws:  # the WebSocket is not affected
        assert "Metadata" in str(await ws.recv())
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{emulator.http_url}/v1/speak", json={"text": "hi"}, headers=AUTH
        )
    assert response.status_code == 503
    assert response.json()["err_code"] == "Service Unavailable"


async def test_delay_handshake(faulty: Faulty) -> None:
    emulator = await faulty([{"kind": "delay_handshake", "delay_ms": 300}])
    started = time.perf_counter()
    async with session(emulator) as ws:
        await ws.recv()
    assert time.perf_counter() - started >= 0.3


@pytest.mark.parametrize(
    ("code", "reason"), [(1011, "NET-0000"), (1008, "DATA-0001"), (1000, "bye")]
)
async def test_close_after_audio_bytes(faulty: Faulty, code: int, reason: str) -> None:
    emulator = await faulty(
        [{"kind": "close", "code": code, "reason": reason, "after_audio_bytes": 4000}]
    )
    async with session(emulator) as ws:
        await send(ws, SPEAK, FLUSH)
        got = await collect(ws)
    assert (got.close_code, got.close_reason) == (code, reason)
    assert 4000 <= len(got.audio) < 61400
    assert "Flushed" not in got.types()


async def test_close_before_any_audio(faulty: Faulty) -> None:
    emulator = await faulty([{"kind": "close", "code": 1011, "reason": "NET-0002"}])
    async with session(emulator) as ws:
        await send(ws, SPEAK, FLUSH)
        got = await collect(ws)
    assert got.audio == b""
    assert (got.close_code, got.close_reason) == (1011, "NET-0002")


async def test_close_1006_drops_tcp_without_a_close_frame(faulty: Faulty) -> None:
    emulator = await faulty([{"kind": "close", "code": 1006, "after_audio_bytes": 100}])
    async with session(emulator) as ws:
        await send(ws, SPEAK, FLUSH)
        got = await collect(ws)
    assert got.close_code == 1006
    assert got.audio


async def test_close_after_ms(faulty: Faulty) -> None:
    emulator = await faulty(
        [{"kind": "close", "code": 1011, "reason": "NET-0000", "after_ms": 100}]
    )
    async with session(emulator) as ws:
        got = await collect(ws)
    assert (got.close_code, got.close_reason) == (1011, "NET-0000")


async def test_stall_holds_everything_then_resumes(faulty: Faulty) -> None:
    emulator = await faulty([{"kind": "stall", "duration_ms": 300, "after_audio_bytes": 0}])
    async with session(emulator) as ws:
        await ws.recv()
        started = time.perf_counter()
        await send(ws, SPEAK, FLUSH)
        got = await collect(ws, until="Flushed")
    assert time.perf_counter() - started >= 0.3
    assert got.types() == ["audio", "Flushed"]


async def test_stall_after_ms(faulty: Faulty) -> None:
    emulator = await faulty([{"kind": "stall", "duration_ms": 300, "after_ms": 0}])
    async with session(emulator) as ws:
        await ws.recv()
        started = time.perf_counter()
        await send(ws, SPEAK, FLUSH)
        await collect(ws, until="Flushed")
    assert time.perf_counter() - started >= 0.25


async def test_drop_flushed(faulty: Faulty) -> None:
    emulator = await faulty([{"kind": "drop_flushed"}])
    async with session(emulator) as ws:
        await send(ws, SPEAK, FLUSH, CLOSE)
        got = await collect(ws)
    assert got.types() == ["Metadata", "audio"]
    assert got.close_code == 1000


async def test_drop_cleared(faulty: Faulty) -> None:
    emulator = await faulty([{"kind": "drop_cleared"}])
    async with session(emulator) as ws:
        await send(ws, CLEAR, SPEAK, FLUSH)
        got = await collect(ws, until="Flushed")
    assert got.types() == ["Metadata", "audio", "Flushed"]


async def test_late_flushed_after_clear(faulty: Faulty) -> None:
    pacing = Pacing(first_audio_ms=200, per_char_ms=0, realtime_factor=0)
    emulator = await faulty([{"kind": "late_flushed_after_clear"}], pacing=pacing)
    async with session(emulator) as ws:
        await send(ws, SPEAK, FLUSH, CLEAR)
        got = await collect(ws, until="Flushed")
    assert got.types() == ["Metadata", "Cleared", "Flushed"]
    assert got.messages[-1] == {"type": "Flushed", "sequence_id": 0}


@pytest.mark.parametrize("then_close", [False, True])
async def test_send_error(faulty: Faulty, then_close: bool) -> None:
    emulator = await faulty(
        [{"kind": "send_error", "err_code": "E42", "err_msg": "boom", "then_close": then_close}]
    )
    async with session(emulator) as ws:
        await send(ws, SPEAK, FLUSH)
        got = await collect(ws, until=None if then_close else "Flushed")
    assert {"type": "Error", "err_code": "E42", "err_msg": "boom"} in got.messages
    if then_close:
        assert (got.close_code, got.close_reason) == (1011, "NET-0000")


async def test_send_warning(faulty: Faulty) -> None:
    emulator = await faulty(
        [
            {
                "kind": "send_warning",
                "code": "W1",
                "message": "careful",
                "shape": "spec",
                "after_ms": 0,
            }
        ]
    )
    async with session(emulator) as ws:
        got = await collect(ws, until="Warning")
    assert got.messages[-1] == {"type": "Warning", "code": "W1", "description": "careful"}


async def test_malformed_json(faulty: Faulty) -> None:
    emulator = await faulty([{"kind": "malformed_json"}])
    async with session(emulator) as ws:
        await send(ws, SPEAK, FLUSH)
        got = await collect(ws, until="Flushed", transcript=_Lenient())
        frames = got.frames
    bad = [f for f in frames if isinstance(f, str) and not _is_json(f)]
    assert bad == ['{"type": "Flushed", "sequence_id": ']


class _Lenient(Transcript):
    """A transcript whose message list skips frames that are not JSON."""

    @property
    def messages(self) -> list[dict[str, object]]:
        return [json.loads(f) for f in self.frames if isinstance(f, str) and _is_json(f)]


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


async def test_odd_frames(faulty: Faulty) -> None:
    emulator = await faulty([{"kind": "odd_frames", "frame_bytes": 333}])
    async with session(emulator) as ws:
        await send(ws, SPEAK, FLUSH)
        frames: list[bytes] = []
        while isinstance(frame := await ws.recv(), bytes) or "Flushed" not in frame:
            if isinstance(frame, bytes):
                frames.append(frame)
    assert all(len(f) == 333 for f in frames[:-1])
    assert sum(len(f) for f in frames) == len("Hello from the emulator.") * 1200 * 2


async def test_slow_drip(faulty: Faulty) -> None:
    emulator = await faulty([{"kind": "slow_drip", "frame_bytes": 64, "interval_ms": 1}])
    async with session(emulator) as ws:
        await send(ws, {"type": "Speak", "text": "Hi"}, FLUSH)
        got = await collect(ws, until="Flushed")
    audio_frames = [f for f in got.frames if isinstance(f, bytes)]
    assert len(audio_frames) == 2 * 1200 * 2 // 64
    assert all(len(f) == 64 for f in audio_frames)


async def test_faults_for_the_next_n_connections_only(faulty: Faulty) -> None:
    emulator = await faulty(
        [{"kind": "close", "code": 1011, "reason": "NET-0000", "connections": 2}]
    )
    outcomes = []
    for _ in range(3):
        async with session(emulator) as ws:
            await send(ws, SPEAK, FLUSH)
            got = await collect(ws, until="Flushed")
            outcomes.append(got.close_code)
    assert outcomes == [1011, 1011, None]


async def test_rest_body_cut_short(faulty: Faulty) -> None:
    emulator = await faulty([{"kind": "close", "after_audio_bytes": 1000, "api": "rest"}])
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post(
                f"{emulator.http_url}/v1/speak?encoding=linear16&container=none",
                json={"text": "Hello there, a longer text."},
                headers=AUTH,
            )


async def test_rest_slow_drip(faulty: Faulty) -> None:
    emulator = await faulty([{"kind": "slow_drip", "frame_bytes": 500, "interval_ms": 0}])
    async with (
        httpx.AsyncClient() as client,
        client.stream(
            "POST",
            f"{emulator.http_url}/v1/speak?encoding=linear16&container=none",
            json={"text": "Hi"},
            headers=AUTH,
        ) as response,
    ):
        total = 0
        async for chunk in response.aiter_raw():
            total += len(chunk)
    assert total == 2 * 1200 * 2


async def test_runtime_endpoint_rejects_bad_plans_and_clears(emulator: Emulator) -> None:
    async with httpx.AsyncClient() as client:
        bad = await client.post(
            f"{emulator.http_url}/_emulator/faults", json={"faults": [{"kind": "explode"}]}
        )
        assert bad.status_code == 400
        ok = await client.post(
            f"{emulator.http_url}/_emulator/faults",
            json={"faults": [{"kind": "reject_handshake", "status": 401}]},
        )
        assert ok.status_code == 200
        cleared = await client.delete(f"{emulator.http_url}/_emulator/faults")
        assert cleared.json() == {"faults": 0}
    async with connect(emulator.ws_url, additional_headers=AUTH) as ws:
        assert "Metadata" in str(await ws.recv())

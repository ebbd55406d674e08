"""The v1 fault kinds applied to ``/v2/speak`` (docs/emulator.md "Fault plans")."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from websockets.exceptions import InvalidStatus

from deepgram_tts2.emulator.config import FaultPlan
from deepgram_tts2.emulator.server import Emulator
from deepgram_tts2.emulator.v2.routes import flux_service
from tests.conftest import TEST_KEY, eventually, within
from tests.emulator.v2.conftest import MODEL, collect, flux_session, send

SPEAK = {"type": "Speak", "text": "Hello from Flux."}
FLUSH = {"type": "Flush"}
TURN_BYTES = 16 * 2400


def plan(*faults: dict[str, object]) -> FaultPlan:
    return FaultPlan.model_validate({"faults": list(faults)})


async def test_reject_handshake(flux: Emulator) -> None:
    flux.set_faults(
        plan({"kind": "reject_handshake", "status": 429, "retry_after_s": 2, "connections": 1})
    )
    with pytest.raises(InvalidStatus) as info:
        async with flux_session(flux):
            pass
    response = info.value.response
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert json.loads(response.body or b"{}")["err_code"] == "TOO_MANY_REQUESTS"
    async with flux_session(flux) as ws:  # spent after one connection
        assert "Connected" in str(await within(ws.recv(), 5))


async def test_delay_handshake_holds_the_upgrade(flux: Emulator) -> None:
    flux.set_faults(plan({"kind": "delay_handshake", "delay_ms": 2000}))
    service = flux_service(flux)

    async def connect_once() -> str:
        async with flux_session(flux) as ws:
            return str(await ws.recv())

    task = asyncio.create_task(connect_once())
    await eventually(lambda: service.total_connections == 1)
    assert not task.done()  # the server holds the handshake
    assert "Connected" in await within(task, 10)


@pytest.mark.parametrize(("code", "expected"), [(1011, 1011), (1006, 1006)])
async def test_close_mid_audio(flux: Emulator, code: int, expected: int) -> None:
    flux.set_faults(
        plan({"kind": "close", "code": code, "reason": "NET-0000", "after_audio_bytes": 4800})
    )
    async with flux_session(flux) as ws:
        await send(ws, SPEAK, FLUSH)
        got = await within(collect(ws), 5)
    assert got.close_code == expected
    assert 4800 <= len(got.audio) < TURN_BYTES
    assert "SpeechMetadata" not in got.types()


async def test_send_error_uses_the_v2_shape_and_closes(flux: Emulator) -> None:
    flux.set_faults(
        plan({"kind": "send_error", "err_code": "NET-0000", "err_msg": "boom", "then_close": True})
    )
    async with flux_session(flux) as ws:
        await send(ws, SPEAK, FLUSH)
        got = await within(collect(ws), 5)
    errors = [m for m in got.messages if m["type"] == "Error"]
    assert errors == [{"type": "Error", "code": "NET-0000", "description": "boom"}]
    assert got.close_code == 1011
    assert got.close_reason == "NET-0000"


async def test_send_warning_and_malformed_json(flux: Emulator) -> None:
    flux.set_faults(
        plan(
            {"kind": "send_warning", "code": "SYNTHESIS_RETRYING", "message": "retrying"},
            {
                "kind": "malformed_json",
                "payload": '{"type": "Flushed", ',
                "after_audio_bytes": 2400,
            },
        )
    )
    async with flux_session(flux) as ws:
        await send(ws, SPEAK, FLUSH)
        got = await within(collect(ws, until="SpeechMetadata"), 5)
    texts = [f for f in got.frames if isinstance(f, str)]
    assert '{"type": "Flushed", ' in texts
    warnings = [json.loads(t) for t in texts if '"Warning"' in t]
    assert warnings == [
        {"type": "Warning", "code": "SYNTHESIS_RETRYING", "description": "retrying"}
    ]
    assert len(got.audio) == TURN_BYTES


@pytest.mark.parametrize(
    ("fault", "size"),
    [
        ({"kind": "odd_frames", "frame_bytes": 333}, 333),
        ({"kind": "slow_drip", "frame_bytes": 64, "interval_ms": 0}, 64),
    ],
)
async def test_frame_size_faults(flux: Emulator, fault: dict[str, object], size: int) -> None:
    flux.set_faults(plan(fault))
    async with flux_session(flux) as ws:
        await send(ws, SPEAK, FLUSH)
        got = await within(collect(ws, until="SpeechMetadata"), 10)
    frames = [f for f in got.frames if isinstance(f, bytes)]
    assert {len(f) for f in frames[:-1]} == {size}
    assert len(got.audio) == TURN_BYTES


async def test_stall_delays_but_loses_nothing(flux: Emulator) -> None:
    flux.set_faults(plan({"kind": "stall", "duration_ms": 200, "after_audio_bytes": 2400}))
    async with flux_session(flux) as ws:
        await send(ws, SPEAK, FLUSH)
        got = await within(collect(ws, until="SpeechMetadata"), 10)
    assert len(got.audio) == TURN_BYTES


async def test_drop_flushed(flux: Emulator) -> None:
    flux.set_faults(plan({"kind": "drop_flushed"}))
    async with flux_session(flux) as ws:
        await send(ws, SPEAK, FLUSH)
        got = await within(collect(ws, until="SpeechMetadata"), 5)
    assert "Flushed" not in got.types()


async def test_rest_body_cut_short(flux: Emulator) -> None:
    flux.set_faults(plan({"kind": "close", "after_audio_bytes": 1000, "api": "rest"}))
    url = f"{flux.http_url}/v2/speak?model={MODEL}&encoding=linear16&container=none"
    received = bytearray()

    async def read_all() -> None:
        async with (
            httpx.AsyncClient() as http,
            http.stream(
                "POST", url, json={"text": "Hello."}, headers={"Authorization": f"Token {TEST_KEY}"}
            ) as response,
        ):
            async for chunk in response.aiter_bytes():
                received.extend(chunk)

    with pytest.raises(httpx.HTTPError):
        await within(read_all(), 10)
    assert len(received) < len("Hello.") * 2400


async def test_timed_faults_fire_after_connect(flux: Emulator) -> None:
    flux.set_faults(plan({"kind": "send_warning", "code": "TIMED", "after_ms": 50}))
    async with flux_session(flux) as ws:
        got = await within(collect(ws, until="Warning"), 5)
    assert got.messages[-1] == {
        "type": "Warning",
        "code": "TIMED",
        "description": "Emulated warning",
    }


async def test_a_plain_get_is_refused_with_400(flux: Emulator) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(
            f"{flux.http_url}/v2/speak?model={MODEL}",
            headers={"Authorization": f"Token {TEST_KEY}"},
        )
    assert response.status_code == 400
    assert response.json()["err_msg"] == "Expected a WebSocket upgrade."

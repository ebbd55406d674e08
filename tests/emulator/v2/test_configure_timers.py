"""Configure, the idle timeout (pings reset it) and the lifetime on ``/v2/speak``."""

from __future__ import annotations

import asyncio

import pytest

from deepgram_tts2.emulator.server import Emulator
from tests.conftest import within
from tests.emulator.v2.conftest import FluxFactory, by_type, collect, flux_session, send


async def test_configure_success_and_failures(flux: Emulator) -> None:
    async with flux_session(flux) as ws:
        await send(
            ws,
            {"type": "Configure"},
            {"type": "Configure", "speed": 3.5},
            {"type": "Configure", "speed": 1.07},
            {"type": "Configure", "speed": 1.05},
        )
        got = await within(collect(ws, until="ConfigureSuccess", count=2), 5)
    assert got.messages[1:] == [
        {"type": "ConfigureSuccess", "applied": {}},
        {
            "type": "ConfigureFailure",
            "code": "SPEED_OUT_OF_RANGE",
            "field": "speed",
            "value": 3.5,
            "description": "'speed' must be between 0.5 and 1.5",
        },
        {
            "type": "ConfigureFailure",
            "code": "SPEED_INCREMENT_INVALID",
            "field": "speed",
            "value": 1.07,
            "description": "'speed' must be provided in increments of 0.05",
        },
        {"type": "ConfigureSuccess", "applied": {"speed": 1.05}},
    ]


async def test_configure_applies_from_the_next_segment(flux: Emulator) -> None:
    async with flux_session(flux) as ws:
        await send(
            ws,
            {"type": "Speak", "text": "Normal pace. "},
            {"type": "Configure", "speed": 0.5},
            {"type": "Speak", "text": "Half pace."},
            {"type": "Flush"},
        )
        got = await within(collect(ws, until="SpeechMetadata"), 5)
    # 12 characters at 50 ms, then 10 characters at 100 ms.
    assert by_type(got, "SpeechMetadata")[0]["audio_duration_ms"] == 12 * 50 + 10 * 100


async def test_configure_turn_timing_option(flux_factory: FluxFactory) -> None:
    emulator = await flux_factory(configure_timing="turn")
    async with flux_session(emulator) as ws:
        await send(
            ws,
            {"type": "Speak", "text": "Normal pace. "},
            {"type": "Configure", "speed": 0.5},
            {"type": "Speak", "text": "Still normal."},
            {"type": "Flush"},
            {"type": "Speak", "text": "Slow."},
            {"type": "Flush"},
        )
        got = await within(collect(ws, until="SpeechMetadata", count=2), 5)
    first, second = by_type(got, "SpeechMetadata")
    assert first["audio_duration_ms"] == (12 + 13) * 50
    assert second["audio_duration_ms"] == 5 * 100


async def test_speed_not_supported_option(flux_factory: FluxFactory) -> None:
    emulator = await flux_factory(runtime_speed_supported=False)
    async with flux_session(emulator) as ws:
        await send(ws, {"type": "Configure", "speed": 1.0})
        got = await within(collect(ws, until="ConfigureFailure"), 5)
    failure = got.messages[-1]
    assert failure["code"] == "SPEED_NOT_SUPPORTED"
    assert "value" not in failure


async def test_idle_client_gets_net_0004_then_close(flux_factory: FluxFactory) -> None:
    emulator = await flux_factory(idle_timeout_s=0.3)
    async with flux_session(emulator, ping_interval=None) as ws:
        got = await within(collect(ws), 10)
    assert got.types() == ["Connected", "Error"]
    assert got.messages[-1]["code"] == "NET-0004"
    assert got.close_code == 1011


async def test_websocket_pings_keep_an_idle_session_alive(flux_factory: FluxFactory) -> None:
    emulator = await flux_factory(idle_timeout_s=1.0)
    async with flux_session(emulator, ping_interval=None) as ws:
        connected = await within(ws.recv(), 5)
        assert "Connected" in str(connected)
        # 15 pings 0.1 s apart span 1.5 s > the 1 s idle limit; each is answered (pong).
        for _ in range(15):
            await within(await ws.ping(), 5)
            await asyncio.sleep(0.1)  # pacing the pings, not waiting for a timer
        await send(ws, {"type": "Configure"})
        got = await within(collect(ws, until="ConfigureSuccess"), 5)
        assert got.types() == ["ConfigureSuccess"]
        got = await within(collect(ws), 10)  # now silent: the idle limit ends it
    assert got.messages[-1]["code"] == "NET-0004"


async def test_lifetime_limit_gives_net_0003(flux_factory: FluxFactory) -> None:
    emulator = await flux_factory(lifetime_s=0.3, idle_timeout_s=None)
    async with flux_session(emulator) as ws:
        got = await within(collect(ws), 10)
    assert got.messages[-1] == {
        "type": "Error",
        "code": "NET-0003",
        "description": "Time limit exceeded.",
    }
    assert got.close_code == 1011


@pytest.mark.parametrize("scheme", ["internal"])
async def test_close_scheme_internal(flux_factory: FluxFactory, scheme: str) -> None:
    emulator = await flux_factory(close_scheme=scheme)
    async with flux_session(emulator) as ws:
        await ws.send("{bad")
        got = await within(collect(ws), 5)
    assert got.close_code == 1011

"""The emulator's WebSocket API: messages, auth, handshake errors, limits and close codes."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from deepgram_tts2.emulator.codecs import decode_pcm
from deepgram_tts2.emulator.config import Pacing
from deepgram_tts2.protocol.audio import Encoding
from tests.conftest import TEST_KEY, EmulatorFactory, eventually
from tests.emulator.conftest import CLEAR, CLOSE, FLUSH, SPEAK, collect, send, session


async def test_speak_flush_gives_metadata_real_speech_and_flushed(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory(voice_engine="espeak")
    async with session(emulator, "model=aura-2-thalia-en&sample_rate=16000") as ws:
        request_id = ws.response.headers["dg-request-id"]
        await send(ws, SPEAK, FLUSH)
        got = await collect(ws, until="Flushed")
    first = got.messages[0]
    assert first["type"] == "Metadata"
    assert first["request_id"] == request_id
    assert first["model_name"] == "aura-2-thalia-en"
    assert first["additional_model_uuids"] == []
    assert got.types() == ["Metadata", "audio", "Flushed"]
    assert got.messages[-1] == {"type": "Flushed", "sequence_id": 0}
    samples = decode_pcm(got.audio, Encoding.LINEAR16)
    assert 0.8 < len(samples) / 16000 < 4.0  # "Hello from the emulator." at 16 kHz
    assert np.sqrt(np.mean(samples.astype(np.float64) ** 2)) > 500


async def test_sample_rate_scales_the_audio(emulator: object) -> None:
    sizes = {}
    for rate in (8000, 24000):
        async with session(emulator, f"sample_rate={rate}") as ws:  # type: ignore[arg-type]
            await send(ws, SPEAK, FLUSH)
            sizes[rate] = len((await collect(ws, until="Flushed")).audio)
    assert sizes[24000] == 3 * sizes[8000]


@pytest.mark.parametrize("encoding", ["mulaw", "alaw"])
async def test_g711_streams_one_byte_per_sample(emulator: object, encoding: str) -> None:
    async with session(emulator, f"encoding={encoding}&sample_rate=8000") as ws:  # type: ignore[arg-type]
        await send(ws, SPEAK, FLUSH)
        mulaw = await collect(ws, until="Flushed")
    async with session(emulator, "encoding=linear16&sample_rate=8000") as ws:  # type: ignore[arg-type]
        await send(ws, SPEAK, FLUSH)
        linear = await collect(ws, until="Flushed")
    assert len(linear.audio) == 2 * len(mulaw.audio)


async def test_flushed_counts_accepted_flushes_and_refused_ones_get_a_warning(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory(flushes_per_window=3)
    async with session(emulator) as ws:
        await send(ws, SPEAK, FLUSH, SPEAK, FLUSH, FLUSH, SPEAK, FLUSH)
        got = await collect(ws, until="Warning")
        got = await collect(
            ws, until="Flushed", count=3 - got.types().count("Flushed"), transcript=got
        )
    flushed = [m["sequence_id"] for m in got.messages if m["type"] == "Flushed"]
    warnings = [m for m in got.messages if m["type"] == "Warning"]
    assert flushed == [0, 1, 2]
    assert warnings == [
        {
            "type": "Warning",
            "warn_code": "EXCESSIVE_FLUSH",
            "warn_msg": "Rate limit exceeded for flushes. Please try again later.",
        }
    ]


@pytest.mark.parametrize(
    ("shape", "keys"),
    [
        ("spec", {"type", "code", "description"}),
        ("both", {"type", "code", "description", "warn_code", "warn_msg"}),
    ],
)
async def test_warning_shape_option(
    emulator_factory: EmulatorFactory, shape: str, keys: set[str]
) -> None:
    emulator = await emulator_factory(flushes_per_window=1, warning_shape=shape)
    async with session(emulator) as ws:
        await send(ws, FLUSH, FLUSH)
        got = await collect(ws, until="Warning")
    assert set(got.messages[-1]) == keys


async def test_clear_stops_audio_and_nothing_of_it_follows_cleared(
    emulator_factory: EmulatorFactory,
) -> None:
    pacing = Pacing(first_audio_ms=0, per_char_ms=0, chunk_ms=20, realtime_factor=1.0)
    emulator = await emulator_factory(pacing=pacing)
    async with session(emulator) as ws:
        await send(ws, {"type": "Speak", "text": "A long sentence that takes a while. " * 4}, FLUSH)
        got = await collect(ws, until="Metadata")
        first_audio = await ws.recv()
        assert isinstance(first_audio, bytes)
        await send(ws, CLEAR)
        got = await collect(ws, until="Cleared", transcript=got)
        await send(ws, {"type": "Speak", "text": "Next."}, FLUSH)
        after = await collect(ws, until="Flushed")
    total = len(first_audio) + len(got.audio)
    assert total < 2 * 24000 * 2  # far less than the ~10 s the text would take
    assert got.messages[-1]["type"] == "Cleared"
    assert after.types() == ["audio", "Flushed"]
    assert after.messages[-1] == {"type": "Flushed", "sequence_id": 1}


async def test_close_drains_flushed_audio_then_closes_1000(emulator: object) -> None:
    async with session(emulator) as ws:  # type: ignore[arg-type]
        await send(ws, SPEAK, FLUSH, {"type": "Speak", "text": "never flushed"}, CLOSE)
        got = await collect(ws)
    assert got.types() == ["Metadata", "audio", "Flushed"]
    assert got.close_code == 1000


@pytest.mark.parametrize(
    ("frames", "code", "reason"),
    [
        ([b"\x00\x01"], 1003, "MESSAGE-0000"),
        (["{not json"], 1008, "DATA-0000"),
        (['{"type": "Reset"}'], 1008, "DATA-0000"),
        (['{"type": "KeepAlive"}'], 1008, "DATA-0000"),
        ([f'{{"type": "Speak", "text": "{"x" * 2001}"}}'], 1009, "BIG-0001"),
    ],
)
async def test_violations_close_with_deepgrams_codes(
    emulator: object, frames: list[str | bytes], code: int, reason: str
) -> None:
    async with session(emulator) as ws:  # type: ignore[arg-type]
        for frame in frames:
            await ws.send(frame)
        got = await collect(ws)
    assert (got.close_code, got.close_reason) == (code, reason)


async def test_character_budget_per_window_closes_1008_data_0001(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory(chars_per_window=30)
    async with session(emulator) as ws:
        await send(ws, {"type": "Speak", "text": "x" * 20}, {"type": "Speak", "text": "y" * 11})
        got = await collect(ws)
    assert (got.close_code, got.close_reason) == (1008, "DATA-0001")


async def test_prose_close_reasons(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory(prose_close_reasons=True)
    async with session(emulator) as ws:
        await ws.send(b"\x00")
        got = await collect(ws)
    assert got.close_code == 1003
    assert "dpgr.am/message0000" in got.close_reason


async def test_lifetime_closes_1011_net_0003(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory(lifetime_s=0.3)
    async with session(emulator) as ws:
        got = await collect(ws)
    assert (got.close_code, got.close_reason) == (1011, "NET-0003")


async def test_idle_timeout_closes_1011_net_0001(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory(idle_timeout_s=0.3)
    async with session(emulator) as ws:
        await asyncio.sleep(0.15)
        await send(ws, SPEAK)  # activity resets the idle timer
        got = await collect(ws)
    assert (got.close_code, got.close_reason) == (1011, "NET-0001")


async def _status_of(
    url: str, headers: dict[str, str], subprotocols: list[str] | None = None
) -> InvalidStatus:
    with pytest.raises(InvalidStatus) as info:
        async with connect(url, additional_headers=headers, subprotocols=subprotocols):  # type: ignore[arg-type]
            pass
    return info.value


@pytest.mark.parametrize("headers", [{"Authorization": "Token wrong"}, {}])
async def test_bad_or_missing_key_gets_401(emulator: object, headers: dict[str, str]) -> None:
    error = await _status_of(emulator.ws_url, headers)  # type: ignore[attr-defined]
    response = error.response
    assert response.status_code == 401
    assert response.headers["dg-request-id"]
    assert response.headers["dg-error"] == "Invalid credentials."
    assert b'"err_code": "INVALID_AUTH"' in response.body


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("model=aura-nobody-en", b"No such model"),
        ("encoding=mp3", b"not supported for streaming"),
        ("sample_rate=44100", b"sample_rate"),
    ],
)
async def test_bad_parameters_get_400(emulator: object, query: str, fragment: bytes) -> None:
    url = f"{emulator.ws_url}?{query}"  # type: ignore[attr-defined]
    error = await _status_of(url, {"Authorization": f"Token {TEST_KEY}"})
    assert error.response.status_code == 400
    assert fragment in error.response.body
    assert error.response.headers["dg-error"]


@pytest.mark.parametrize("scheme", ["Token", "token", "Bearer"])
async def test_header_auth_schemes(emulator: object, scheme: str) -> None:
    async with connect(
        emulator.ws_url,
        additional_headers={"Authorization": f"{scheme} {TEST_KEY}"},  # type: ignore[attr-defined]
    ) as ws:
        assert "Metadata" in str(await ws.recv())


@pytest.mark.parametrize("scheme", ["token", "bearer"])
async def test_subprotocol_auth_echoes_the_scheme(emulator: object, scheme: str) -> None:
    async with connect(emulator.ws_url, subprotocols=[scheme, TEST_KEY]) as ws:  # type: ignore[attr-defined,list-item]
        assert ws.subprotocol == scheme
        assert "Metadata" in str(await ws.recv())


async def test_concurrency_limit_per_key_gives_429(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory(max_concurrent_ws=1)
    async with session(emulator):
        error = await _status_of(emulator.ws_url, {"Authorization": f"Token {TEST_KEY}"})
        assert error.response.status_code == 429
    await eventually(lambda: emulator.active_sessions == 0)
    async with session(emulator) as ws:  # the slot is free again
        assert "Metadata" in str(await ws.recv())


async def test_buffered_text_is_bounded(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory(max_buffer_chars=50)
    async with session(emulator) as ws:
        await send(ws, {"type": "Speak", "text": "x" * 30}, {"type": "Speak", "text": "y" * 30})
        got = await collect(ws)
    assert (got.close_code, got.close_reason) == (1009, "BIG-0000")


async def test_pacing_delays_the_first_audio_and_paces_the_rest(
    emulator_factory: EmulatorFactory,
) -> None:
    pacing = Pacing(first_audio_ms=300, per_char_ms=0, chunk_ms=40, realtime_factor=4.0)
    emulator = await emulator_factory(pacing=pacing)
    async with session(emulator) as ws:
        await ws.recv()
        started = time.perf_counter()
        await send(ws, {"type": "Speak", "text": "Twenty characters!!"}, FLUSH)
        first = await ws.recv()
        first_at = time.perf_counter() - started
        got = await collect(ws, until="Flushed")
        total_at = time.perf_counter() - started
    assert isinstance(first, bytes)
    assert len(first) == 40 * 24 * 2  # chunk_ms of linear16 at 24 kHz
    assert first_at >= 0.3
    audio_s = (len(first) + len(got.audio)) / 48000
    assert total_at >= 0.3 + audio_s / 4.0 * 0.9  # never faster than the real-time factor

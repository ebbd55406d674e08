"""The emulator's ``/v2/speak`` WebSocket: handshake, turns, accounting, errors, over sockets."""

from __future__ import annotations

import json

import numpy as np
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from deepgram_tts2.emulator.codecs import decode_pcm
from deepgram_tts2.emulator.server import Emulator
from deepgram_tts2.protocol.audio import Encoding
from tests.conftest import TEST_KEY, eventually, within
from tests.emulator.v2.conftest import (
    MODEL,
    FluxFactory,
    by_type,
    collect,
    flux_session,
    send,
    speech_ids,
    v2_url,
)

SPEAK = {"type": "Speak", "text": "Hello from Flux."}
FLUSH = {"type": "Flush"}
CLOSE = {"type": "Close"}
TONE_BYTES_PER_CHAR_24K = 2400  # 50 ms of 24 kHz linear16


async def test_one_turn_then_close_with_session_metadata(flux: Emulator) -> None:
    async with flux_session(flux) as ws:
        request_id = ws.response.headers["dg-request-id"]
        await send(ws, SPEAK, FLUSH, CLOSE)
        got = await within(collect(ws), 10)
    connected = got.messages[0]
    assert connected == {
        "type": "Connected",
        "request_id": request_id,
        "model_name": "alexis",  # the bare voice, as on the wire (flux §1.5)
        "model_version": "2026-08-11.0",
        "model_uuids": [connected["model_uuids"][0]] * 2,  # type: ignore[index]
    }
    assert got.types() == [
        "Connected",
        "SpeechStarted",
        "Flushed",
        "audio",
        "SpeechMetadata",
        "SessionMetadata",
    ]
    (started,) = speech_ids(got, "SpeechStarted")
    assert speech_ids(got, "Flushed") == speech_ids(got, "SpeechMetadata") == [started]
    assert started.startswith("dg_sp_")
    assert len(started) == 18
    (meta,) = by_type(got, "SpeechMetadata")
    assert len(got.audio) == len("Hello from Flux.") * TONE_BYTES_PER_CHAR_24K
    assert meta["audio_duration_ms"] == len(got.audio) * 1000 // (24000 * 2)
    assert meta["input_character_count"] == meta["billable_character_count"] == 16
    assert meta["controls_applied"] == {
        "pronunciations_applied": 0,
        "breaks_applied": 0,
        "pronunciation_warnings": 0,
    }
    assert got.messages[-1] == {
        "type": "SessionMetadata",
        "total_audio_duration_ms": meta["audio_duration_ms"],
        "total_input_character_count": 16,
        "total_billable_character_count": 16,
    }
    assert got.close_code == 1000


async def test_synthesis_starts_at_a_sentence_boundary_before_any_flush(flux: Emulator) -> None:
    async with flux_session(flux) as ws:
        await send(ws, {"type": "Speak", "text": "First sentence. Second"})
        got = await within(collect(ws, until="SpeechStarted"), 5)
        first = await within(ws.recv(), 5)  # audio of "First sentence." with no Flush sent
        assert isinstance(first, bytes)
        await send(ws, {"type": "Speak", "text": " one."}, FLUSH)
        got = await within(collect(ws, until="SpeechMetadata", transcript=got), 5)
    (meta,) = by_type(got, "SpeechMetadata")
    total = len(first) + len(got.audio)
    assert total == len("First sentence.Second one.") * TONE_BYTES_PER_CHAR_24K
    assert meta["audio_duration_ms"] == total // 48


async def test_pending_turns_play_in_order_after_the_active_one(flux: Emulator) -> None:
    async with flux_session(flux) as ws:
        await send(
            ws,
            {"type": "Speak", "text": "Sure, "},
            {"type": "Speak", "text": "I can help."},
            FLUSH,
            {"type": "Speak", "text": "Anything else?"},
            FLUSH,
            CLOSE,
        )
        got = await within(collect(ws), 10)
    kinds = [t for t in got.types() if t != "audio"]
    assert kinds == ["Connected"] + ["SpeechStarted", "Flushed", "SpeechMetadata"] * 2 + [
        "SessionMetadata"
    ]
    a, b = speech_ids(got, "SpeechStarted")
    assert speech_ids(got, "SpeechMetadata") == [a, b]
    # Audio of B only after SpeechStarted B: attribution by position (flux §3.7).
    frames = got.frames
    index_b = next(
        i for i, f in enumerate(frames) if isinstance(f, str) and b in f and "SpeechStarted" in f
    )
    audio_b = b"".join(f for f in frames[index_b:] if isinstance(f, bytes))
    assert len(audio_b) == len("Anything else?") * TONE_BYTES_PER_CHAR_24K


@pytest.mark.parametrize(
    ("query", "width", "rate"),
    [
        ("encoding=linear16&sample_rate=16000", 2, 16000),
        ("encoding=linear16&sample_rate=44100", 2, 44100),
        ("encoding=mulaw&sample_rate=8000", 1, 8000),
        ("encoding=alaw", 1, 8000),  # G.711 default rate (Q-11 option)
    ],
)
async def test_encodings_and_rates(flux: Emulator, query: str, width: int, rate: int) -> None:
    async with flux_session(flux, f"model={MODEL}&{query}") as ws:
        await send(ws, SPEAK, FLUSH)
        got = await within(collect(ws, until="SpeechMetadata"), 5)
    (meta,) = by_type(got, "SpeechMetadata")
    assert meta["audio_duration_ms"] == len(got.audio) // width * 1000 // rate
    assert abs(int(meta["audio_duration_ms"]) - 800) <= 2  # type: ignore[call-overload]


async def test_real_speech_with_espeak(flux_factory: FluxFactory) -> None:
    emulator = await flux_factory(voice_engine="espeak")
    async with flux_session(emulator, "model=flux-kit-en&sample_rate=16000") as ws:
        await send(ws, SPEAK, FLUSH)
        got = await within(collect(ws, until="SpeechMetadata"), 20)
    samples = decode_pcm(got.audio, Encoding.LINEAR16)
    assert 0.5 < len(samples) / 16000 < 4.0
    assert float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) > 300


async def test_speed_from_the_query_shortens_the_audio(flux: Emulator) -> None:
    sizes = {}
    for speed in ("1.0", "1.25"):
        async with flux_session(flux, f"model={MODEL}&speed={speed}") as ws:
            await send(ws, SPEAK, FLUSH)
            sizes[speed] = len((await within(collect(ws, until="SpeechMetadata"), 5)).audio)
    assert sizes["1.25"] == pytest.approx(sizes["1.0"] / 1.25, rel=0.01)


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("", 400, "Bad Request"),
        ("model=aura-2-thalia-en", 400, "Bad Request"),
        ("model=flux-nobody-en", 400, "Bad Request"),
        (f"model={MODEL}&container=none", 400, "INVALID_QUERY_PARAMETER"),
        (f"model={MODEL}&foo=bar", 400, "INVALID_QUERY_PARAMETER"),
        (f"model={MODEL}&sample_rate=24000.0", 400, "INVALID_QUERY_PARAMETER"),
        (f"model={MODEL}&expressivity=3", 400, "EXPRESSIVITY_OUT_OF_RANGE"),
        (f"model={MODEL}&expressivity=0.5", 400, "EXPRESSIVITY_INCREMENT_INVALID"),
        (f"model={MODEL}&speed=2", 400, "SPEED_OUT_OF_RANGE"),
        (f"model={MODEL}&speed=1.01", 400, "SPEED_INCREMENT_INVALID"),
    ],
)
async def test_handshake_rejections_are_deepgram_shaped(
    flux: Emulator, query: str, status: int, code: str
) -> None:
    with pytest.raises(InvalidStatus) as info:
        async with flux_session(flux, query):
            pass
    response = info.value.response
    assert response.status_code == status
    body = json.loads(response.body or b"{}")
    assert body["err_code"] == code
    assert body["request_id"] == response.headers["dg-request-id"]
    assert response.headers["dg-error"] == body["err_msg"]


async def test_auth_as_v1(flux: Emulator) -> None:
    for headers in ({}, {"Authorization": "Token wrong"}):
        with pytest.raises(InvalidStatus) as info:
            async with connect(v2_url(flux), additional_headers=headers):
                pass
        assert info.value.response.status_code == 401
        assert json.loads(info.value.response.body or b"{}")["err_code"] == "INVALID_AUTH"
    async with connect(v2_url(flux), subprotocols=["token", TEST_KEY]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "token"
        assert json.loads(await within(ws.recv(), 5))["type"] == "Connected"
    async with connect(v2_url(flux), additional_headers={"Authorization": f"bearer {TEST_KEY}"}):
        pass


async def test_per_key_concurrency_gives_429(flux_factory: FluxFactory) -> None:
    emulator = await flux_factory(max_concurrent_ws=1)
    async with flux_session(emulator):
        with pytest.raises(InvalidStatus) as info:
            async with flux_session(emulator):
                pass
        assert info.value.response.status_code == 429
    async with flux_session(emulator) as ws:  # the slot is free again
        assert json.loads(await within(ws.recv(), 5))["type"] == "Connected"


async def test_model_name_and_uuid_options(flux_factory: FluxFactory) -> None:
    emulator = await flux_factory(connected_model_name="model", duplicate_model_uuid=False)
    async with flux_session(emulator) as ws:
        connected = json.loads(await within(ws.recv(), 5))
    assert connected["model_name"] == MODEL
    assert len(connected["model_uuids"]) == 1


@pytest.mark.parametrize(
    ("frame", "code", "close"),
    [
        ("{not json", "MESSAGE-0000", 1003),
        (json.dumps({"type": "KeepAlive"}), "DATA-0000", 1008),
        (json.dumps({"type": "Flush", "speech_id": "dg_sp_000000000000"}), "MESSAGE-0000", 1003),
        (json.dumps({"type": "Speak", "text": "a {pause:500ms} b. "}), "DATA-0002", 1008),
        (b"\x00\x01", "MESSAGE-0000", 1003),
        (json.dumps({"type": "Speak", "text": "x" * 70_000}), "BIG-0000", 1009),
    ],
)
async def test_fatal_violations_send_error_then_close(
    flux: Emulator, frame: str | bytes, code: str, close: int
) -> None:
    async with flux_session(flux) as ws:
        await ws.send(frame)
        got = await within(collect(ws), 5)
    assert got.messages[-1]["type"] == "Error"
    assert got.messages[-1]["code"] == code
    assert got.close_code == close
    assert got.close_reason == code


async def test_close_scheme_and_binary_frame_options(flux_factory: FluxFactory) -> None:
    emulator = await flux_factory(close_scheme="normal", binary_frames="ignore")
    async with flux_session(emulator) as ws:
        await ws.send(b"\x00")  # ignored
        await send(ws, {"type": "Clear"})
        got = await within(collect(ws), 5)
    assert got.types() == ["Connected", "Error"]
    assert got.close_code == 1000


async def test_flush_without_a_turn_and_whitespace_turns_warn(flux: Emulator) -> None:
    async with flux_session(flux) as ws:
        await send(ws, FLUSH, {"type": "Speak", "text": " ... "}, FLUSH)
        got = await within(collect(ws, until="SpeechMetadata"), 5)
    warnings = [m["code"] for m in by_type(got, "Warning")]
    assert warnings == ["NO_ACTIVE_SPEECH", "NO_SYNTHESIZABLE_TEXT"]
    assert by_type(got, "SpeechMetadata")[0]["audio_duration_ms"] == 0


@pytest.mark.parametrize(
    ("placement", "order"),
    [
        ("late", ["SpeechStarted", "audio", "Flushed", "SpeechMetadata"]),
        ("trailing", ["SpeechStarted", "audio", "SpeechMetadata", "Flushed"]),
    ],
)
async def test_flushed_placement_option(
    flux_factory: FluxFactory, placement: str, order: list[str]
) -> None:
    emulator = await flux_factory(flushed_placement=placement)
    async with flux_session(emulator) as ws:
        await send(ws, SPEAK, FLUSH, CLOSE)
        got = await within(collect(ws), 5)
    assert got.types()[1:-1] == order


async def test_close_with_an_unflushed_turn_completes_it_without_flushed(flux: Emulator) -> None:
    async with flux_session(flux) as ws:
        await send(ws, {"type": "Speak", "text": "Never flushed"}, CLOSE)
        got = await within(collect(ws), 5)
    assert [t for t in got.types() if t != "audio"] == [
        "Connected",
        "SpeechStarted",
        "SpeechMetadata",
        "SessionMetadata",
    ]
    assert got.close_code == 1000


async def test_sessions_are_counted_and_closed_on_stop(flux_factory: FluxFactory) -> None:
    from deepgram_tts2.emulator.v2.routes import flux_service

    emulator = await flux_factory()
    service = flux_service(emulator)
    async with flux_session(emulator) as ws:
        await within(ws.recv(), 5)
        await eventually(lambda: service.active_sessions == 1)
        await emulator.stop()
        got = await within(collect(ws), 5)
    assert got.close_code == 1001

"""Interrupt on the emulator's ``/v2/speak`` over real sockets (flux §3.5, §2.4)."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import ClientConnection

from deepgram_tts2.emulator.config import Pacing
from deepgram_tts2.emulator.server import Emulator
from tests.conftest import within
from tests.emulator.v2.conftest import (
    FluxFactory,
    Transcript,
    by_type,
    collect,
    flux_session,
    send,
    speech_ids,
)

# Audio paced at 2x real time, so a turn is still playing when the test interrupts it.
PACED = Pacing(
    first_audio_ms=0, per_char_ms=0, chunk_ms=40, realtime_factor=2.0, rest_first_byte_ms=0
)
CAPTURE = "Sure, I can help you cancel your subscription. Let me pull up your account."
BYTES_PER_MS = 48  # 24 kHz linear16


async def audio_until(ws: ClientConnection, ms: int, transcript: Transcript) -> None:
    """Receive until at least ``ms`` of audio arrived (a hang guard wraps the caller)."""
    while len(transcript.audio) < ms * BYTES_PER_MS:
        transcript.frames.append(await ws.recv())


async def test_barge_in_with_offset_matches_the_ga_capture(flux_factory: FluxFactory) -> None:
    # flux §3.10 B: Configure, Speak, Interrupt at 554 ms, Close.
    emulator = await flux_factory(pacing=PACED)
    async with flux_session(emulator) as ws:
        await send(ws, {"type": "Configure", "speed": 1.0}, {"type": "Speak", "text": CAPTURE})
        got = Transcript()
        await within(audio_until(ws, 600, got), 10)
        fence = len(got.frames)
        await send(ws, {"type": "Interrupt", "playback_offset": {"type": "time_ms", "value": 554}})
        await within(collect(ws, until="SpeechInterrupted", transcript=got), 10)
        after = len(got.frames)
        await send(ws, {"type": "Close"})
        got = await within(collect(ws, transcript=got), 10)
    (interrupted,) = by_type(got, "SpeechInterrupted")
    assert interrupted["audio_played_ms"] == 554
    assert interrupted["text_spoken"] == "Sure, I can"  # 11 characters x 50 ms <= 554
    assert interrupted["text_remaining"] == CAPTURE[len("Sure, I can") :]
    meta = interrupted["metadata"]
    assert isinstance(meta, dict)
    assert meta["speech_id"] == speech_ids(got, "SpeechStarted")[0]
    assert meta["audio_duration_ms"] == 554
    assert meta["input_character_count"] == len(CAPTURE)
    assert meta["billable_character_count"] == 46  # the sentence that reached synthesis
    assert not by_type(got, "SpeechMetadata")  # no standalone SpeechMetadata
    # No audio after SpeechInterrupted; whatever came after the Interrupt was stale tail.
    assert not any(isinstance(f, bytes) for f in got.frames[after:])
    assert all(isinstance(f, bytes) for f in got.frames[fence : after - 1])
    assert got.messages[-1] == {
        "type": "SessionMetadata",
        "total_audio_duration_ms": 554,
        "total_input_character_count": 46,  # rebased, as on the wire (Q-8 option)
        "total_billable_character_count": 46,
    }
    assert got.close_code == 1000


async def test_barge_in_without_offset_has_no_text_split(flux_factory: FluxFactory) -> None:
    emulator = await flux_factory(pacing=PACED, interrupt_tail_frames=0)
    async with flux_session(emulator) as ws:
        await send(ws, {"type": "Speak", "text": CAPTURE})
        got = Transcript()
        await within(audio_until(ws, 100, got), 10)
        await send(ws, {"type": "Interrupt"})
        got = await within(collect(ws, until="SpeechInterrupted", transcript=got), 10)
    (interrupted,) = by_type(got, "SpeechInterrupted")
    assert "text_spoken" not in interrupted
    assert "text_remaining" not in interrupted
    # The server's own total: everything it sent of the turn.
    assert interrupted["audio_played_ms"] == len(got.audio) // BYTES_PER_MS
    assert interrupted["metadata"]["audio_duration_ms"] == len(got.audio) // BYTES_PER_MS  # type: ignore[index]


async def test_interrupt_warnings(flux_factory: FluxFactory) -> None:
    emulator = await flux_factory(pacing=PACED, interrupt_latency_ms=200)
    async with flux_session(emulator) as ws:
        # NO_AUDIO_GENERATED: a turn is open but nothing was synthesised yet.
        await send(ws, {"type": "Speak", "text": "No boundary yet"}, {"type": "Interrupt"})
        got = await within(collect(ws, until="Warning"), 10)
        assert by_type(got, "Warning")[-1]["code"] == "NO_AUDIO_GENERATED"
        await send(ws, {"type": "Speak", "text": ". And now a long sentence follows here. "})
        await within(audio_until(ws, 100, got), 10)
        offset = {"type": "time_ms", "value": 60}
        await send(ws, {"type": "Interrupt", "playback_offset": offset})
        await send(ws, {"type": "Interrupt", "playback_offset": {"type": "time_ms", "value": 80}})
        got = await within(collect(ws, until="SpeechInterrupted", transcript=got), 10)
        assert by_type(got, "Warning")[-1]["code"] == "INTERRUPT_IN_PROGRESS"
        # INVALID_INTERRUPT_OFFSET: a new turn, but an offset that does not advance past 60.
        await send(ws, {"type": "Speak", "text": "Another turn starts now. "})
        await within(audio_until(ws, len(got.audio) // BYTES_PER_MS + 50, got), 10)
        await send(ws, {"type": "Interrupt", "playback_offset": {"type": "time_ms", "value": 60}})
        got = await within(collect(ws, until="Warning", transcript=got), 10)
        assert by_type(got, "Warning")[-1]["code"] == "INVALID_INTERRUPT_OFFSET"
        await send(ws, {"type": "Flush"})
        got = await within(collect(ws, until="SpeechMetadata", transcript=got), 10)
        # NO_ACTIVE_SPEECH: audio was generated, but no turn is active.
        await send(
            ws, {"type": "Interrupt", "playback_offset": {"type": "time_ms", "value": 99999}}
        )
        got = await within(collect(ws, until="Warning", transcript=got), 10)
    assert [w["code"] for w in by_type(got, "Warning")] == [
        "NO_AUDIO_GENERATED",
        "INTERRUPT_IN_PROGRESS",
        "INVALID_INTERRUPT_OFFSET",
        "NO_ACTIVE_SPEECH",
    ]
    assert len(by_type(got, "SpeechInterrupted")) == 1


@pytest.mark.parametrize(("policy", "kept"), [("keep", True), ("drop", False)])
async def test_pending_turns_on_interrupt(
    flux_factory: FluxFactory, policy: str, kept: bool
) -> None:
    emulator = await flux_factory(pacing=PACED, pending_on_interrupt=policy)
    async with flux_session(emulator) as ws:
        await send(
            ws,
            {"type": "Speak", "text": "The active turn is rather long. "},
            {"type": "Flush"},
            {"type": "Speak", "text": "Pending."},
            {"type": "Flush"},
        )
        got = Transcript()
        await within(audio_until(ws, 100, got), 10)
        await send(ws, {"type": "Interrupt"})
        await within(collect(ws, until="SpeechInterrupted", transcript=got), 10)
        await send(ws, {"type": "Close"})
        got = await within(collect(ws, transcript=got), 10)
    started = speech_ids(got, "SpeechStarted")
    assert len(started) == (2 if kept else 1)
    assert speech_ids(got, "SpeechMetadata") == (started[1:] if kept else [])
    assert got.messages[-1]["type"] == "SessionMetadata"


async def test_interrupted_text_is_the_cleaned_text(flux: Emulator) -> None:
    text = 'Say {"word": "tomato", "pronounce": "təˈmɑːtoʊ"} twice. Then more.'
    async with flux_session(flux) as ws:
        await send(ws, {"type": "Speak", "text": text})
        got = await within(collect(ws, until="SpeechStarted"), 5)
        await within(audio_until(ws, 1, got), 5)
        await send(ws, {"type": "Interrupt", "playback_offset": {"type": "time_ms", "value": 200}})
        got = await within(collect(ws, until="SpeechInterrupted", transcript=got), 5)
    (interrupted,) = by_type(got, "SpeechInterrupted")
    assert interrupted["text_spoken"] == "Say"
    assert interrupted["text_remaining"] == " tomato twice. Then more."

"""The client under every reading of Aura's undocumented behaviour (issue #10).

What ``Cleared.sequence_id`` counts, whether an empty Flush is answered, what Close does with
unflushed text, when ``Flushed`` and ``Metadata`` come, whether synthesis starts before a
Flush, Warnings between audio frames, frames of one byte: the emulator offers each reading
(docs/emulator.md), and the same scenarios run under each: plain turns, token streams ending in
spaces, an interrupt followed by the next turn on the same socket, and concurrent turns.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from deepgram_tts2.client.events import AudioChunk, EndReason
from deepgram_tts2.emulator.config import Pacing
from tests.client.conftest import ClientFactory, Outcome, drain, speak, tone_bytes
from tests.conftest import EmulatorFactory

READINGS: list[tuple[str, dict[str, Any]]] = [
    ("defaults", {}),
    ("clear takes an id", {"clear_id": "own"}),
    ("empty flush not answered", {"empty_flush": "ignored"}),
    ("close drains nothing", {"close_drain": "none"}),
    ("close speaks unflushed text", {"close_drain": "all"}),
    ("flushed late", {"flushed_delay_ms": 150}),
    ("metadata after the first audio", {"metadata": "after_audio"}),
    ("synthesis at sentence ends before a flush", {"synthesis_start": "sentence"}),
    ("one-byte frames", {"frame_bytes": 1}),
    ("odd frames", {"frame_bytes": 333}),
    (
        "warnings between audio frames",
        {
            "faults": {
                "faults": [{"kind": "send_warning", "code": "ODD", "after_audio_bytes": 4800}]
            }
        },
    ),
    ("spec-shaped warnings", {"warning_shape": "spec"}),
]
SLOW = Pacing(first_audio_ms=0, per_char_ms=0, realtime_factor=4.0)
TURN_A = "Hello from the emulator. How are you today?"
TURN_B = "Next turn after the interrupt."


@pytest.fixture(params=READINGS, ids=[name for name, _ in READINGS])
def reading(request: pytest.FixtureRequest) -> dict[str, Any]:
    settings: dict[str, Any] = dict(request.param[1])
    return settings


async def test_turns_and_token_streams_complete_with_exact_audio(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory, reading: dict[str, Any]
) -> None:
    emulator = await emulator_factory(**reading)
    client = await client_factory(emulator)
    first = await speak(client, TURN_A)
    assert first.end.reason is EndReason.COMPLETED
    # both sentences exactly once (flushed apart, or together when a reading joins them)
    sentences = tone_bytes("Hello from the emulator.") + tone_bytes("How are you today?")
    assert sentences <= len(first.audio) <= tone_bytes(TURN_A)
    stream = client.stream()
    for token in ("Sure, ", "I can ", "help with ", "that. "):  # every token ends in a space
        await stream.push(token)
    await stream.end()
    tokens = await drain(stream)
    tokens.check_grammar()
    assert tokens.end.reason is EndReason.COMPLETED
    said = ("Sure,", "I can help with that.")
    assert sum(map(tone_bytes, said)) <= len(tokens.audio) <= tone_bytes(" ".join(said))


async def test_an_interrupt_then_the_next_turn_on_the_same_socket(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory, reading: dict[str, Any]
) -> None:
    emulator = await emulator_factory(pacing=SLOW, **reading)
    client = await client_factory(emulator, limits={"pool_size": 1})
    stream = client.stream()
    await stream.push(TURN_A * 3)
    await stream.end()
    cut = Outcome()
    async for event in stream:
        cut.events.append(event)
        if isinstance(event, AudioChunk) and len(cut.audio) >= 9600:
            await stream.interrupt()
    cut.check_grammar()
    assert cut.end.reason is EndReason.INTERRUPTED
    after = await speak(client, TURN_B)
    assert after.end.reason is EndReason.COMPLETED
    assert len(after.audio) == tone_bytes(TURN_B)  # nothing of the interrupted turn leaked


async def test_concurrent_turns_each_get_their_own_audio(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory, reading: dict[str, Any]
) -> None:
    emulator = await emulator_factory(**reading)
    client = await client_factory(emulator, limits={"pool_size": 2})
    texts = [f"Request number {n} speaks." for n in ("one", "two", "three", "four")]
    outcomes = await asyncio.gather(*(speak(client, t) for t in texts))
    for text, outcome in zip(texts, outcomes, strict=True):
        assert outcome.end.reason is EndReason.COMPLETED
        assert len(outcome.audio) == tone_bytes(text)

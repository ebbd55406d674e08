"""REST: the pooled client's error translation, long texts split in order, the events variant."""

from __future__ import annotations

from typing import Any

import pytest

from deepgram_tts2 import (
    AuthError,
    ConnectionLostError,
    InputError,
    PhaseTimeoutError,
    RateLimitError,
    ServerError,
)
from deepgram_tts2.client.events import AudioStart, EndReason, Transport
from deepgram_tts2.emulator.server import Emulator
from deepgram_tts2.protocol.v1.segmenter import SegmenterPolicy
from deepgram_tts2.request.restplan import RestPlan
from tests.client.conftest import ClientFactory, Outcome, speak, tone_bytes
from tests.conftest import EmulatorFactory, within

SENTENCE = "This sentence is here to make a long answer longer. "
LONG = SENTENCE * 90  # 4680 characters: three REST requests of <= 2000


def rest_calls(emulator: Emulator) -> float:
    value = emulator.metrics.registry.get_sample_value(
        "deepgram_tts2_emulator_connections_total", {"api": "rest"}
    )
    return value or 0.0


def rest_pieces(text: str) -> list[str]:
    """The REST pieces a text pushed at once is cut into (the plan is pure: same every time)."""
    plan = RestPlan(SegmenterPolicy(), 2000, width=2)
    plan.push(text)
    plan.end()
    return [piece.text for piece in plan.pieces]


def expected_rest_bytes(text: str) -> int:
    return sum(tone_bytes(piece) for piece in rest_pieces(text))


def reject(status: int, **extra: Any) -> dict[str, Any]:
    fault = {"kind": "reject_handshake", "status": status, "api": "rest", **extra}
    return {"faults": [fault]}


@pytest.mark.parametrize(
    ("status", "kind"),
    [(400, InputError), (401, AuthError), (429, RateLimitError), (503, ServerError)],
)
async def test_synthesize_raises_typed_errors(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory, status: int, kind: type
) -> None:
    emulator = await emulator_factory(faults=reject(status, retry_after_s=3))
    client = await client_factory(emulator, transport="rest", retry={"max_attempts": 1})
    with pytest.raises(kind) as info:
        await client.synthesize("Hello.")
    error = info.value
    assert error.status == status
    assert error.request_id  # dg-request-id of the failed response
    assert error.vendor_code
    if status == 429:
        assert error.retry_after_s == 3.0


async def test_body_cut_short_is_a_lost_connection(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults={"faults": [{"kind": "close", "api": "rest", "after_audio_bytes": 4800}]}
    )
    client = await client_factory(emulator, transport="rest")
    with pytest.raises(ConnectionLostError):
        await client.synthesize(SENTENCE)


@pytest.mark.parametrize(
    ("trigger", "phase"), [({}, "first_audio"), ({"after_audio_bytes": 4800}, "stall")]
)
async def test_a_stalled_body_times_out_in_its_phase(
    emulator_factory: EmulatorFactory,
    client_factory: ClientFactory,
    trigger: dict[str, int],
    phase: str,
) -> None:
    stall = {"kind": "stall", "api": "rest", "duration_ms": 3000, **trigger}
    emulator = await emulator_factory(faults={"faults": [stall]})
    client = await client_factory(
        emulator,
        transport="rest",
        timeouts={"stall_s": 0.2, "first_audio_s": 0.2},
        retry={"max_attempts": 1},
    )
    with pytest.raises(PhaseTimeoutError) as info:
        await within(client.synthesize(SENTENCE), 10)
    assert info.value.phase == phase
    assert info.value.timeout_s == 0.2  # the deadline that passed, named truthfully (#10.2)


async def test_long_text_is_split_into_ordered_rest_calls(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    client = await client_factory(emulator, transport="rest")
    before = rest_calls(emulator)
    pieces = rest_pieces(LONG)
    assert all(len(p) <= 2000 for p in pieces)  # the emulator refuses more
    assert len(pieces) < 10  # packed: not one request per sentence
    audio = await client.synthesize(LONG)
    assert rest_calls(emulator) - before == len(pieces)
    assert len(audio) == expected_rest_bytes(LONG)
    outcome = await speak(client, LONG)
    assert outcome.end.transport is Transport.REST
    assert len(outcome.audio) == expected_rest_bytes(LONG)
    assert rest_calls(emulator) - before == 2 * len(pieces)


async def test_rest_chunks_are_sample_aligned(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults={"faults": [{"kind": "odd_frames", "api": "rest", "frame_bytes": 777}]}
    )
    client = await client_factory(emulator, transport="rest")
    outcome = await speak(client, SENTENCE)  # check_grammar asserts even chunks
    assert len(outcome.audio) == tone_bytes(SENTENCE)


async def test_synthesize_events_has_the_stream_grammar(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    client = await client_factory(emulator)  # transport auto: the events variant is REST only
    outcome = Outcome([e async for e in client.synthesize_events("Over REST.", request_id="x")])
    outcome.check_grammar()
    start = outcome.events[0]
    assert isinstance(start, AudioStart)
    assert start.transport is Transport.REST
    assert outcome.end.transport is Transport.REST
    assert outcome.end.request_id == "x"
    assert len(outcome.audio) == tone_bytes("Over REST.")


async def test_synthesize_events_reports_failures_as_events(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(faults=reject(401))
    client = await client_factory(emulator)
    outcome = Outcome([e async for e in client.synthesize_events("Nope.")])
    outcome.check_grammar()
    assert outcome.end.reason is EndReason.ERROR
    assert outcome.error is not None
    assert outcome.error.fatal


async def test_blank_text_is_an_input_error(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    client = await client_factory(emulator, transport="rest")
    with pytest.raises(InputError):
        await client.synthesize("   ")

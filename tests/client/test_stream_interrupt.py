"""Interruption: Clear, an immediate AudioEnd(INTERRUPTED), no stale audio, the socket reused."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepgram_tts2 import MetricsHooks
from deepgram_tts2.client.events import AudioChunk, EndReason
from deepgram_tts2.emulator.config import Pacing
from tests.client.conftest import ClientFactory, Outcome, drain, speak, tone_bytes
from tests.conftest import EmulatorFactory, eventually

SLOW = Pacing(first_audio_ms=0, per_char_ms=0, chunk_ms=20, realtime_factor=2.0)
LONG = "This is a long answer that keeps on going for quite a while indeed. " * 3


class Recorder(MetricsHooks):
    """Metrics hooks that count stale audio."""

    def __init__(self) -> None:
        self.stale = 0

    def on_stale_audio_dropped(self, nbytes: int) -> None:
        self.stale += nbytes


async def test_interrupt_mid_audio_ends_at_once_and_the_socket_is_reused(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    # The emulator sends all audio at once, so many frames are in flight when we interrupt.
    emulator = await emulator_factory(pacing=Pacing.instant())
    hooks = Recorder()
    client = await client_factory(emulator, hooks=hooks)
    stream = client.stream("old")
    await stream.push(LONG * 3)
    await stream.end()
    outcome = Outcome()
    async for event in stream:
        outcome.events.append(event)
        if isinstance(event, AudioChunk) and len(outcome.audio) > 4000:
            await stream.interrupt()
    outcome.check_grammar()
    assert outcome.end.reason is EndReason.INTERRUPTED
    assert len(outcome.audio) < tone_bytes(LONG) // 2
    # Frames already on the wire are dropped, never yielded (the emulator kept streaming).
    await eventually(lambda: hooks.stale > 0)
    fresh = await speak(client, "Next turn.", request_id="new")
    assert fresh.end.reason is EndReason.COMPLETED
    assert len(fresh.audio) == tone_bytes("Next turn.")  # nothing of the old request leaked
    assert emulator.total_connections == 1


async def test_interrupt_before_any_text_and_twice(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(pacing=SLOW)
    client = await client_factory(emulator)
    stream = client.stream()
    await stream.interrupt()
    await stream.interrupt()
    await stream.push("ignored after interrupt")
    outcome = await drain(stream)
    assert outcome.kinds == ["AudioEnd"]
    assert outcome.end.reason is EndReason.INTERRUPTED


async def test_interrupt_after_completion_changes_nothing(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory()
    client = await client_factory(emulator)
    stream = client.stream()
    await stream.push("Done.")
    await stream.end()
    outcome = await drain(stream)
    await stream.interrupt()
    assert outcome.end.reason is EndReason.COMPLETED


async def test_interrupt_while_waiting_for_first_audio(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(pacing=Pacing(first_audio_ms=300, per_char_ms=0))
    client = await client_factory(emulator)
    stream = client.stream()
    await stream.push("Hello there.")
    await stream.end()
    await eventually(lambda: any(c.state == "busy" for c in client.state.connections))
    await stream.interrupt()  # the Flush is out, its audio not yet
    outcome = await drain(stream)
    assert outcome.kinds == ["AudioEnd"]
    assert outcome.end.reason is EndReason.INTERRUPTED
    next_one = await speak(client, "After.")
    assert len(next_one.audio) == tone_bytes("After.")


async def test_no_cleared_in_time_replaces_the_socket(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        pacing=SLOW, faults={"faults": [{"kind": "drop_cleared", "connections": 1}]}
    )
    client = await client_factory(emulator, timeouts={"clear_s": 0.2})
    stream = client.stream()
    await stream.push(LONG)
    await stream.end()
    async for event in stream:
        if isinstance(event, AudioChunk):
            await stream.interrupt()
    after = await speak(client, "Works again.")
    assert len(after.audio) == tone_bytes("Works again.")
    assert emulator.total_connections >= 2  # the silent socket was replaced


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=4))
async def test_random_interrupt_timing_never_leaks_or_hangs(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory, delays_ms: list[int]
) -> None:
    emulator = await emulator_factory(
        pacing=Pacing(first_audio_ms=5, per_char_ms=0, chunk_ms=10, realtime_factor=20.0)
    )
    client = await client_factory(emulator)
    for i, delay in enumerate(delays_ms):
        stream = client.stream(f"r{i}")
        await stream.push(f"Sentence {i} is spoken here. ")
        await stream.push("And another one follows.")
        await stream.end()
        await asyncio.sleep(delay / 1000)
        await stream.interrupt()
        outcome = await drain(stream)
        outcome.check_grammar()
        assert outcome.end.reason in (EndReason.INTERRUPTED, EndReason.COMPLETED)
        assert all(e.request_id == f"r{i}" for e in outcome.events)
    check = await speak(client, "Final check.")
    assert len(check.audio) == tone_bytes("Final check.")
    await client.aclose()
    await emulator.stop()


async def test_interrupt_with_frames_in_flight_at_real_pace_then_the_same_socket(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(pacing=SLOW)
    hooks = Recorder()
    client = await client_factory(emulator, hooks=hooks)
    stream = client.stream("paced")
    await stream.push(LONG)
    await stream.end()
    outcome = Outcome()
    async for event in stream:
        outcome.events.append(event)
        if isinstance(event, AudioChunk) and len(outcome.audio) >= 9600:
            await stream.interrupt()
    outcome.check_grammar()
    assert outcome.end.reason is EndReason.INTERRUPTED
    assert all(e.request_id == "paced" for e in outcome.events)
    fresh = await speak(client, "Right after.", request_id="next")
    assert all(e.request_id == "next" for e in fresh.events)
    assert len(fresh.audio) == tone_bytes("Right after.")
    assert emulator.total_connections == 1  # Clear, not a new handshake


async def test_late_flushed_after_clear_does_not_end_the_next_request_early(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        pacing=SLOW, faults={"faults": [{"kind": "late_flushed_after_clear"}]}
    )
    client = await client_factory(emulator)
    for turn in range(3):
        stream = client.stream(f"turn-{turn}")
        await stream.push("First part of the turn. Second part of the turn. Third part.")
        await stream.end()
        async for event in stream:
            if isinstance(event, AudioChunk):
                await stream.interrupt()
        # The old flushes' Flushed arrive after Cleared; they must not count for this one.
        text = f"Turn {turn} is complete. And it has two sentences."
        outcome = await speak(client, text)
        assert outcome.end.reason is EndReason.COMPLETED
        assert len(outcome.audio) == tone_bytes(f"Turn {turn} is complete.") + tone_bytes(
            "And it has two sentences."
        )
    assert emulator.total_connections == 1


async def test_an_interrupt_after_completion_but_before_the_audio_was_taken_drops_it(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    """A barge-in while audio is still queued: nothing more is yielded, whatever the server
    already finished (the race the fault matrix found under load)."""
    emulator = await emulator_factory(pacing=Pacing.instant())
    client = await client_factory(emulator)
    stream = client.stream()
    await stream.push(LONG)
    await stream.end()
    first = await anext(stream)  # AudioStart
    await eventually(lambda: stream.done)  # the request completed, all audio queued
    await stream.interrupt()
    rest = [first, *[e async for e in stream]]
    assert [type(e).__name__ for e in rest][-1] == "AudioEnd"
    assert not any(isinstance(e, AudioChunk) for e in rest)
    assert rest[-1].reason is EndReason.INTERRUPTED  # type: ignore[union-attr]

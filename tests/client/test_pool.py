"""The pool: bounded queue, resources back to baseline after many requests."""

from __future__ import annotations

import asyncio
import gc

from deepgram_tts2.client.events import EndReason
from deepgram_tts2.emulator.config import Pacing
from deepgram_tts2.emulator.server import Emulator
from tests.client.conftest import ClientFactory, drain, speak, tone_bytes
from tests.conftest import EmulatorFactory, eventually


async def test_queue_overflow_is_a_clear_error(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(pacing=Pacing(first_audio_ms=200, per_char_ms=0))
    client = await client_factory(
        emulator, transport="websocket", limits={"pool_size": 1, "max_queued_requests": 1}
    )
    streams = [client.stream(f"s{i}") for i in range(3)]
    for stream in streams:
        await stream.push("Waiting in line.")
        await stream.end()
    outcomes = await asyncio.gather(*(drain(s) for s in streams))
    reasons = sorted(o.end.reason.value for o in outcomes)
    assert reasons == ["completed", "completed", "error"]
    failed = next(o for o in outcomes if o.error is not None)
    assert "max_queued_requests" in failed.error.message  # type: ignore[union-attr]


async def test_queue_overflow_goes_to_rest_in_auto_mode(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(pacing=Pacing(first_audio_ms=200, per_char_ms=0))
    client = await client_factory(emulator, limits={"pool_size": 1, "max_queued_requests": 1})
    streams = [client.stream(f"s{i}") for i in range(3)]
    for stream in streams:
        await stream.push("Waiting in line.")
        await stream.end()
    outcomes = await asyncio.gather(*(drain(s) for s in streams))
    assert [o.end.reason for o in outcomes] == [EndReason.COMPLETED] * 3
    assert sorted(str(o.end.transport) for o in outcomes) == ["rest", "websocket", "websocket"]
    assert all(len(o.audio) == tone_bytes("Waiting in line.") for o in outcomes)


async def test_state_snapshot(emulator: Emulator, client_factory: ClientFactory) -> None:
    client = await client_factory(emulator)
    state = client.state
    assert state.ready
    assert state.breaker == "closed"
    assert [c.state for c in state.connections] == ["idle"]
    assert state.connections[0].chars_left == 2400


async def test_many_requests_return_tasks_sockets_and_buffers_to_baseline(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    # 200 requests in seconds would need far more than 20 Flushes per minute per socket; the
    # budget is raised on both ends so that this test is about resources, not pacing.
    emulator = await emulator_factory(flushes_per_window=10_000)
    client = await client_factory(emulator, limits={"pool_size": 2, "flushes_per_window": 10_000})
    # Warm up to the steady state: one concurrent batch grows the pool to its size.
    await asyncio.gather(*(speak(client, f"Warm up {i}.") for i in range(10)))
    gc.collect()
    baseline_tasks = len(asyncio.all_tasks())
    baseline_sessions = emulator.active_sessions
    for batch in range(20):
        outcomes = await asyncio.gather(
            *(speak(client, f"Request {batch}-{i}.") for i in range(10))
        )
        for i, outcome in enumerate(outcomes):
            assert len(outcome.audio) == tone_bytes(f"Request {batch}-{i}.")
    interrupted = client.stream()
    await interrupted.push("Cut short. " * 20)
    await interrupted.interrupt()
    assert (await drain(interrupted)).end.reason is EndReason.INTERRUPTED
    await eventually(lambda: len(asyncio.all_tasks()) <= baseline_tasks)
    assert emulator.active_sessions <= max(baseline_sessions, 2)
    assert client.state.open_streams == 0
    assert all(c.state == "idle" for c in client.state.connections)


async def test_aclose_leaves_nothing_running(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    before = len(asyncio.all_tasks())
    client = await client_factory(emulator, limits={"pool_size": 2, "prewarm": 2})
    stream = client.stream()
    await stream.push("Never finished because the client closes.")
    await client.aclose()
    outcome = await drain(stream)
    assert outcome.end.reason is EndReason.INTERRUPTED
    await eventually(lambda: len(asyncio.all_tasks()) <= before)
    await eventually(lambda: emulator.active_sessions == 0)


async def test_consumer_cancelled_mid_iteration_releases_the_socket(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        pacing=Pacing(first_audio_ms=0, per_char_ms=0, realtime_factor=2.0)
    )
    client = await client_factory(emulator, limits={"pool_size": 1})
    stream = client.stream()
    await stream.push("A sentence that takes a while to speak. " * 3)
    await stream.end()

    started = asyncio.Event()

    async def consume() -> None:
        async for _ in stream:
            started.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 10)  # audio is flowing ...
    task.cancel()  # ... when the consumer is cancelled mid-iteration
    await asyncio.gather(task, return_exceptions=True)
    await stream.aclose()
    after = await speak(client, "Next.")
    assert len(after.audio) == tone_bytes("Next.")

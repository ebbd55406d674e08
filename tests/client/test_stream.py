"""SpeakStream: backpressure, abandoned consumers, TTFB, leaving the queue, text bounds."""

from __future__ import annotations

import asyncio

from deepgram_tts2 import MetricsHooks
from deepgram_tts2.client.events import AudioChunk, EndReason, Metric
from deepgram_tts2.emulator.config import Pacing
from deepgram_tts2.timing import FakeClock
from tests.client.conftest import ClientFactory, Outcome, drain, speak, tone_bytes
from tests.conftest import EmulatorFactory, eventually, timeout

SLOW = Pacing(first_audio_ms=0, per_char_ms=0, chunk_ms=20, realtime_factor=2.0)
TEXT = "A sentence that is long enough to fill a small queue many times over."


class Timing(MetricsHooks):
    def __init__(self) -> None:
        self.ttfb: list[float] = []
        self.first_token: list[float] = []
        self.audio_bytes = 0

    def on_ttfb(self, seconds: float, transport: str) -> None:
        self.ttfb.append(seconds)

    def on_first_token_to_audio(self, seconds: float) -> None:
        self.first_token.append(seconds)

    def on_audio(self, nbytes: int, seconds: float) -> None:
        self.audio_bytes += nbytes


async def test_a_slow_consumer_is_not_a_server_stall(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory()  # instant: all audio arrives at once
    clock = FakeClock()
    client = await client_factory(
        emulator,
        clock=clock,
        limits={"audio_queue_bytes": 4 * 1920},
        timeouts={"stall_s": 0.2, "flush_s": 0.2, "first_audio_s": 0.5},
    )
    stream = client.stream()
    await stream.push(TEXT)
    await stream.end()
    outcome = Outcome()
    largest_queue = 0
    async with timeout(20):
        async for event in stream:
            outcome.events.append(event)
            largest_queue = max(largest_queue, client.state.buffered_audio_bytes)
            if isinstance(event, AudioChunk) and len(outcome.events) in (4, 10):
                # the consumer stops reading for far longer than any server deadline: the
                # queue fills, the socket's reader waits, and no deadline may fire for it
                await eventually(lambda: stream.buffered_audio_bytes >= 4 * 1920)
                await clock.advance(20.0)
    outcome.check_grammar()
    assert outcome.end.reason is EndReason.COMPLETED
    assert len(outcome.audio) == tone_bytes(TEXT)
    assert largest_queue <= 5 * 1920  # bounded in bytes: the bound plus at most one frame


async def test_an_abandoned_consumer_frees_the_socket(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory()
    clock = FakeClock()
    client = await client_factory(
        emulator,
        clock=clock,
        limits={"audio_queue_bytes": 2 * 1920, "pool_size": 1},
        timeouts={"consumer_s": 30.0},
    )
    stream = client.stream()
    await stream.push(TEXT)
    await stream.end()
    await anext(stream)  # the consumer reads one event, then never again (and never aclose())
    await eventually(lambda: stream.buffered_audio_bytes >= 2 * 1920)
    await clock.advance(29.0)
    assert not stream.done
    await clock.advance(1.0)  # consumer_s: the request is abandoned and its socket freed
    async with timeout(5):
        after = await speak(client, "Next.")  # the only socket came back
    assert len(after.audio) == tone_bytes("Next.")
    leftover = await drain(stream)
    assert leftover.end.reason is EndReason.ERROR
    assert leftover.error is not None
    assert "consumer timed out" in leftover.error.message


async def test_ttfb_is_measured_to_the_first_audio_yielded(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(pacing=Pacing(first_audio_ms=50, per_char_ms=0))
    hooks = Timing()
    client = await client_factory(emulator, hooks=hooks)
    outcome = await speak(client, "Measure me.")
    metric = outcome.events[1]
    assert isinstance(metric, Metric)
    assert metric.name == "ttfb"
    assert metric.value >= 50  # the emulator held the first audio back for 50 ms
    assert hooks.ttfb == [metric.value / 1000.0]
    assert len(hooks.first_token) == 1
    assert hooks.first_token[0] >= hooks.ttfb[0]  # the first push came before the first Speak
    assert hooks.audio_bytes == len(outcome.audio)


async def test_a_queued_request_that_is_interrupted_leaves_the_queue_at_once(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(pacing=SLOW)
    client = await client_factory(
        emulator, limits={"pool_size": 1}, timeouts={"close_s": 30, "stall_s": 30}
    )
    first = client.stream("first")
    await first.push(TEXT)
    await first.end()
    queued = client.stream("queued")
    await queued.push("Never spoken.")
    await queued.end()
    await eventually(lambda: client.state.queued_requests == 1)
    async with timeout(2):  # far below close_s: nothing waits for a socket
        await queued.interrupt()
        await queued.aclose()
    assert client.state.queued_requests == 0
    assert (await drain(queued)).kinds == ["AudioEnd"]
    await first.interrupt()
    await first.aclose()


async def test_push_waits_while_too_much_text_is_unsent(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(pacing=SLOW)
    client = await client_factory(
        emulator, limits={"pool_size": 1, "max_pending_chars": 40}, timeouts={"stall_s": 30}
    )
    busy = client.stream()
    await busy.push(TEXT)
    await busy.end()
    waiting = client.stream()  # no socket for it: its text stays unsent
    await waiting.push("x" * 30 + " ")
    pushing = asyncio.create_task(waiting.push("y" * 30 + "."))
    for _ in range(20):
        await asyncio.sleep(0)  # let it run as far as it can
    assert not pushing.done()  # over the bound: push waits
    await busy.interrupt()  # the socket frees up, the text is sent, push returns
    async with timeout(5):
        await pushing
        await waiting.end()
        outcome = await drain(waiting)
    outcome.check_grammar()
    assert outcome.end.reason is EndReason.COMPLETED


async def test_aclose_does_not_wait_for_a_slow_handshake(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults={"faults": [{"kind": "delay_handshake", "delay_ms": 3000, "connections": 1}]}
    )
    client = await client_factory(
        emulator, limits={"prewarm": 0}, timeouts={"close_s": 0.1, "connect_s": 10}
    )
    stream = client.stream()
    await stream.push(TEXT)
    await stream.end()
    await eventually(lambda: emulator.total_connections == 1)  # the handshake hangs
    async with timeout(1):
        await stream.aclose()  # the driver gets close_s, then is cancelled mid-handshake
    assert (await drain(stream)).end.reason is EndReason.INTERRUPTED
    after = await speak(client, "Clean.")
    assert len(after.audio) == tone_bytes("Clean.")

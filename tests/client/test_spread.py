"""Long text spread over several sockets at once, audio in order (issue #12 item 3)."""

from __future__ import annotations

import asyncio

from deepgram_tts2.client.events import AudioChunk, EndReason
from deepgram_tts2.client.spread import pieces_of
from deepgram_tts2.timing import FakeClock
from tests.client.conftest import ClientFactory, Outcome, drain, speak
from tests.conftest import EmulatorFactory, within

SENTENCES = [f"Sentence number {i} of a long article, spoken in order." for i in range(120)]
ARTICLE = " ".join(SENTENCES)  # about 6,700 characters: three sockets' worth of a minute


async def test_a_long_text_is_spoken_on_several_sockets_without_waiting_for_budget(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    """On a frozen (fake) clock a per-socket budget never refills: only spreading the text
    over sockets lets it finish, and each socket stays within Deepgram's 2400 per minute."""
    emulator = await emulator_factory()  # enforces 2400 characters per 60 s per socket
    clock = FakeClock()
    client = await client_factory(emulator, clock=clock, limits={"pool_size": 4})
    pieces = pieces_of(ARTICLE, 2000)
    assert len(pieces) == 4
    outcome = await within(drain_long(client, ARTICLE), 60)
    outcome.check_grammar()
    assert outcome.end.reason is EndReason.COMPLETED
    assert emulator.total_connections >= 3  # spread, not queued on one socket
    assert outcome.kinds == ["AudioStart", "Metric", "AudioChunk", "AudioEnd"]


async def test_the_audio_is_the_pieces_spoken_in_order(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory()
    client = await client_factory(emulator, limits={"pool_size": 4})
    spread = await drain_long(client, ARTICLE)
    alone = b""
    for piece in pieces_of(ARTICLE, 2000):  # each piece alone, on a fresh socket of its own
        reference = await client_factory(emulator, limits={"pool_size": 1})
        alone += (await speak(reference, piece)).audio
    assert spread.audio == alone
    assert spread.end.audio_bytes == len(alone)


async def test_memory_stays_bounded_while_a_slow_consumer_reads(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory()
    bound = 64 * 1024
    client = await client_factory(emulator, limits={"pool_size": 4, "audio_queue_bytes": bound})
    stream = client.long_stream()
    await stream.push(ARTICLE)
    await stream.end()
    largest = 0
    async for event in stream:
        largest = max(largest, client.state.buffered_audio_bytes)
        if isinstance(event, AudioChunk):
            for _ in range(3):
                await clock_tick()
    assert largest <= 4 * (bound + 8192)  # each waiting piece: its bound plus one frame


async def test_an_interrupt_stops_every_piece(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory()
    client = await client_factory(emulator, limits={"pool_size": 4})
    stream = client.long_stream()
    await stream.push(ARTICLE)
    await stream.end()
    outcome = Outcome()
    async for event in stream:
        outcome.events.append(event)
        if isinstance(event, AudioChunk) and len(outcome.audio) > 100_000:
            await stream.interrupt()
    await stream.aclose()
    outcome.check_grammar()
    assert outcome.end.reason is EndReason.INTERRUPTED
    after = await speak(client, "Next.")
    assert after.end.reason is EndReason.COMPLETED


async def test_a_failing_piece_ends_the_request_with_its_error(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    bad = {"kind": "send_error", "err_code": "E9", "err_msg": "boom", "after_audio_bytes": 4800}
    emulator = await emulator_factory(faults={"faults": [{**bad, "connections": 1}]})
    client = await client_factory(emulator, transport="websocket", limits={"pool_size": 4})
    outcome = await drain_long(client, ARTICLE)
    outcome.check_grammar()
    assert outcome.end.reason is EndReason.ERROR
    assert outcome.error is not None


async def drain_long(client: object, text: str) -> Outcome:
    stream = client.long_stream()  # type: ignore[attr-defined]
    await stream.push(text)
    await stream.end()
    outcome = await drain(stream)
    await stream.aclose()
    return outcome


async def clock_tick() -> None:
    await asyncio.sleep(0)

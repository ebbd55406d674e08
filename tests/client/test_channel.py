"""The byte-bounded event channel: backpressure in bytes, one final event, interrupt discards."""

from __future__ import annotations

import asyncio

from deepgram_tts2.client.channel import EventChannel
from deepgram_tts2.client.events import (
    AudioChunk,
    AudioEnd,
    AudioStart,
    EndReason,
    Metric,
    Transport,
)
from deepgram_tts2.protocol.audio import Encoding, PcmFormat

FMT = PcmFormat(Encoding.LINEAR16, 24000)


def end(reason: EndReason = EndReason.COMPLETED) -> AudioEnd:
    return AudioEnd("r", reason, 0.0, 0.0, 0, None)


def chunk(n: int = 4) -> AudioChunk:
    return AudioChunk("r", b"\0" * n)


async def test_full_counts_bytes_not_events() -> None:
    channel = EventChannel(10)
    for _ in range(5):
        channel.put(Metric("r", "x", 1.0))  # control events cost nothing
    assert not channel.full
    channel.put(chunk(6))
    assert not channel.full
    channel.put(chunk(6))  # one frame past the bound is taken whole, never split
    assert channel.full
    assert channel.queued_bytes == 12


async def test_room_waits_until_the_consumer_takes_audio() -> None:
    channel = EventChannel(8)
    channel.put(chunk(8))
    waiter = asyncio.ensure_future(channel.room())
    await asyncio.sleep(0)
    assert not waiter.done()  # the reader would wait here: backpressure
    assert isinstance(await channel.get(), AudioChunk)
    await asyncio.wait_for(waiter, 1)
    assert channel.queued_bytes == 0


async def test_room_is_at_once_when_not_full() -> None:
    channel = EventChannel(8)
    channel.put(chunk(4))
    await asyncio.wait_for(channel.room(), 1)


async def test_finish_appends_the_final_event_once_and_refuses_puts() -> None:
    channel = EventChannel(8)
    channel.put(chunk())
    assert channel.finish(end())
    assert not channel.finish(end(EndReason.ERROR))
    assert not channel.put(chunk(6))
    assert channel.dropped_bytes == 6
    assert isinstance(await channel.get(), AudioChunk)
    final = await channel.get()
    assert isinstance(final, AudioEnd)
    assert final.reason is EndReason.COMPLETED
    assert await channel.get() is None


async def test_finish_unblocks_a_waiting_producer() -> None:
    channel = EventChannel(4)
    channel.put(chunk(4))
    waiter = asyncio.ensure_future(channel.room())
    await asyncio.sleep(0)
    channel.finish(end(EndReason.INTERRUPTED), discard_audio=True)
    await asyncio.wait_for(waiter, 1)
    assert not channel.full


async def test_a_waiting_consumer_gets_the_next_event() -> None:
    channel = EventChannel(4)
    getter = asyncio.ensure_future(channel.get())
    await asyncio.sleep(0)
    assert not getter.done()
    channel.put(chunk(2))
    event = await asyncio.wait_for(getter, 1)
    assert isinstance(event, AudioChunk)


async def test_interrupt_discards_audio_and_its_unyielded_announcement() -> None:
    channel = EventChannel(64)
    channel.put(AudioStart("r", Transport.WEBSOCKET, FMT))
    channel.put(Metric("r", "ttfb", 0.0))
    channel.put(chunk(10))
    channel.finish(end(EndReason.INTERRUPTED), discard_audio=True)
    assert channel.dropped_bytes == 10
    assert channel.queued_bytes == 0
    final = await channel.get()
    assert isinstance(final, AudioEnd)
    assert await channel.get() is None


async def test_interrupt_keeps_an_announcement_already_under_way() -> None:
    channel = EventChannel(64)
    channel.put(AudioStart("r", Transport.WEBSOCKET, FMT))
    channel.put(Metric("r", "ttfb", 0.0))
    channel.put(chunk(10))
    assert isinstance(await channel.get(), AudioStart)  # the consumer saw the start
    channel.finish(end(EndReason.INTERRUPTED), discard_audio=True)
    assert isinstance(await channel.get(), Metric)
    assert isinstance(await channel.get(), AudioEnd)


async def test_a_cut_after_the_end_drops_audio_and_turns_completed_into_interrupted() -> None:
    channel = EventChannel(64)
    channel.put(chunk(10))
    channel.finish(end())
    assert channel.cut()
    final = await channel.get()
    assert isinstance(final, AudioEnd)
    assert final.reason is EndReason.INTERRUPTED
    assert channel.dropped_bytes == 10


async def test_a_cut_keeps_an_error_end() -> None:
    channel = EventChannel(64)
    channel.put(chunk(10))
    channel.finish(end(EndReason.ERROR))
    channel.cut()
    final = await channel.get()
    assert isinstance(final, AudioEnd)
    assert final.reason is EndReason.ERROR

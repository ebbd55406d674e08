"""The bounded event channel: backpressure, one final event, interrupt discards."""

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


async def test_put_waits_while_full_and_resumes_when_the_consumer_takes() -> None:
    channel = EventChannel(2)
    assert await channel.put(chunk())
    assert await channel.put(chunk())
    assert channel.full
    blocked = asyncio.create_task(channel.put(chunk()))
    await asyncio.sleep(0.01)
    assert not blocked.done()
    assert len(channel) == 2  # never more than the capacity
    await channel.get()
    assert await asyncio.wait_for(blocked, 1)
    assert len(channel) == 2


async def test_finish_appends_the_final_event_once_and_refuses_puts() -> None:
    channel = EventChannel(4)
    await channel.put(chunk())
    assert channel.finish(end())
    assert not channel.finish(end(EndReason.ERROR))
    assert not await channel.put(chunk(6))
    assert channel.dropped_bytes == 6
    assert await channel.get() == chunk()
    assert await channel.get() == end()
    assert await channel.get() is None
    assert not channel.full


async def test_finish_unblocks_a_waiting_producer() -> None:
    channel = EventChannel(1)
    await channel.put(chunk())
    blocked = asyncio.create_task(channel.put(chunk()))
    await asyncio.sleep(0.01)
    channel.finish(end(EndReason.INTERRUPTED), discard_audio=True)
    assert not await asyncio.wait_for(blocked, 1)


async def test_interrupt_discards_audio_and_its_unyielded_announcement() -> None:
    channel = EventChannel(8)
    start = AudioStart("r", Transport.WEBSOCKET, FMT)
    for event in (start, Metric("r", "ttfb", 0.0), chunk(), chunk()):
        await channel.put(event)
    channel.finish(end(EndReason.INTERRUPTED), discard_audio=True)
    assert channel.dropped_bytes == 8
    assert channel.audio_queued() == 0
    assert await channel.get() == end(EndReason.INTERRUPTED)
    assert await channel.get() is None


async def test_interrupt_keeps_an_announcement_already_under_way() -> None:
    channel = EventChannel(8)
    start = AudioStart("r", Transport.WEBSOCKET, FMT)
    for event in (start, Metric("r", "ttfb", 0.0), chunk()):
        await channel.put(event)
    assert isinstance(await channel.get(), AudioStart)  # the consumer saw AudioStart
    channel.finish(end(EndReason.INTERRUPTED), discard_audio=True)
    assert isinstance(await channel.get(), Metric)  # grammar: AudioStart -> Metric -> AudioEnd
    assert isinstance(await channel.get(), AudioEnd)

"""The in-memory phrase cache: only committed audio is stored, the byte bound always holds,
LRU eviction, TTL by a fake clock, the policy, pre-warming."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepgram_tts2.exceptions import ConnectionLostError
from deepgram_tts2.fleet import (
    CacheOptions,
    CachePolicy,
    FleetOptions,
    MemoryPhraseCache,
    PhraseKey,
    create_cache,
    prewarm,
)
from deepgram_tts2.protocol.v1.url import SpeakParams
from tests.fleet.conftest import FakeClock

PARAMS = SpeakParams(model="aura-2-thalia-en")


def key(text: str) -> PhraseKey:
    return PhraseKey.for_v1(PARAMS, text)


async def store(cache: MemoryPhraseCache, text: str, audio: bytes) -> bool:
    async with cache.writer(key(text)) as writer:
        writer.append(audio)
        return await writer.commit()


async def test_committed_audio_is_served_whole(clock: FakeClock) -> None:
    cache = MemoryPhraseCache(1000, clock=clock)
    async with cache.writer(key("Hello.")) as writer:
        for chunk in (b"ab", b"cd", b"ef"):
            writer.append(chunk)
        assert await writer.commit()
    hit = await cache.get(key("  Hello. "))
    assert hit is not None
    assert hit.audio == b"abcdef"
    assert cache.stats().hits == 1


async def test_an_aborted_writer_leaves_no_entry(clock: FakeClock) -> None:
    cache = MemoryPhraseCache(1000, clock=clock)
    writer = cache.writer(key("Interrupted."))
    writer.append(b"partial audio")
    writer.abort()
    assert not await writer.commit()  # a commit after abort stores nothing
    assert await cache.get(key("Interrupted.")) is None
    assert cache.stats().entries == 0


async def test_leaving_the_block_without_commit_or_by_an_error_stores_nothing(
    clock: FakeClock,
) -> None:
    cache = MemoryPhraseCache(1000, clock=clock)
    async with cache.writer(key("No end.")) as writer:
        writer.append(b"audio before the socket broke")

    async def broken_request() -> None:
        async with cache.writer(key("Broken.")) as writer:
            writer.append(b"audio")
            raise ConnectionLostError("socket closed mid-request")

    with pytest.raises(ConnectionLostError):
        await broken_request()
    assert cache.stats().entries == 0
    assert cache.stats().bytes == 0


async def test_a_cancelled_request_stores_nothing(clock: FakeClock) -> None:
    cache = MemoryPhraseCache(1000, clock=clock)
    started = asyncio.Event()

    async def request() -> None:
        async with cache.writer(key("Cancelled.")) as writer:
            writer.append(b"some audio")
            started.set()
            await asyncio.Event().wait()
            await writer.commit()  # pragma: no cover - never reached

    task = asyncio.ensure_future(request())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await cache.get(key("Cancelled.")) is None


async def test_audio_over_the_entry_bound_is_not_stored(clock: FakeClock) -> None:
    cache = MemoryPhraseCache(100, max_entry_bytes=10, clock=clock)
    async with cache.writer(key("Long.")) as writer:
        writer.append(b"123456")
        writer.append(b"789012")  # 12 > 10
        assert writer.overflowed
        assert not await writer.commit()
    assert cache.stats().entries == 0


async def test_least_recently_used_is_evicted_first(clock: FakeClock) -> None:
    cache = MemoryPhraseCache(30, clock=clock)
    for text in ("a", "b", "c"):
        assert await store(cache, text, text.encode() * 10)
    assert await cache.get(key("a")) is not None  # "a" is now the most recently used
    assert await store(cache, "d", b"d" * 10)
    assert await cache.get(key("b")) is None
    for text in ("a", "c", "d"):
        assert await cache.contains(key(text))
    assert cache.stats().evictions == 1


async def test_entries_unused_for_the_ttl_expire(clock: FakeClock) -> None:
    cache = MemoryPhraseCache(100, ttl_s=10.0, clock=clock)
    await store(cache, "a", b"aaaa")
    await store(cache, "b", b"bbbb")
    await clock.advance(6)
    assert await cache.get(key("a")) is not None  # used: its TTL starts again
    await clock.advance(6)
    assert await cache.get(key("b")) is None
    assert await cache.get(key("a")) is not None
    assert cache.stats().expirations == 1
    assert cache.stats().bytes == 4


@settings(max_examples=80, deadline=None)
@given(
    bound=st.integers(1, 200),
    entry=st.one_of(st.none(), st.integers(1, 200)),
    ops=st.lists(st.tuples(st.integers(0, 15), st.integers(1, 120), st.booleans()), max_size=60),
)
def test_the_byte_bound_always_holds(
    bound: int, entry: int | None, ops: list[tuple[int, int, bool]]
) -> None:
    async def scenario() -> None:
        clock = FakeClock()
        cache = MemoryPhraseCache(bound, max_entry_bytes=entry, clock=clock)
        for name, size, commit in ops:
            audio = bytes([name]) * size
            async with cache.writer(key(f"phrase {name}")) as writer:
                writer.append(audio[: size // 2])
                writer.append(audio[size // 2 :])
                if commit:
                    await writer.commit()
            stats = cache.stats()
            assert stats.bytes <= bound
            held = 0
            for other in range(16):
                hit = await cache.get(key(f"phrase {other}"))
                if hit is not None:
                    assert hit.audio[0] == other  # never another phrase's or partial audio
                    assert len(hit.audio) <= min(entry or bound, bound)
                    held += len(hit.audio)
            assert held == cache.stats().bytes

    asyncio.run(scenario())


def test_policy_caches_short_and_listed_phrases_only() -> None:
    policy = CachePolicy(max_chars=10, phrases=["One moment, please, let me check."])
    assert policy.cacheable("Hi there.")
    assert policy.cacheable("  One   moment, please, let me check. ")
    assert not policy.cacheable("A sentence well over ten characters.")
    assert not policy.cacheable("   ")
    off = CachePolicy.from_options(CacheOptions(backend="off", max_chars=100))
    assert not off.cacheable("Hi.")
    default = CachePolicy.from_options(CacheOptions())
    assert not default.cacheable("Hi.")  # opt-in: nothing is cached by default


def test_create_cache_follows_the_options() -> None:
    assert create_cache(FleetOptions(cache=CacheOptions(backend="off"))) is None
    cache = create_cache(FleetOptions(cache=CacheOptions(max_bytes=123)))
    assert isinstance(cache, MemoryPhraseCache)
    assert cache.max_bytes == 123


async def test_prewarm_stores_complete_audio_only(clock: FakeClock) -> None:
    cache = MemoryPhraseCache(10_000, clock=clock)
    await store(cache, "Already here.", b"x")

    async def synthesize(text: str) -> AsyncIterator[bytes]:
        yield b"first half "
        if "fail" in text:
            raise ConnectionLostError("socket closed mid-request")
        yield b"second half"

    report = await prewarm(cache, ["Hello.", "This will fail.", "Already here."], key, synthesize)
    assert (report.stored, report.present, report.failed) == (1, 1, 1)
    hit = await cache.get(key("Hello."))
    assert hit is not None
    assert hit.audio == b"first half second half"
    assert await cache.get(key("This will fail.")) is None

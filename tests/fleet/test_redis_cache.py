"""The shared phrase cache on a real redis-server: shared across processes, only committed
audio, the byte cap enforced by the server, TTL by an injected clock, an outage is a miss."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable

import pytest
import redis.asyncio as aioredis

from deepgram_tts2.fleet import FleetOptions, PhraseKey
from deepgram_tts2.fleet.redis_cache import RedisPhraseCache
from deepgram_tts2.fleet.redis_conn import CacheKeys
from deepgram_tts2.protocol.v1.url import SpeakParams
from tests.fleet.conftest import PASSWORD, FakeClock, RedisServer, free_port, spawn, within

Factory = Callable[..., RedisPhraseCache]


def key(text: str) -> PhraseKey:
    return PhraseKey.for_v1(SpeakParams(), text)


def options(url: str, project: str, **cache: object) -> FleetOptions:
    return FleetOptions.model_validate(
        {"redis_url": url, "project": project, "cache": {"backend": "redis", **cache}}
    )


@pytest.fixture
async def caches(redis_server: RedisServer, project: str) -> AsyncIterator[Factory]:
    made: list[RedisPhraseCache] = []

    def make(clock: FakeClock | None = None, **cache: object) -> RedisPhraseCache:
        instance = RedisPhraseCache(
            options(redis_server.url, project, **cache),
            clock=clock,
            fleet_time=None if clock is None else clock.now,
        )
        made.append(instance)
        return instance

    yield make
    for instance in made:
        await instance.aclose()


async def put(cache: RedisPhraseCache, text: str, audio: bytes) -> bool:
    async with cache.writer(key(text)) as writer:
        writer.append(audio)
        return await writer.commit()


async def server_bytes(client: aioredis.Redis, project: str) -> tuple[int, int]:
    """(bytes the meta counter says, bytes really stored)."""
    keys = CacheKeys.of(FleetOptions(project=project))
    counted = int(await client.hget(keys.meta, "bytes") or 0)
    real = 0
    for field in await client.hkeys(keys.data):
        real += int(await client.hstrlen(keys.data, field))
    return counted, real


async def test_audio_stored_by_one_process_is_a_hit_in_another(
    redis_server: RedisServer, project: str, caches: Factory
) -> None:
    dumped = options(redis_server.url, project).model_dump(mode="json")
    dumped["redis_url"] = redis_server.url
    proc = spawn("cache_put", {"options": dumped, "text": "Welcome back!", "audio": "\x00\x01PCM"})
    out, err = await asyncio.to_thread(proc.communicate, timeout=60)
    assert proc.returncode == 0, err
    assert json.loads(out)["stored"] is True
    hit = await within(caches().get(key("Welcome  back!")))
    assert hit is not None
    assert hit.audio == b"\x00\x01PCM"


async def test_an_aborted_writer_leaves_nothing_in_redis(
    caches: Factory, project: str, raw_redis: aioredis.Redis
) -> None:
    cache = caches()
    writer = cache.writer(key("Interrupted."))
    writer.append(b"partial")
    writer.abort()
    assert not await writer.commit()
    async with cache.writer(key("No commit.")) as other:
        other.append(b"partial")
    keys = CacheKeys.of(FleetOptions(project=project))
    assert await raw_redis.hlen(keys.data) == 0
    assert await raw_redis.zcard(keys.index) == 0
    assert await cache.get(key("Interrupted.")) is None


async def test_the_byte_cap_is_enforced_on_the_server_across_processes(
    caches: Factory, project: str, raw_redis: aioredis.Redis
) -> None:
    a, b = caches(max_bytes=1000), caches(max_bytes=1000)
    for n in range(30):
        assert await put(a if n % 2 else b, f"phrase {n}", bytes([n]) * (50 + n * 7))
        counted, real = await server_bytes(raw_redis, project)
        assert counted == real
        assert real <= 1000
    assert a.stats().evictions + b.stats().evictions > 0
    assert (await a.get(key("phrase 29"))) is not None  # the newest survive
    assert (await a.get(key("phrase 0"))) is None  # the oldest went first
    assert a.stats().bytes <= 1000


async def test_lru_order_is_fleet_wide(caches: Factory) -> None:
    a, b = caches(max_bytes=300), caches(max_bytes=300)
    for text in ("one", "two", "three"):
        await put(a, text, text.encode() * (100 // len(text)))
    assert await b.get(key("one")) is not None  # used by another process: now the newest
    await put(b, "four", b"4" * 100)
    assert await a.contains(key("one"))
    assert not await a.contains(key("two"))


async def test_entries_unused_for_the_ttl_expire_by_the_fleet_clock(
    caches: Factory, project: str, raw_redis: aioredis.Redis
) -> None:
    clock = FakeClock()
    cache = caches(clock=clock, ttl_s=60.0)
    await put(cache, "old", b"o" * 10)
    await put(cache, "used", b"u" * 10)
    await clock.advance(40)
    assert await cache.get(key("used")) is not None  # renews its TTL
    await clock.advance(30)
    assert await cache.get(key("old")) is None
    assert await cache.get(key("used")) is not None
    assert await server_bytes(raw_redis, project) == (10, 10)


async def test_concurrent_stores_of_one_phrase_are_counted_once(
    caches: Factory, project: str, raw_redis: aioredis.Redis
) -> None:
    a, b = caches(), caches()
    results = await asyncio.gather(put(a, "Same.", b"x" * 64), put(b, "Same.", b"x" * 64))
    assert sorted(results) == [False, True]
    assert await server_bytes(raw_redis, project) == (64, 64)


async def test_unreachable_redis_is_a_miss_and_stores_nothing(
    project: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="deepgram_tts2")
    url = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"
    cache = RedisPhraseCache(options(url, project))
    try:
        assert await within(cache.get(key("Hello."))) is None
        assert not await within(put(cache, "Hello.", b"audio"))
        assert await within(cache.get(key("Hello."))) is None
        assert not await within(cache.contains(key("Hello.")))
    finally:
        await cache.aclose()
    assert cache.stats().misses == 2
    assert cache.stats().errors >= 1
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert all(PASSWORD not in r.getMessage() for r in caplog.records)
    assert PASSWORD not in repr(cache)

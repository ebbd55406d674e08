"""The phrase cache shared by the fleet, on Redis.

Layout (one hash tag per project, so one cluster slot): a hash ``data`` (digest -> audio), a
sorted set ``index`` (digest -> expiry in microseconds; renewed on every hit, so the lowest
score is also the least recently used entry) and a hash ``meta`` (``bytes`` held,
``evictions``). Every get and store is one script: expired entries are dropped, and a store
evicts least recently used entries until the audio bytes held are within ``max_bytes``. The
bound is exact on the audio payload and enforced on the server for the whole fleet (Redis's
own per-field overhead comes on top). None of these keys carries a Redis TTL: expiry is the
scripts' job, so a ``maxmemory-policy`` of ``noeviction`` or any ``volatile-*`` never touches
them.

An unreachable Redis (or one refusing writes) never fails a request: a lookup is a miss and a
commit stores nothing; one warning per outage, then Redis is retried after a doubling pause.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from deepgram_tts2.fleet import lua
from deepgram_tts2.fleet.cache import CachedAudio, CacheStats, CacheWriter
from deepgram_tts2.fleet.clock import Clock, LoopClock
from deepgram_tts2.fleet.metrics import SafeFleetHooks
from deepgram_tts2.fleet.options import FleetOptions
from deepgram_tts2.fleet.phrase_key import PhraseKey
from deepgram_tts2.fleet.redis_conn import REDIS_ERRORS, CacheKeys, RedisTarget

log = logging.getLogger("deepgram_tts2.fleet")
_FOREVER_US = 100 * 365 * 24 * 3600 * 1_000_000


class RedisPhraseCache:
    """Fleet-wide :class:`~deepgram_tts2.fleet.cache.PhraseCache`.

    Args:
        options: ``redis_url``, ``project`` and ``cache`` settings.
        clock: for the pause after a failure (default: the running loop's).
        hooks: metrics hooks (see :mod:`deepgram_tts2.fleet.metrics`).
        fleet_time: seconds for expiry, passed to the scripts; None (recommended) uses
            Redis's clock. Tests inject a fake clock here.
    """

    def __init__(
        self,
        options: FleetOptions,
        *,
        clock: Clock | None = None,
        hooks: object | None = None,
        fleet_time: Callable[[], float] | None = None,
    ) -> None:
        self._options = options.cache
        self._target = RedisTarget(options)
        self._keys = CacheKeys.of(options)
        self._clock: Clock = clock or LoopClock()
        self._hooks = SafeFleetHooks(hooks)
        self._fleet_time = fleet_time
        self._redis: Any = None
        self._scripts: dict[str, Any] = {}
        self._down_until: float | None = None
        self._pause_s = 0.0
        self._counts = dict.fromkeys(
            ("hits", "misses", "stores", "rejected", "evictions", "errors"), 0
        )
        self._bytes = 0
        self._entries = 0

    @property
    def max_entry_bytes(self) -> int:
        """Longest audio stored for one phrase."""
        return min(self._options.max_entry_bytes, self._options.max_bytes)

    def _client(self) -> Any:
        if self._redis is None:
            self._redis = self._target.client()
            for name, source in (
                ("get", lua.CACHE_GET),
                ("put", lua.CACHE_PUT),
                ("contains", lua.CACHE_CONTAINS),
            ):
                self._scripts[name] = self._redis.register_script(source)
        return self._redis

    def _available(self) -> bool:
        return self._down_until is None or self._clock.now() >= self._down_until

    def _failed(self, exc: BaseException) -> None:
        self._counts["errors"] += 1
        self._hooks.on_fleet_redis_error("cache")
        if self._down_until is None:
            log.warning(
                "phrase cache: Redis at %s is unreachable (%s); lookups miss and nothing is "
                "stored until it answers again",
                self._target.redacted,
                self._target.describe(exc),
            )
            self._pause_s = 0.5
        else:
            self._pause_s = min(self._pause_s * 2, 30.0)
        self._down_until = self._clock.now() + self._pause_s

    def _succeeded(self) -> None:
        if self._down_until is not None:
            log.info("phrase cache: Redis at %s answers again", self._target.redacted)
            self._down_until = None

    async def _call(self, name: str, args: list[Any]) -> Any:
        keys = self._keys
        self._client()
        return await self._scripts[name](keys=[keys.index, keys.data, keys.meta], args=args)

    async def get(self, key: PhraseKey) -> CachedAudio | None:
        """See :meth:`~deepgram_tts2.fleet.cache.PhraseCache.get` (a miss while unreachable)."""
        reply = None
        if self._available():
            try:
                reply = await self._call("get", [self._now_us(), self._ttl_us(), key.digest])
                self._succeeded()
            except REDIS_ERRORS as exc:
                self._failed(exc)
        if reply is not None:
            self._seen(int(reply[1]), int(reply[2]))
        if reply is None or int(reply[0]) != 1:
            self._counts["misses"] += 1
            self._hooks.on_fleet_cache_lookup("miss")
            return None
        self._counts["hits"] += 1
        self._hooks.on_fleet_cache_lookup("hit")
        return CachedAudio(key, bytes(reply[3]))

    async def contains(self, key: PhraseKey) -> bool:
        """See :meth:`~deepgram_tts2.fleet.cache.PhraseCache.contains` (False while down)."""
        if not self._available():
            return False
        try:
            self._client()
            keys = self._keys
            found = await self._scripts["contains"](
                keys=[keys.index, keys.data], args=[self._now_us(), key.digest]
            )
            self._succeeded()
        except REDIS_ERRORS as exc:
            self._failed(exc)
            return False
        return int(found) == 1

    def writer(self, key: PhraseKey) -> CacheWriter:
        """See :meth:`~deepgram_tts2.fleet.cache.PhraseCache.writer`."""
        return CacheWriter(key, self.max_entry_bytes, self._store)

    async def _store(self, key: PhraseKey, audio: bytes) -> bool:
        if not self._available():
            return False
        args = [self._now_us(), self._ttl_us(), self._options.max_bytes, key.digest, audio]
        try:
            reply = await self._call("put", args)
            self._succeeded()
        except REDIS_ERRORS as exc:
            self._failed(exc)
            return False
        status, held, entries, evicted = (int(x) for x in reply[:4])
        self._seen(held, entries)
        if evicted:
            self._counts["evictions"] += evicted
            self._hooks.on_fleet_cache_evictions(evicted)
        if status == 1:
            self._counts["stores"] += 1
            self._hooks.on_fleet_cache_store(len(audio))
            return True
        if status < 0:
            self._counts["rejected"] += 1
        return False

    def _seen(self, held: int, entries: int) -> None:
        if (held, entries) != (self._bytes, self._entries):
            self._bytes, self._entries = held, entries
            self._hooks.on_fleet_cache_size(held, entries)

    def _now_us(self) -> int:
        return 0 if self._fleet_time is None else max(1, int(self._fleet_time() * 1_000_000))

    def _ttl_us(self) -> int:
        ttl = self._options.ttl_s
        return _FOREVER_US if ttl is None else max(1, int(ttl * 1_000_000))

    def stats(self) -> CacheStats:
        """See :meth:`~deepgram_tts2.fleet.cache.PhraseCache.stats`; bytes and entries are
        fleet-wide, as last seen."""
        return CacheStats(**self._counts, bytes=self._bytes, entries=self._entries)

    async def aclose(self) -> None:
        """Close the connections (the shared entries stay)."""
        if self._redis is not None:
            with contextlib.suppress(*REDIS_ERRORS):
                await self._redis.aclose()
            self._redis = None

    def __repr__(self) -> str:
        return f"RedisPhraseCache({self._target.redacted}, max_bytes={self._options.max_bytes})"

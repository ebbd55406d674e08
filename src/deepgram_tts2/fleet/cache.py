"""The phrase cache: complete audio of short, repeated phrases, served without Deepgram.

Only complete, successful audio is ever stored, and that is structural: audio goes into a
:class:`CacheWriter`, which buffers it privately; nothing reaches the cache until
:meth:`CacheWriter.commit` is called, and the caller calls it only when the request ended
``completed`` without an error. Leaving the writer's ``async with`` block without committing
(an interruption, an error, an exception, a cancelled task) discards the buffer. The store
itself is one step (a dict insert; one Redis script), so no reader ever sees part of an entry::

    key = PhraseKey.for_v1(options.speak_params(), text)
    if (hit := await cache.get(key)) is not None:
        ...  # serve hit.audio
    async with cache.writer(key) as writer:
        async for event in stream:
            if isinstance(event, AudioChunk):
                writer.append(event.data)
            elif isinstance(event, AudioEnd) and event.reason is EndReason.COMPLETED and ok:
                await writer.commit()

:class:`MemoryPhraseCache` (the default) is a per-process LRU bounded in audio bytes;
:class:`~deepgram_tts2.fleet.redis_cache.RedisPhraseCache` is shared by the fleet.
:class:`CachePolicy` says which texts are cacheable.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from deepgram_tts2.fleet.clock import Clock, LoopClock
from deepgram_tts2.fleet.metrics import SafeFleetHooks
from deepgram_tts2.fleet.options import CacheOptions
from deepgram_tts2.fleet.phrase_key import PhraseKey, normalise_text


@dataclass(frozen=True)
class CachedAudio:
    """A hit: the complete audio of a phrase, in the key's encoding and sample rate."""

    key: PhraseKey
    audio: bytes


@dataclass(frozen=True)
class CacheStats:
    """Counters of one cache object (bytes and entries: what the cache holds, as last seen;
    fleet-wide for the Redis cache)."""

    hits: int = 0
    misses: int = 0
    stores: int = 0
    rejected: int = 0  # complete audio not stored: larger than the per-entry or total bound
    evictions: int = 0
    expirations: int = 0
    errors: int = 0
    bytes: int = 0
    entries: int = 0


class CacheWriter:
    """Collects one phrase's audio; stores it only on :meth:`commit` (see the module docstring).

    Args:
        key: the phrase.
        max_bytes: audio longer than this is not stored (the writer keeps no more of it).
        store: how a committed buffer is stored; answers whether it was.
    """

    def __init__(
        self, key: PhraseKey, max_bytes: int, store: Callable[[PhraseKey, bytes], Awaitable[bool]]
    ) -> None:
        self.key = key
        self._max = max_bytes
        self._store = store
        self._chunks: list[bytes] = []
        self._size = 0
        self._overflow = False
        self._done = False

    @property
    def size(self) -> int:
        """Bytes collected so far."""
        return self._size

    @property
    def overflowed(self) -> bool:
        """True once the audio outgrew ``max_bytes`` (it will not be stored)."""
        return self._overflow

    @property
    def done(self) -> bool:
        """True once committed or aborted."""
        return self._done

    def append(self, chunk: bytes) -> None:
        """Add audio. Ignored once committed or aborted, or past ``max_bytes``."""
        if self._done or self._overflow or not chunk:
            return
        if self._size + len(chunk) > self._max:
            self._overflow = True
            self._chunks.clear()
            return
        self._chunks.append(bytes(chunk))
        self._size += len(chunk)

    async def commit(self) -> bool:
        """Store the audio: call only after the request completed successfully.

        Returns:
            True when stored now (False: empty, too large, already there, committed or
            aborted before, or the store is unavailable).
        """
        if self._done:
            return False
        self._done = True
        if self._overflow or self._size == 0:
            return False
        audio = b"".join(self._chunks)
        self._chunks.clear()
        return await self._store(self.key, audio)

    def abort(self) -> None:
        """Discard everything collected; nothing will be stored."""
        self._done = True
        self._chunks.clear()
        self._size = 0

    async def __aenter__(self) -> CacheWriter:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if not self._done:
            self.abort()


class PhraseCache(Protocol):
    """What the stream and REST paths use."""

    async def get(self, key: PhraseKey) -> CachedAudio | None:
        """The complete audio of ``key``, or None (counted as a hit or a miss)."""

    async def contains(self, key: PhraseKey) -> bool:
        """True when ``key`` is stored (not counted, not touched)."""

    def writer(self, key: PhraseKey) -> CacheWriter:
        """A writer whose commit stores ``key``'s audio."""

    def stats(self) -> CacheStats:
        """The counters."""

    async def aclose(self) -> None:
        """Release resources (connections); the cache is unusable afterwards."""


class CachePolicy:
    """Which texts are cached: phrases of up to ``max_chars`` characters (after normalisation),
    and the listed ``phrases`` (pre-warmed at start-up) whatever their length."""

    def __init__(self, max_chars: int = 0, phrases: Iterable[str] = ()) -> None:
        self.max_chars = max_chars
        listed = (normalise_text(p) for p in phrases)
        self.phrases: tuple[str, ...] = tuple(dict.fromkeys(p for p in listed if p))

    @classmethod
    def from_options(cls, options: CacheOptions) -> CachePolicy:
        """The policy of ``options`` (nothing is cacheable with the backend ``off``)."""
        if options.backend == "off":
            return cls()
        return cls(options.max_chars, options.phrases)

    def cacheable(self, text: str) -> bool:
        """True when ``text``'s audio should be looked up and stored."""
        normal = normalise_text(text)
        if not normal:
            return False
        return len(normal) <= self.max_chars or normal in self.phrases


@dataclass
class _Entry:
    audio: bytes
    expires: float | None


class MemoryPhraseCache:
    """A per-process LRU cache bounded in audio bytes.

    ``bytes`` counts the audio payload of the entries; Python's per-entry overhead (some
    hundred bytes) comes on top. An entry unused for ``ttl_s`` is dropped when next seen.

    Args:
        max_bytes: audio bytes held at most; least recently used entries are evicted first.
        max_entry_bytes: longer audio is not stored.
        ttl_s: drop entries unused this long (None: never).
        clock: for the TTL (default: the running loop's clock).
        hooks: metrics hooks (see :mod:`deepgram_tts2.fleet.metrics`).
    """

    def __init__(
        self,
        max_bytes: int,
        max_entry_bytes: int | None = None,
        ttl_s: float | None = None,
        *,
        clock: Clock | None = None,
        hooks: object | None = None,
    ) -> None:
        if max_bytes < 1:
            raise ValueError("max_bytes must be >= 1")
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_entry_bytes or max_bytes, max_bytes)
        self.ttl_s = ttl_s
        self._clock: Clock = clock or LoopClock()
        self._hooks = SafeFleetHooks(hooks)
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._bytes = 0
        self._counts = dict.fromkeys(
            ("hits", "misses", "stores", "rejected", "evictions", "expirations"), 0
        )

    @classmethod
    def from_options(
        cls, options: CacheOptions, *, clock: Clock | None = None, hooks: object | None = None
    ) -> MemoryPhraseCache:
        """A cache with ``options``' bounds."""
        return cls(
            options.max_bytes, options.max_entry_bytes, options.ttl_s, clock=clock, hooks=hooks
        )

    async def get(self, key: PhraseKey) -> CachedAudio | None:
        """See :meth:`PhraseCache.get`; a hit becomes the most recently used entry."""
        digest = key.digest
        entry = self._live(digest)
        if entry is None:
            self._count("misses")
            self._hooks.on_fleet_cache_lookup("miss")
            return None
        self._entries.move_to_end(digest)
        entry.expires = self._expiry()
        self._count("hits")
        self._hooks.on_fleet_cache_lookup("hit")
        return CachedAudio(key, entry.audio)

    async def contains(self, key: PhraseKey) -> bool:
        """See :meth:`PhraseCache.contains`."""
        return self._live(key.digest) is not None

    def writer(self, key: PhraseKey) -> CacheWriter:
        """See :meth:`PhraseCache.writer`."""
        return CacheWriter(key, self.max_entry_bytes, self._store)

    def _live(self, digest: str) -> _Entry | None:
        entry = self._entries.get(digest)
        if entry is not None and entry.expires is not None and entry.expires <= self._clock.now():
            self._remove(digest)
            self._count("expirations")
            self._report_size()
            return None
        return entry

    async def _store(self, key: PhraseKey, audio: bytes) -> bool:
        digest = key.digest
        if self._live(digest) is not None:
            self._entries.move_to_end(digest)
            return False
        if len(audio) > self.max_entry_bytes:
            self._count("rejected")
            return False
        evicted = 0
        while self._entries and self._bytes + len(audio) > self.max_bytes:
            oldest = next(iter(self._entries))
            self._remove(oldest)
            evicted += 1
        self._entries[digest] = _Entry(audio, self._expiry())
        self._bytes += len(audio)
        self._count("stores")
        self._hooks.on_fleet_cache_store(len(audio))
        if evicted:
            self._count("evictions", evicted)
            self._hooks.on_fleet_cache_evictions(evicted)
        self._report_size()
        return True

    def _remove(self, digest: str) -> None:
        entry = self._entries.pop(digest)
        self._bytes -= len(entry.audio)

    def _expiry(self) -> float | None:
        return None if self.ttl_s is None else self._clock.now() + self.ttl_s

    def _count(self, name: str, n: int = 1) -> None:
        self._counts[name] += n

    def _report_size(self) -> None:
        self._hooks.on_fleet_cache_size(self._bytes, len(self._entries))

    def stats(self) -> CacheStats:
        """See :meth:`PhraseCache.stats`."""
        return CacheStats(**self._counts, bytes=self._bytes, entries=len(self._entries))

    async def aclose(self) -> None:
        """Drop every entry."""
        self._entries.clear()
        self._bytes = 0
        self._report_size()

    def __repr__(self) -> str:
        return f"MemoryPhraseCache({len(self._entries)} entries, {self._bytes}/{self.max_bytes} B)"

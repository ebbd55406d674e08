"""Rendered audio kept for reuse, bounded in bytes (load tests repeat their texts).

Hand-written because ``functools.lru_cache`` bounds the number of entries, not their size: 256
entries of 2000-character renders at 48 kHz held 678 MB after every session had closed (issue
#11). ``cachetools.LRUCache(getsizeof=len)`` would do the same job, but it is not a dependency of
the emulator extra; this is an ``OrderedDict`` in least-recently-used order plus a byte count.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class RenderCache:
    """A thread-safe LRU map of rendered audio whose values never hold more than ``max_bytes``.

    A value larger than ``max_bytes`` is returned but not kept; ``max_bytes=0`` keeps nothing.
    """

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes must be >= 0")
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def held_bytes(self) -> int:
        """Bytes of audio held now (always <= ``max_bytes``)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> bytes | None:
        """The cached value of ``key`` (now the most recently used), or None."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: bytes) -> None:
        """Keep ``value``, evicting the least recently used entries to stay within the bound."""
        size = len(value)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            while self._entries and self._bytes + size > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted)
            self._entries[key] = value
            self._bytes += size

    def get_or_render(self, key: Hashable, render: Callable[[], bytes]) -> bytes:
        """The cached value of ``key``, else ``render()`` (outside the lock), kept if it fits."""
        value = self.get(key)
        if value is None:
            value = render()
            self.put(key, value)
        return value

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

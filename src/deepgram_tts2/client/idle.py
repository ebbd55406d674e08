"""The idle sockets of a pool, best first, without a pass over the pool for every request.

The pool hands a request the idle socket it ranks best (most budget left, then the one used
last: :mod:`deepgram_tts2.client.pool`). That rank changes while a socket sits idle, because
its sliding-window budgets (aura §2.6) forget old entries as time passes, and a socket stops
being usable at a known age. A pass over every socket per request made the pool O(sockets) per
turn: at 200 pooled sockets it was the largest single cost a turn added over a raw socket
(#10, CPU per chunk). Here a socket is ranked when it becomes idle and ranked again exactly at
the next time its rank can change (``changes_at``), so :meth:`IdleSockets.best` is exact and
costs O(log n) amortized.

Written here because no library keeps a priority queue whose keys change at known times; it is
two stdlib ``heapq`` heaps with lazy deletion (an entry whose sequence number is no longer the
item's current one is skipped when it surfaces, and both heaps are rebuilt when stale entries
outnumber live ones, so memory stays proportional to the idle sockets).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

T = TypeVar("T", bound=Hashable)
Rank = tuple[Any, ...]

_SLACK = 32  # stale entries tolerated beyond the live ones before a rebuild


class IdleSockets(Generic[T]):
    """Items ordered by ``rank(item, now)`` (smaller is better; None: the item must not serve
    any more), ranked again at ``changes_at(item, now)`` (``inf``: never by itself).

    The owner calls :meth:`add` whenever an item becomes idle or anything its rank depends on
    changes other than time, and :meth:`discard` when it is taken or gone.
    """

    def __init__(
        self,
        rank: Callable[[T, float], Rank | None],
        changes_at: Callable[[T, float], float],
    ) -> None:
        self._rank = rank
        self._changes_at = changes_at
        self._live: dict[T, tuple[int, Rank, float]] = {}  # item -> (seq, rank, changes at)
        self._ranked: list[tuple[Rank, int, T]] = []
        self._changes: list[tuple[float, int, T]] = []
        self._seq = itertools.count()
        self._unusable: list[T] = []

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, item: object) -> bool:
        return item in self._live

    @property
    def entries(self) -> int:
        """Heap entries held, live and stale: what the index's memory grows with (at most 4 per
        idle item, plus a small slack)."""
        return len(self._ranked) + len(self._changes)

    def add(self, item: T, now: float) -> None:
        """``item`` is idle: rank it now (again, if it already was)."""
        rank = self._rank(item, now)
        if rank is None:
            self.discard(item)
            self._unusable.append(item)
            return
        seq = next(self._seq)
        when = self._changes_at(item, now)
        self._live[item] = (seq, rank, when)
        heapq.heappush(self._ranked, (rank, seq, item))
        if when != math.inf:
            heapq.heappush(self._changes, (when, seq, item))
        self._bound()

    def discard(self, item: T) -> None:
        """``item`` is taken or gone (no effect if it is not here)."""
        if self._live.pop(item, None) is not None:
            self._bound()

    def _bound(self) -> None:
        """Entries stay within 4 per idle item (+ slack): memory follows the idle sockets."""
        if self.entries > 4 * len(self._live) + _SLACK:
            self._rebuild()

    def rerank_all(self, now: float) -> None:
        """Something every rank depends on changed (e.g. a budget limit)."""
        for item in list(self._live):
            self.add(item, now)

    def best(self, now: float) -> tuple[T | None, list[T]]:
        """The best item at ``now`` (it stays here), and the items found unusable since the
        last call (removed; the owner retires them)."""
        changes = self._changes
        while changes and changes[0][0] <= now:
            _, seq, item = heapq.heappop(changes)
            entry = self._live.get(item)
            if entry is not None and entry[0] == seq:
                self.add(item, now)
        ranked = self._ranked
        best: T | None = None
        while ranked:
            _, seq, item = ranked[0]
            entry = self._live.get(item)
            if entry is not None and entry[0] == seq:
                best = item
                break
            heapq.heappop(ranked)
        unusable, self._unusable = self._unusable, []
        return best, unusable

    def _rebuild(self) -> None:
        self._ranked = [(rank, seq, item) for item, (seq, rank, _) in self._live.items()]
        heapq.heapify(self._ranked)
        self._changes = [
            (when, seq, item) for item, (seq, _, when) in self._live.items() if when != math.inf
        ]
        heapq.heapify(self._changes)

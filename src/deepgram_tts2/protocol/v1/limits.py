"""Deepgram's per-connection budgets (aura §2.6) and a sliding-window counter to keep them.

==========================  =====================  ==========================================
limit                       value                  when exceeded
==========================  =====================  ==========================================
characters per ``Speak``    2000                   close 1009 ``BIG-0001``
characters per minute       2400 (all characters)  close 1008 ``DATA-0001``
Flush rate                  20 per 60 s            ``Warning EXCESSIVE_FLUSH``, no ``Flushed``
connection lifetime         60 minutes             close 1011 ``NET-0003``
REST text                   2000 characters        413 "Input text exceeds maximum ..."
REST body                   2 MB                   413 ``PAYLOAD_TOO_LARGE``
==========================  =====================  ==========================================

"Window type (sliding/fixed) ... [uncertain] (emulator: sliding 60 s window)" (aura §2.6). Both
the client and the emulator use :class:`SlidingWindow`, so the client's accounting is never
laxer than the emulator's enforcement. Time is passed in (monotonic seconds): no clock here.
"""

from __future__ import annotations

from collections import deque

MAX_SPEAK_CHARS = 2000
CHARS_PER_WINDOW = 2400
FLUSHES_PER_WINDOW = 20
BUDGET_WINDOW_S = 60.0
CONNECTION_LIFETIME_S = 3600.0
REST_MAX_CHARS = 2000
REST_MAX_BODY_BYTES = 2 * 1024 * 1024


class SlidingWindow:
    """Amounts taken within the last ``window_s`` seconds, against a ``limit``.

    An entry taken at time ``t`` stops counting at ``t + window_s``.
    """

    __slots__ = ("_entries", "_used", "limit", "window_s")

    def __init__(self, limit: int, window_s: float) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("limit must be >= 1 and window_s > 0")
        self.limit = limit
        self.window_s = window_s
        self._entries: deque[tuple[float, int]] = deque()
        self._used = 0

    def _expire(self, now: float) -> None:
        entries = self._entries
        while entries and entries[0][0] + self.window_s <= now:
            self._used -= entries.popleft()[1]

    def used(self, now: float) -> int:
        """Amount counted in the window ending at ``now``."""
        entries = self._entries
        if entries and entries[0][0] + self.window_s <= now:
            self._expire(now)
        return self._used

    def remaining(self, now: float) -> int:
        """How much more fits at ``now`` (the pool asks every socket for every request)."""
        entries = self._entries
        if entries and entries[0][0] + self.window_s <= now:
            self._expire(now)
        return self.limit - self._used

    def next_expiry(self) -> float:
        """When the oldest entry stops counting (``inf`` when nothing counts): until then
        :meth:`remaining` cannot grow."""
        entries = self._entries
        return entries[0][0] + self.window_s if entries else float("inf")

    def fits(self, amount: int, now: float) -> bool:
        """True when ``amount`` can be taken at ``now`` without exceeding the limit."""
        return self.used(now) + amount <= self.limit

    def take(self, amount: int, now: float) -> None:
        """Record ``amount`` at ``now``, even past the limit (the caller decides what it means)."""
        if amount <= 0:
            return
        self._expire(now)
        self._entries.append((now, amount))
        self._used += amount

    def give_back(self, amount: int, now: float) -> None:
        """Undo the newest ``amount`` taken (it did not count after all, e.g. a refused Flush)."""
        self._expire(now)
        while amount > 0 and self._entries:
            taken_at, taken = self._entries.pop()
            back = min(taken, amount)
            self._used -= back
            amount -= back
            if taken > back:
                self._entries.append((taken_at, taken - back))

    def available_at(self, amount: int, now: float) -> float:
        """Earliest time >= ``now`` at which ``amount`` fits; ``inf`` if it never can."""
        if amount > self.limit:
            return float("inf")
        self._expire(now)
        excess = self._used + amount - self.limit
        if excess <= 0:
            return now
        freed = 0
        for taken_at, taken in self._entries:
            freed += taken
            if freed >= excess:
                return taken_at + self.window_s
        return now  # unreachable: the entries sum to _used >= excess

    def reset(self) -> None:
        """Forget everything (a new connection starts with a fresh budget)."""
        self._entries.clear()
        self._used = 0

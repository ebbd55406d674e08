"""The time seam: every timer of the library goes through a :class:`Clock`.

The request machine, the pool's wait queue, the breaker and the backoff read time only from
``clock.now()`` and wait only through :meth:`Clock.call_at` (or the helpers built on it), so a
test can drive them with :class:`FakeClock` instead of sleeping (docs/client.md "Testing
your own code: the time seam").

* :class:`LoopClock` (production): :func:`time.monotonic` and timers on the running loop;
  no task is created per wait, which keeps the per-chunk path cheap.
* :class:`FakeClock` (tests): time moves only when :meth:`FakeClock.advance` is awaited; due
  callbacks run in time order and the loop runs its ready tasks between them.

:func:`wait` and :func:`sleep` are the two ways code waits: for a future (set by whoever has
news) until a deadline, or for a duration.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from typing import Protocol


class TimerHandle(Protocol):
    """What :meth:`Clock.call_at` returns."""

    def cancel(self) -> None:
        """Do not run the callback (no effect once it ran)."""


class Clock(Protocol):
    """Monotonic time in seconds and timers against it."""

    def now(self) -> float:
        """The current time."""

    def call_at(self, when: float, callback: Callable[[], None]) -> TimerHandle:
        """Run ``callback`` (from the event loop) once ``now() >= when``."""


class LoopClock:
    """The system's monotonic clock, with timers on the running event loop.

    ``now`` is :func:`time.monotonic` itself, not ``loop.time()``: it is read about once per
    audio chunk, and the C function costs a fraction of a Python method plus
    ``asyncio.get_running_loop()`` (58 ns against 255 ns on the bench machine). asyncio's own
    loop reads the same clock (``BaseEventLoop.time`` returns ``time.monotonic()``); other
    loops (uvloop caches its time per iteration, in ms) may not, so :meth:`call_at` converts
    the deadline into a delay on the loop's own clock.
    """

    __slots__ = ()

    now = staticmethod(time.monotonic)

    def call_at(self, when: float, callback: Callable[[], None]) -> TimerHandle:
        """Run ``callback`` once ``time.monotonic() >= when`` (``loop.call_later`` the rest)."""
        return asyncio.get_running_loop().call_later(max(0.0, when - time.monotonic()), callback)


class _FakeTimer:
    __slots__ = ("callback", "cancelled", "when")

    def __init__(self, when: float, callback: Callable[[], None]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class FakeClock:
    """A clock that moves only when told to. For tests; single event loop.

    ``await clock.advance(2.5)`` runs, in time order, every callback due within the next 2.5 s,
    letting ready tasks run after each one (so what a timer wakes can react and set new timers
    before later ones fire), and leaves ``now()`` at the target time.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._timers: list[tuple[float, int, _FakeTimer]] = []
        self._seq = itertools.count()

    def now(self) -> float:
        """The fake time."""
        return self._now

    def call_at(self, when: float, callback: Callable[[], None]) -> TimerHandle:
        """Schedule ``callback`` at fake time ``when``."""
        timer = _FakeTimer(when, callback)
        heapq.heappush(self._timers, (when, next(self._seq), timer))
        return timer

    @property
    def pending(self) -> int:
        """Timers scheduled and not cancelled."""
        return sum(1 for _, _, t in self._timers if not t.cancelled)

    def next_at(self) -> float | None:
        """When the next live timer is due, if any."""
        for when, _, timer in sorted(self._timers):
            if not timer.cancelled:
                return when
        return None

    async def settle(self, rounds: int = 20) -> None:
        """Let ready tasks run (several loop iterations) without moving time."""
        for _ in range(rounds):
            await asyncio.sleep(0)

    async def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, firing due timers in order."""
        target = self._now + seconds
        await self.settle()
        while self._timers and self._timers[0][0] <= target:
            when, _, timer = heapq.heappop(self._timers)
            if timer.cancelled:
                continue
            self._now = max(self._now, when)
            timer.callback()
            await self.settle()
        self._now = target
        await self.settle()


TIMED_OUT = object()  # what a wait's future holds when its deadline passed


async def wait(clock: Clock, future: asyncio.Future[object], deadline: float | None) -> bool:
    """Wait until ``future`` is done (True) or ``deadline`` passes (False).

    The future is resolved with :data:`TIMED_OUT` at the deadline unless something resolved it
    first; the timer is cancelled either way. ``deadline`` None waits without a limit.
    """
    handle: TimerHandle | None = None
    if deadline is not None:
        if deadline <= clock.now():
            return future.done() and future.result() is not TIMED_OUT

        def expire() -> None:
            if not future.done():
                future.set_result(TIMED_OUT)

        handle = clock.call_at(deadline, expire)
    try:
        result = await future
    finally:
        if handle is not None:
            handle.cancel()
    return result is not TIMED_OUT


async def sleep(clock: Clock, seconds: float) -> None:
    """Sleep ``seconds`` on ``clock`` (returns at once for ``seconds <= 0``)."""
    if seconds <= 0:
        return
    future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    await wait(clock, future, clock.now() + seconds)


class Wakeup:
    """A reusable "something happened" signal for one waiting task, cheap to set often.

    ``set()`` from anywhere on the loop; ``await wakeup.wait(clock, deadline)`` returns True when
    set (and clears it), False at the deadline. Unlike ``asyncio.Event`` + ``wait_for``, a wait
    creates one future and one timer, no task.
    """

    __slots__ = ("_future", "_set")

    def __init__(self) -> None:
        self._set = False
        self._future: asyncio.Future[object] | None = None

    def set(self) -> None:
        """Wake the waiter (or make its next wait return at once)."""
        self._set = True
        future = self._future
        if future is not None and not future.done():
            future.set_result(True)

    @property
    def is_set(self) -> bool:
        """True when set and not yet consumed by a wait."""
        return self._set

    async def wait(self, clock: Clock, deadline: float | None) -> bool:
        """Wait for :meth:`set` or ``deadline``; clears the signal."""
        if self._set:
            self._set = False
            return True
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        self._future = future
        try:
            woken = await wait(clock, future, deadline)
        finally:
            self._future = None
        self._set = False
        return woken

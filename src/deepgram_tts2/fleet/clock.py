"""The time the governors and caches read, behind a two-method protocol.

It is structurally the same as ``deepgram_tts2.timing.Clock`` (``now()`` and ``call_at()``), so
the client passes its own clock (the loop's in production, a fake one in tests) and the waiters'
deadlines are on the same time line as the pool's. The fleet package keeps its own copy of the
protocol so it does not depend on the client's internals while they are being rewritten.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol


class TimerHandle(Protocol):
    """What :meth:`Clock.call_at` returns."""

    def cancel(self) -> None:
        """Do not run the callback (no effect once it ran)."""


class Clock(Protocol):
    """Monotonic seconds and timers against them."""

    def now(self) -> float:
        """The current time."""

    def call_at(self, when: float, callback: Callable[[], None]) -> TimerHandle:
        """Run ``callback`` from the event loop once ``now() >= when``."""


class LoopClock:
    """The running event loop's clock (``loop.time()`` / ``loop.call_at``)."""

    def now(self) -> float:
        """``loop.time()`` of the running loop."""
        return asyncio.get_running_loop().time()

    def call_at(self, when: float, callback: Callable[[], None]) -> TimerHandle:
        """``loop.call_at(when, callback)``."""
        return asyncio.get_running_loop().call_at(when, callback)


async def wait_until(clock: Clock, future: asyncio.Future[None], deadline: float | None) -> bool:
    """Wait until ``future`` is done (True) or ``deadline`` on ``clock`` passes (False).

    The future is left untouched at the deadline (callers own it); cancelling the waiting task
    cancels the wait, not the future.
    """
    if future.done():
        return True
    if deadline is not None and deadline <= clock.now():
        return False
    timer = asyncio.get_running_loop().create_future()

    def expire() -> None:
        if not timer.done():
            timer.set_result(None)

    handle = clock.call_at(deadline, expire) if deadline is not None else None
    try:
        await asyncio.wait((future, timer), return_when=asyncio.FIRST_COMPLETED)
    finally:
        if handle is not None:
            handle.cancel()
        timer.cancel()
    return future.done()


async def sleep(clock: Clock, seconds: float) -> None:
    """Sleep ``seconds`` on ``clock``."""
    if seconds <= 0:
        await asyncio.sleep(0)
        return
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    try:
        await wait_until(clock, never, clock.now() + seconds)
    finally:
        never.cancel()

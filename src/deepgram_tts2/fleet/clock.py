"""The time the governors and caches read: the library's time seam (:mod:`deepgram_tts2.timing`).

The client passes its own clock (the loop's in production, a fake one in tests), so the
waiters' deadlines are on the same time line as the pool's. :func:`wait_until` differs from
:func:`deepgram_tts2.timing.wait` in one way the governors rely on: the awaited future is left
untouched at the deadline (its owner may still resolve it).
"""

from __future__ import annotations

import asyncio

from deepgram_tts2 import timing
from deepgram_tts2.timing import Clock, LoopClock, TimerHandle


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
    """Sleep ``seconds`` on ``clock`` (yields to the loop once for ``seconds <= 0``)."""
    if seconds <= 0:
        await asyncio.sleep(0)
        return
    await timing.sleep(clock, seconds)


__all__ = ["Clock", "LoopClock", "TimerHandle", "sleep", "wait_until"]

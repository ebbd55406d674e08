"""The time seam: the fake clock fires timers in order and only when told; waits and wakeups."""

from __future__ import annotations

import asyncio
import time

import pytest

from deepgram_tts2 import timing


async def test_fake_clock_moves_only_when_advanced() -> None:
    clock = timing.FakeClock(start=10.0)
    fired: list[float] = []
    clock.call_at(12.0, lambda: fired.append(clock.now()))
    clock.call_at(11.0, lambda: fired.append(clock.now()))
    assert clock.now() == 10.0
    await clock.advance(1.5)
    assert fired == [11.0]
    await clock.advance(10)
    assert fired == [11.0, 12.0]
    assert clock.now() == 21.5


async def test_a_cancelled_timer_never_fires() -> None:
    clock = timing.FakeClock()
    fired: list[int] = []
    handle = clock.call_at(clock.now() + 1, lambda: fired.append(1))
    handle.cancel()
    await clock.advance(5)
    assert fired == []
    assert clock.pending == 0


async def test_sleep_returns_at_its_time_and_not_before() -> None:
    clock = timing.FakeClock()
    start = clock.now()
    task = asyncio.ensure_future(timing.sleep(clock, 3.0))
    await clock.advance(2.9)
    assert not task.done()
    await clock.advance(0.1)
    assert task.done()
    assert clock.now() - start == 3.0


async def test_a_timer_woken_task_can_set_the_next_timer_before_it_is_due() -> None:
    clock = timing.FakeClock()
    times: list[float] = []

    async def ticker() -> None:
        for _ in range(3):
            await timing.sleep(clock, 1.0)
            times.append(clock.now())

    task = asyncio.ensure_future(ticker())
    await clock.advance(10)
    await task
    start = times[0] - 1.0
    assert [t - start for t in times] == [1.0, 2.0, 3.0]


async def test_wait_is_answered_or_times_out_without_a_task() -> None:
    clock = timing.FakeClock()
    loop = asyncio.get_running_loop()
    answered: asyncio.Future[object] = loop.create_future()
    waiting = asyncio.ensure_future(timing.wait(clock, answered, clock.now() + 5))
    await clock.settle()
    answered.set_result("socket")
    assert await waiting is True
    assert clock.pending == 0  # the deadline's timer was cancelled

    unanswered: asyncio.Future[object] = loop.create_future()
    waiting = asyncio.ensure_future(timing.wait(clock, unanswered, clock.now() + 5))
    await clock.advance(5)
    assert await waiting is False
    assert unanswered.result() is timing.TIMED_OUT


async def test_wakeup_set_before_the_wait_returns_at_once() -> None:
    clock = timing.FakeClock()
    wakeup = timing.Wakeup()
    wakeup.set()
    assert await wakeup.wait(clock, clock.now() + 1) is True
    assert not wakeup.is_set
    waiting = asyncio.ensure_future(wakeup.wait(clock, clock.now() + 1))
    await clock.advance(1)
    assert await waiting is False


async def test_the_loop_clock_is_the_monotonic_clock() -> None:
    clock = timing.LoopClock()
    before = time.monotonic()
    assert before <= clock.now() <= time.monotonic()
    assert abs(clock.now() - asyncio.get_running_loop().time()) < 1.0  # asyncio's own loop
    fired = asyncio.Event()
    clock.call_at(clock.now(), fired.set)
    await asyncio.wait_for(fired.wait(), 5)


async def test_loop_clock_deadlines_hold_on_a_loop_with_a_clock_of_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``now()`` is ``time.monotonic()``; a loop whose ``time()`` differs (uvloop caches its
    own) must still run a timer no earlier than its deadline on that clock."""
    loop = asyncio.get_running_loop()
    monkeypatch.setattr(loop, "time", lambda: time.monotonic() + 1000.0)
    clock = timing.LoopClock()
    fired = asyncio.Event()
    fired_at: list[float] = []
    when = clock.now() + 0.05

    def fire() -> None:
        fired_at.append(time.monotonic())
        fired.set()

    clock.call_at(when, fire)
    await asyncio.wait_for(fired.wait(), 5)
    assert fired_at[0] >= when - 0.001  # not at once, as loop.call_at(when) would be

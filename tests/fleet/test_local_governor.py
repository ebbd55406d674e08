"""The in-process governor, driven by a fake clock: limits, FIFO, priorities, deadlines."""

from __future__ import annotations

import asyncio
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepgram_tts2.exceptions import ClientClosedError, QueueFullError
from deepgram_tts2.fleet import GovernorTimeoutError, Kind, LocalGovernor, Pressure, Priority
from deepgram_tts2.fleet.governor import Lease
from deepgram_tts2.protocol.errors import ErrorClass
from tests.fleet.conftest import FakeClock

WS, REST = Kind.WEBSOCKET, Kind.REST
LIVE, PREWARM = Priority.LIVE, Priority.PREWARM


def governor(clock: FakeClock, ws: int = 2, rest: int = 1, hooks: object = None) -> LocalGovernor:
    return LocalGovernor({WS: ws, REST: rest}, clock=clock, hooks=hooks)


async def test_grants_up_to_the_limit_then_waits(clock: FakeClock) -> None:
    gov = governor(clock)
    first, second = await gov.acquire(WS), await gov.acquire(WS)
    third = asyncio.ensure_future(gov.acquire(WS))
    await clock.settle()
    assert not third.done()
    assert gov.pressure(WS) == Pressure(WS, in_use=2, limit=2, waiting=1)
    assert gov.pressure(WS).contended
    first.release()
    lease = await third
    assert lease.held
    assert not first.held
    assert second.held
    assert gov.pressure(WS) == Pressure(WS, in_use=2, limit=2, waiting=0)


async def test_kinds_have_separate_budgets(clock: FakeClock) -> None:
    gov = governor(clock, ws=1, rest=1)
    await gov.acquire(WS)
    rest = await gov.acquire(REST, deadline=clock.now())  # try once: must succeed at once
    assert rest.held
    assert rest.kind is REST


async def test_fifo_within_a_priority_and_live_before_prewarm(clock: FakeClock) -> None:
    gov = governor(clock, ws=1)
    holder = await gov.acquire(WS)
    order: list[str] = []

    async def wait(name: str, priority: Priority) -> None:
        lease = await gov.acquire(WS, priority)
        order.append(name)
        await asyncio.sleep(0)
        lease.release()

    tasks = []
    for name, priority in [("p1", PREWARM), ("l1", LIVE), ("p2", PREWARM), ("l2", LIVE)]:
        tasks.append(asyncio.ensure_future(wait(name, priority)))
        await clock.settle()
    holder.release()
    await asyncio.gather(*tasks)
    assert order == ["l1", "l2", "p1", "p2"]


async def test_a_release_is_handed_to_the_waiter_not_to_a_late_arrival(clock: FakeClock) -> None:
    gov = governor(clock, ws=1)
    holder = await gov.acquire(WS)
    waiter = asyncio.ensure_future(gov.acquire(WS))
    await clock.settle()
    holder.release()
    with pytest.raises(GovernorTimeoutError):  # would barge in if the slot were merely free
        await gov.acquire(WS, deadline=clock.now())
    assert (await waiter).held


async def test_deadline_raises_governor_timeout_and_leaves_the_line(clock: FakeClock) -> None:
    gov = governor(clock, ws=1)
    holder = await gov.acquire(WS)
    waiter = asyncio.ensure_future(gov.acquire(WS, deadline=clock.now() + 2.0))
    behind = asyncio.ensure_future(gov.acquire(WS))
    await clock.advance(1.9)
    assert not waiter.done()
    await clock.advance(0.2)
    with pytest.raises(GovernorTimeoutError) as caught:
        await waiter
    assert caught.value.kind == "websocket"
    assert caught.value.limit == 1
    assert isinstance(caught.value, QueueFullError)
    assert caught.value.error_class is ErrorClass.RATE_LIMIT
    assert gov.pressure(WS).waiting == 1
    holder.release()
    assert (await behind).held  # the timed-out waiter did not keep a place


async def test_deadline_already_past_tries_once(clock: FakeClock) -> None:
    gov = governor(clock, ws=1)
    await gov.acquire(WS)
    with pytest.raises(GovernorTimeoutError):
        await gov.acquire(WS, PREWARM, deadline=clock.now())
    assert gov.pressure(WS).waiting == 0


async def test_release_is_idempotent(clock: FakeClock) -> None:
    gov = governor(clock, ws=2)
    lease = await gov.acquire(WS)
    other = await gov.acquire(WS)
    lease.release()
    lease.release()
    assert gov.pressure(WS).in_use == 1
    with lease:  # a lease is also a context manager; exiting releases (again: no effect)
        pass
    assert gov.pressure(WS).in_use == 1
    assert other.held


async def test_a_cancelled_waiter_leaves_no_slot_behind(clock: FakeClock) -> None:
    gov = governor(clock, ws=1)
    holder = await gov.acquire(WS)
    waiter = asyncio.ensure_future(gov.acquire(WS))
    await clock.settle()
    holder.release()  # the slot is handed to the waiter...
    waiter.cancel()  # ...which is cancelled before it runs again
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert gov.pressure(WS) == Pressure(WS, 0, 1, 0)
    assert (await gov.acquire(WS, deadline=clock.now())).held


async def test_pressure_watchers_hear_of_contention(clock: FakeClock) -> None:
    gov = governor(clock, ws=1)
    seen: list[Pressure] = []
    stop = gov.watch_pressure(seen.append)
    idle = await gov.acquire(WS, PREWARM)
    waiter = asyncio.ensure_future(gov.acquire(WS))
    await clock.settle()
    assert seen[-1].contended  # the pool would now close its idle socket...
    idle.release()  # ...which releases its lease
    await waiter
    assert not seen[-1].contended
    stop()
    count = len(seen)
    (await gov.acquire(REST)).release()
    assert len(seen) == count


async def test_aclose_fails_waiters_with_client_closed(clock: FakeClock) -> None:
    gov = governor(clock, ws=1)
    lease = await gov.acquire(WS)
    waiter = asyncio.ensure_future(gov.acquire(WS))
    await clock.settle()
    await gov.aclose()
    with pytest.raises(ClientClosedError):
        await waiter
    assert not lease.held
    with pytest.raises(ClientClosedError):
        await gov.acquire(WS)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[object, ...]]] = []

    def __getattr__(self, name: str) -> object:
        if not name.startswith("on_fleet_"):
            raise AttributeError(name)
        return lambda *args: self.calls.append((name, args))


async def test_hooks_report_leases_waiters_waits_and_throttling(clock: FakeClock) -> None:
    hooks = Recorder()
    gov = governor(clock, ws=1, hooks=hooks)
    lease = await gov.acquire(WS)
    waiter = asyncio.ensure_future(gov.acquire(WS, deadline=clock.now() + 1))
    await clock.advance(1.5)
    with pytest.raises(GovernorTimeoutError):
        await waiter
    lease.release()
    names = [name for name, _ in hooks.calls]
    assert ("on_fleet_throttled", ("websocket",)) in hooks.calls
    waits = [args for name, args in hooks.calls if name == "on_fleet_wait"]
    assert [a[3] for a in waits] == ["granted", "timeout"]
    assert waits[1][2] == pytest.approx(1.0)
    assert ("on_fleet_leases", ("websocket", 0)) in hooks.calls
    assert "on_fleet_waiters" in names
    assert "on_fleet_budget" in names


async def test_a_failing_hook_never_breaks_an_acquire(clock: FakeClock) -> None:
    class Broken:
        def on_fleet_leases(self, kind: str, held: int) -> None:
            raise RuntimeError("exporter bug")

    gov = governor(clock, hooks=Broken())
    (await gov.acquire(WS)).release()


@settings(max_examples=60, deadline=None)
@given(
    limit=st.integers(1, 4),
    ops=st.lists(
        st.tuples(st.sampled_from(["acquire", "release", "advance"]), st.integers(0, 1000)),
        max_size=40,
    ),
)
def test_random_schedules_never_exceed_the_limit_and_serve_in_order(
    limit: int, ops: list[tuple[str, int]]
) -> None:
    async def scenario() -> None:
        clock = FakeClock()
        gov = governor(clock, ws=limit)
        held: list[Lease] = []
        waiting: list[tuple[int, int, asyncio.Future[Lease]]] = []
        granted_order: list[tuple[int, int]] = []
        rng = random.Random(limit)
        for seq, (op, arg) in enumerate(ops):
            if op == "acquire":
                priority = Priority(arg % 2)
                deadline = None if arg % 3 else clock.now() + (arg % 7)
                future = asyncio.ensure_future(gov.acquire(WS, priority, deadline))
                waiting.append((int(priority), seq, future))
            elif op == "release" and held:
                held.pop(rng.randrange(len(held))).release()
            else:
                await clock.advance(arg / 100)
            await clock.settle()
            for item in list(waiting):
                if item[2].done():
                    waiting.remove(item)
                    if item[2].exception() is None:
                        held.append(item[2].result())
                        granted_order.append(item[:2])
            assert sum(lease.held for lease in held) <= limit
            assert gov.pressure(WS).in_use == len(held)
            # nobody waits while a slot is free
            assert not (waiting and len(held) < limit)
        still = [(p, s) for p, s, _ in waiting]
        for granted in granted_order:
            # nothing granted later outranked someone still waiting since before it
            assert all(not (w < granted and w[1] < granted[1]) for w in still)
        await gov.aclose()
        for _, _, future in waiting:
            with pytest.raises(ClientClosedError):
                await future

    asyncio.run(scenario())

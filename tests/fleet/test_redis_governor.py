"""The Redis governor on a real redis-server: several governors (each its own connections, as
separate processes would have) sharing one budget, FIFO and priorities across them, deadlines,
expiry of leases and tickets nobody renews (by an injected clock: no waiting), pressure."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import redis.asyncio as aioredis

from deepgram_tts2.fleet import GovernorTimeoutError, Kind, Pressure, Priority, lua
from deepgram_tts2.fleet.options import FleetOptions
from deepgram_tts2.fleet.redis_conn import GovernorKeys
from deepgram_tts2.fleet.redis_governor import RedisGovernor
from tests.fleet.conftest import (
    PASSWORD,
    FakeClock,
    RedisServer,
    advance_until,
    eventually,
    eventually_async,
    fleet_options,
    step_time,
    within,
)

WS, REST = Kind.WEBSOCKET, Kind.REST
LIVE, PREWARM = Priority.LIVE, Priority.PREWARM
Factory = Callable[..., Awaitable[RedisGovernor]]


@pytest.fixture
async def governors(redis_server: RedisServer, project: str) -> AsyncIterator[Factory]:
    """Make governors on the session Redis and this test's project; closed at teardown."""
    made: list[RedisGovernor] = []

    async def make(*, clock: FakeClock | None = None, fleet_time: bool = False, **gov: object):
        options = fleet_options(redis_server.url, project, **gov)
        governor = RedisGovernor(
            options, clock=clock, fleet_time=clock.now if (fleet_time and clock) else None
        )
        await governor.start()
        made.append(governor)
        return governor

    yield make
    for governor in made:
        await governor.aclose()


def keys(project: str, kind: Kind = WS) -> GovernorKeys:
    return GovernorKeys.of(FleetOptions(project=project), kind)


async def test_two_governors_share_one_budget(
    governors: Factory, project: str, raw_redis: aioredis.Redis
) -> None:
    a, b = await governors(), await governors()
    first = await within(a.acquire(WS))
    second = await within(b.acquire(WS))
    assert await raw_redis.zcard(keys(project).leases) == 2
    with pytest.raises(GovernorTimeoutError):
        await within(a.acquire(WS, deadline=a.now()))  # try once: the budget is full
    assert (await within(a.acquire(REST))).held  # REST is a separate budget
    waiter = asyncio.ensure_future(b.acquire(WS))
    await eventually_async(lambda: _queued(raw_redis, project, 1))
    first.release()
    lease = await within(waiter)  # woken by the release in the other governor
    assert lease.held
    assert second.held
    assert await raw_redis.zcard(keys(project).leases) == 2
    assert a.pressure(WS).limit == 2


async def _queued(client: aioredis.Redis, project: str, count: int) -> bool:
    return int(await client.zcard(keys(project).queue)) == count


async def test_fifo_across_governors(
    governors: Factory, project: str, raw_redis: aioredis.Redis
) -> None:
    a, b = await governors(websocket_limit=1), await governors(websocket_limit=1)
    holder = await within(a.acquire(WS))
    order: list[str] = []

    async def wait(gov: RedisGovernor, name: str) -> None:
        lease = await gov.acquire(WS)
        order.append(name)
        lease.release()

    tasks = []
    for n, gov in enumerate([b, a, b, a]):
        tasks.append(asyncio.ensure_future(wait(gov, f"w{n}")))
        await eventually_async(lambda n=n: _queued(raw_redis, project, n + 1))  # arrival order
    holder.release()
    await within(asyncio.gather(*tasks))
    assert order == ["w0", "w1", "w2", "w3"]


async def test_live_turns_before_prewarm_across_governors(
    governors: Factory, project: str, raw_redis: aioredis.Redis
) -> None:
    a, b = await governors(websocket_limit=1), await governors(websocket_limit=1)
    holder = await within(a.acquire(WS))
    order: list[str] = []

    async def wait(gov: RedisGovernor, name: str, priority: Priority) -> None:
        lease = await gov.acquire(WS, priority)
        order.append(name)
        lease.release()

    plan = [
        (a, "prewarm-a", PREWARM),
        (b, "prewarm-b", PREWARM),
        (b, "live-b", LIVE),
        (a, "live-a", LIVE),
    ]
    tasks = []
    for n, (gov, name, priority) in enumerate(plan):
        tasks.append(asyncio.ensure_future(wait(gov, name, priority)))
        await eventually_async(lambda n=n: _queued(raw_redis, project, n + 1))
    holder.release()
    await within(asyncio.gather(*tasks))
    assert order == ["live-b", "live-a", "prewarm-a", "prewarm-b"]


async def test_deadline_raises_and_removes_the_ticket(
    governors: Factory, project: str, raw_redis: aioredis.Redis
) -> None:
    clock = FakeClock()
    gov = await governors(clock=clock, websocket_limit=1)
    holder = await within(gov.acquire(WS))
    waiter = asyncio.ensure_future(gov.acquire(WS, deadline=clock.now() + 5))
    await eventually_async(lambda: _queued(raw_redis, project, 1))
    await clock.advance(4.9)
    assert not waiter.done()
    await clock.advance(0.2)
    with pytest.raises(GovernorTimeoutError) as caught:
        await within(waiter)
    assert caught.value.kind == "websocket"
    assert not caught.value.degraded
    await eventually_async(lambda: _queued(raw_redis, project, 0))  # nobody is blocked by it
    assert holder.held


async def test_try_once_leaves_no_ticket(
    governors: Factory, project: str, raw_redis: aioredis.Redis
) -> None:
    gov = await governors(websocket_limit=1)
    await within(gov.acquire(WS))
    with pytest.raises(GovernorTimeoutError):
        await within(gov.acquire(WS, PREWARM, deadline=gov.now()))
    assert await raw_redis.zcard(keys(project).queue) == 0


async def test_release_is_idempotent_and_removes_the_lease(
    governors: Factory, project: str, raw_redis: aioredis.Redis
) -> None:
    gov = await governors()
    lease = await within(gov.acquire(WS))
    lease.release()
    lease.release()
    await eventually_async(lambda: _leases(raw_redis, project, 0))
    assert gov.held(WS) == 0
    assert not lease.held


async def _leases(client: aioredis.Redis, project: str, count: int) -> bool:
    return int(await client.zcard(keys(project).leases)) == count


async def _foreign_lease(client: aioredis.Redis, project: str, now_s: float, ttl_s: float) -> None:
    """What a worker that acquired and then died leaves behind: a lease nobody renews."""
    k = keys(project)
    script = client.register_script(lua.ACQUIRE)
    reply = await script(
        keys=[k.leases, k.queue, k.tickets, k.seq],
        args=[
            int(now_s * 1000),
            "dead-ticket",
            0,
            1,
            "dead-lease",
            int(ttl_s * 1000),
            10_000,
            1,
            k.channel,
        ],
    )
    assert reply[0] == 1


async def test_a_lease_nobody_renews_expires_by_the_fleet_clock(
    governors: Factory, project: str, raw_redis: aioredis.Redis
) -> None:
    clock = FakeClock()
    await _foreign_lease(raw_redis, project, clock.now(), ttl_s=3.0)
    gov = await governors(clock=clock, fleet_time=True, websocket_limit=1, lease_ttl_s=3.0)
    waiter = asyncio.ensure_future(gov.acquire(WS))
    await eventually_async(lambda: _queued(raw_redis, project, 1))  # asked, and was refused
    await step_time(clock, 2.9)  # every script call so far ran at a fleet time before expiry
    assert not waiter.done()
    await advance_until(clock, waiter.done)  # past the dead lease's TTL: purged, then granted
    lease = waiter.result()
    assert await raw_redis.zrange(keys(project).leases, 0, -1) == [lease.id.encode()]


async def test_held_leases_are_renewed_so_they_never_expire(
    governors: Factory, project: str, raw_redis: aioredis.Redis
) -> None:
    clock = FakeClock()
    gov = await governors(
        clock=clock, fleet_time=True, lease_ttl_s=3.0, ticket_ttl_s=3.0, renew_interval_s=1.0
    )
    lease = await within(gov.acquire(WS))
    expiry = await raw_redis.zscore(keys(project).leases, lease.id)
    for _ in range(10):  # ten TTLs of fleet time, one renewal interval at a time
        await clock.advance(1.0)
        before = expiry

        async def renewed(before: float | None = before) -> bool:
            nonlocal expiry
            expiry = await raw_redis.zscore(keys(project).leases, lease.id)
            return expiry is not None and before is not None and expiry > before

        await eventually_async(renewed)
    assert expiry is not None
    assert expiry > clock.now() * 1000


async def test_a_dead_waiters_ticket_expires_and_unblocks_the_line(
    governors: Factory, project: str, raw_redis: aioredis.Redis
) -> None:
    clock = FakeClock()
    gov = await governors(clock=clock, fleet_time=True, websocket_limit=1, ticket_ttl_s=2.0)
    holder = await within(gov.acquire(WS))
    k = keys(project)
    script = raw_redis.register_script(lua.ACQUIRE)
    # a waiter of a process that then died, first in line
    reply = await script(
        keys=[k.leases, k.queue, k.tickets, k.seq],
        args=[int(clock.now() * 1000), "dead-ticket", 0, 1, "never", 10_000, 2_000, 1, k.channel],
    )
    assert reply[0] == 0
    waiter = asyncio.ensure_future(gov.acquire(WS))
    await eventually_async(lambda: _queued(raw_redis, project, 2))
    holder.release()
    await eventually_async(lambda: _leases(raw_redis, project, 0))
    await step_time(clock, 1.5)  # the dead ticket is first in line and still alive
    assert not waiter.done()
    await advance_until(clock, waiter.done)
    assert waiter.result().held
    assert await raw_redis.zscore(k.queue, "dead-ticket") is None


async def test_an_idle_process_sees_pressure_from_another(
    governors: Factory, project: str, raw_redis: aioredis.Redis
) -> None:
    idle, busy = await governors(websocket_limit=1), await governors(websocket_limit=1)
    seen: list[Pressure] = []
    idle.watch_pressure(seen.append)
    prewarmed = await within(idle.acquire(WS, PREWARM))
    waiter = asyncio.ensure_future(busy.acquire(WS))
    await eventually(lambda: bool(seen) and seen[-1].contended)  # via pub/sub
    prewarmed.release()  # what the pool does: give the idle socket back
    assert (await within(waiter)).held


async def test_repr_and_logs_never_show_the_password(
    governors: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="deepgram_tts2")
    gov = await governors()
    (await within(gov.acquire(WS))).release()
    assert PASSWORD not in repr(gov)
    assert "***@127.0.0.1" in repr(gov)
    assert all(PASSWORD not in r.getMessage() for r in caplog.records)

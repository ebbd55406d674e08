"""Redis failing under the governor: unreachable from the start, restarted mid-run (same port,
data lost), frozen (SIGSTOP), a wrong password. No acquire hangs, no held lease is lost, one
warning per outage with no password in it, and the fleet budget applies again on recovery."""

from __future__ import annotations

import asyncio
import logging
import os
import pathlib
import signal
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import redis.asyncio as aioredis

from deepgram_tts2.fleet import GovernorTimeoutError, Kind
from deepgram_tts2.fleet.options import FleetOptions
from deepgram_tts2.fleet.prometheus import FleetPrometheusHooks
from deepgram_tts2.fleet.redis_conn import GovernorKeys
from deepgram_tts2.fleet.redis_governor import RedisGovernor
from tests.fleet.conftest import (
    PASSWORD,
    REDIS_SERVER,
    RedisServer,
    eventually,
    eventually_async,
    fleet_options,
    free_port,
    within,
)

WS = Kind.WEBSOCKET
needs_redis = pytest.mark.skipif(REDIS_SERVER is None, reason="scripts/system-deps installs it")


@asynccontextmanager
async def governor(
    url: str, project: str, hooks: object = None, **gov: object
) -> AsyncIterator[RedisGovernor]:
    gov.setdefault("websocket_limit", 4)
    gov.setdefault("fallback_share", 0.5)
    options = fleet_options(url, project, **gov)
    options = options.model_copy(update={"op_timeout_s": 0.5, "connect_timeout_s": 0.3})
    instance = RedisGovernor(options, hooks=hooks)
    try:
        yield instance
    finally:
        await within(instance.aclose())


def fleet_records(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("deepgram_tts2") and r.levelno == level]


async def lease_ids(url: str, project: str) -> set[bytes]:
    client = aioredis.Redis.from_url(url)
    try:
        key = GovernorKeys.of(FleetOptions(project=project), WS).leases
        return set(await client.zrange(key, 0, -1))
    finally:
        await client.aclose()


@needs_redis
async def test_unreachable_redis_from_the_start_degrades_with_one_warning(
    project: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="deepgram_tts2")
    port = free_port()  # nothing listens here
    url = f"redis://:{PASSWORD}@127.0.0.1:{port}/0"
    hooks = FleetPrometheusHooks()
    degraded = hooks.registry.get_sample_value
    async with governor(url, project, hooks) as gov:
        first = await within(gov.acquire(WS))
        second = await within(gov.acquire(WS))
        assert gov.degraded
        with pytest.raises(GovernorTimeoutError) as caught:  # the share: 4 * 0.5 = 2
            await within(gov.acquire(WS, deadline=gov.now() + 0.05))
        assert caught.value.degraded
        assert caught.value.limit == 2
        assert gov.pressure(WS).degraded
        assert len(fleet_records(caplog, logging.WARNING)) == 1
        assert degraded("deepgram_tts2_fleet_degraded") == 1
        with tempfile.TemporaryDirectory(prefix="dgtts-redis-") as tmp:
            server = RedisServer(port, pathlib.Path(tmp), PASSWORD)
            server.start()
            try:
                await eventually(lambda: not gov.degraded)
                assert degraded("deepgram_tts2_fleet_degraded") == 0
                # the outage's leases are registered: the fleet counts them
                assert await lease_ids(url, project) == {
                    lease.id.encode() for lease in (first, second)
                }
                third = await within(gov.acquire(WS))  # the fleet budget (4) applies again
                assert third.held
            finally:
                await within(gov.aclose())
                server.stop()
    assert len(fleet_records(caplog, logging.WARNING)) == 1
    assert any("answers again" in r.getMessage() for r in fleet_records(caplog, logging.INFO))
    assert all(PASSWORD not in r.getMessage() for r in caplog.records)


async def _churn(gov: RedisGovernor, stop: asyncio.Event, outcomes: list[str]) -> None:
    """Acquire and release in a loop with short deadlines; every acquire has a hang guard."""
    while not stop.is_set():
        try:
            lease = await within(gov.acquire(WS, deadline=gov.now() + 0.3), 10)
        except GovernorTimeoutError:
            outcomes.append("timeout")
            continue
        outcomes.append("degraded" if gov.degraded else "granted")
        await asyncio.sleep(0.01)
        lease.release()


async def test_redis_restart_mid_run_hangs_nothing_and_loses_no_held_lease(
    own_redis: RedisServer, project: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="deepgram_tts2")
    async with (
        governor(own_redis.url, project) as a,
        governor(own_redis.url, project) as b,
    ):
        held = await within(a.acquire(WS))
        stop = asyncio.Event()
        outcomes: list[str] = []
        churn = [asyncio.ensure_future(_churn(g, stop, outcomes)) for g in (a, b, b)]
        await eventually(lambda: outcomes.count("granted") >= 5)
        own_redis.stop()  # data lost: no persistence
        await eventually(lambda: a.degraded and b.degraded)
        mark = len(outcomes)
        await eventually(lambda: outcomes[mark:].count("degraded") >= 5)  # still serving
        assert held.held  # nobody took it away
        own_redis.start()
        await eventually(lambda: not a.degraded and not b.degraded)
        mark = len(outcomes)
        await eventually(lambda: outcomes[mark:].count("granted") >= 5)
        stop.set()
        await within(asyncio.gather(*churn))
        assert held.held
        assert held.id.encode() in await lease_ids(own_redis.url, project)
        held.release()
        await eventually_async(lambda: _no_leases(own_redis.url, project))
    warnings = fleet_records(caplog, logging.WARNING)
    assert len(warnings) == 2  # one per governor
    assert all(PASSWORD not in r.getMessage() for r in caplog.records)


async def _no_leases(url: str, project: str) -> bool:
    return not await lease_ids(url, project)


async def test_outage_leases_are_counted_after_recovery_until_released(
    own_redis: RedisServer, project: str
) -> None:
    async with (
        governor(own_redis.url, project, websocket_limit=2, fallback_share=1.0) as a,
        governor(own_redis.url, project, websocket_limit=2, fallback_share=1.0) as b,
    ):
        await a.start()
        await b.start()
        own_redis.stop()
        # each process allows itself its share: four leases for a budget of two
        leases = [await within(g.acquire(WS)) for g in (a, a, b, b)]
        assert a.degraded
        assert b.degraded
        own_redis.start()
        await eventually(lambda: not a.degraded and not b.degraded)
        assert len(await lease_ids(own_redis.url, project)) == 4  # counted, not lost
        with pytest.raises(GovernorTimeoutError):  # over the limit: nothing new is granted
            await within(a.acquire(WS, deadline=a.now()))
        for lease in leases[:3]:
            lease.release()
        lease = await within(b.acquire(WS, deadline=b.now() + 5))
        assert len(await lease_ids(own_redis.url, project)) == 2  # back within the budget
        lease.release()
        leases[3].release()


async def test_a_frozen_redis_makes_no_acquire_hang(own_redis: RedisServer, project: str) -> None:
    assert own_redis.proc is not None
    async with governor(own_redis.url, project) as gov:
        (await within(gov.acquire(WS))).release()
        os.kill(own_redis.proc.pid, signal.SIGSTOP)  # accepts nothing, answers nothing
        try:
            lease = await within(gov.acquire(WS))  # the call times out, then the share applies
            assert gov.degraded
            second = await within(gov.acquire(WS, deadline=gov.now() + 0.2))
            with pytest.raises(GovernorTimeoutError):  # the share is 2
                await within(gov.acquire(WS, deadline=gov.now() + 0.2))
            second.release()
        finally:
            os.kill(own_redis.proc.pid, signal.SIGCONT)
        await eventually(lambda: not gov.degraded)
        assert lease.held
        assert lease.id.encode() in await lease_ids(own_redis.url, project)


async def test_a_wrong_password_degrades_without_showing_any_password(
    own_redis: RedisServer, project: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="deepgram_tts2")
    wrong = "Wr0ng-passw0rd-xyz"
    url = f"redis://:{wrong}@127.0.0.1:{own_redis.port}/0"
    async with governor(url, project) as gov:
        lease = await within(gov.acquire(WS))
        assert gov.degraded
        assert lease.held
        text = repr(gov) + "".join(r.getMessage() for r in caplog.records)
        assert wrong not in text
        assert PASSWORD not in text
        assert "***@127.0.0.1" in text
    assert len(fleet_records(caplog, logging.WARNING)) == 1

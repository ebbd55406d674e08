"""Real worker processes sharing one Redis budget: never over it, and a SIGKILLed worker's
slots come back by themselves (its leases expire; nobody releases them)."""

from __future__ import annotations

import asyncio
import json

import pytest
import redis.asyncio as aioredis

from deepgram_tts2.fleet import GovernorTimeoutError, Kind
from deepgram_tts2.fleet.options import FleetOptions
from deepgram_tts2.fleet.redis_conn import GovernorKeys
from deepgram_tts2.fleet.redis_governor import RedisGovernor
from tests.fleet.conftest import RedisServer, fleet_options, options_json, spawn, within

WS = Kind.WEBSOCKET


async def test_worker_processes_never_exceed_the_shared_budget(
    redis_server: RedisServer, project: str, raw_redis: aioredis.Redis
) -> None:
    limit, workers, tasks, rounds = 3, 3, 3, 8
    counter, peak = f"{project}:holders", f"{project}:peak"
    args = {
        "url": redis_server.url,
        "options": options_json(redis_server.url, project, websocket_limit=limit),
        "tasks": tasks,
        "rounds": rounds,
        "counter": counter,
        "peak": peak,
    }
    procs = [spawn("budget", {**args, "seed": n}) for n in range(workers)]
    results = []
    for proc in procs:
        out, err = await asyncio.to_thread(proc.communicate, timeout=120)  # hang guard
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(r["done"] for r in results) == workers * tasks * rounds
    assert int(await raw_redis.get(peak)) <= limit
    # the budget was really contended: 9 tasks for 3 slots had to wait
    assert sum(r["throttled"] for r in results) > 0
    assert int(await raw_redis.get(counter)) == 0
    key = GovernorKeys.of(FleetOptions(project=project), WS)
    assert await raw_redis.zcard(key.leases) == 0  # every lease was given back
    assert await raw_redis.zcard(key.queue) == 0


async def test_a_sigkilled_workers_leases_expire_and_others_take_them(
    redis_server: RedisServer, project: str, raw_redis: aioredis.Redis
) -> None:
    limit = 2
    short = {"websocket_limit": limit, "lease_ttl_s": 1.0, "ticket_ttl_s": 1.0}
    proc = spawn(
        "hold", {"options": options_json(redis_server.url, project, **short), "count": limit}
    )
    try:
        assert proc.stdout is not None
        line = await within(asyncio.to_thread(proc.stdout.readline), 60)
        if not line.startswith("HELD"):
            assert proc.stderr is not None
            pytest.fail(f"the worker did not start: {proc.stderr.read()}")
        dead_ids = set(line.split()[1:])
        survivor = RedisGovernor(fleet_options(redis_server.url, project, **short))
        try:
            with pytest.raises(GovernorTimeoutError):  # the worker holds the whole budget...
                await within(survivor.acquire(WS, deadline=survivor.now()))
            proc.kill()  # SIGKILL: no release, no goodbye
            await within(asyncio.to_thread(proc.wait), 30)
            # ...until its leases expire by themselves; the survivor waits in line for them
            leases = [await within(survivor.acquire(WS), 30) for _ in range(limit)]
            key = GovernorKeys.of(FleetOptions(project=project), WS).leases
            members = {m.decode() for m in await raw_redis.zrange(key, 0, -1)}
            assert members == {lease.id for lease in leases}
            assert not members & dead_ids
        finally:
            await survivor.aclose()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)  # reaps it and closes the pipes

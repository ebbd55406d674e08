"""A fleet worker process for the multi-process tests: ``python -m tests.fleet.worker MODE``
with its arguments as JSON on stdin.

Modes:

* ``budget``: ``tasks`` concurrent tasks, each ``rounds`` times: acquire a websocket lease,
  count itself into a Redis counter (and the counter's high-water mark) while holding it, hold a
  few milliseconds, count itself out, release. Prints one JSON line with its totals.
* ``hold``: acquire ``count`` leases, print ``HELD`` and the ids, then hold them until killed.
* ``cache_put``: store ``audio`` (latin-1 text) for ``text`` in the shared phrase cache.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from typing import Any

import redis.asyncio as aioredis

from deepgram_tts2.fleet import FleetOptions, Kind, PhraseKey
from deepgram_tts2.fleet.redis_cache import RedisPhraseCache
from deepgram_tts2.fleet.redis_governor import RedisGovernor
from deepgram_tts2.protocol.v1.url import SpeakParams

# Counts holders in and keeps the highest count ever seen, in one atomic step.
ENTER = """
local v = redis.call('INCR', KEYS[1])
if v > tonumber(redis.call('GET', KEYS[2]) or '0') then redis.call('SET', KEYS[2], v) end
return v
"""


class Throttles:
    def __init__(self) -> None:
        self.count = 0

    def on_fleet_throttled(self, kind: str) -> None:
        self.count += 1


async def budget(args: dict[str, Any]) -> dict[str, Any]:
    options = FleetOptions.model_validate(args["options"])
    hooks = Throttles()
    governor = RedisGovernor(options, hooks=hooks)
    probe = aioredis.Redis.from_url(args["url"])
    enter = probe.register_script(ENTER)
    rng = random.Random(args["seed"])
    done = 0

    async def task() -> None:
        nonlocal done
        for _ in range(args["rounds"]):
            lease = await governor.acquire(Kind.WEBSOCKET)
            try:
                await enter(keys=[args["counter"], args["peak"]])
                await asyncio.sleep(rng.uniform(0.001, 0.01))
                await probe.decr(args["counter"])
            finally:
                lease.release()
            done += 1

    try:
        await asyncio.gather(*(task() for _ in range(args["tasks"])))
    finally:
        await governor.aclose()
        await probe.aclose()
    return {"done": done, "throttled": hooks.count}


async def hold(args: dict[str, Any]) -> None:
    options = FleetOptions.model_validate(args["options"])
    governor = RedisGovernor(options)
    leases = [await governor.acquire(Kind.WEBSOCKET) for _ in range(args["count"])]
    print("HELD", " ".join(lease.id for lease in leases), flush=True)
    await asyncio.Event().wait()  # until SIGKILL


async def cache_put(args: dict[str, Any]) -> dict[str, Any]:
    cache = RedisPhraseCache(FleetOptions.model_validate(args["options"]))
    try:
        async with cache.writer(PhraseKey.for_v1(SpeakParams(), args["text"])) as writer:
            writer.append(args["audio"].encode("latin-1"))
            return {"stored": await writer.commit()}
    finally:
        await cache.aclose()


def main() -> None:
    mode, raw = sys.argv[1], json.loads(sys.stdin.read())
    if mode == "budget":
        print(json.dumps(asyncio.run(budget(raw))), flush=True)
    elif mode == "cache_put":
        print(json.dumps(asyncio.run(cache_put(raw))), flush=True)
    elif mode == "hold":
        asyncio.run(hold(raw))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()

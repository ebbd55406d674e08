"""Fixtures of the fleet tests: a private, real ``redis-server`` (never a mock), a fake clock.

The session server listens on a free loopback port, keeps nothing on disk (``--save ''
--appendonly no``) in a private temp dir, requires a password (so every test also exercises
redaction), and is stopped at teardown. Each test gets its own project key, so tests share the
server without seeing each other's keys. Tests that stop and start Redis get their own server.
"""

from __future__ import annotations

import asyncio
import json
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
import redis.asyncio as aioredis

from deepgram_tts2 import timing
from deepgram_tts2.fleet.options import FleetOptions
from deepgram_tts2.loadtest.redis_server import RedisServer

REDIS_SERVER = shutil.which("redis-server")
PASSWORD = "fleet-test-Pa55word"
ROOT = pathlib.Path(__file__).resolve().parents[2]
T = TypeVar("T")


def free_port() -> int:
    """A loopback port nothing listens on (now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """The session's Redis."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is missing (scripts/system-deps installs it)")
    with tempfile.TemporaryDirectory(prefix="dgtts-redis-") as tmp:
        server = RedisServer(free_port(), pathlib.Path(tmp), PASSWORD)
        server.start()
        yield server
        server.stop()


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A Redis of this test alone (for stopping and starting it); stopped at teardown."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is missing (scripts/system-deps installs it)")
    with tempfile.TemporaryDirectory(prefix="dgtts-redis-") as tmp:
        server = RedisServer(free_port(), pathlib.Path(tmp), PASSWORD)
        server.start()
        yield server
        server.stop()


@pytest.fixture
def project() -> str:
    """A project key no other test uses."""
    return f"test-{uuid.uuid4().hex[:12]}"


def fleet_options(url: str, project: str, **governor: object) -> FleetOptions:
    """Fleet options on ``url`` with short, test-friendly intervals."""
    settings: dict[str, object] = {
        "backend": "redis",
        "websocket_limit": 2,
        "rest_limit": 1,
        "poll_initial_s": 0.02,
        "poll_max_s": 0.2,
        "probe_initial_s": 0.05,
        "probe_max_s": 0.2,
    }
    settings.update(governor)
    return FleetOptions.model_validate({"redis_url": url, "project": project, "governor": settings})


async def eventually(predicate: Callable[[], bool], within_s: float = 15.0) -> None:
    """Poll ``predicate`` (state owned by other tasks or processes); a hang guard only."""

    async def poll() -> None:
        while not predicate():  # noqa: ASYNC110 - no event to wait on
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), within_s)


async def eventually_async(
    predicate: Callable[[], Awaitable[bool]], within_s: float = 15.0
) -> None:
    """Like :func:`eventually` for an async predicate (e.g. a Redis query)."""

    async def poll() -> None:
        while not await predicate():  # noqa: ASYNC110 - state in Redis or another process
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), within_s)


async def within(awaitable: Awaitable[T], seconds: float = 15.0) -> T:
    """``await awaitable`` with a hang guard (``asyncio.timeout`` is 3.11+)."""
    return await asyncio.wait_for(awaitable, seconds)


class FakeClock(timing.FakeClock):
    """The library's fake clock, settling more loop rounds per step (Redis round trips)."""

    async def settle(self, rounds: int = 30) -> None:
        await super().settle(rounds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def raw_redis(redis_server: RedisServer) -> AsyncIterator[aioredis.Redis]:
    """A plain redis.asyncio client on the session server (for inspecting keys)."""
    client = aioredis.Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


async def advance_until(
    clock: FakeClock, predicate: Callable[[], bool], step_s: float = 0.1, max_steps: int = 2000
) -> None:
    """Move fake time in steps until ``predicate()`` holds; between steps real I/O may land.

    The real pause is not a wait for our timers (they run on the fake clock); it lets a
    round trip to Redis that a timer started complete. ``max_steps`` is the hang guard.
    """
    for _ in range(max_steps):
        if predicate():
            return
        await clock.advance(step_s)
        await asyncio.sleep(0.005)
    raise AssertionError("condition not reached")


async def step_time(clock: FakeClock, seconds: float, step_s: float = 0.1) -> None:
    """Move fake time by ``seconds`` in steps, letting real I/O land between them."""
    steps = max(1, round(seconds / step_s))
    for _ in range(steps):
        await clock.advance(seconds / steps)
        await asyncio.sleep(0.005)


def spawn(mode: str, args: dict[str, Any]) -> subprocess.Popen[str]:
    """A worker process (``tests/fleet/worker.py``); its arguments (which hold the Redis
    password) go through stdin, not the command line other users can read."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fleet.worker", mode],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(args))
    proc.stdin.close()
    proc.stdin = None  # so communicate() does not flush the closed pipe
    return proc


def options_json(url: str, project: str, **gov: object) -> dict[str, Any]:
    options = fleet_options(url, project, **gov)
    dumped = options.model_dump(mode="json")
    dumped["redis_url"] = url  # SecretStr dumps masked
    return dumped

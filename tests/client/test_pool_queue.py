"""The pool's wait queue on a fake clock: every waiter gets an answer, by its own deadline.

Sockets here are stand-ins of :class:`~deepgram_tts2.client.connection.Connection` whose
handshakes the test completes or fails (the pool takes a factory); the real socket is tested
against the emulator in ``test_connection.py`` and the hang tests in ``test_hangs.py``.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from deepgram_tts2 import timing
from deepgram_tts2.client.connection import ConnectionState
from deepgram_tts2.client.pool import ConnectionPool
from deepgram_tts2.exceptions import (
    AuthError,
    CircuitOpenError,
    ConnectError,
    DeepgramTTSError,
    PhaseTimeoutError,
)
from deepgram_tts2.observability.hooks import MetricsHooks
from deepgram_tts2.options import TTSOptions
from deepgram_tts2.request.aura import SocketBudget
from deepgram_tts2.resilience.breaker import CircuitBreaker

_ids = itertools.count(1)


class FakeSocket:
    """Just enough of a Connection for the pool: a handshake the test decides. Like a
    Connection, it tells the pool (``on_state``) after every change of state."""

    def __init__(self, clock: timing.Clock, on_state: Any) -> None:
        self.id = next(_ids)
        self.state = ConnectionState.NEW
        self._on_state = on_state
        self.owner: Any = None
        self.opened_at = 0.0
        self.budget = SocketBudget.create(2400, 20, 60.0)
        self.rtt = None
        self._clock = clock
        self.handshake: asyncio.Future[DeepgramTTSError | None] = (
            asyncio.get_running_loop().create_future()
        )

    @property
    def idle(self) -> bool:
        return self.state is ConnectionState.IDLE

    @property
    def alive(self) -> bool:
        return self.state not in (ConnectionState.CLOSED, ConnectionState.FAILED)

    def age(self, now: float) -> float:
        return now - self.opened_at

    def _move(self, state: ConnectionState) -> None:
        if state is not self.state:
            self.state = state
            self._on_state(self)

    async def connect(self) -> None:
        self._move(ConnectionState.CONNECTING)
        error = await self.handshake
        if error is not None:
            self._move(ConnectionState.FAILED)
            raise error
        self.opened_at = self._clock.now()
        self._move(ConnectionState.IDLE)

    def acquire(self, owner: Any) -> None:
        assert self.state is ConnectionState.IDLE
        self._move(ConnectionState.BUSY)
        self.owner = owner

    def release(self) -> None:
        self.owner = None
        self._move(ConnectionState.IDLE)

    async def close(self) -> None:
        self._move(ConnectionState.CLOSED)

    def abort(self) -> None:
        self._move(ConnectionState.FAILED)


class Owner:
    def __init__(self, name: str) -> None:
        self.request_id = name
        self.done = False


class Rig:
    def __init__(self, **limits: Any) -> None:
        self.clock = timing.FakeClock()
        options = TTSOptions.create(limits={"prewarm": 0, **limits}, timeouts={"connect_s": 5})
        self.sockets: list[FakeSocket] = []
        self.pool = ConnectionPool(
            options,
            MetricsHooks(),
            self.clock,
            CircuitBreaker(options.breaker.policy()),
            factory=self._make,  # type: ignore[arg-type]
        )

    def _make(self, on_state: Any) -> FakeSocket:
        socket = FakeSocket(self.clock, on_state)
        self.sockets.append(socket)
        return socket

    def acquire(self, name: str, within_s: float = 5.0) -> asyncio.Future[Any]:
        deadline = self.clock.now() + within_s
        return asyncio.ensure_future(self.pool.acquire(Owner(name), deadline))  # type: ignore[arg-type]

    def connecting(self) -> list[FakeSocket]:
        return [s for s in self.sockets if s.state is ConnectionState.CONNECTING]


async def outcome(future: asyncio.Future[Any]) -> Any:
    try:
        return await future
    except DeepgramTTSError as exc:
        return exc


async def test_sockets_still_connecting_count_once() -> None:
    """With pool_size 4 and 4 requests, 4 sockets open, not 3 (#10.1)."""
    rig = Rig(pool_size=4)
    waits = [rig.acquire(f"r{i}") for i in range(4)]
    await rig.clock.settle()
    assert len(rig.connecting()) == 4
    for socket in rig.sockets:
        socket.handshake.set_result(None)
    got = [await w for w in waits]
    assert sorted(s.id for s in got) == sorted(s.id for s in rig.sockets)


async def test_a_failed_open_answers_its_waiter_at_once() -> None:
    rig = Rig(pool_size=4)
    wait = rig.acquire("r")
    await rig.clock.settle()
    rig.sockets[0].handshake.set_result(ConnectError("refused"))
    await rig.clock.settle()
    assert wait.done()  # no timer had to pass
    assert isinstance(wait.exception(), ConnectError)


async def test_eight_waiters_on_a_dead_endpoint_all_get_an_answer() -> None:
    """Eight concurrent requests, four sockets, every handshake refused: nobody waits forever."""
    rig = Rig(pool_size=4)
    waits = [rig.acquire(f"r{i}") for i in range(8)]
    for _ in range(4):  # each failure makes room for the next waiter's own attempt
        await rig.clock.settle()
        for socket in rig.connecting():
            socket.handshake.set_result(ConnectError("refused"))
    await rig.clock.settle()
    results = [await outcome(w) for w in waits]
    assert all(isinstance(r, ConnectError | CircuitOpenError) for r in results)
    assert rig.clock.now() == timing.FakeClock().now()  # all answered without any time passing


async def test_a_waiter_for_a_busy_pool_leaves_at_its_deadline_with_phase_queue() -> None:
    rig = Rig(pool_size=1)
    first = rig.acquire("first")
    await rig.clock.settle()
    rig.sockets[0].handshake.set_result(None)
    await first
    second = rig.acquire("second", within_s=2.0)
    await rig.clock.advance(1.9)
    assert not second.done()
    await rig.clock.advance(0.1)
    error = await outcome(second)
    assert isinstance(error, PhaseTimeoutError)
    assert error.phase == "queue"
    assert rig.pool.queued == 0


async def test_a_waiter_whose_handshake_hangs_leaves_with_phase_connect() -> None:
    rig = Rig(pool_size=1)
    wait = rig.acquire("r", within_s=3.0)
    await rig.clock.advance(3.0)
    error = await outcome(wait)
    assert isinstance(error, PhaseTimeoutError)
    assert error.phase == "connect"


async def test_a_released_socket_goes_to_the_oldest_waiter() -> None:
    rig = Rig(pool_size=1)
    first = rig.acquire("first")
    await rig.clock.settle()
    rig.sockets[0].handshake.set_result(None)
    socket = await first
    second, third = rig.acquire("second"), rig.acquire("third")
    await rig.clock.settle()
    rig.pool.release(socket)
    await rig.clock.settle()
    assert second.done()
    assert not third.done()
    assert (await second).owner.request_id == "second"


async def test_abandon_answers_none_at_once() -> None:
    rig = Rig(pool_size=1)
    first = rig.acquire("first")
    await rig.clock.settle()
    rig.sockets[0].handshake.set_result(None)
    await first
    owner = Owner("leaver")
    wait = asyncio.ensure_future(rig.pool.acquire(owner, rig.clock.now() + 5))  # type: ignore[arg-type]
    await rig.clock.settle()
    rig.pool.abandon(owner)  # type: ignore[arg-type]
    assert await wait is None


async def test_rejected_credentials_fail_every_later_request_without_a_handshake() -> None:
    rig = Rig(pool_size=2)
    wait = rig.acquire("r")
    await rig.clock.settle()
    rig.sockets[0].handshake.set_result(AuthError("invalid credentials", status=401))
    error = await outcome(wait)
    assert isinstance(error, AuthError)
    rig.pool.report_failure(error, trip=True)  # what the request's failure policy decides
    again = await outcome(rig.acquire("r2"))
    assert isinstance(again, AuthError)
    assert len(rig.sockets) == 1  # the breaker tripped: no second handshake


@pytest.mark.parametrize("size", [1, 3])
async def test_the_pool_never_exceeds_its_size(size: int) -> None:
    rig = Rig(pool_size=size)
    waits = [rig.acquire(f"r{i}", within_s=1.0) for i in range(6)]
    await rig.clock.settle()
    assert len(rig.sockets) == size
    await rig.clock.advance(1.0)
    for wait in waits:
        await outcome(wait)
    assert rig.pool.queued == 0

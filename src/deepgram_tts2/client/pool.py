"""A bounded pool of WebSockets: prewarm, reuse, budget-aware choice, rotation, replacement.

* ``start()`` opens ``limits.prewarm`` sockets so the first request pays no handshake.
* ``acquire()`` hands out the idle socket with the most character budget left; it opens a new
  one when none is idle (or the best one's budget is low) and the pool has room, and otherwise
  waits in a bounded queue (``QueueFullError`` past ``max_queued_requests``).
* New sockets are opened only when the circuit breaker allows; credentials rejected trip it,
  and while it stays open the same :class:`AuthError` is reported instead of reconnecting.
* A maintenance task replaces sockets older than ``0.9 * max_age_s`` make-before-break (the
  replacement is opened while the old socket keeps serving; the old one is closed when idle),
  before Deepgram's 60-minute lifetime closes them; a socket past ``max_age_s`` never starts
  another request. It also reports ping RTTs (websockets pings idle sockets every
  ``ping_interval_s``; a missing pong closes the socket) and re-opens the prewarm sockets after
  an outage. A socket lost while idle is replaced in the background.
* A request that ends while it waits in the queue leaves it at once (:meth:`abandon`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from deepgram_tts2.client.connection import Connection, ConnectionState, Owner
from deepgram_tts2.exceptions import (
    AuthError,
    CircuitOpenError,
    ClientClosedError,
    DeepgramTTSError,
    QueueFullError,
)
from deepgram_tts2.observability.hooks import MetricsHooks
from deepgram_tts2.options import TTSOptions
from deepgram_tts2.protocol.errors import ErrorClass
from deepgram_tts2.resilience.breaker import BreakerState, CircuitBreaker

log = logging.getLogger("deepgram_tts2.client")


@dataclass(frozen=True)
class ConnectionInfo:
    """A snapshot of one socket, for health checks."""

    id: int
    state: str
    age_s: float
    chars_left: int
    flushes_left: int
    rtt_s: float | None


class ConnectionPool:
    """See the module docstring."""

    def __init__(
        self,
        options: TTSOptions,
        hooks: MetricsHooks,
        clock: Callable[[], float],
        breaker: CircuitBreaker,
    ) -> None:
        self.options = options
        self.hooks = hooks
        self.clock = clock
        self.breaker = breaker
        self._conns: list[Connection] = []
        self._connecting = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._waiting: dict[int, asyncio.Future[None]] = {}  # id(owner) -> its place in line
        self._rotating: set[Connection] = set()  # replacement being opened
        self._superseded: set[Connection] = set()  # replacement open: retire when released
        self._rtt_reported: dict[int, float] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._auth_error: AuthError | None = None
        self._closed = False
        self._maintenance: asyncio.Task[None] | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the prewarm sockets (failures are recorded, not raised) and start maintenance."""
        results = await asyncio.gather(
            *(self._open() for _ in range(self.options.limits.prewarm)), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, DeepgramTTSError):
                raise result
        self._maintenance = asyncio.create_task(self._maintain(), name="dgtts-pool-maintenance")

    async def aclose(self) -> None:
        """Close every socket and background task."""
        self._closed = True
        if self._maintenance is not None:
            self._maintenance.cancel()
        for task in list(self._tasks) + ([self._maintenance] if self._maintenance else []):
            task.cancel()
        for task in list(self._tasks) + ([self._maintenance] if self._maintenance else []):
            with contextlib.suppress(asyncio.CancelledError, DeepgramTTSError):
                await task
        await asyncio.gather(*(c.close() for c in self._conns), return_exceptions=True)
        self._conns.clear()
        self._wake_all()

    # -- acquiring ----------------------------------------------------------------------------

    async def acquire(self, owner: Owner) -> Connection | None:
        """A socket for ``owner`` (see the module docstring for the policy).

        Returns:
            The socket, now BUSY and owned by ``owner``; None when ``owner`` ended (was
            interrupted) before a socket was available (see :meth:`abandon`).

        Raises:
            AuthError, RateLimitError, ConnectError, ...: opening a socket failed.
            CircuitOpenError: a socket was needed and the breaker is open.
            QueueFullError: too many requests already wait.
            ClientClosedError: the pool is closed.
        """
        while True:
            if self._closed:
                raise ClientClosedError("the client is closed")
            if owner.done:
                return None
            conn = self._pick_idle()
            if conn is not None:
                conn.acquire(owner)
                return conn
            if await self._await_finishing():
                continue
            if self._room():
                conn = await self._open()
                if owner.done:  # interrupted during the handshake: keep the socket for others
                    self._wake_one()
                    return None
                conn.acquire(owner)
                return conn
            await self._wait_turn(owner)

    def abandon(self, owner: Owner) -> None:
        """``owner`` no longer needs a socket: if it waits in the queue, it leaves now."""
        future = self._waiting.get(id(owner))
        if future is not None and not future.done():
            future.set_result(None)

    async def _await_finishing(self) -> bool:
        """Wait for a socket whose request just ended (or is clearing); True if there was one.

        Waiting one round trip for ``Cleared`` is cheaper than a new handshake, so the turn
        after a barge-in reuses the interrupted turn's socket.
        """
        for conn in self._conns:
            owner = conn.owner
            finishing = conn.state is ConnectionState.CLEARING or (
                conn.state is ConnectionState.BUSY and owner is not None and owner.done
            )
            if finishing:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(conn.settled.wait(), self.options.timeouts.clear_s)
                return True
        return False

    def _pick_idle(self) -> Connection | None:
        now = self.clock()
        idle = []
        for conn in list(self._conns):  # _retire() removes from the list
            if conn.usable and conn.owner is None:
                if self._expired(conn):
                    self._retire(conn)
                else:
                    idle.append(conn)
        if not idle:
            return None
        best = max(
            idle,
            key=lambda c: (
                c not in self._rotating,
                c.flushes.remaining(now),
                c.chars.remaining(now),
            ),
        )
        limits = self.options.limits
        low = (
            best.chars.remaining(now) < limits.chars_per_window // 4
            or best.flushes.remaining(now) <= self.options.segmenter.reserve
        )
        if low and self._room():
            return None  # open a fresh socket with a full budget instead
        return best

    def _alive(self) -> list[Connection]:
        return [c for c in self._conns if c.alive]

    def _room(self) -> bool:
        return len(self._alive()) + self._connecting < self.options.limits.pool_size

    async def _wait_turn(self, owner: Owner) -> None:
        if len(self._waiters) >= self.options.limits.max_queued_requests:
            raise QueueFullError(
                f"{len(self._waiters)} requests already wait for a connection "
                f"(limits.max_queued_requests)"
            )
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        self._waiting[id(owner)] = future
        self.hooks.on_queue_depth(len(self._waiters))
        try:
            await future
        finally:
            self._waiting.pop(id(owner), None)
            with contextlib.suppress(ValueError):
                self._waiters.remove(future)
            self.hooks.on_queue_depth(len(self._waiters))

    def _wake_one(self) -> None:
        while self._waiters:
            future = self._waiters.popleft()
            if not future.done():
                future.set_result(None)
                return

    def _wake_all(self) -> None:
        while self._waiters:
            future = self._waiters.popleft()
            if not future.done():
                future.set_result(None)

    async def _open(self) -> Connection:
        now = self.clock()
        if not self.breaker.allow(now):
            if self._auth_error is not None:
                error = self._auth_error
                raise AuthError(
                    error.message,
                    request_id=error.request_id,
                    status=error.status,
                    vendor_code=error.vendor_code,
                )
            retry_at = self.breaker.retry_at(now)
            wait = 0.0 if retry_at is None else max(0.0, retry_at - now)
            raise CircuitOpenError(
                f"circuit breaker open: not connecting for another {wait:.1f} s",
                retry_after_s=wait,
            )
        conn = Connection(self.options, self.hooks, self.clock, on_state=self._on_state)
        self._conns.append(conn)
        self._connecting += 1
        try:
            await conn.connect()
        except DeepgramTTSError as exc:
            self._forget(conn)
            self._record_failure(exc)
            raise
        except BaseException:  # cancelled mid-handshake
            self._forget(conn)
            conn.abort()
            raise
        finally:
            self._connecting -= 1
        self.breaker.record_success(self.clock())
        self._auth_error = None
        return conn

    def _record_failure(self, exc: DeepgramTTSError) -> None:
        now = self.clock()
        if isinstance(exc, AuthError):
            self._auth_error = exc
            self.breaker.trip(now)
        elif exc.error_class in (ErrorClass.TRANSIENT, ErrorClass.RATE_LIMIT):
            self.breaker.record_failure(now)

    def record_request_failure(self, exc: DeepgramTTSError) -> None:
        """A request lost its socket: count it against the endpoint."""
        if exc.error_class is ErrorClass.TRANSIENT:
            self.breaker.record_failure(self.clock())

    # -- releasing ----------------------------------------------------------------------------

    def release(self, conn: Connection) -> None:
        """The request is done with ``conn`` (completed, or ended by an error)."""
        if conn.state is ConnectionState.BUSY:
            conn.release()
        else:
            conn.owner = None
        if not conn.usable or self._expired(conn):
            self._retire(conn)
        self._wake_one()

    def release_after_clear(self, conn: Connection) -> None:
        """The request was interrupted and Clear sent: reuse ``conn`` once Cleared arrives."""
        conn.owner = None
        self._spawn(self._await_cleared(conn))

    async def _await_cleared(self, conn: Connection) -> None:
        try:
            await asyncio.wait_for(conn.cleared.wait(), self.options.timeouts.clear_s)
        except TimeoutError:
            log.info(
                "connection %d: no Cleared in time; replacing it",
                conn.id,
                extra={"connection_id": conn.id},
            )
            conn.abort()
        if not conn.alive or (conn.usable and self._expired(conn)):
            self._retire(conn)
        self._wake_one()

    def _expired(self, conn: Connection) -> bool:
        """True when ``conn`` must not serve another request (too old, or replaced)."""
        return conn in self._superseded or conn.age(self.clock()) >= self.options.limits.max_age_s

    def _retire(self, conn: Connection) -> None:
        """Close ``conn`` in the background and keep the prewarm count."""
        self._forget(conn)
        if conn.alive:
            self._spawn(conn.close())
        self._replenish()

    def _replenish(self) -> None:
        if self._closed:
            return
        missing = self.options.limits.prewarm - len(self._alive()) - self._connecting
        for _ in range(max(0, missing)):
            if self.breaker.state(self.clock()) is BreakerState.OPEN:
                return  # after the cool-down a half-open probe is allowed again
            self._spawn(self._open_quietly())

    async def _open_quietly(self) -> None:
        with contextlib.suppress(DeepgramTTSError):
            await self._open()
            self._wake_one()

    def _forget(self, conn: Connection) -> None:
        if conn in self._conns:
            self._conns.remove(conn)
        self._rtt_reported.pop(conn.id, None)
        self._superseded.discard(conn)

    def _on_state(self, conn: Connection) -> None:
        # A socket that had been open and died while idle is replaced in the background; one
        # that never opened is not (the request that opened it reports the failure).
        if not conn.alive and conn.owner is None and conn in self._conns and conn.opened_at:
            self._conns.remove(conn)
            self._replenish()
            self._wake_one()

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- maintenance --------------------------------------------------------------------------

    async def _maintain(self) -> None:
        limits = self.options.limits
        interval = min(1.0, limits.max_age_s / 4)
        while not self._closed:
            await asyncio.sleep(interval)
            self._replenish()  # reconnects in the background after an outage (readiness)
            now = self.clock()
            for conn in list(self._conns):
                if not conn.usable:
                    continue
                if conn.age(now) >= limits.max_age_s * 0.9 and conn not in self._rotating:
                    self._rotate(conn)
                self._report_rtt(conn)

    def _report_rtt(self, conn: Connection) -> None:
        """Report a socket's latest ping round trip once (websockets measures it)."""
        rtt = conn.rtt
        if rtt is not None and self._rtt_reported.get(conn.id) != rtt:
            self._rtt_reported[conn.id] = rtt
            self.hooks.on_rtt(rtt)

    def _rotate(self, old: Connection) -> None:
        """Make-before-break: open the replacement while ``old`` keeps serving, then close it.

        The replacement may take the pool one over ``pool_size`` for a moment. If it cannot be
        opened, ``old`` serves on and is retried on the next round; past ``max_age_s`` it is
        closed regardless (between requests).
        """
        self._rotating.add(old)

        async def rotate() -> None:
            try:
                await self._open()
            except DeepgramTTSError:
                return
            finally:
                self._rotating.discard(old)
            if old.owner is None and old.usable:
                self._retire(old)  # idle: close it now
            else:
                self._superseded.add(old)  # busy: release() retires it
            self._wake_one()

        self._spawn(rotate())

    # -- introspection ------------------------------------------------------------------------

    def snapshot(self) -> list[ConnectionInfo]:
        """The sockets as they are now."""
        now = self.clock()
        return [
            ConnectionInfo(
                c.id,
                c.state.value,
                round(c.age(now), 3) if c.opened_at else 0.0,
                c.chars.remaining(now),
                c.flushes.remaining(now),
                c.rtt,
            )
            for c in self._conns
        ]

    @property
    def queued(self) -> int:
        """Requests waiting for a socket."""
        return len(self._waiters)

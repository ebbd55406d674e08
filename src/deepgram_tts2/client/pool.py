"""A bounded pool of WebSockets: prewarm, a fair wait queue with deadlines, budgets, rotation.

* ``start()`` opens ``limits.prewarm`` sockets so the first request pays no handshake.
* ``acquire(owner, deadline)`` hands out an idle socket (the one with the most budget left, or
  a fresh one when the best is low on budget and the pool has room); otherwise the request
  waits in a FIFO queue (``QueueFullError`` past ``max_queued_requests``). A waiter for whom
  there is room gets a socket opened on its behalf; every outcome of that open reaches it: the
  socket (handed to the head of the queue), or the error, at once. A waiter whose deadline
  passes leaves with ``PhaseTimeoutError`` (phase ``queue`` when it waited for a busy socket,
  ``connect`` when its handshake was under way); the request's failure policy decides what
  next (another attempt, REST, or the end).
* New sockets are opened only when the circuit breaker allows; rejected credentials trip it,
  and while it stays open the same :class:`AuthError` is reported instead of reconnecting.
* Sockets still connecting count once against ``pool_size``.
* Every socket holds a lease of the concurrency governor (:mod:`deepgram_tts2.fleet`: in
  process by default, shared by a fleet on Redis): taken before the handshake (a live request
  before prewarming), given back when the socket leaves the pool; when the fleet is near its
  limit, idle sockets are closed so their slots go to live turns elsewhere.
* A socket an interrupted request left work on is cleared (``Clear`` -> ``Cleared``) before
  reuse; one in an unknown state is closed gracefully (close frame) in the background.
* A maintenance loop replaces sockets older than ``0.9 * max_age_s`` make-before-break, before
  Deepgram's 60-minute lifetime closes them (aura §2.6), reports ping round trips of every open
  socket, and re-opens the prewarm sockets after an outage.

Time comes from a :class:`~deepgram_tts2.timing.Clock`; sockets from a factory, so the queue and
its deadlines are tested with a fake clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, cast

from deepgram_tts2 import timing
from deepgram_tts2.client.connection import Connection, ConnectionState, Owner
from deepgram_tts2.client.flux_connection import FluxConnection
from deepgram_tts2.client.idle import IdleSockets, Rank
from deepgram_tts2.exceptions import (
    AuthError,
    CircuitOpenError,
    ClientClosedError,
    DeepgramTTSError,
    PhaseTimeoutError,
    QueueFullError,
)
from deepgram_tts2.fleet.governor import Governor, Kind, Lease, Pressure, Priority
from deepgram_tts2.observability.hooks import MetricsHooks
from deepgram_tts2.options import TTSOptions
from deepgram_tts2.resilience.breaker import BreakerState, CircuitBreaker
from deepgram_tts2.resilience.policy import FailureContext, decide

log = logging.getLogger("deepgram_tts2.client")

# A factory's connection calls the callback it is given after every change of its state: that
# is how the pool learns a socket became idle (:meth:`ConnectionPool._on_state`).
ConnectionFactory = Callable[[Callable[[Connection], None]], Connection]


@dataclass(frozen=True)
class ConnectionInfo:
    """A snapshot of one socket, for health checks."""

    id: int
    state: str
    age_s: float
    chars_left: int
    flushes_left: int
    rtt_s: float | None


@dataclass(eq=False)
class _Waiter:
    owner: Owner
    prefer_budget: bool
    deadline: float
    future: asyncio.Future[object] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    opening: bool = False  # a socket is being opened on its behalf


class ConnectionPool:
    """See the module docstring."""

    def __init__(
        self,
        options: TTSOptions,
        hooks: MetricsHooks,
        clock: timing.Clock,
        breaker: CircuitBreaker,
        factory: ConnectionFactory | None = None,
        governor: Governor | None = None,
    ) -> None:
        self.options = options
        self.hooks = hooks
        self.clock = clock
        self.breaker = breaker
        kind = FluxConnection if options.generation == "v2" else Connection
        self._factory: ConnectionFactory = factory or (
            lambda on_state: kind(options, hooks, clock.now, on_state=on_state)
        )
        self._conns: dict[Connection, None] = {}  # in the order they were created
        self._idle: IdleSockets[Connection] = IdleSockets(self._rank, self._rank_changes_at)
        self._waiters: deque[_Waiter] = deque()
        self._rotating: set[Connection] = set()  # replacement being opened
        self._superseded: set[Connection] = set()  # replacement open: retire when released
        self._rtt_reported: dict[int, float] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._auth_error: AuthError | None = None
        self._flush_limit: int | None = None  # learned from EXCESSIVE_FLUSH
        self._last_failure: DeepgramTTSError | None = None  # named when the breaker is open
        self._closed = False
        self._maintenance: asyncio.Task[None] | None = None
        self._governor = governor
        self._leases: dict[int, Lease] = {}  # id(connection) -> its governor lease
        self._unwatch = governor.watch_pressure(self._on_pressure) if governor is not None else None

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the prewarm sockets (failures are recorded, not raised) and start maintenance."""
        opens = [self._open() for _ in range(self.options.limits.prewarm)]
        results = await asyncio.gather(*opens, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, DeepgramTTSError):
                raise result
        self._maintenance = asyncio.create_task(self._maintain(), name="dgtts-pool-maintenance")

    async def aclose(self) -> None:
        """Close every socket and background task; waiters get ``ClientClosedError``."""
        self._closed = True
        if self._unwatch is not None:
            self._unwatch()
        for waiter in list(self._waiters):
            self._resolve(waiter, ClientClosedError("the client is closed"))
        tasks = list(self._tasks) + ([self._maintenance] if self._maintenance else [])
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, DeepgramTTSError):
                await task
        await asyncio.gather(*(c.close() for c in self._conns), return_exceptions=True)
        for conn in list(self._conns):
            self._forget(conn)

    # -- acquiring ----------------------------------------------------------------------------

    async def acquire(
        self, owner: Owner, deadline: float, prefer_budget: bool = False
    ) -> Connection | None:
        """A socket for ``owner`` by ``deadline`` (see the module docstring for the policy).

        Returns:
            The socket, now BUSY and owned by ``owner``; None when ``owner`` left the queue
            (:meth:`abandon`, an interrupt).

        Raises:
            PhaseTimeoutError: ``deadline`` passed (phase ``queue`` or ``connect``).
            AuthError, RateLimitError, ConnectError, ...: the open made for this request failed.
            CircuitOpenError: a socket was needed and the breaker is open.
            QueueFullError: too many requests already wait.
            ClientClosedError: the pool is closed.
        """
        if self._closed:
            raise ClientClosedError("the client is closed")
        conn = self._take_idle(prefer_budget)
        if conn is not None:
            conn.acquire(owner)
            return conn
        if len(self._waiters) >= self.options.limits.max_queued_requests:
            raise QueueFullError(
                f"{len(self._waiters)} requests already wait for a connection "
                f"(limits.max_queued_requests)"
            )
        waiter = _Waiter(owner, prefer_budget, deadline)
        self._waiters.append(waiter)
        self.hooks.on_queue_depth(len(self._waiters))
        self._pump()
        try:
            answered = await timing.wait(self.clock, waiter.future, deadline)
        except BaseException:  # cancelled: a socket handed over meanwhile goes back
            self._leave(waiter)
            result = waiter.future.result() if waiter.future.done() else None
            if result is not None and getattr(result, "owner", None) is owner:
                self.release(cast(Connection, result))
            raise
        self._leave(waiter)
        if not answered:
            phase = "connect" if waiter.opening else "queue"
            raise PhaseTimeoutError(phase, self.options.timeouts.connect_s)
        result = waiter.future.result()
        if isinstance(result, DeepgramTTSError):
            raise result
        return cast("Connection | None", result)

    def abandon(self, owner: Owner) -> None:
        """``owner`` no longer needs a socket: if it waits in the queue, it leaves now."""
        for waiter in self._waiters:
            if waiter.owner is owner:
                self._resolve(waiter, None)

    def _leave(self, waiter: _Waiter) -> None:
        with contextlib.suppress(ValueError):
            self._waiters.remove(waiter)
        self.hooks.on_queue_depth(len(self._waiters))

    @staticmethod
    def _resolve(waiter: _Waiter, result: object) -> bool:
        if waiter.future.done():
            return False
        waiter.future.set_result(result)
        return True

    def _pump(self) -> None:
        """Serve the queue in order: idle sockets first, then sockets about to be free (a turn
        that just ended, a Clear under way: one round trip is cheaper than a handshake, so the
        turn after a barge-in reuses the interrupted turn's socket), then opens where there is
        room."""
        if self._closed or not self._waiters:
            return
        soon = sum(1 for c in self._conns if self._soon_free(c))
        for waiter in list(self._waiters):
            if waiter.future.done():
                continue
            conn = self._take_idle(waiter.prefer_budget)
            if conn is not None:
                conn.acquire(waiter.owner)
                self._resolve(waiter, conn)
                continue
            if soon > 0 and not waiter.prefer_budget:
                soon -= 1
                continue
            if waiter.opening or not self._room():
                continue
            refusal = self._refusal()
            if refusal is not None:
                self._resolve(waiter, refusal)
                continue
            waiter.opening = True
            self._spawn(self._open_for(waiter, self._new_connection(), waiter.deadline))

    async def _open_for(self, waiter: _Waiter, conn: Connection, deadline: float) -> None:
        try:
            await self._connect(conn, background=False, deadline=deadline)
        except DeepgramTTSError as exc:
            self._resolve(waiter, exc)  # its own open failed: it decides what next
        finally:
            waiter.opening = False
        self._pump()  # the new socket goes to the head of the queue

    @staticmethod
    def _soon_free(conn: Connection) -> bool:
        if conn.state is ConnectionState.CLEARING:
            return True
        owner = conn.owner
        return conn.state is ConnectionState.BUSY and owner is not None and owner.done

    def _take_idle(self, prefer_budget: bool) -> Connection | None:
        """The idle socket ranked best (:meth:`_rank`), taken out of the idle index; None
        when there is none, or when it is low on budget and a fresh socket may be opened."""
        now = self.clock.now()
        while True:
            best, unusable = self._idle.best(now)
            for conn in unusable:
                if conn in self._conns:
                    self._retire(conn)  # too old, or replaced
            if best is None or (best.owner is None and best.state is ConnectionState.IDLE):
                break
            self._idle.discard(best)  # taken or gone without the index being told
        if best is None:
            return None
        if self._low(best, now, strict=prefer_budget) and self._room():
            return None  # open a fresh socket with a full budget instead
        self._idle.discard(best)
        return best

    def _rank(self, conn: Connection, now: float) -> Rank | None:
        """Where an idle socket stands (smaller is better); None when it must not serve again.

        The most budget first (Flushes, then characters), then the one used last: a Flux
        session keeps its prosody across turns (flux §3.8), so a conversation's turns stay on
        one socket when they can. A socket being replaced comes after every other; ties go to
        the first in the pool.
        """
        if self._expired(conn, now):
            return None
        budget = conn.budget
        return (
            conn in self._rotating,
            -budget.flushes.remaining(now),
            -budget.chars.remaining(now),
            -getattr(conn, "released_at", 0.0),
            conn.id,
        )

    def _rank_changes_at(self, conn: Connection, now: float) -> float:
        """When an idle socket's rank changes with time alone: a budget entry expires, or the
        socket reaches ``max_age_s``."""
        budget = conn.budget
        aged = conn.opened_at + self.options.limits.max_age_s
        return min(budget.flushes.next_expiry(), budget.chars.next_expiry(), aged)

    def _offer(self, conn: Connection) -> None:
        """``conn`` may be idle now (its state changed, or its rank did): rank it if it is."""
        if conn.owner is None and conn.state is ConnectionState.IDLE and conn in self._conns:
            self._idle.add(conn, self.clock.now())

    def _low(self, conn: Connection, now: float, strict: bool) -> bool:
        limits = self.options.limits
        chars = conn.budget.chars.remaining(now)
        flushes = conn.budget.flushes.remaining(now)
        if strict:
            return chars < limits.chars_per_window // 2 or flushes <= limits.flushes_per_window // 2
        return chars < limits.chars_per_window // 4 or flushes <= self.options.segmenter.reserve

    def _room(self) -> bool:
        alive = sum(1 for c in self._conns if c.alive or c.state is ConnectionState.NEW)
        return alive < self.options.limits.pool_size

    def _refusal(self) -> DeepgramTTSError | None:
        """Why no socket may be opened now (the breaker), or None."""
        now = self.clock.now()
        if self.breaker.allow(now):
            return None
        if self._auth_error is not None:
            error = self._auth_error
            return AuthError(
                error.message,
                request_id=error.request_id,
                status=error.status,
                vendor_code=error.vendor_code,
            )
        retry_at = self.breaker.retry_at(now)
        wait = 0.0 if retry_at is None else max(0.0, retry_at - now)
        last = self._last_failure
        cause = "" if last is None else f" (last failure: {last.message})"
        refusal = CircuitOpenError(
            f"circuit breaker open: not connecting for another {wait:.1f} s{cause}",
            retry_after_s=wait,
            status=None if last is None else last.status,
            close_code=None if last is None else last.close_code,
            vendor_code=None if last is None else last.vendor_code,
        )
        refusal.__cause__ = last  # what opened it
        return refusal

    async def _open(self) -> Connection:
        """Open one socket if the breaker allows.

        Raises:
            DeepgramTTSError: the breaker refused or the open failed.
        """
        refusal = self._refusal()
        if refusal is not None:
            raise refusal
        conn = self._new_connection()
        return await self._connect(conn, background=True, deadline=self.clock.now())

    def _new_connection(self) -> Connection:
        """A socket counted in the pool from now on (before its handshake starts)."""
        conn = self._factory(self._on_state)
        if self._flush_limit is not None:
            conn.budget.flushes.limit = min(conn.budget.flushes.limit, self._flush_limit)
        self._conns[conn] = None
        return conn

    def learn_flush_limit(self, limit: int) -> None:
        """The server refused a Flush within ``limit`` per window: every socket keeps to it."""
        self._flush_limit = limit if self._flush_limit is None else min(self._flush_limit, limit)
        for conn in self._conns:
            conn.budget.flushes.limit = min(conn.budget.flushes.limit, self._flush_limit)
        self._idle.rerank_all(self.clock.now())

    async def _connect(self, conn: Connection, background: bool, deadline: float) -> Connection:
        """Take a governor lease, run ``conn``'s handshake; raise the failure.

        A background open (prewarm, replacement, rotation) only takes a free slot at once and
        yields to live turns; an open for a request waits in the fleet's line until the
        request's ``deadline``. What a failure means for the breaker is the failure policy's
        to say: for an open made for a request, that request's machine reports it (so it is
        counted once); for a background open the pool asks the policy itself.
        """
        try:
            await self._lease(conn, background, deadline)
            await conn.connect()
        except DeepgramTTSError as exc:
            self._forget(conn)
            self._last_failure = exc
            if background:
                self._report_background(exc)
            raise
        except BaseException:  # cancelled mid-handshake
            self._forget(conn)
            conn.abort()
            raise
        if self.breaker.state(self.clock.now()) is BreakerState.HALF_OPEN:
            self.breaker.record_success(self.clock.now())  # the probe got through
        self._auth_error = None
        return conn

    async def _lease(self, conn: Connection, background: bool, deadline: float) -> None:
        if self._governor is None:
            return
        priority = Priority.PREWARM if background else Priority.LIVE
        lease = await self._governor.acquire(Kind.WEBSOCKET, priority, deadline=deadline)
        if conn in self._conns:
            self._leases[id(conn)] = lease
        else:  # forgotten meanwhile (the pool closed)
            lease.release()

    def _on_pressure(self, pressure: Pressure) -> None:
        """The fleet is near its limit: idle sockets give their slots back."""
        if pressure.kind is not Kind.WEBSOCKET or not pressure.contended or self._closed:
            return
        for conn in list(self._conns):
            if conn.idle and conn.owner is None:
                self._let_go(conn)

    def _report_background(self, error: DeepgramTTSError) -> None:
        context = FailureContext("websocket", "websocket", False, False, at_handshake=True)
        decision = decide(error, context)
        if decision.breaker_trip or decision.breaker_failure:
            self.report_failure(error, trip=decision.breaker_trip)

    # -- what requests report -----------------------------------------------------------------

    def report_success(self) -> None:
        """A request completed over a socket."""
        self.breaker.record_success(self.clock.now())

    def report_failure(self, error: DeepgramTTSError, trip: bool = False) -> None:
        """A failure that counts against the endpoint (the failure policy said so)."""
        now = self.clock.now()
        self._last_failure = error
        if trip:
            if isinstance(error, AuthError):
                self._auth_error = error
            self.breaker.trip(now)
        else:
            self.breaker.record_failure(now)

    # -- releasing ----------------------------------------------------------------------------

    def release(self, conn: Connection) -> None:
        """The request is done with ``conn`` and left nothing on the server."""
        if conn.state is ConnectionState.BUSY:
            conn.release()
        if not conn.idle or self._expired(conn):
            self._retire(conn)
        elif self._fleet_wants_it_back():
            self._let_go(conn)  # its slot goes to a live turn elsewhere in the fleet
        self._pump()

    def _fleet_wants_it_back(self) -> bool:
        """True when the fleet's budget is exhausted with others waiting, and nobody here waits
        for the socket that just became idle."""
        if self._governor is None or any(not w.future.done() for w in self._waiters):
            return False
        return self._governor.pressure(Kind.WEBSOCKET).contended

    def release_clear(self, conn: Connection) -> None:
        """The request left work on the server: ``Clear`` it, reuse the socket after
        ``Cleared`` (a socket that is not answered within ``clear_s`` is closed)."""

        async def clear() -> None:
            if not await conn.clear(self.options.timeouts.clear_s):
                self.retire(conn)
            elif conn.idle and self._expired(conn):
                self.retire(conn)  # (a socket already taken again is retired when released)
            else:
                self._pump()

        if conn.start_clear():
            self._spawn(clear())
        else:
            self.retire(conn)

    def retire(self, conn: Connection) -> None:
        """``conn`` is in an unknown state: close it gracefully in the background."""
        self._retire(conn)
        self._pump()

    def _expired(self, conn: Connection, now: float | None = None) -> bool:
        """True when ``conn`` must not serve another request (too old, or replaced)."""
        age = conn.age(self.clock.now() if now is None else now)
        return conn in self._superseded or age >= self.options.limits.max_age_s

    def _retire(self, conn: Connection) -> None:
        """Close ``conn`` in the background and keep the prewarm count."""
        conn.owner = None  # from now on nothing it receives reaches a request
        self._let_go(conn)
        self._replenish()

    def _replenish(self) -> None:
        if self._closed:
            return
        alive = sum(1 for c in self._conns if c.alive or c.state is ConnectionState.NEW)
        missing = min(self.options.limits.prewarm - alive, self.options.limits.pool_size - alive)
        for _ in range(max(0, missing)):
            if self.breaker.state(self.clock.now()) is BreakerState.OPEN:
                return  # after the cool-down a half-open probe is allowed again
            self._spawn(self._open_quietly())

    async def _open_quietly(self) -> None:
        with contextlib.suppress(DeepgramTTSError):
            await self._open()
        self._pump()

    def _forget(self, conn: Connection, *, keep_lease: bool = False) -> Lease | None:
        """Drop ``conn`` from the pool; its fleet lease is given back, or returned with
        ``keep_lease`` (for a socket still closing)."""
        self._conns.pop(conn, None)
        self._idle.discard(conn)
        lease = self._leases.pop(id(conn), None)
        self._rtt_reported.pop(conn.id, None)
        self._superseded.discard(conn)
        if lease is not None and not keep_lease:
            lease.release()
            return None
        return lease

    def _let_go(self, conn: Connection) -> None:
        """Drop ``conn`` and close it in the background. Its fleet slot is given back only
        once the socket is closed: until then the server still counts it against the project
        (aura §2.6), and another process taking the slot at once could be refused with 429."""
        lease = self._forget(conn, keep_lease=True)
        if conn.state in (ConnectionState.CLOSED, ConnectionState.FAILED):
            if lease is not None:
                lease.release()
            return
        self._spawn(self._close_then_release(conn, lease))

    @staticmethod
    async def _close_then_release(conn: Connection, lease: Lease | None) -> None:
        try:
            await conn.close()
        finally:
            if lease is not None:
                lease.release()

    def _on_state(self, conn: Connection) -> None:
        # A socket that had been open and died while nobody used it is replaced in the
        # background; a busy one is handled by its request (which retires it).
        gone = conn.state in (ConnectionState.CLOSED, ConnectionState.FAILED)
        if conn.state is ConnectionState.IDLE:
            self._offer(conn)
            return
        self._idle.discard(conn)
        if gone and conn.owner is None and conn in self._conns and conn.opened_at:
            self._forget(conn)
            self._replenish()
            self._pump()

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- maintenance --------------------------------------------------------------------------

    async def _maintain(self) -> None:
        limits = self.options.limits
        interval = min(1.0, limits.max_age_s / 4)
        while not self._closed:
            await timing.sleep(self.clock, interval)
            self._replenish()  # reconnects in the background after an outage (readiness)
            now = self.clock.now()
            for conn in list(self._conns):
                if not conn.alive or conn.state is ConnectionState.CONNECTING:
                    continue
                self._report_rtt(conn)
                old = conn.age(now) >= limits.max_age_s * 0.9
                if old and conn.idle and conn not in self._rotating:
                    self._rotate(conn)

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
        self._offer(old)  # ranked after every other idle socket from now on

        async def rotate() -> None:
            try:
                await self._open()
            except DeepgramTTSError:
                return
            finally:
                self._rotating.discard(old)
                self._offer(old)
            if old.owner is None and old.idle:
                self._retire(old)  # idle: close it now
            else:
                self._superseded.add(old)  # busy: release() retires it
            self._pump()

        self._spawn(rotate())

    # -- introspection ------------------------------------------------------------------------

    def snapshot(self) -> list[ConnectionInfo]:
        """The sockets as they are now."""
        now = self.clock.now()
        return [
            ConnectionInfo(
                c.id,
                c.state.value,
                round(c.age(now), 3) if c.opened_at else 0.0,
                c.budget.chars.remaining(now),
                c.budget.flushes.remaining(now),
                c.rtt,
            )
            for c in self._conns
        ]

    @property
    def queued(self) -> int:
        """Requests waiting for a socket."""
        return len(self._waiters)

"""The Redis governor: one concurrency budget shared by every process that names the same Redis
URL and project.

Design (docs/fleet.md has the long version):

* **Leases** are members of a sorted set scored by their expiry (Redis time, ms). A background
  task renews every lease this process holds each ``renew_s``; a crashed worker stops renewing,
  and its slots come back when the TTL passes (any script call purges expired members first).
* **FIFO across processes**: a waiter takes a ticket in a sorted set scored
  ``priority * 10**12 + arrival number``; the acquire script grants when
  ``leases in use + the ticket's rank < limit``, so the first waiters in line get the free
  slots, live turns before pre-warming. Tickets carry their own TTL, renewed with the leases, so
  a waiter that died does not block the line.
* **Waking**: releases and expiries are announced on a pub/sub channel; within a process only
  the head of its line retries at once, and a waiter that gets a slot wakes the next one. The
  head also re-checks with a doubling poll interval, which covers a message lost while the
  subscription reconnects. Pub/sub messages carry the counts, so every process's
  :meth:`pressure` is current even when it waits for nothing.
* **Redis unreachable** (refused, timeouts, NOAUTH, READONLY, ...): one warning; from then on
  each process allows itself ``fallback_limit`` per kind, counting the leases it already holds;
  nothing waits on Redis. A probe retries with a doubling interval; when Redis answers, every
  lease held (including those granted during the outage) and every waiting ticket is registered
  again, leases released during the outage are removed, and the fleet budget applies again. A
  lease is never taken away: if registering the outage's leases puts the count over the limit,
  no new lease is granted until enough are released, so the excess lasts only as long as those
  leases do.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio.client import PubSub

from deepgram_tts2.exceptions import ClientClosedError
from deepgram_tts2.fleet import lua
from deepgram_tts2.fleet._common import FleetLease, PressureBoard
from deepgram_tts2.fleet.clock import Clock, LoopClock, sleep, wait_until
from deepgram_tts2.fleet.errors import GovernorTimeoutError
from deepgram_tts2.fleet.governor import Kind, Lease, Pressure, PressureCallback, Priority
from deepgram_tts2.fleet.metrics import SafeFleetHooks
from deepgram_tts2.fleet.options import FleetOptions
from deepgram_tts2.fleet.redis_conn import REDIS_ERRORS, GovernorKeys, RedisTarget

log = logging.getLogger("deepgram_tts2.fleet")
_UNREGISTERED = float("inf")


@dataclass(eq=False)
class _Waiter:
    kind: Kind
    priority: Priority
    seq: int
    ticket: str = field(default_factory=lambda: uuid.uuid4().hex)
    lease_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    score: float = _UNREGISTERED  # place in the fleet's line, once registered
    registered: bool = False  # a ticket may exist in Redis
    poll_s: float = 0.0
    wake: asyncio.Future[None] | None = None
    kicked: bool = False

    def order(self) -> tuple[float, int]:
        return (self.score, self.seq)

    def local_order(self) -> tuple[int, int]:
        return (int(self.priority), self.seq)

    def kick(self) -> None:
        # A kick while the waiter is busy (mid-attempt) is kept for its next wait, so news
        # that arrives during a round trip is not lost.
        self.kicked = True
        if self.wake is not None and not self.wake.done():
            self.wake.set_result(None)


class _DeadlinePassed(Exception):
    pass


class RedisGovernor:
    """Fleet-wide :class:`~deepgram_tts2.fleet.governor.Governor` on Redis.

    Args:
        options: ``redis_url``, ``project`` and ``governor`` settings.
        clock: the client's clock: deadlines, polls, renewals and probes use it.
        hooks: metrics hooks (see :mod:`deepgram_tts2.fleet.metrics`).
        fleet_time: seconds for lease and ticket expiry, passed to the scripts; None (the
            default, recommended) uses Redis's own clock, one for all hosts. Tests pass the
            fake clock's ``now`` to expire leases without waiting.
    """

    def __init__(
        self,
        options: FleetOptions,
        *,
        clock: Clock | None = None,
        hooks: object | None = None,
        fleet_time: Callable[[], float] | None = None,
    ) -> None:
        self._options = options
        self._gov = options.governor
        self._target = RedisTarget(options)
        self._clock: Clock = clock or LoopClock()
        self._fleet_time = fleet_time
        self._hooks = SafeFleetHooks(hooks)
        self._board = PressureBoard(self._hooks)
        self._keys = {kind: GovernorKeys.of(options, kind) for kind in Kind}
        self._channels = {self._keys[kind].channel.encode(): kind for kind in Kind}
        self._held: dict[Kind, dict[str, FleetLease]] = {kind: {} for kind in Kind}
        self._line: dict[Kind, list[_Waiter]] = {kind: [] for kind in Kind}
        self._to_drop: dict[Kind, set[str]] = {kind: set() for kind in Kind}  # lease ids
        self._tickets_to_drop: dict[Kind, set[str]] = {kind: set() for kind in Kind}
        self._seq = itertools.count()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._start_lock = asyncio.Lock()
        self._started = False
        self._closed = False
        self._degraded = False
        self._probing: asyncio.Task[None] | None = None
        self._redis: Any = None  # redis.asyncio.Redis once started
        self._scripts: dict[str, Any] = {}

    # -- lifecycle ----------------------------------------------------------------------------

    def now(self) -> float:
        """The governor's clock."""
        return self._clock.now()

    @property
    def degraded(self) -> bool:
        """True while Redis is unreachable and per-process limits apply."""
        return self._degraded

    def held(self, kind: Kind) -> int:
        """Leases of ``kind`` this process holds."""
        return len(self._held[kind])

    async def start(self) -> None:
        """Connect, subscribe, start renewing. An unreachable Redis degrades; never raises."""
        async with self._start_lock:
            if self._started or self._closed:
                return
            self._redis = self._target.client()
            for name, source in (
                ("acquire", lua.ACQUIRE),
                ("drop", lua.DROP),
                ("heartbeat", lua.HEARTBEAT),
            ):
                self._scripts[name] = self._redis.register_script(source)
            try:
                await self._redis.ping()
            except REDIS_ERRORS as exc:
                self._enter_degraded(exc)
            self._started = True
            self._spawn(self._renew_forever())
            self._spawn(self._listen_forever())

    async def aclose(self) -> None:
        """Release every lease, give up every ticket, fail waiters, disconnect."""
        if self._closed:
            return
        self._closed = True
        for kind in Kind:
            for waiter in self._line[kind]:
                waiter.kick()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, *REDIS_ERRORS):
                await task
        if self._redis is not None:
            if not self._degraded:
                for kind in Kind:
                    leases = [*self._held[kind], *self._to_drop[kind]]
                    tickets = [w.ticket for w in self._line[kind] if w.registered]
                    tickets += self._tickets_to_drop[kind]
                    with contextlib.suppress(*REDIS_ERRORS):
                        await self._drop(kind, leases, tickets)
            with contextlib.suppress(*REDIS_ERRORS):
                await self._redis.aclose()
        for kind in Kind:
            for lease in self._held[kind].values():
                lease.forget()
            self._held[kind].clear()

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- acquiring ----------------------------------------------------------------------------

    async def acquire(
        self, kind: Kind, priority: Priority = Priority.LIVE, deadline: float | None = None
    ) -> Lease:
        """See :meth:`deepgram_tts2.fleet.governor.Governor.acquire`."""
        if self._closed:
            raise ClientClosedError("the concurrency governor is closed")
        await self.start()
        started = self._clock.now()
        waiter = _Waiter(kind, priority, next(self._seq), poll_s=self._gov.poll_initial_s)
        line = self._line[kind]
        line.append(waiter)
        self._report(kind)
        outcome = "cancelled"
        throttled = False
        try:
            while True:
                if self._closed:
                    outcome = "closed"
                    raise ClientClosedError("the concurrency governor was closed")
                lease = await self._attempt(waiter, deadline)
                if lease is not None:
                    outcome = "granted"
                    return lease
                if self._closed:
                    continue
                if not throttled:
                    throttled = True
                    self._hooks.on_fleet_throttled(kind.value)
                if deadline is not None and self._clock.now() >= deadline:
                    outcome = "timeout"
                    raise GovernorTimeoutError(
                        kind.value,
                        self._limit(kind),
                        self._clock.now() - started,
                        degraded=self._degraded,
                    )
                await self._wait_turn(waiter, deadline)
        finally:
            self._leave(waiter, granted=outcome == "granted")
            self._hooks.on_fleet_wait(
                kind.value, priority.name.lower(), self._clock.now() - started, outcome
            )

    def _leave(self, waiter: _Waiter, granted: bool) -> None:
        line = self._line[waiter.kind]
        was_head = self._head(waiter.kind) is waiter
        if waiter in line:
            line.remove(waiter)
        if not granted and waiter.registered and not self._closed:
            # Our ticket (and a lease granted by a call whose answer we never saw) must not
            # stay behind: they would hold the line or a slot until their TTL.
            if self._degraded:
                self._to_drop[waiter.kind].add(waiter.lease_id)
                self._tickets_to_drop[waiter.kind].add(waiter.ticket)
            else:
                self._spawn(self._drop_quietly(waiter.kind, [waiter.lease_id], [waiter.ticket]))
        if was_head:
            self._kick(waiter.kind)
        self._report(waiter.kind)

    async def _attempt(self, waiter: _Waiter, deadline: float | None) -> FleetLease | None:
        if self._closed:
            return None
        if self._degraded:
            return self._attempt_local(waiter)
        kind = waiter.kind
        keep = deadline is None or deadline > self._clock.now()
        waiter.registered = True  # from now on a ticket or a lease of ours may exist in Redis
        try:
            reply = await self._bounded(self._acquire_script(waiter, keep), deadline)
        except _DeadlinePassed:
            return None
        except REDIS_ERRORS as exc:
            if self._closed:
                return None
            self._enter_degraded(exc)
            return self._attempt_local(waiter)
        granted, used, waiting, score = (int(x) for x in reply[:4])
        if not granted:
            waiter.score = float(score)
            waiter.registered = keep
        self._board.publish(Pressure(kind, used, self._gov.limit(kind), waiting))
        if self._closed:
            return None
        return self._grant(waiter) if granted else None

    def _acquire_script(self, waiter: _Waiter, keep: bool) -> Coroutine[Any, Any, Any]:
        keys = self._keys[waiter.kind]
        gov = self._gov
        script = self._scripts["acquire"]
        coro: Coroutine[Any, Any, Any] = script(
            keys=[keys.leases, keys.queue, keys.tickets, keys.seq],
            args=[
                self._fleet_ms(),
                waiter.ticket,
                int(waiter.priority),
                gov.limit(waiter.kind),
                waiter.lease_id,
                _ms(gov.lease_ttl_s),
                _ms(gov.ticket_ttl_s),
                1 if keep else 0,
                keys.channel,
            ],
        )
        return coro

    def _attempt_local(self, waiter: _Waiter) -> FleetLease | None:
        """Degraded: this process's share, counting every lease it holds, in local order."""
        kind = waiter.kind
        free = self._gov.fallback_limit(kind) - len(self._held[kind])
        if free <= 0:
            return None
        ordered = sorted(self._line[kind], key=_Waiter.local_order)
        if ordered.index(waiter) >= free:
            return None
        if waiter.registered:  # a call that failed may still have queued a ticket for it
            self._tickets_to_drop[kind].add(waiter.ticket)
        return self._grant(waiter)

    def _grant(self, waiter: _Waiter) -> FleetLease:
        kind = waiter.kind
        lease = FleetLease(kind, waiter.priority, waiter.lease_id, self._release)
        self._held[kind][lease.id] = lease
        if waiter in self._line[kind]:
            self._line[kind].remove(waiter)
        self._kick(kind)  # the next in line may find a slot too
        self._report(kind)
        return lease

    async def _wait_turn(self, waiter: _Waiter, deadline: float | None) -> None:
        """Until woken, the deadline, or (for the head of this process's line) a poll."""
        if waiter.kicked:
            waiter.kicked = False
            waiter.poll_s = self._gov.poll_initial_s
            return
        waiter.wake = asyncio.get_running_loop().create_future()
        until = deadline
        if self._head(waiter.kind) is waiter:
            poll_at = self._clock.now() + waiter.poll_s
            until = poll_at if until is None else min(until, poll_at)
            waiter.poll_s = min(waiter.poll_s * 2, self._gov.poll_max_s)
        try:
            if await wait_until(self._clock, waiter.wake, until):
                waiter.poll_s = self._gov.poll_initial_s
        finally:
            waiter.wake.cancel()
            waiter.wake = None
            waiter.kicked = False

    def _head(self, kind: Kind) -> _Waiter | None:
        line = self._line[kind]
        if not line:
            return None
        if self._degraded:
            return min(line, key=_Waiter.local_order)
        return min(line, key=_Waiter.order)

    def _kick(self, kind: Kind) -> None:
        head = self._head(kind)
        if head is not None:
            head.kick()

    def _kick_all(self) -> None:
        for kind in Kind:
            for waiter in self._line[kind]:
                waiter.kick()

    async def _bounded(self, coro: Coroutine[Any, Any, Any], deadline: float | None) -> Any:
        """``await coro``, abandoning it when ``deadline`` (on the clock) passes first."""
        if deadline is None:
            return await coro
        task = asyncio.ensure_future(coro)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def finished_(_: object) -> None:
            if not done.done():
                done.set_result(None)

        task.add_done_callback(finished_)
        try:
            finished = await wait_until(self._clock, done, deadline)
        finally:
            done.cancel()
            if not task.done():
                task.cancel()
        if not finished:
            with contextlib.suppress(asyncio.CancelledError, *REDIS_ERRORS):
                await task
            raise _DeadlinePassed
        return task.result()

    # -- releasing ----------------------------------------------------------------------------

    def _release(self, lease: FleetLease) -> None:
        kind = lease.kind
        self._held[kind].pop(lease.id, None)
        if not self._closed:
            if self._degraded or self._redis is None or not _loop_running():
                self._to_drop[kind].add(lease.id)  # removed when Redis is back (or by its TTL)
            else:
                self._spawn(self._drop_quietly(kind, [lease.id], []))
        self._kick(kind)
        self._report(kind)

    async def _drop(self, kind: Kind, leases: Sequence[str], tickets: Sequence[str]) -> None:
        if not leases and not tickets:
            return
        keys = self._keys[kind]
        await self._scripts["drop"](
            keys=[keys.leases, keys.queue, keys.tickets],
            args=[keys.channel, len(leases), *leases, *tickets],
        )

    async def _drop_quietly(self, kind: Kind, leases: list[str], tickets: list[str]) -> None:
        try:
            await self._drop(kind, leases, tickets)
        except REDIS_ERRORS as exc:
            self._to_drop[kind].update(leases)
            self._tickets_to_drop[kind].update(tickets)
            self._enter_degraded(exc)

    # -- renewing -----------------------------------------------------------------------------

    async def _renew_forever(self) -> None:
        while not self._closed:
            await sleep(self._clock, self._gov.renew_s)
            if self._degraded:
                continue  # the probe takes over
            try:
                await self._renew()
            except REDIS_ERRORS as exc:
                self._enter_degraded(exc)

    async def _renew(self) -> int:
        """Renew (or register again) every held lease and waiting ticket; drop released ones.

        Returns:
            How many held leases Redis had lost and got back.
        """
        restored_total = 0
        for kind in Kind:
            drops, gone = sorted(self._to_drop[kind]), sorted(self._tickets_to_drop[kind])
            if drops or gone:
                await self._drop(kind, drops, gone)
                self._to_drop[kind].difference_update(drops)
                self._tickets_to_drop[kind].difference_update(gone)
            leases = list(self._held[kind])
            waiters = list(self._line[kind])
            if not leases and not waiters:
                continue
            restored = await self._heartbeat(kind, leases, waiters)
            if restored:
                restored_total += restored
                self._hooks.on_fleet_leases_restored(kind.value, restored)
            self._kick(kind)
        return restored_total

    async def _heartbeat(self, kind: Kind, leases: list[str], waiters: list[_Waiter]) -> int:
        keys = self._keys[kind]
        pairs: list[str | int] = []
        for waiter in waiters:
            pairs += [waiter.ticket, int(waiter.priority)]
        reply = await self._scripts["heartbeat"](
            keys=[keys.leases, keys.queue, keys.tickets, keys.seq],
            args=[
                self._fleet_ms(),
                _ms(self._gov.lease_ttl_s),
                _ms(self._gov.ticket_ttl_s),
                keys.channel,
                len(leases),
                *leases,
                *pairs,
            ],
        )
        restored, used, waiting = (int(x) for x in reply[:3])
        for waiter, score in zip(waiters, reply[3:], strict=False):
            waiter.score = float(score)
            waiter.registered = True
        # Released or gone while the renewal was in flight: the renewal may have added them
        # back after their drop ran, so drop them again rather than wait for their TTL.
        released = [lid for lid in leases if lid not in self._held[kind]]
        left = [w.ticket for w in waiters if w not in self._line[kind]]
        if released or left:
            self._spawn(self._drop_quietly(kind, released, left))
        self._board.publish(Pressure(kind, used, self._gov.limit(kind), waiting))
        return restored

    # -- outage -------------------------------------------------------------------------------

    def _enter_degraded(self, exc: BaseException) -> None:
        self._hooks.on_fleet_redis_error("governor")
        if self._degraded or self._closed:
            return
        self._degraded = True
        log.warning(
            "Redis at %s is unreachable (%s): per-process limits apply (websocket %d, rest %d) "
            "until it answers again",
            self._target.redacted,
            self._target.describe(exc),
            self._gov.fallback_limit(Kind.WEBSOCKET),
            self._gov.fallback_limit(Kind.REST),
        )
        self._hooks.on_fleet_degraded(True)
        for kind in Kind:
            self._report(kind)
        self._kick_all()
        if self._probing is None or self._probing.done():
            self._probing = self._spawn(self._probe())

    async def _probe(self) -> None:
        delay = self._gov.probe_initial_s
        while not self._closed:
            await sleep(self._clock, delay)
            try:
                await self._redis.ping()
                restored = await self._renew()
            except REDIS_ERRORS:
                delay = min(delay * 2, self._gov.probe_max_s)
                continue
            self._degraded = False
            log.info(
                "Redis at %s answers again: the fleet budget applies (%d held leases "
                "registered again)",
                self._target.redacted,
                restored,
            )
            self._hooks.on_fleet_degraded(False)
            for kind in Kind:
                self._report(kind)
            self._kick_all()
            return

    # -- pub/sub ------------------------------------------------------------------------------

    async def _listen_forever(self) -> None:
        """Wake this process's head waiter when a slot is freed anywhere in the fleet."""
        delay = self._gov.probe_initial_s
        while not self._closed:
            pubsub: PubSub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(*self._channels)
                delay = self._gov.probe_initial_s
                self._kick_all()  # anything announced while we were not listening
                while not self._closed:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is not None:
                        self._on_message(message)
            except REDIS_ERRORS:
                pass  # the acquire and renew paths decide about degrading; retry quietly
            finally:
                with contextlib.suppress(*REDIS_ERRORS):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await sleep(self._clock, delay)
            delay = min(delay * 2, self._gov.probe_max_s)

    def _on_message(self, message: dict[str, Any]) -> None:
        kind = self._channels.get(message.get("channel", b""))
        data = message.get("data")
        if kind is None or not isinstance(data, bytes):
            return
        what, _, counts = data.decode("ascii", "replace").partition(":")
        used, _, waiting = counts.partition(":")
        if not self._degraded and used.isdigit() and waiting.isdigit():
            self._board.publish(Pressure(kind, int(used), self._gov.limit(kind), int(waiting)))
        if what == "freed":
            self._kick(kind)

    # -- reporting ----------------------------------------------------------------------------

    def _limit(self, kind: Kind) -> int:
        return self._gov.fallback_limit(kind) if self._degraded else self._gov.limit(kind)

    def _report(self, kind: Kind) -> None:
        self._hooks.on_fleet_leases(kind.value, len(self._held[kind]))
        self._hooks.on_fleet_waiters(kind.value, len(self._line[kind]))
        if self._degraded:
            self._board.publish(self._local_pressure(kind))

    def _local_pressure(self, kind: Kind) -> Pressure:
        return Pressure(
            kind,
            len(self._held[kind]),
            self._gov.fallback_limit(kind),
            len(self._line[kind]),
            degraded=True,
        )

    def pressure(self, kind: Kind) -> Pressure:
        """The budget as last seen (this process's share while degraded)."""
        if self._degraded:
            return self._local_pressure(kind)
        default = Pressure(kind, len(self._held[kind]), self._gov.limit(kind), 0)
        return self._board.get(kind, default)

    def watch_pressure(self, callback: PressureCallback) -> Callable[[], None]:
        """See :meth:`deepgram_tts2.fleet.governor.Governor.watch_pressure`."""
        return self._board.watch(callback)

    def _fleet_ms(self) -> int:
        return 0 if self._fleet_time is None else max(1, int(self._fleet_time() * 1000))

    def __repr__(self) -> str:
        mode = "degraded" if self._degraded else "redis"
        return (
            f"RedisGovernor({self._target.redacted}, project={self._options.project!r}, "
            f"websocket={self._gov.websocket_limit}, rest={self._gov.rest_limit}, {mode})"
        )


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))

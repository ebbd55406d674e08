"""The in-process governor: the default; no server, asyncio only.

One budget per :class:`Kind`. A free slot is granted at once; otherwise the caller waits in a
line ordered by (priority, arrival), and a released slot is handed directly to the head of the
line (no barging: a caller arriving just after a release cannot overtake a waiter). Deadlines
and timers go through the :class:`~deepgram_tts2.fleet.clock.Clock` given, so a fake clock
drives every test without sleeping.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from deepgram_tts2.exceptions import ClientClosedError
from deepgram_tts2.fleet._common import FleetLease, PressureBoard
from deepgram_tts2.fleet.clock import Clock, LoopClock, wait_until
from deepgram_tts2.fleet.errors import GovernorTimeoutError
from deepgram_tts2.fleet.governor import Kind, Lease, Pressure, PressureCallback, Priority
from deepgram_tts2.fleet.metrics import SafeFleetHooks


@dataclass(order=True)
class _Waiter:
    priority: int
    seq: int
    future: asyncio.Future[None] = field(compare=False)


@dataclass
class _Budget:
    limit: int
    held: int = 0
    line: list[_Waiter] = field(default_factory=list)  # sorted: head first


class LocalGovernor:
    """In-process :class:`~deepgram_tts2.fleet.governor.Governor`.

    Args:
        limits: the budget of every kind (each >= 1).
        clock: the client's clock (default: the running loop's).
        hooks: metrics hooks (see :mod:`deepgram_tts2.fleet.metrics`).
    """

    def __init__(
        self,
        limits: Mapping[Kind, int],
        *,
        clock: Clock | None = None,
        hooks: object | None = None,
    ) -> None:
        missing = set(Kind) - set(limits)
        if missing or any(v < 1 for v in limits.values()):
            raise ValueError("a limit >= 1 is needed for every kind")
        self._clock: Clock = clock or LoopClock()
        self._hooks = SafeFleetHooks(hooks)
        self._budgets = {kind: _Budget(limits[kind]) for kind in Kind}
        self._board = PressureBoard(self._hooks)
        self._seq = itertools.count()
        self._ids = itertools.count(1)
        self._leases: set[FleetLease] = set()
        self._closed = False

    def now(self) -> float:
        """The governor's clock."""
        return self._clock.now()

    async def start(self) -> None:
        """Nothing to start in-process."""

    async def acquire(
        self, kind: Kind, priority: Priority = Priority.LIVE, deadline: float | None = None
    ) -> Lease:
        """See :meth:`deepgram_tts2.fleet.governor.Governor.acquire`."""
        if self._closed:
            raise ClientClosedError("the concurrency governor is closed")
        budget = self._budgets[kind]
        started = self._clock.now()
        if budget.held < budget.limit:  # nobody waits while a slot is free (see _dispatch)
            budget.held += 1
            return self._granted(kind, priority, started)
        self._hooks.on_fleet_throttled(kind.value)
        if deadline is not None and deadline <= started:
            self._hooks.on_fleet_wait(kind.value, priority.name.lower(), 0.0, "timeout")
            raise GovernorTimeoutError(kind.value, budget.limit, 0.0)
        waiter = _Waiter(int(priority), next(self._seq), asyncio.get_running_loop().create_future())
        bisect.insort(budget.line, waiter)
        self._report(kind)
        outcome = "cancelled"
        try:
            granted = await wait_until(self._clock, waiter.future, deadline)
            if not granted:
                outcome = "timeout"
                raise GovernorTimeoutError(kind.value, budget.limit, self._clock.now() - started)
            waiter.future.result()  # raises ClientClosedError when closed meanwhile
            outcome = "granted"
        except asyncio.CancelledError:
            future = waiter.future
            granted_meanwhile = future.done() and not future.cancelled() and not self._closed
            if granted_meanwhile and future.exception() is None:  # granted as we were cancelled
                budget.held -= 1
                self._dispatch(kind)
            raise
        except ClientClosedError:
            outcome = "closed"
            raise
        finally:
            if waiter in budget.line:
                budget.line.remove(waiter)
            waiter.future.cancel()
            if outcome != "granted":
                self._hooks.on_fleet_wait(
                    kind.value, priority.name.lower(), self._clock.now() - started, outcome
                )
                self._report(kind)
        return self._granted(kind, priority, started)

    def _granted(self, kind: Kind, priority: Priority, started: float) -> FleetLease:
        lease = FleetLease(kind, priority, f"local-{next(self._ids)}", self._release)
        self._leases.add(lease)
        self._hooks.on_fleet_wait(
            kind.value, priority.name.lower(), self._clock.now() - started, "granted"
        )
        self._report(kind)
        return lease

    def _release(self, lease: FleetLease) -> None:
        self._leases.discard(lease)
        budget = self._budgets[lease.kind]
        budget.held -= 1
        self._dispatch(lease.kind)
        self._report(lease.kind)

    def _dispatch(self, kind: Kind) -> None:
        """Hand free slots to the head of the line (the slot is counted as held at once)."""
        budget = self._budgets[kind]
        while budget.held < budget.limit and budget.line:
            waiter = budget.line.pop(0)
            if waiter.future.done():
                continue
            budget.held += 1
            waiter.future.set_result(None)

    def _report(self, kind: Kind) -> None:
        budget = self._budgets[kind]
        self._hooks.on_fleet_leases(kind.value, budget.held)
        self._hooks.on_fleet_waiters(kind.value, len(budget.line))
        self._board.publish(self.pressure(kind))

    def pressure(self, kind: Kind) -> Pressure:
        """This governor's budget of ``kind`` now."""
        budget = self._budgets[kind]
        return Pressure(kind, budget.held, budget.limit, len(budget.line))

    def watch_pressure(self, callback: PressureCallback) -> Callable[[], None]:
        """See :meth:`deepgram_tts2.fleet.governor.Governor.watch_pressure`."""
        return self._board.watch(callback)

    async def aclose(self) -> None:
        """Fail every waiter with ``ClientClosedError``; held leases count as released."""
        self._closed = True
        for kind, budget in self._budgets.items():
            for waiter in budget.line:
                if not waiter.future.done():
                    waiter.future.set_exception(
                        ClientClosedError("the concurrency governor was closed")
                    )
            for lease in [lease for lease in self._leases if lease.kind is kind]:
                lease.forget()
            budget.held = 0
        self._leases.clear()

    def __repr__(self) -> str:
        limits = ", ".join(f"{k.value}={b.limit}" for k, b in self._budgets.items())
        return f"LocalGovernor({limits})"

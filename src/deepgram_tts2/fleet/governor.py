"""The concurrency governor's interface: the one thing the pool and REST call before they use
one of the Deepgram project's concurrent slots.

A Deepgram project limits concurrent streams and concurrent REST requests (aura §2.6: "HTTP 429
at handshake" past the limit; "per project, not per key"). Every process of a fleet draws on that
one budget, so before a socket is opened (or a REST request posted) the caller takes a
:class:`Lease` from a :class:`Governor`, and releases it when the socket closes (or the response
ends)::

    lease = await governor.acquire(Kind.WEBSOCKET, Priority.LIVE, deadline=clock.now() + 2.0)
    try:
        ...  # open the socket, serve requests on it
    finally:
        lease.release()  # idempotent, synchronous, never raises

Contract of every implementation:

* ``acquire`` grants at once when a slot is free and nobody waits ahead; otherwise it waits in
  FIFO order within a priority, and every ``Priority.LIVE`` waiter is served before any
  ``Priority.PREWARM`` one. ``deadline`` is an absolute time on the governor's clock; when it
  passes the waiter leaves the queue and :class:`~deepgram_tts2.fleet.errors.GovernorTimeoutError`
  is raised; a deadline already past means "try once, do not wait". ``None`` waits until granted
  or cancelled. Cancelling the waiting task leaves nothing behind (no slot, no place in line).
* A lease is never taken away from its holder: ``Lease.held`` stays True until ``release()``
  (or the governor's ``aclose()``).
* :meth:`Governor.pressure` and :meth:`Governor.watch_pressure` tell the pool that the budget is
  exhausted while somebody waits (``Pressure.contended``): it should then give back idle sockets
  (close them and release their leases) instead of keeping them pre-warmed.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from deepgram_tts2.compat import StrEnum


class Kind(StrEnum):
    """Which of the project's two budgets a lease draws on (they are limited separately)."""

    WEBSOCKET = "websocket"
    REST = "rest"


class Priority(enum.IntEnum):
    """Lower values are served first: live turns before pre-warming."""

    LIVE = 0
    PREWARM = 1


@dataclass(frozen=True)
class Pressure:
    """How full one budget is, as this process last saw it.

    Attributes:
        kind: the budget.
        in_use: leases held (fleet-wide with Redis; this governor's own in-process; this
            process's while degraded).
        limit: the budget (the per-process share while degraded).
        waiting: waiters (fleet-wide with Redis, as last seen).
        degraded: True while Redis is unreachable and per-process limits apply.
    """

    kind: Kind
    in_use: int
    limit: int
    waiting: int
    degraded: bool = False

    @property
    def free(self) -> int:
        """Slots free now (0 when over the limit)."""
        return max(0, self.limit - self.in_use)

    @property
    def contended(self) -> bool:
        """The budget is exhausted and somebody waits: give back idle sockets."""
        return self.waiting > 0 and self.in_use >= self.limit


PressureCallback = Callable[[Pressure], None]


class Lease(Protocol):
    """One slot of a budget, held until :meth:`release`."""

    @property
    def id(self) -> str:
        """Unique; the member name in Redis (for logs; carries no secret)."""

    @property
    def kind(self) -> Kind:
        """The budget this lease draws on."""

    @property
    def priority(self) -> Priority:
        """The priority it was acquired with."""

    @property
    def held(self) -> bool:
        """True until released (a governor never revokes a lease)."""

    def release(self) -> None:
        """Give the slot back. Idempotent, synchronous, never raises."""


class Governor(Protocol):
    """See the module docstring for the contract."""

    def now(self) -> float:
        """The governor's clock: deadlines passed to :meth:`acquire` are on this time line."""

    async def start(self) -> None:
        """Connect and start background work; never raises because a server is unreachable.

        Idempotent; :meth:`acquire` calls it when needed.
        """

    async def acquire(
        self, kind: Kind, priority: Priority = Priority.LIVE, deadline: float | None = None
    ) -> Lease:
        """A slot of ``kind``'s budget.

        Args:
            kind: ``Kind.WEBSOCKET`` before opening a socket, ``Kind.REST`` before posting.
            priority: ``Priority.LIVE`` for a turn somebody waits for, ``Priority.PREWARM``
                for sockets opened ahead of need.
            deadline: absolute time on :meth:`now`'s clock; None waits without a limit.

        Raises:
            GovernorTimeoutError: the deadline passed first.
            ClientClosedError: the governor was closed.
        """

    def pressure(self, kind: Kind) -> Pressure:
        """The budget of ``kind`` as last seen."""

    def watch_pressure(self, callback: PressureCallback) -> Callable[[], None]:
        """Call ``callback`` (on the event loop) whenever a budget's :class:`Pressure` changes.

        Returns:
            A function that stops the calls.
        """

    async def aclose(self) -> None:
        """Release every held lease, fail every waiter with ``ClientClosedError``, disconnect."""

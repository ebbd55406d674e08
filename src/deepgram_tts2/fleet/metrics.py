"""The metrics hooks the fleet package calls (methods of ``MetricsHooks``).

Each method has the same name and signature as its twin on
``deepgram_tts2.observability.hooks.MetricsHooks``, so a ``MetricsHooks`` (or the client's
``SafeHooks``) satisfies :class:`FleetHooks` as it is. Labels are small closed sets:
kind (``websocket``, ``rest``), priority (``live``, ``prewarm``), outcome (``granted``,
``timeout``, ``cancelled``, ``closed``; ``hit``, ``miss``), component (``governor``, ``cache``).

The governors and caches wrap whatever they are given in :class:`SafeFleetHooks`, so an exporter
that raises never breaks an acquire or a lookup (logged once per method).
"""

from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger("deepgram_tts2.fleet")


class FleetHooks(Protocol):
    """What the governors and caches report."""

    def on_fleet_leases(self, kind: str, held: int) -> None:
        """Leases of ``kind`` this process holds now."""

    def on_fleet_waiters(self, kind: str, waiting: int) -> None:
        """Callers of this process waiting for a ``kind`` slot now."""

    def on_fleet_budget(self, kind: str, in_use: int, limit: int) -> None:
        """The budget as last seen: ``in_use`` leases fleet-wide out of ``limit``."""

    def on_fleet_wait(self, kind: str, priority: str, seconds: float, outcome: str) -> None:
        """An acquire ended after ``seconds`` with ``outcome``."""

    def on_fleet_throttled(self, kind: str) -> None:
        """An acquire found the budget exhausted and had to wait (a 429 avoided)."""

    def on_fleet_degraded(self, degraded: bool) -> None:
        """Redis became unreachable (True: per-process limits apply) or reachable again."""

    def on_fleet_redis_error(self, component: str) -> None:
        """A Redis call of ``component`` failed."""

    def on_fleet_leases_restored(self, kind: str, count: int) -> None:
        """Held leases Redis had lost (restart, outage past their TTL) were registered again."""

    def on_fleet_cache_lookup(self, outcome: str) -> None:
        """A phrase cache lookup: ``hit`` or ``miss``."""

    def on_fleet_cache_store(self, nbytes: int) -> None:
        """Complete audio of ``nbytes`` was stored."""

    def on_fleet_cache_size(self, nbytes: int, entries: int) -> None:
        """The cache now holds ``entries`` phrases of ``nbytes`` audio bytes."""

    def on_fleet_cache_evictions(self, count: int) -> None:
        """``count`` phrases were evicted to stay within the byte bound."""


class NullFleetHooks:
    """Reports nothing."""

    def on_fleet_leases(self, kind: str, held: int) -> None:
        pass

    def on_fleet_waiters(self, kind: str, waiting: int) -> None:
        pass

    def on_fleet_budget(self, kind: str, in_use: int, limit: int) -> None:
        pass

    def on_fleet_wait(self, kind: str, priority: str, seconds: float, outcome: str) -> None:
        pass

    def on_fleet_throttled(self, kind: str) -> None:
        pass

    def on_fleet_degraded(self, degraded: bool) -> None:
        pass

    def on_fleet_redis_error(self, component: str) -> None:
        pass

    def on_fleet_leases_restored(self, kind: str, count: int) -> None:
        pass

    def on_fleet_cache_lookup(self, outcome: str) -> None:
        pass

    def on_fleet_cache_store(self, nbytes: int) -> None:
        pass

    def on_fleet_cache_size(self, nbytes: int, entries: int) -> None:
        pass

    def on_fleet_cache_evictions(self, count: int) -> None:
        pass


class SafeFleetHooks(NullFleetHooks):
    """Delegates to ``inner``; its exceptions are logged once per method and swallowed.

    ``inner`` may be duck-typed and lack some methods (those calls are skipped).
    """

    def __init__(self, inner: object | None) -> None:
        self._inner = inner
        self._reported: set[str] = set()

    def _call(self, name: str, *args: object) -> None:
        target = getattr(self._inner, name, None)
        if target is None:
            return
        try:
            target(*args)
        except Exception:
            if name not in self._reported:
                self._reported.add(name)
                log.exception("fleet metrics hook %s failed (reported once)", name)

    def on_fleet_leases(self, kind: str, held: int) -> None:
        self._call("on_fleet_leases", kind, held)

    def on_fleet_waiters(self, kind: str, waiting: int) -> None:
        self._call("on_fleet_waiters", kind, waiting)

    def on_fleet_budget(self, kind: str, in_use: int, limit: int) -> None:
        self._call("on_fleet_budget", kind, in_use, limit)

    def on_fleet_wait(self, kind: str, priority: str, seconds: float, outcome: str) -> None:
        self._call("on_fleet_wait", kind, priority, seconds, outcome)

    def on_fleet_throttled(self, kind: str) -> None:
        self._call("on_fleet_throttled", kind)

    def on_fleet_degraded(self, degraded: bool) -> None:
        self._call("on_fleet_degraded", degraded)

    def on_fleet_redis_error(self, component: str) -> None:
        self._call("on_fleet_redis_error", component)

    def on_fleet_leases_restored(self, kind: str, count: int) -> None:
        self._call("on_fleet_leases_restored", kind, count)

    def on_fleet_cache_lookup(self, outcome: str) -> None:
        self._call("on_fleet_cache_lookup", outcome)

    def on_fleet_cache_store(self, nbytes: int) -> None:
        self._call("on_fleet_cache_store", nbytes)

    def on_fleet_cache_size(self, nbytes: int, entries: int) -> None:
        self._call("on_fleet_cache_size", nbytes, entries)

    def on_fleet_cache_evictions(self, count: int) -> None:
        self._call("on_fleet_cache_evictions", count)

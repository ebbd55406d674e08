"""Pieces both governors share: the lease object and the pressure board."""

from __future__ import annotations

import logging
from collections.abc import Callable

from deepgram_tts2.fleet.governor import Kind, Pressure, PressureCallback, Priority
from deepgram_tts2.fleet.metrics import SafeFleetHooks

log = logging.getLogger("deepgram_tts2.fleet")


class FleetLease:
    """A granted slot; ``release()`` calls back into its governor exactly once."""

    __slots__ = ("_held", "_on_release", "id", "kind", "priority")

    def __init__(
        self,
        kind: Kind,
        priority: Priority,
        lease_id: str,
        on_release: Callable[[FleetLease], None],
    ) -> None:
        self.kind = kind
        self.priority = priority
        self.id = lease_id
        self._on_release = on_release
        self._held = True

    @property
    def held(self) -> bool:
        """True until released."""
        return self._held

    def release(self) -> None:
        """Give the slot back (idempotent, never raises)."""
        if not self._held:
            return
        self._held = False
        try:
            self._on_release(self)
        except Exception:  # a bug of ours must not break the caller's cleanup path
            log.exception("releasing a %s lease failed", self.kind)

    def forget(self) -> None:
        """Mark released without calling back (the governor is closing)."""
        self._held = False

    def __enter__(self) -> FleetLease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        state = "held" if self._held else "released"
        return f"FleetLease({self.kind.value}, {self.priority.name.lower()}, {state})"


class PressureBoard:
    """Keeps the last :class:`Pressure` per kind, reports it, and calls watchers on changes."""

    def __init__(self, hooks: SafeFleetHooks) -> None:
        self._hooks = hooks
        self._last: dict[Kind, Pressure] = {}
        self._watchers: list[PressureCallback] = []
        self._failed: set[int] = set()

    def get(self, kind: Kind, default: Pressure) -> Pressure:
        """The last pressure of ``kind`` (``default`` before anything was seen)."""
        return self._last.get(kind, default)

    def watch(self, callback: PressureCallback) -> Callable[[], None]:
        """Register ``callback``; returns its unsubscribe function."""
        self._watchers.append(callback)

        def stop() -> None:
            if callback in self._watchers:
                self._watchers.remove(callback)

        return stop

    def publish(self, pressure: Pressure) -> None:
        """Record ``pressure``; report and notify watchers when it changed."""
        if self._last.get(pressure.kind) == pressure:
            return
        self._last[pressure.kind] = pressure
        self._hooks.on_fleet_budget(pressure.kind.value, pressure.in_use, pressure.limit)
        for callback in list(self._watchers):
            try:
                callback(pressure)
            except Exception:
                if id(callback) not in self._failed:
                    self._failed.add(id(callback))
                    log.exception("pressure watcher failed (reported once)")

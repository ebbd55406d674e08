"""Fault bookkeeping: which faults a new connection gets, and when a triggered fault fires.

A :class:`FaultRegistry` holds the active plan. Each new connection :meth:`claims
<FaultRegistry.claim>` the faults that match its API; a fault with ``connections: N`` is spent
after N claims. The claimed set (:class:`ConnectionFaults`) answers the questions the WebSocket
session and the REST handler ask while they run.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from deepgram_tts2.emulator.config import (
    CloseConnection,
    DelayHandshake,
    DropCleared,
    DropFlushed,
    Fault,
    FaultPlan,
    LateFlushedAfterClear,
    MalformedJson,
    OddFrames,
    RejectHandshake,
    SendError,
    SendWarning,
    SlowDrip,
    Stall,
)

TriggeredFault = CloseConnection | Stall | SendError | SendWarning | MalformedJson


@dataclass
class _Entry:
    fault: Fault
    remaining: int | None


class FaultRegistry:
    """The active fault plan; thread-safe, shared by every connection."""

    def __init__(self, plan: FaultPlan | None = None) -> None:
        self._lock = threading.Lock()
        self._entries: list[_Entry] = []
        if plan is not None:
            self.set(plan)

    def set(self, plan: FaultPlan) -> None:
        """Replace the active plan."""
        with self._lock:
            self._entries = [_Entry(f, f.connections) for f in plan.faults]

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._entries = []

    def active(self) -> list[Fault]:
        """Faults not yet spent."""
        with self._lock:
            return [e.fault for e in self._entries]

    def claim(self, api: str) -> ConnectionFaults:
        """The faults a new ``api`` (``websocket`` or ``rest``) connection gets."""
        claimed: list[Fault] = []
        with self._lock:
            for entry in self._entries:
                if entry.fault.api not in ("any", api):
                    continue
                claimed.append(entry.fault)
                if entry.remaining is not None:
                    entry.remaining -= 1
            self._entries = [e for e in self._entries if e.remaining is None or e.remaining > 0]
        return ConnectionFaults(claimed)


@dataclass
class ConnectionFaults:
    """The faults of one connection, and which triggered ones already fired."""

    faults: list[Fault]
    fired: set[int] = field(default_factory=set)

    def _first(self, kind: type) -> object | None:
        return next((f for f in self.faults if isinstance(f, kind)), None)

    @property
    def reject(self) -> RejectHandshake | None:
        """A handshake rejection, if any."""
        found = self._first(RejectHandshake)
        return found if isinstance(found, RejectHandshake) else None

    @property
    def handshake_delay_s(self) -> float:
        """Total delay before answering the handshake."""
        return sum(f.delay_ms for f in self.faults if isinstance(f, DelayHandshake)) / 1000.0

    @property
    def drop_flushed(self) -> bool:
        """Never send Flushed."""
        return any(isinstance(f, DropFlushed) for f in self.faults)

    @property
    def drop_cleared(self) -> bool:
        """Never send Cleared."""
        return any(isinstance(f, DropCleared) for f in self.faults)

    @property
    def late_flushed_after_clear(self) -> bool:
        """Send Flushed for cancelled flushes after Cleared."""
        return any(isinstance(f, LateFlushedAfterClear) for f in self.faults)

    @property
    def frame_bytes(self) -> int | None:
        """A forced audio frame size (odd frames or slow drip)."""
        for f in self.faults:
            if isinstance(f, OddFrames | SlowDrip):
                return f.frame_bytes
        return None

    @property
    def drip_interval_s(self) -> float:
        """Pause between audio frames (slow drip)."""
        drips = [f.interval_ms for f in self.faults if isinstance(f, SlowDrip)]
        return max(drips) / 1000.0 if drips else 0.0

    def timed(self) -> list[TriggeredFault]:
        """Triggered faults that fire at a time after connect (``after_ms``)."""
        return [f for f in self._triggered() if f.after_ms is not None]

    def due_by_bytes(self, audio_bytes_sent: int, about_to_send: bool) -> list[TriggeredFault]:
        """Byte-triggered faults due now, each returned once.

        Args:
            audio_bytes_sent: audio bytes already sent on this connection.
            about_to_send: True right before an audio frame is sent (a threshold of 0 fires
                then, before the first audio), False right after one was sent.
        """
        due: list[TriggeredFault] = []
        for fault in self._triggered():
            if fault.after_ms is not None or id(fault) in self.fired:
                continue
            threshold = fault.after_audio_bytes or 0
            if (threshold == 0 and about_to_send) or (
                threshold > 0 and audio_bytes_sent >= threshold
            ):
                self.fired.add(id(fault))
                due.append(fault)
        return due

    def mark_fired(self, fault: TriggeredFault) -> bool:
        """Record that a timed fault fired; False if it already had."""
        if id(fault) in self.fired:
            return False
        self.fired.add(id(fault))
        return True

    def _triggered(self) -> list[TriggeredFault]:
        return [
            f
            for f in self.faults
            if isinstance(f, CloseConnection | Stall | SendError | SendWarning | MalformedJson)
        ]

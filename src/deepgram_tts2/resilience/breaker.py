"""Circuit breaker: CLOSED -> OPEN -> HALF_OPEN -> CLOSED, as a transition table.

* CLOSED counts failures within ``failure_window_s`` (older ones decay); ``failure_threshold``
  of them open it. Successes do not reset the count: a socket that opens fine and then dies
  with 1011 again and again must still open the breaker, and the window forgets old failures.
* OPEN refuses everything until ``cooldown_s`` passed, then becomes HALF_OPEN.
* HALF_OPEN admits up to ``half_open_max_probes`` requests at once; ``success_threshold``
  successes close it, one failure opens it again. A probe that never reports frees its slot
  after ``cooldown_s``, so a lost probe cannot wedge the breaker.
* ``trip()`` opens it from any state (an AUTH failure).

Pure: time is passed in; nothing sleeps.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from deepgram_tts2.compat import StrEnum
from deepgram_tts2.protocol.state import StateTable


class BreakerState(StrEnum):
    """The three breaker states."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class BreakerEvent(enum.Enum):
    """Inputs of the breaker table."""

    THRESHOLD_REACHED = "threshold_reached"
    PROBE_FAILED = "probe_failed"
    PROBES_SUCCEEDED = "probes_succeeded"
    COOLDOWN_ELAPSED = "cooldown_elapsed"
    TRIP = "trip"


_S, _E = BreakerState, BreakerEvent
BREAKER_TABLE: StateTable[BreakerState, BreakerEvent] = StateTable(
    {
        (_S.CLOSED, _E.THRESHOLD_REACHED): _S.OPEN,
        (_S.CLOSED, _E.TRIP): _S.OPEN,
        (_S.OPEN, _E.COOLDOWN_ELAPSED): _S.HALF_OPEN,
        (_S.OPEN, _E.TRIP): _S.OPEN,
        (_S.HALF_OPEN, _E.PROBE_FAILED): _S.OPEN,
        (_S.HALF_OPEN, _E.PROBES_SUCCEEDED): _S.CLOSED,
        (_S.HALF_OPEN, _E.TRIP): _S.OPEN,
    }
)


@dataclass(frozen=True)
class BreakerPolicy:
    """Thresholds of a :class:`CircuitBreaker`."""

    failure_threshold: int = 5
    failure_window_s: float = 30.0
    cooldown_s: float = 10.0
    half_open_max_probes: int = 1
    success_threshold: int = 1

    def __post_init__(self) -> None:
        if self.failure_threshold < 1 or self.half_open_max_probes < 1:
            raise ValueError("failure_threshold and half_open_max_probes must be >= 1")
        if self.success_threshold < 1:
            raise ValueError("success_threshold must be >= 1")
        if self.failure_window_s <= 0 or self.cooldown_s <= 0:
            raise ValueError("failure_window_s and cooldown_s must be > 0")


class CircuitBreaker:
    """See the module docstring. ``on_transition(old, new)`` is called on every change."""

    def __init__(
        self,
        policy: BreakerPolicy | None = None,
        on_transition: Callable[[BreakerState, BreakerState], None] | None = None,
    ) -> None:
        self.policy = policy or BreakerPolicy()
        self.on_transition = on_transition
        self._state = BreakerState.CLOSED
        self._failures: deque[float] = deque()
        self._opened_at = 0.0
        self._probes: deque[float] = deque()  # admission times of probes in flight
        self._successes = 0

    def _fire(self, event: BreakerEvent, now: float) -> None:
        new = BREAKER_TABLE.next(self._state, event)
        if new is BreakerState.OPEN:
            self._opened_at = now
            self._probes.clear()
            self._failures.clear()
        if new is not self._state:
            old, self._state = self._state, new
            self._successes = 0
            if new is BreakerState.CLOSED:
                self._failures.clear()
                self._probes.clear()
            if self.on_transition is not None:
                self.on_transition(old, new)

    def state(self, now: float) -> BreakerState:
        """The state at ``now`` (applies the cooldown lazily)."""
        if self._state is BreakerState.OPEN and now >= self._opened_at + self.policy.cooldown_s:
            self._fire(BreakerEvent.COOLDOWN_ELAPSED, now)
        return self._state

    def allow(self, now: float) -> bool:
        """Whether a request may be attempted now (a HALF_OPEN admission takes a probe slot)."""
        state = self.state(now)
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.OPEN:
            return False
        while self._probes and self._probes[0] + self.policy.cooldown_s <= now:
            self._probes.popleft()  # a probe that never reported
        if len(self._probes) >= self.policy.half_open_max_probes:
            return False
        self._probes.append(now)
        return True

    def record_success(self, now: float) -> None:
        """An attempt succeeded."""
        state = self.state(now)
        if state is BreakerState.HALF_OPEN:
            if self._probes:
                self._probes.popleft()
            self._successes += 1
            if self._successes >= self.policy.success_threshold:
                self._fire(BreakerEvent.PROBES_SUCCEEDED, now)

    def record_failure(self, now: float) -> None:
        """An attempt failed (in a way that counts against the endpoint)."""
        state = self.state(now)
        if state is BreakerState.HALF_OPEN:
            self._fire(BreakerEvent.PROBE_FAILED, now)
        elif state is BreakerState.CLOSED:
            window = self.policy.failure_window_s
            while self._failures and self._failures[0] + window <= now:
                self._failures.popleft()
            self._failures.append(now)
            if len(self._failures) >= self.policy.failure_threshold:
                self._fire(BreakerEvent.THRESHOLD_REACHED, now)

    def trip(self, now: float) -> None:
        """Open now, whatever the state (e.g. credentials were rejected)."""
        self.state(now)
        self._fire(BreakerEvent.TRIP, now)
        self._opened_at = now

    def retry_at(self, now: float) -> float | None:
        """When OPEN, the time a probe becomes allowed; None otherwise."""
        if self.state(now) is BreakerState.OPEN:
            return self._opened_at + self.policy.cooldown_s
        return None

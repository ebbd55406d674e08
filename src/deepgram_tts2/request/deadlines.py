"""Per-phase deadlines of one request attempt, sans I/O: which deadline is next, and why.

A request moves through phases, each with its own limit from
:class:`~deepgram_tts2.options.Timeouts` (docs/client.md "Deadlines"):

============  ================================================================  ============
phase         runs from ... until ...                                           limit
============  ================================================================  ============
first_audio   the attempt's first flush was planned -> its first audio          first_audio_s
              (a wait for the socket's budget counts: the server is not late,
              but the caller waits all the same)
stall         the last server activity while a sent Flush is unacknowledged,    stall_s
              before the final Flush
flush         the last server activity while the final Flush is unacknowledged  flush_s
rest          one REST request: sent -> its whole body                          rest_s
consumer      the event channel became full -> the consumer takes an event      consumer_s
request       the request was created -> it ends (optional)                     request_s
============  ================================================================  ============

Time spent waiting for a slow consumer (backpressure: the socket's reader stops reading) never
counts against the server's phases: while the channel is full only ``consumer`` (and
``request``) run, and the server's phases restart from the moment the channel has room again.
Getting a socket (queue wait and handshake, ``connect_s``) is bounded by the pool, which is
given the deadline; ``clear`` and ``close`` are bounded where they happen.
"""

from __future__ import annotations

from dataclasses import dataclass

from deepgram_tts2.options import Timeouts


@dataclass(frozen=True, slots=True)
class Deadline:
    """The next deadline: at time ``at`` the phase ``phase`` (limit ``limit_s``) ends."""

    at: float
    phase: str
    limit_s: float


class PhaseTracker:
    """Tracks one request's activity and answers :meth:`next_deadline`.

    The owner calls the ``on_*`` methods as things happen, passing the time in.
    """

    def __init__(self, timeouts: Timeouts, started_at: float) -> None:
        self.timeouts = timeouts
        self.started_at = started_at
        self.audio_started = False
        self.owed = False  # the server owes audio or an acknowledgement (a sent Flush, a POST)
        self.final_planned = False
        self.first_flush_at: float | None = None
        self.last_activity = started_at
        self.blocked_since: float | None = None
        self.rest_since: float | None = None

    def new_attempt(self, now: float) -> None:
        """A fresh socket or REST request: nothing is owed on it yet."""
        self.owed = False
        self.final_planned = False
        self.first_flush_at = None
        self.rest_since = None
        self.audio_started = False
        self.last_activity = now

    def on_flush_planned(self, now: float) -> None:
        """A flush was planned (to be sent when the socket's budget allows): first audio is due."""
        if self.first_flush_at is None:
            self.first_flush_at = now

    def set_owed(self, owed: bool, final: bool, now: float) -> None:
        """Whether the server owes an acknowledgement now (a sent Flush is unacknowledged), and
        whether the final Flush was planned. The stall and flush clocks start when it does."""
        if owed and not self.owed:
            self.last_activity = now
        self.owed = owed
        self.final_planned = final

    def on_activity(self, now: float) -> None:
        """The server did something for the request (an acknowledgement)."""
        self.last_activity = now

    def on_audio(self, now: float) -> None:
        """Audio of the request arrived."""
        self.audio_started = True
        self.last_activity = now

    def on_rest_sent(self, now: float) -> None:
        """A REST request left; the server owes its body."""
        self.rest_since = now
        self.first_flush_at = now
        self.last_activity = now
        self.owed = True

    def on_rest_done(self, now: float) -> None:
        """The REST body is complete."""
        self.rest_since = None
        self.owed = False
        self.last_activity = now

    def on_blocked(self, now: float) -> None:
        """The event channel is full: the reader waits for the consumer."""
        if self.blocked_since is None:
            self.blocked_since = now

    def on_unblocked(self, now: float) -> None:
        """The consumer made room; the server's phases restart now."""
        if self.blocked_since is not None:
            if self.rest_since is not None:  # the REST body waited on the consumer too
                self.rest_since += now - self.blocked_since
            self.blocked_since = None
            self.last_activity = now

    @property
    def blocked(self) -> bool:
        """True while the consumer holds the request up."""
        return self.blocked_since is not None

    def request_deadline(self) -> float | None:
        """When the whole request must be over, if ``request_s`` is set."""
        limit = self.timeouts.request_s
        return None if limit is None else self.started_at + limit

    def next_deadline(self) -> Deadline | None:
        """The earliest deadline now running, or None when nothing is owed."""
        t = self.timeouts
        candidates: list[Deadline] = []
        if t.request_s is not None:
            candidates.append(Deadline(self.started_at + t.request_s, "request", t.request_s))
        if self.blocked_since is not None:
            if t.consumer_s is not None:
                candidates.append(
                    Deadline(self.blocked_since + t.consumer_s, "consumer", t.consumer_s)
                )
        else:
            candidates.extend(self._server_deadlines())
        return min(candidates, key=lambda d: d.at) if candidates else None

    def _server_deadlines(self) -> list[Deadline]:
        t = self.timeouts
        found: list[Deadline] = []
        if not self.audio_started and self.first_flush_at is not None:
            start = max(self.first_flush_at, self.last_activity)
            found.append(Deadline(start + t.first_audio_s, "first_audio", t.first_audio_s))
        elif self.owed and self.final_planned:
            found.append(Deadline(self.last_activity + t.flush_s, "flush", t.flush_s))
        elif self.owed:
            found.append(Deadline(self.last_activity + t.stall_s, "stall", t.stall_s))
        if self.owed and self.rest_since is not None:
            found.append(Deadline(self.rest_since + t.rest_s, "rest", t.rest_s))
        return found

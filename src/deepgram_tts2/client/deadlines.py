"""Per-phase deadlines of one request attempt, sans I/O: which deadline is next, and why.

A request moves through phases, each with its own limit from :class:`~deepgram_tts2.options.
Timeouts` (design.md "per-phase deadlines"):

============  ================================================================  ============
phase         runs from ... until ...                                           limit
============  ================================================================  ============
first_audio   the attempt's first Flush -> its first audio frame                first_audio_s
stall         the last server activity while a Flush is owed, before ``end()``  stall_s
flush         the last server activity while the final Flush is owed            flush_s
consumer      the audio queue became full -> the consumer takes an event        consumer_s
request       the request was created -> it ends (optional)                     request_s
============  ================================================================  ============

Time the socket reader spends waiting for a slow consumer (backpressure) never counts against
the server's phases: while the queue is full only ``consumer`` (and ``request``) run, and the
server's phases restart from the moment the queue has room again. ``connect``, ``clear`` and
``close`` are bounded where they happen (the connection and the pool).
"""

from __future__ import annotations

from dataclasses import dataclass

from deepgram_tts2.options import Timeouts


@dataclass(frozen=True, slots=True)
class Deadline:
    """The next deadline: at monotonic time ``at`` the phase ``phase`` (limit ``limit_s``) ends."""

    at: float
    phase: str
    limit_s: float


class PhaseTracker:
    """Tracks one request's activity and answers :meth:`next_deadline`.

    The owner calls the ``on_*`` methods as things happen (monotonic seconds passed in).
    """

    def __init__(self, timeouts: Timeouts, started_at: float) -> None:
        self.timeouts = timeouts
        self.started_at = started_at
        self.outstanding = 0
        self.audio_started = False
        self.final_sent = False
        self.first_flush_at: float | None = None
        self.last_activity = started_at
        self.blocked_since: float | None = None

    def new_attempt(self) -> None:
        """A fresh socket: nothing is owed on it yet."""
        self.outstanding = 0
        self.final_sent = False
        self.first_flush_at = None
        self.blocked_since = None

    def on_flush_sent(self, now: float, final: bool) -> None:
        """A Flush left; ``final`` when it is the one sent at ``end()``."""
        if self.outstanding == 0:
            self.last_activity = now
        if self.first_flush_at is None:
            self.first_flush_at = now
        self.outstanding += 1
        self.final_sent = self.final_sent or final

    def on_flush_done(self, now: float) -> None:
        """``Flushed`` arrived for a live flush."""
        self.outstanding = max(0, self.outstanding - 1)
        self.last_activity = now

    def on_flush_refused(self) -> None:
        """The server refused a Flush (``EXCESSIVE_FLUSH``); it will be sent again."""
        self.outstanding = max(0, self.outstanding - 1)

    def on_audio(self, now: float) -> None:
        """Audio of the request arrived."""
        self.audio_started = True
        self.last_activity = now

    def on_blocked(self, now: float) -> None:
        """The audio queue is full: the reader waits for the consumer."""
        if self.blocked_since is None:
            self.blocked_since = now

    def on_unblocked(self, now: float) -> None:
        """The consumer made room; the server's phases restart now."""
        if self.blocked_since is not None:
            self.blocked_since = None
            self.last_activity = now

    @property
    def waiting_on_server(self) -> bool:
        """True while a Flush is owed an answer."""
        return self.outstanding > 0

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
        elif self.outstanding > 0:
            candidates.append(self._server_deadline())
        return min(candidates, key=lambda d: d.at) if candidates else None

    def _server_deadline(self) -> Deadline:
        t = self.timeouts
        if not self.audio_started and self.first_flush_at is not None:
            start = max(self.first_flush_at, self.last_activity)
            return Deadline(start + t.first_audio_s, "first_audio", t.first_audio_s)
        if self.final_sent:
            return Deadline(self.last_activity + t.flush_s, "flush", t.flush_s)
        return Deadline(self.last_activity + t.stall_s, "stall", t.stall_s)

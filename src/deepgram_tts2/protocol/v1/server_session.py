"""Deepgram's side of a ``/v1/speak`` socket as a transition table (used by the emulator).

:class:`ServerSession` says what Deepgram does with each client frame (aura §2.3, §2.5, §2.6,
§2.7), expressed as *effects* for an I/O layer to carry out. It reads no clock and touches no
socket; time is passed in as monotonic seconds.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from deepgram_tts2.compat import StrEnum
from deepgram_tts2.protocol.errors import CloseReason
from deepgram_tts2.protocol.state import StateTable
from deepgram_tts2.protocol.v1.limits import (
    BUDGET_WINDOW_S,
    CHARS_PER_WINDOW,
    CONNECTION_LIFETIME_S,
    FLUSHES_PER_WINDOW,
    MAX_SPEAK_CHARS,
    SlidingWindow,
)
from deepgram_tts2.protocol.v1.messages import (
    EXCESSIVE_FLUSH,
    Clear,
    Cleared,
    ClientMessage,
    ErrorMessage,
    Flush,
    Flushed,
    Metadata,
    ProtocolViolation,
    Speak,
    WarningMessage,
    parse_client,
)

# =============================================================================================
# Server side


class ServerState(enum.Enum):
    """States of a server session."""

    OPEN = "open"
    DRAINING = "draining"  # Close received: finishing audio, then close 1000
    CLOSED = "closed"


class ServerEvent(enum.Enum):
    """What can happen to a server session."""

    SPEAK = "speak"
    FLUSH = "flush"
    CLEAR = "clear"
    CLOSE = "close"
    FATAL = "fatal"  # a violation, a budget breach, the lifetime or idle limit


SERVER_TABLE: StateTable[ServerState, ServerEvent] = StateTable(
    {
        (ServerState.OPEN, ServerEvent.SPEAK): ServerState.OPEN,
        (ServerState.OPEN, ServerEvent.FLUSH): ServerState.OPEN,
        (ServerState.OPEN, ServerEvent.CLEAR): ServerState.OPEN,
        (ServerState.OPEN, ServerEvent.CLOSE): ServerState.DRAINING,
        (ServerState.OPEN, ServerEvent.FATAL): ServerState.CLOSED,
        (ServerState.DRAINING, ServerEvent.FATAL): ServerState.CLOSED,
    }
)


class CloseDrain(StrEnum):
    """What the server does with pending work on ``Close`` (spec 2.5.4, uncertain).

    ``none``: close at once; ``flushed`` (default): finish the audio of flushed text, drop
    unflushed text; ``all``: flush the remaining text too, then close.
    """

    NONE = "none"
    FLUSHED = "flushed"
    ALL = "all"


@dataclass(frozen=True)
class ServerRules:
    """The limits a server session enforces; defaults are Deepgram's (spec 2.6)."""

    max_speak_chars: int = MAX_SPEAK_CHARS
    chars_per_window: int = CHARS_PER_WINDOW
    flushes_per_window: int = FLUSHES_PER_WINDOW
    window_s: float = BUDGET_WINDOW_S
    lifetime_s: float = CONNECTION_LIFETIME_S
    idle_timeout_s: float | None = None
    close_drain: CloseDrain = CloseDrain.FLUSHED


@dataclass(frozen=True, slots=True)
class SendControl:
    """Send a JSON control message."""

    message: Metadata | Flushed | Cleared | WarningMessage | ErrorMessage


@dataclass(frozen=True, slots=True)
class Synthesize:
    """Produce the audio of ``text`` for the accepted flush ``sequence_id``, then ``Flushed``."""

    sequence_id: int
    text: str


@dataclass(frozen=True, slots=True)
class CancelSynthesis:
    """Stop all queued and running synthesis at once (Clear)."""


@dataclass(frozen=True, slots=True)
class CloseSocket:
    """Close the socket with ``code`` and ``reason``; ``drain`` waits for queued synthesis."""

    code: int
    reason: CloseReason | None
    drain: bool = False


ServerEffect = SendControl | Synthesize | CancelSynthesis | CloseSocket


class ServerSession:
    """Deepgram's side of one ``/v1/speak`` socket, sans I/O.

    Feed it every client frame with :meth:`receive` and call :meth:`poll` at
    :meth:`next_deadline`; carry out the returned effects in order.
    """

    def __init__(self, rules: ServerRules, now: float) -> None:
        self.rules = rules
        self.state = ServerState.OPEN
        self.opened_at = now
        self.last_activity = now
        self._buffer: list[str] = []
        self._chars = SlidingWindow(rules.chars_per_window, rules.window_s)
        self._flushes = SlidingWindow(rules.flushes_per_window, rules.window_s)
        self._next_sequence = 0
        self.close_reason: CloseReason | None = None

    @property
    def buffered_chars(self) -> int:
        """Characters received and not yet flushed or cleared."""
        return sum(len(t) for t in self._buffer)

    @property
    def accepted_flushes(self) -> int:
        """Flushes accepted so far (the next ``Flushed`` id)."""
        return self._next_sequence

    def receive(self, frame: str | bytes, now: float) -> list[ServerEffect]:
        """Apply one client frame; returns the effects to carry out."""
        if self.state is not ServerState.OPEN:
            return []  # after Close or a fatal close, further frames are ignored
        self.last_activity = now
        expired = self.poll(now)
        if expired:
            return expired
        message = parse_client(frame)
        if isinstance(message, ProtocolViolation):
            return self._fatal(message.reason)
        return self._apply(message, now)

    def _apply(self, message: ClientMessage, now: float) -> list[ServerEffect]:
        if isinstance(message, Speak):
            return self._speak(message.text, now)
        if isinstance(message, Flush):
            return self._flush(now)
        if isinstance(message, Clear):
            self.state = SERVER_TABLE.next(self.state, ServerEvent.CLEAR)
            self._buffer.clear()
            seq = max(self._next_sequence - 1, 0)
            return [CancelSynthesis(), SendControl(Cleared(seq))]
        return self._close()

    def _speak(self, text: str, now: float) -> list[ServerEffect]:
        # "2001 characters or more ... you will receive an error" -> 1009 BIG-0001 (spec 2.6)
        if len(text) > self.rules.max_speak_chars:
            return self._fatal(CloseReason.BIG_0001)
        # "2400 characters per minute, counted on all characters sent" -> 1008 DATA-0001
        if not self._chars.fits(len(text), now):
            return self._fatal(CloseReason.DATA_0001)
        self._chars.take(len(text), now)
        self.state = SERVER_TABLE.next(self.state, ServerEvent.SPEAK)
        self._buffer.append(text)
        return []

    def _flush(self, now: float) -> list[ServerEffect]:
        self.state = SERVER_TABLE.next(self.state, ServerEvent.FLUSH)
        # "20 per 60 s ... Warning EXCESSIVE_FLUSH; that Flush gets no Flushed and no sequence
        # id; socket stays open" - the text stays buffered (spec 2.6, emulator choice).
        if not self._flushes.fits(1, now):
            return [SendControl(EXCESSIVE_FLUSH)]
        self._flushes.take(1, now)
        seq = self._next_sequence
        self._next_sequence += 1
        text = "".join(self._buffer)
        self._buffer.clear()
        return [Synthesize(seq, text)]

    def _close(self) -> list[ServerEffect]:
        self.state = SERVER_TABLE.next(self.state, ServerEvent.CLOSE)
        drain = self.rules.close_drain
        effects: list[ServerEffect] = []
        if drain is CloseDrain.NONE:
            effects.append(CancelSynthesis())
        elif drain is CloseDrain.ALL and self._buffer:
            seq = self._next_sequence
            self._next_sequence += 1
            effects.append(Synthesize(seq, "".join(self._buffer)))
        self._buffer.clear()
        effects.append(CloseSocket(1000, None, drain=drain is not CloseDrain.NONE))
        return effects

    def _fatal(self, reason: CloseReason) -> list[ServerEffect]:
        self.state = SERVER_TABLE.next(self.state, ServerEvent.FATAL)
        self.close_reason = reason
        self._buffer.clear()
        return [CancelSynthesis(), CloseSocket(reason.close_code, reason)]

    def next_deadline(self) -> float | None:
        """When :meth:`poll` next has something to do (lifetime or idle limit)."""
        if self.state is ServerState.CLOSED:
            return None
        deadline = self.opened_at + self.rules.lifetime_s
        if self.rules.idle_timeout_s is not None:
            deadline = min(deadline, self.last_activity + self.rules.idle_timeout_s)
        return deadline

    def poll(self, now: float) -> list[ServerEffect]:
        """Close with 1011 NET-0003 past the lifetime, or NET-0001 past the idle limit."""
        if self.state is ServerState.CLOSED:
            return []
        if now >= self.opened_at + self.rules.lifetime_s:
            return self._fatal(CloseReason.NET_0003)
        idle = self.rules.idle_timeout_s
        if idle is not None and self.state is ServerState.OPEN and now >= self.last_activity + idle:
            return self._fatal(CloseReason.NET_0001)
        return []

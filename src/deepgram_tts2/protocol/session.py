"""Session rules of both ends of a ``/v1/speak`` socket, as transition tables.

Server side (:class:`ServerSession`, used by the emulator): what Deepgram does with each client
frame (spec 2.3, 2.5, 2.6, 2.7) expressed as *effects* for an I/O layer to carry out.

Client side (:class:`ClientSession`, used by the client's connection): which messages may be sent
in which state, which flush an ack belongs to (by ``sequence_id``), and which audio is stale
("discard every audio frame between sending Clear and receiving Cleared", spec 2.4.4).

Neither class reads a clock or touches a socket; time is passed in as monotonic seconds.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

from deepgram_tts2.protocol.errors import CloseReason
from deepgram_tts2.protocol.limits import (
    BUDGET_WINDOW_S,
    CHARS_PER_WINDOW,
    CONNECTION_LIFETIME_S,
    FLUSHES_PER_WINDOW,
    MAX_SPEAK_CHARS,
    SlidingWindow,
)
from deepgram_tts2.protocol.messages import (
    Audio,
    Clear,
    Cleared,
    ClientMessage,
    Close,
    ErrorMessage,
    Flush,
    Flushed,
    Metadata,
    ProtocolViolation,
    ServerMessage,
    Speak,
    UnknownMessage,
    WarningMessage,
    parse_client,
)

S = TypeVar("S", bound=enum.Enum)
E = TypeVar("E", bound=enum.Enum)


class TransitionError(RuntimeError):
    """An event that the table does not allow in the current state."""


class StateTable(Generic[S, E]):
    """A finite-state transition table: ``(state, event) -> next state``."""

    def __init__(self, transitions: dict[tuple[S, E], S]) -> None:
        self._transitions = dict(transitions)

    def allows(self, state: S, event: E) -> bool:
        """True when ``event`` is legal in ``state``."""
        return (state, event) in self._transitions

    def next(self, state: S, event: E) -> S:
        """The state after ``event``.

        Raises:
            TransitionError: when the table has no such transition.
        """
        try:
            return self._transitions[(state, event)]
        except KeyError:
            raise TransitionError(f"{event.name} is not allowed in state {state.name}") from None


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


class CloseDrain(enum.StrEnum):
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

EXCESSIVE_FLUSH = WarningMessage(
    "EXCESSIVE_FLUSH", "Rate limit exceeded for flushes. Please try again later."
)


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


# =============================================================================================
# Client side


class ClientState(enum.Enum):
    """Protocol states of a client socket (the connection layer adds CONNECTING etc.)."""

    AWAITING_METADATA = "awaiting_metadata"
    READY = "ready"
    CLEARING = "clearing"  # Clear sent, Cleared not yet received: all audio is stale
    CLOSING = "closing"  # Close sent
    CLOSED = "closed"


class ClientEvent(enum.Enum):
    """What can happen to a client session."""

    METADATA = "metadata"
    SEND_SPEAK = "send_speak"
    SEND_FLUSH = "send_flush"
    SEND_CLEAR = "send_clear"
    SEND_CLOSE = "send_close"
    CLEARED = "cleared"
    CLOSED = "closed"


_C, _E = ClientState, ClientEvent
CLIENT_TABLE: StateTable[ClientState, ClientEvent] = StateTable(
    {
        # Deepgram sends Metadata "immediately" but nothing forbids sending before it arrives.
        (_C.AWAITING_METADATA, _E.METADATA): _C.READY,
        (_C.AWAITING_METADATA, _E.SEND_SPEAK): _C.AWAITING_METADATA,
        (_C.AWAITING_METADATA, _E.SEND_FLUSH): _C.AWAITING_METADATA,
        (_C.AWAITING_METADATA, _E.SEND_CLEAR): _C.CLEARING,
        (_C.AWAITING_METADATA, _E.SEND_CLOSE): _C.CLOSING,
        (_C.READY, _E.METADATA): _C.READY,
        (_C.READY, _E.SEND_SPEAK): _C.READY,
        (_C.READY, _E.SEND_FLUSH): _C.READY,
        (_C.READY, _E.SEND_CLEAR): _C.CLEARING,
        (_C.READY, _E.SEND_CLOSE): _C.CLOSING,
        (_C.CLEARING, _E.METADATA): _C.CLEARING,
        (_C.CLEARING, _E.SEND_CLEAR): _C.CLEARING,
        (_C.CLEARING, _E.CLEARED): _C.READY,
        (_C.CLEARING, _E.SEND_CLOSE): _C.CLOSING,
        (_C.READY, _E.CLEARED): _C.READY,  # a late or duplicate Cleared
        (_C.CLOSING, _E.CLEARED): _C.CLOSING,
        (_C.CLOSING, _E.METADATA): _C.CLOSING,
        **{(state, _E.CLOSED): _C.CLOSED for state in ClientState},
    }
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PendingFlush(Generic[T]):
    """A Flush sent and not yet acknowledged, with the caller's ``tag`` (e.g. a request)."""

    sequence_id: int
    tag: T
    abandoned: bool = False


@dataclass(frozen=True, slots=True)
class AudioReceived(Generic[T]):
    """Live audio; ``tag`` is the request of the oldest live pending flush (or None)."""

    data: bytes
    tag: T | None


@dataclass(frozen=True, slots=True)
class StaleAudio:
    """Audio that belongs to cleared work: must never reach a caller."""

    data: bytes


@dataclass(frozen=True, slots=True)
class FlushAcked(Generic[T]):
    """``Flushed`` for a live flush: all audio of ``tag`` up to that flush has arrived."""

    sequence_id: int
    tag: T


@dataclass(frozen=True, slots=True)
class FlushRefused(Generic[T]):
    """A Flush refused by the rate limit (``Warning EXCESSIVE_FLUSH``); it gets no ack."""

    tag: T
    warning: WarningMessage


@dataclass(frozen=True, slots=True)
class ClearAcked:
    """``Cleared``: audio after this point is live again."""

    sequence_id: int


@dataclass(frozen=True, slots=True)
class Ignored:
    """A message with no effect on requests (late ack of cleared work, unknown type ...)."""

    message: ServerMessage | ProtocolViolation
    why: str


@dataclass(frozen=True, slots=True)
class ServerReported:
    """A ``Warning`` (other than a refused flush) or an ``Error`` message."""

    message: WarningMessage | ErrorMessage


@dataclass(frozen=True, slots=True)
class MetadataReceived:
    """The session's ``Metadata``."""

    metadata: Metadata


ClientOutcome = (
    AudioReceived[T]
    | StaleAudio
    | FlushAcked[T]
    | FlushRefused[T]
    | ClearAcked
    | Ignored
    | ServerReported
    | MetadataReceived
)


class ClientSession(Generic[T]):
    """The client's view of one socket: send permissions, ack matching, stale-audio fence.

    Every sent message goes through :meth:`sent`; every received frame through :meth:`received`,
    which returns what it means. Flushes are numbered as Deepgram numbers accepted flushes (from
    0, +1 each); a refused flush gives its number back. On Clear every pending flush is marked
    abandoned: a late ``Flushed`` for it is ignored, and audio until ``Cleared`` is stale.
    """

    def __init__(self) -> None:
        self.state = ClientState.AWAITING_METADATA
        self.metadata: Metadata | None = None
        self._pending: deque[PendingFlush[T]] = deque()
        self._next_sequence = 0

    @property
    def pending_flushes(self) -> int:
        """Live (not abandoned) flushes awaiting ``Flushed``."""
        return sum(1 for p in self._pending if not p.abandoned)

    def can_send(self, message: ClientMessage) -> bool:
        """True when ``message`` is legal in the current state."""
        return CLIENT_TABLE.allows(self.state, _SEND_EVENT[type(message)])

    def sent(self, message: ClientMessage, tag: T) -> None:
        """Record a message about to be sent.

        Raises:
            TransitionError: when the message is not allowed in the current state (e.g. Speak
                while a Clear is unacknowledged, or anything after Close).
        """
        self.state = CLIENT_TABLE.next(self.state, _SEND_EVENT[type(message)])
        if isinstance(message, Flush):
            self._pending.append(PendingFlush(self._next_sequence, tag))
            self._next_sequence += 1
        elif isinstance(message, Clear):
            self._pending = deque(
                PendingFlush(p.sequence_id, p.tag, abandoned=True) for p in self._pending
            )

    def closed(self) -> None:
        """The socket is gone."""
        self.state = CLIENT_TABLE.next(self.state, ClientEvent.CLOSED)

    def received(self, message: ServerMessage | ProtocolViolation) -> ClientOutcome[T]:
        """Interpret one parsed server frame."""
        if isinstance(message, Audio):
            return self._audio(message.data)
        if isinstance(message, Flushed):
            return self._flushed(message)
        if isinstance(message, Cleared):
            if not CLIENT_TABLE.allows(self.state, ClientEvent.CLEARED):
                return Ignored(message, f"Cleared in state {self.state.name}")
            self.state = CLIENT_TABLE.next(self.state, ClientEvent.CLEARED)
            # Abandoned flushes will not be acknowledged any more (or their late acks ignored).
            self._pending = deque(p for p in self._pending if not p.abandoned)
            return ClearAcked(message.sequence_id)
        if isinstance(message, Metadata):
            if CLIENT_TABLE.allows(self.state, ClientEvent.METADATA):
                self.state = CLIENT_TABLE.next(self.state, ClientEvent.METADATA)
            self.metadata = message
            return MetadataReceived(message)
        if isinstance(message, WarningMessage):
            return self._warning(message)
        if isinstance(message, ErrorMessage):
            return ServerReported(message)
        if isinstance(message, UnknownMessage):
            return Ignored(message, f"unknown message type {message.type!r}")
        return Ignored(message, f"malformed server message: {message.detail}")

    def _audio(self, data: bytes) -> ClientOutcome[T]:
        if self.state in (ClientState.CLEARING, ClientState.CLOSED):
            return StaleAudio(data)
        for pending in self._pending:
            if not pending.abandoned:
                return AudioReceived(data, pending.tag)
        return AudioReceived(data, None)

    def _flushed(self, message: Flushed) -> ClientOutcome[T]:
        seq = message.sequence_id
        while self._pending and self._pending[0].sequence_id < seq:
            # Older flushes can only be abandoned ones whose acks never came.
            self._pending.popleft()
        if self._pending and self._pending[0].sequence_id == seq:
            head = self._pending.popleft()
            if head.abandoned:
                return Ignored(message, "Flushed for cleared work")
            return FlushAcked(seq, head.tag)
        return Ignored(message, f"Flushed {seq} matches no pending flush")

    def _warning(self, message: WarningMessage) -> ClientOutcome[T]:
        if message.code == EXCESSIVE_FLUSH.code:
            # The refused flush is the newest one not yet acknowledged: ids after it shift down.
            for index in range(len(self._pending) - 1, -1, -1):
                refused = self._pending[index]
                if refused.abandoned:
                    continue
                del self._pending[index]
                later = list(self._pending)[index:]
                for offset, p in enumerate(later):
                    self._pending[index + offset] = PendingFlush(
                        p.sequence_id - 1, p.tag, p.abandoned
                    )
                self._next_sequence -= 1
                return FlushRefused(refused.tag, message)
        return ServerReported(message)


_SEND_EVENT: dict[type, ClientEvent] = {
    Speak: ClientEvent.SEND_SPEAK,
    Flush: ClientEvent.SEND_FLUSH,
    Clear: ClientEvent.SEND_CLEAR,
    Close: ClientEvent.SEND_CLOSE,
}

"""The client's side of a ``/v1/speak`` socket as a transition table.

:class:`ClientSession` (used by the client's connection) says which messages may be sent in which
state, which flush an ack belongs to (by ``sequence_id``), and which audio is stale ("discard
every audio frame between sending Clear and receiving Cleared", aura §2.4.4). It reads no clock
and touches no socket.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

from deepgram_tts2.protocol.state import StateTable
from deepgram_tts2.protocol.v1.messages import (
    EXCESSIVE_FLUSH,
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
)

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
        self._offset = 0  # server id minus ours, learned after a Clear that took an id

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

    def audio_owner(self) -> tuple[bool, T | None]:
        """For the next audio frame: (live, tag of the oldest live pending flush or None).

        Audio is stale (not live) between sending ``Clear`` and receiving ``Cleared``, and after
        the socket closed. The allocation-free twin of :meth:`received` for binary frames.
        """
        if self.state in (ClientState.CLEARING, ClientState.CLOSED):
            return False, None
        for pending in self._pending:
            if not pending.abandoned:
                return True, pending.tag
        return True, None

    def _audio(self, data: bytes) -> ClientOutcome[T]:
        live, tag = self.audio_owner()
        return AudioReceived(data, tag) if live else StaleAudio(data)

    def _flushed(self, message: Flushed) -> ClientOutcome[T]:
        """Match ``Flushed`` to the oldest live flush, whatever a Clear did to the ids.

        Acknowledgements come in order, so the oldest live pending flush is the one answered.
        What ``Cleared.sequence_id`` counts is undocumented (aura §2.4.4): a server may give
        Clear an id of its own, and then every later id is one higher than ours. So an id at
        or above the oldest live flush's acknowledges that flush and teaches the offset; an id
        below it is a late answer for cleared work and is ignored. A live flush is never
        dropped.
        """
        seq = message.sequence_id
        while self._pending and self._pending[0].abandoned:
            head = self._pending[0]
            if seq == head.sequence_id + self._offset:
                self._pending.popleft()
                return Ignored(message, "Flushed for cleared work")
            if seq < head.sequence_id + self._offset:
                return Ignored(message, f"Flushed {seq} for cleared work")
            self._pending.popleft()  # its answer will never come: the server moved on
        if not self._pending:
            return Ignored(message, f"Flushed {seq} matches no pending flush")
        head = self._pending[0]
        expected = head.sequence_id + self._offset
        if seq < expected:
            return Ignored(message, f"Flushed {seq} for cleared work (next live is {expected})")
        self._offset += seq - expected
        self._pending.popleft()
        return FlushAcked(seq, head.tag)

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

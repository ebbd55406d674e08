"""The client's side of a ``/v2/speak`` socket as a transition table, sans I/O.

:class:`ClientSession` says which messages may be sent when, attributes audio to the turn
between its ``SpeechStarted`` and its terminal message (flux §3.7), accepts ``Flushed`` from
after the Flush until shortly after ``SpeechMetadata`` matched by ``speech_id`` (flux §3.7
"Client rule"), fences audio between sending ``Interrupt`` and receiving
``SpeechInterrupted`` (flux §3.5 item 2), keeps the session audio clock that turns a
turn-relative played position into the session-cumulative ``playback_offset`` (flux §3.5 item
3), and turns the interrupt warnings into outcomes. It reads no clock: time is passed in.

Turns are tagged with the caller's ``tag`` (e.g. a request). The server activates turns in the
order they were opened, so the head of the client's queue is the server's active turn.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from deepgram_tts2.compat import StrEnum
from deepgram_tts2.protocol.audio import PcmFormat
from deepgram_tts2.protocol.state import StateTable, TransitionError
from deepgram_tts2.protocol.v2.codes import INTERRUPT_WARNINGS, WarningCode
from deepgram_tts2.protocol.v2.messages import (
    Audio,
    ClientMessage,
    Close,
    Configure,
    ConfigureFailure,
    ConfigureSuccess,
    Connected,
    ErrorMessage,
    Flush,
    Flushed,
    Interrupt,
    ProtocolViolation,
    ServerMessage,
    SessionMetadata,
    Speak,
    SpeechInterrupted,
    SpeechMetadata,
    SpeechStarted,
    UnknownMessage,
    WarningMessage,
)

T = TypeVar("T")


class ClientState(enum.Enum):
    """Protocol states of a client socket (the connection layer adds CONNECTING etc.)."""

    AWAITING_CONNECTED = "awaiting_connected"
    READY = "ready"
    CLOSING = "closing"  # Close sent: nothing more may be sent
    CLOSED = "closed"


class ClientEvent(enum.Enum):
    """What can happen to a client session."""

    CONNECTED = "connected"
    SEND_SPEAK = "send_speak"
    SEND_FLUSH = "send_flush"
    SEND_INTERRUPT = "send_interrupt"
    SEND_CONFIGURE = "send_configure"
    SEND_CLOSE = "send_close"
    CLOSED = "closed"


_C, _E = ClientState, ClientEvent
_SENDS = (_E.SEND_SPEAK, _E.SEND_FLUSH, _E.SEND_INTERRUPT, _E.SEND_CONFIGURE)
CLIENT_TABLE: StateTable[ClientState, ClientEvent] = StateTable(
    {
        # Messages may be sent before Connected arrives; the server reads them after it.
        **{(_C.AWAITING_CONNECTED, e): _C.AWAITING_CONNECTED for e in _SENDS},
        **{(_C.READY, e): _C.READY for e in _SENDS},
        (_C.AWAITING_CONNECTED, _E.CONNECTED): _C.READY,
        (_C.READY, _E.CONNECTED): _C.READY,
        (_C.AWAITING_CONNECTED, _E.SEND_CLOSE): _C.CLOSING,
        (_C.READY, _E.SEND_CLOSE): _C.CLOSING,
        **{(state, _E.CLOSED): _C.CLOSED for state in ClientState},
    }
)
_SEND_EVENT: dict[type, ClientEvent] = {
    Speak: ClientEvent.SEND_SPEAK,
    Flush: ClientEvent.SEND_FLUSH,
    Interrupt: ClientEvent.SEND_INTERRUPT,
    Configure: ClientEvent.SEND_CONFIGURE,
    Close: ClientEvent.SEND_CLOSE,
}


class PendingFate(StrEnum):
    """What the client assumes the server does with pending turns on Interrupt (flux Q-1).

    ``keep`` / ``drop``: known; ``unknown`` (default): new turns wait until a
    ``SpeechStarted`` shows they were kept, or ``settle_s`` after ``SpeechInterrupted``
    passes without one (then they were dropped).
    """

    KEEP = "keep"
    DROP = "drop"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ClientRules:
    """Choices of the client session; see :class:`PendingFate`."""

    pending_fate: PendingFate = PendingFate.UNKNOWN
    settle_s: float = 0.5


@dataclass
class ClientTurn(Generic[T]):
    """One turn as the client sees it."""

    tag: T
    speech_id: str | None = None
    closed: bool = False  # Flush or Interrupt sent: no more Speak for it
    flush_sent: bool = False
    flushed: bool = False  # its Flushed arrived
    abandoned: bool = False  # interrupted by us: its audio is stale
    start_ms: int = 0  # the session audio clock at its SpeechStarted
    audio_bytes: int = 0


@dataclass
class _OutstandingInterrupt(Generic[T]):
    offset_ms: int | None
    abandoned: list[ClientTurn[T]] = field(default_factory=list)


# -- outcomes ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConnectedReceived:
    """The session's ``Connected``."""

    message: Connected


@dataclass(frozen=True, slots=True)
class TurnStarted(Generic[T]):
    """``SpeechStarted`` of ``tag``'s turn. ``abandoned``: we interrupted it already (its
    audio is stale); for a pending turn kept by the server the caller sends an Interrupt."""

    tag: T
    speech_id: str
    abandoned: bool = False


@dataclass(frozen=True, slots=True)
class AudioReceived(Generic[T]):
    """Live audio of ``tag``'s turn."""

    data: bytes
    tag: T
    speech_id: str


@dataclass(frozen=True, slots=True)
class StaleAudio:
    """Audio inside the interrupt fence, of an abandoned turn, or of no known turn."""

    data: bytes


@dataclass(frozen=True, slots=True)
class FlushAcked(Generic[T]):
    """``Flushed`` for ``tag``'s turn: informational, not the end of the turn (flux §3.4)."""

    tag: T
    speech_id: str


@dataclass(frozen=True, slots=True)
class TurnCompleted(Generic[T]):
    """``SpeechMetadata``: ``tag``'s turn ended normally; all its audio has arrived."""

    tag: T
    message: SpeechMetadata
    abandoned: bool = False


@dataclass(frozen=True, slots=True)
class TurnInterrupted(Generic[T]):
    """``SpeechInterrupted``: ``tag``'s turn ended by our Interrupt."""

    tag: T
    message: SpeechInterrupted


@dataclass(frozen=True, slots=True)
class InterruptRejected:
    """An Interrupt was ignored (NO_ACTIVE_SPEECH, NO_AUDIO_GENERATED, INTERRUPT_IN_PROGRESS,
    INVALID_INTERRUPT_OFFSET); the turns it abandoned are live again."""

    warning: WarningMessage
    offset_ms: int | None


@dataclass(frozen=True, slots=True)
class TurnsDropped(Generic[T]):
    """Pending turns the server dropped on Interrupt (they never start)."""

    tags: tuple[T, ...]


@dataclass(frozen=True, slots=True)
class ConfigureAcked:
    """A Configure was validated."""

    message: ConfigureSuccess


@dataclass(frozen=True, slots=True)
class ConfigureRejected:
    """A Configure was refused; the prior configuration stays."""

    message: ConfigureFailure


@dataclass(frozen=True, slots=True)
class SessionEnded:
    """``SessionMetadata`` after our Close."""

    message: SessionMetadata


@dataclass(frozen=True, slots=True)
class ServerReported:
    """A ``Warning`` that answers nothing we track, or a fatal ``Error``."""

    message: WarningMessage | ErrorMessage


@dataclass(frozen=True, slots=True)
class Ignored:
    """A message with no effect (unknown type, unmatched id, malformed frame ...)."""

    message: ServerMessage | ProtocolViolation
    why: str


ClientOutcome = (
    ConnectedReceived
    | TurnStarted[T]
    | AudioReceived[T]
    | StaleAudio
    | FlushAcked[T]
    | TurnCompleted[T]
    | TurnInterrupted[T]
    | InterruptRejected
    | TurnsDropped[T]
    | ConfigureAcked
    | ConfigureRejected
    | SessionEnded
    | ServerReported
    | Ignored
)


class ClientSession(Generic[T]):
    """The client's view of one ``/v2/speak`` socket; see the module docstring.

    Every sent message goes through :meth:`sent` (check first with :meth:`can_send`); every
    received frame through :meth:`received`, which says what it means; call :meth:`poll` at
    :meth:`next_deadline`.
    """

    def __init__(self, rules: ClientRules | None = None, fmt: PcmFormat | None = None) -> None:
        self.rules = rules or ClientRules()
        self.fmt = fmt
        self.state = ClientState.AWAITING_CONNECTED
        self.connected: Connected | None = None
        self.turns: deque[ClientTurn[T]] = deque()  # head = the server's active turn
        self._recent: deque[ClientTurn[T]] = deque()  # ended, Flushed still due
        self._interrupts: deque[_OutstandingInterrupt[T]] = deque()
        self._configures = 0
        self.clock_ms = 0  # session audio before the active turn (flux §2.3 rebasing)
        self.last_interrupt_ms: int | None = None
        self.last_error: str | None = None
        self._undecided: list[ClientTurn[T]] = []  # abandoned pending turns, fate unknown
        self._settle_at: float | None = None

    # -- sending ------------------------------------------------------------------------------

    @property
    def open_turn(self) -> ClientTurn[T] | None:
        """The newest turn if it still accepts Speak."""
        return self.turns[-1] if self.turns and not self.turns[-1].closed else None

    @property
    def fate_pending(self) -> bool:
        """True while it is unknown whether pending turns abandoned by an Interrupt will
        start (:class:`PendingFate` ``unknown``): a new turn now could not be told apart."""
        if self._undecided:
            return True
        if self.rules.pending_fate is not PendingFate.UNKNOWN:
            return False
        return any(turn.speech_id is None for o in self._interrupts for turn in o.abandoned[1:])

    @property
    def fenced(self) -> bool:
        """True between sending Interrupt and its answer: all audio is stale."""
        return bool(self._interrupts)

    def can_send(self, message: ClientMessage, tag: T | None = None) -> bool:
        """True when ``message`` (for ``tag``'s turn, for Speak) is legal now: Speak appends to
        the open turn of the same tag or opens one (not while the fate of dropped-or-kept
        pending turns is unknown); Flush needs an open turn; nothing after Close."""
        if not CLIENT_TABLE.allows(self.state, _SEND_EVENT[type(message)]):
            return False
        if isinstance(message, Speak):
            turn = self.open_turn
            if turn is not None:
                return turn.tag == tag
            return not self.fate_pending
        if isinstance(message, Flush):
            return self.open_turn is not None
        return True

    def sent(self, message: ClientMessage, tag: T | None = None) -> None:
        """Record a message about to be sent.

        Raises:
            TransitionError: when :meth:`can_send` is False for it.
        """
        if not self.can_send(message, tag):
            raise TransitionError(f"{type(message).__name__} is not allowed now")
        self.state = CLIENT_TABLE.next(self.state, _SEND_EVENT[type(message)])
        if isinstance(message, Speak) and self.open_turn is None:
            assert tag is not None
            self.turns.append(ClientTurn(tag))
        elif isinstance(message, Flush):
            turn = self.open_turn
            assert turn is not None
            turn.closed = turn.flush_sent = True
        elif isinstance(message, Interrupt):
            self._interrupt_sent(message.playback_offset_ms)
        elif isinstance(message, Configure):
            self._configures += 1

    def _interrupt_sent(self, offset_ms: int | None) -> None:
        """Abandon the head turn (the server's active one) and, since Interrupt has no
        per-turn targeting, the pending ones behind it (flux §2.2 Interrupt)."""
        outstanding: _OutstandingInterrupt[T] = _OutstandingInterrupt(offset_ms)
        for turn in self.turns:
            if not turn.abandoned:
                turn.abandoned = turn.closed = True
                outstanding.abandoned.append(turn)
        self._interrupts.append(outstanding)

    def playback_offset(self, played_ms: float) -> int:
        """The session-cumulative ``playback_offset`` for ``played_ms`` of the active turn.

        Offsets count from the start of the session's audio, with the server's rebasing after
        every interrupt (flux §2.3), and must strictly increase across interrupts; after an
        interrupt without offset the returned ``audio_played_ms`` is the baseline (flux §3.5
        item 3). A position at or below the last one is moved just past it.
        """
        head = self.turns[0] if self.turns else None
        start = head.start_ms if head is not None and head.speech_id else self.clock_ms
        offset = start + max(int(played_ms), 0)
        floor = self.last_interrupt_ms
        for outstanding in self._interrupts:
            if outstanding.offset_ms is not None:
                floor = max(floor if floor is not None else -1, outstanding.offset_ms)
        if floor is not None and offset <= floor:
            offset = floor + 1
        return offset

    def interrupt(self, played_ms: float | None) -> Interrupt:
        """An Interrupt for ``played_ms`` of the active turn (None: a bare Interrupt)."""
        if played_ms is None:
            return Interrupt()
        return Interrupt(self.playback_offset(played_ms))

    def closed(self) -> None:
        """The socket is gone."""
        self.state = CLIENT_TABLE.next(self.state, ClientEvent.CLOSED)

    # -- receiving ----------------------------------------------------------------------------

    def received(
        self, message: ServerMessage | ProtocolViolation, now: float = 0.0
    ) -> ClientOutcome[T]:
        """Interpret one parsed server frame (``now``: monotonic seconds, for the settle
        window of :class:`PendingFate`)."""
        if isinstance(message, Audio):
            return self._audio(message.data)
        if isinstance(message, SpeechStarted):
            return self._started(message)
        if isinstance(message, Flushed):
            return self._flushed(message)
        if isinstance(message, SpeechMetadata):
            return self._completed(message)
        if isinstance(message, SpeechInterrupted):
            return self._interrupted(message, now)
        if isinstance(message, WarningMessage):
            return self._warning(message)
        if isinstance(message, ConfigureSuccess | ConfigureFailure):
            if self._configures == 0:
                return Ignored(message, "Configure answer without a Configure")
            self._configures -= 1
            if isinstance(message, ConfigureSuccess):
                return ConfigureAcked(message)
            return ConfigureRejected(message)
        return self._session_level(message)

    def _session_level(
        self,
        message: Connected | SessionMetadata | ErrorMessage | UnknownMessage | ProtocolViolation,
    ) -> ClientOutcome[T]:
        if isinstance(message, Connected):
            self.state = (
                CLIENT_TABLE.next(self.state, ClientEvent.CONNECTED)
                if (CLIENT_TABLE.allows(self.state, ClientEvent.CONNECTED))
                else self.state
            )
            self.connected = message
            return ConnectedReceived(message)
        if isinstance(message, SessionMetadata):
            self._recent.clear()
            return SessionEnded(message)
        if isinstance(message, ErrorMessage):
            self.last_error = message.code
            return ServerReported(message)
        if isinstance(message, UnknownMessage):
            return Ignored(message, f"unknown message type {message.type!r}")
        return Ignored(message, f"malformed server message: {message.detail}")

    def _head(self, speech_id: str) -> ClientTurn[T] | None:
        head = self.turns[0] if self.turns else None
        return head if head is not None and head.speech_id == speech_id else None

    def _audio(self, data: bytes) -> ClientOutcome[T]:
        head = self.turns[0] if self.turns else None
        if self.fenced or head is None or head.speech_id is None or head.abandoned:
            return StaleAudio(data)
        head.audio_bytes += len(data)
        return AudioReceived(data, head.tag, head.speech_id)

    def _started(self, message: SpeechStarted) -> ClientOutcome[T]:
        head = self.turns[0] if self.turns else None
        if head is None or head.speech_id is not None:
            return Ignored(message, "SpeechStarted while no turn of ours waits to start")
        head.speech_id = message.speech_id
        head.start_ms = self.clock_ms
        if head in self._undecided:  # the server kept the pending turns (flux Q-1)
            self._undecided = []
            self._settle_at = None
        return TurnStarted(head.tag, message.speech_id, head.abandoned)

    def _flushed(self, message: Flushed) -> ClientOutcome[T]:
        for turn in (*self.turns, *self._recent):
            if turn.speech_id == message.speech_id and turn.flush_sent and not turn.flushed:
                turn.flushed = True
                if turn in self._recent:
                    self._recent.remove(turn)
                return FlushAcked(turn.tag, message.speech_id)
        return Ignored(message, f"Flushed {message.speech_id} matches no flushed turn")

    def _ended(self, turn: ClientTurn[T]) -> None:
        """``turn`` (the head) got its terminal message; Flushed stays accepted until the next
        terminal message ("shortly after SpeechMetadata", flux §3.7)."""
        self.turns.popleft()
        self._recent.clear()
        if turn.flush_sent and not turn.flushed:
            self._recent.append(turn)

    def _completed(self, message: SpeechMetadata) -> ClientOutcome[T]:
        turn = self._head(message.speech_id)
        if turn is None:
            return Ignored(message, f"SpeechMetadata {message.speech_id} is not the active turn")
        self._ended(turn)
        self.clock_ms += message.metadata.audio_duration_ms
        return TurnCompleted(turn.tag, message, turn.abandoned)

    def _interrupted(self, message: SpeechInterrupted, now: float) -> ClientOutcome[T]:
        turn = self._head(message.speech_id)
        if turn is None:
            return Ignored(message, f"SpeechInterrupted {message.speech_id} is not the active turn")
        self._ended(turn)
        self.clock_ms = message.audio_played_ms  # "rebases ... onto audio played" (flux §2.3)
        self.last_interrupt_ms = message.audio_played_ms  # baseline (flux §3.5 item 3)
        outstanding = self._interrupts.popleft() if self._interrupts else None
        pending = [t for t in (outstanding.abandoned if outstanding else []) if t is not turn]
        pending = [t for t in pending if t in self.turns and t.speech_id is None]
        if pending and self.rules.pending_fate is PendingFate.DROP:
            self._drop(pending)
        elif pending and self.rules.pending_fate is PendingFate.UNKNOWN:
            self._undecided = pending
            self._settle_at = now + self.rules.settle_s
        return TurnInterrupted(turn.tag, message)

    def _drop(self, turns: list[ClientTurn[T]]) -> tuple[T, ...]:
        for turn in turns:
            if turn in self.turns:
                self.turns.remove(turn)
        return tuple(t.tag for t in turns)

    def _warning(self, message: WarningMessage) -> ClientOutcome[T]:
        answers_interrupt = message.code in INTERRUPT_WARNINGS or (
            message.code == WarningCode.NO_ACTIVE_SPEECH and self._interrupts
        )
        if not answers_interrupt or not self._interrupts:
            return ServerReported(message)
        if message.code == WarningCode.INTERRUPT_IN_PROGRESS:
            # The newest Interrupt was refused; the earlier one still stands.
            refused = self._interrupts.pop()
            return InterruptRejected(message, refused.offset_ms)
        refused = self._interrupts.popleft()
        for turn in refused.abandoned:  # the server did nothing: they are live again
            turn.abandoned = False
            turn.closed = turn.flush_sent  # only a Flush closes a turn that goes on
        return InterruptRejected(message, refused.offset_ms)

    # -- time ---------------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """When :meth:`poll` has something to do (the end of a settle window)."""
        return self._settle_at

    def poll(self, now: float) -> list[ClientOutcome[T]]:
        """After the settle window without a SpeechStarted, the undecided pending turns were
        dropped by the server."""
        if self._settle_at is None or now < self._settle_at:
            return []
        undecided, self._undecided, self._settle_at = self._undecided, [], None
        return [TurnsDropped(self._drop(undecided))]

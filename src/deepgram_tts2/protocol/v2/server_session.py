"""Deepgram's side of a ``/v2/speak`` socket: the turn machine (flux §3.2, §3.3), sans I/O.

:class:`ServerSession` holds the state (``Idle``, ``Generating``, ``Finalizing``, ``Closing``)
of flux §3.2 as a :class:`StateTable`, the active turn and the FIFO of pending turns, and
answers every client frame and every I/O report with *effects* for the I/O layer to carry out:
:class:`SendControl`, :class:`Synthesize` (a segment, in order), :class:`FinishTurn` (a marker
after a turn's last segment: report :meth:`ServerSession.turn_audio_done` once its audio is
sent), :class:`CancelTurn` (stop a turn's audio now, then report
:meth:`ServerSession.turn_cancelled`) and :class:`CloseSocket`. It reads no clock: time is
passed in as monotonic seconds.

Where Deepgram's behaviour is undocumented, :class:`ServerRules` holds each legal reading as an
option with the spec's recommended default (flux §8, §10).
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field

from deepgram_tts2.compat import StrEnum
from deepgram_tts2.protocol.state import StateTable
from deepgram_tts2.protocol.v2.alignment import RenderedSpan, split_spoken
from deepgram_tts2.protocol.v2.audio import FluxPcmFormat
from deepgram_tts2.protocol.v2.codes import (
    NORMAL_CLOSE,
    CloseScheme,
    ConfigureFailureCode,
    ErrorCode,
    WarningCode,
    close_code_for,
)
from deepgram_tts2.protocol.v2.controls import (
    MAX_PRONUNCIATIONS,
    CharUnit,
    count_chars,
    has_pronunciation,
    is_synthesizable,
    scan_controls,
)
from deepgram_tts2.protocol.v2.messages import (
    ClientMessage,
    Close,
    Configure,
    ConfigureFailure,
    ConfigureSuccess,
    ControlsApplied,
    Flush,
    Flushed,
    Interrupt,
    ProtocolViolation,
    ServerControl,
    SessionMetadata,
    Speak,
    SpeechInterrupted,
    SpeechMetadata,
    SpeechStarted,
    TurnMetadata,
    error,
    warning,
)
from deepgram_tts2.protocol.v2.segments import next_segment_end
from deepgram_tts2.protocol.v2.url import SPEED_RANGE, check_speed
from deepgram_tts2.protocol.v2.wire import parse_client

IDLE_TIMEOUT_S = 60.0  # "No inbound client message for 60 s" -> NET-0004 (flux §4)
LIFETIME_S = 3600.0  # "Session > 1 hour" -> NET-0003 (flux §4)

# =============================================================================================
# The state table (flux §3.2, §3.3)


class ServerState(enum.Enum):
    """Session states of flux §3.2 (plus CLOSED)."""

    IDLE = "idle"
    GENERATING = "generating"  # active turn open: accepts Speak
    FINALIZING = "finalizing"  # active turn flushed (or being interrupted)
    CLOSING = "closing"  # Close received: finishing queued audio
    CLOSED = "closed"


class ServerEvent(enum.Enum):
    """What moves a server session."""

    SPEAK = "speak"
    FLUSH = "flush"
    INTERRUPT = "interrupt"
    CONFIGURE = "configure"
    CLOSE = "close"
    NEXT_OPEN = "next_open"  # a turn ended; the next one is open
    NEXT_FLUSHED = "next_flushed"  # a turn ended; the next one was already flushed
    NEXT_NONE = "next_none"  # a turn ended; nothing pending
    FATAL = "fatal"


_S, _E = ServerState, ServerEvent
_LIVE = (_S.IDLE, _S.GENERATING, _S.FINALIZING)
SERVER_TABLE: StateTable[ServerState, ServerEvent] = StateTable(
    {
        (_S.IDLE, _E.SPEAK): _S.GENERATING,  # row 1
        (_S.GENERATING, _E.SPEAK): _S.GENERATING,  # row 2
        (_S.FINALIZING, _E.SPEAK): _S.FINALIZING,  # row 4: into a pending turn
        (_S.IDLE, _E.FLUSH): _S.IDLE,  # row 6: Warning NO_ACTIVE_SPEECH
        (_S.GENERATING, _E.FLUSH): _S.FINALIZING,  # row 3
        (_S.FINALIZING, _E.FLUSH): _S.FINALIZING,  # row 5
        (_S.IDLE, _E.INTERRUPT): _S.IDLE,  # rows 9-12: warnings
        (_S.GENERATING, _E.INTERRUPT): _S.FINALIZING,  # row 8: the turn takes no more text
        (_S.FINALIZING, _E.INTERRUPT): _S.FINALIZING,  # row 8
        **{(s, _E.CONFIGURE): s for s in _LIVE},  # rows 13-14
        **{(s, _E.CLOSE): _S.CLOSING for s in _LIVE},  # row 15
        **{(s, _E.NEXT_OPEN): _S.GENERATING for s in (_S.GENERATING, _S.FINALIZING)},
        **{(s, _E.NEXT_FLUSHED): _S.FINALIZING for s in (_S.GENERATING, _S.FINALIZING)},
        **{(s, _E.NEXT_NONE): _S.IDLE for s in (_S.GENERATING, _S.FINALIZING)},  # row 7
        (_S.CLOSING, _E.NEXT_OPEN): _S.CLOSING,
        (_S.CLOSING, _E.NEXT_FLUSHED): _S.CLOSING,
        (_S.CLOSING, _E.NEXT_NONE): _S.CLOSED,  # drained: SessionMetadata, close
        **{(s, _E.FATAL): _S.CLOSED for s in (*_LIVE, _S.CLOSING)},  # rows 16-19
    }
)

# =============================================================================================
# Options for undocumented behaviour (flux §8 item 7, §10)


class FlushedPlacement(StrEnum):
    """When ``Flushed`` is sent (flux §3.7, Q-2).

    ``early`` (default): when the turn's last segment is handed to synthesis, before its
    remaining audio; ``late``: after its last audio frame, right before ``SpeechMetadata``;
    ``trailing``: right after ``SpeechMetadata``.
    """

    EARLY = "early"
    LATE = "late"
    TRAILING = "trailing"


class PendingOnInterrupt(StrEnum):
    """What ``Interrupt`` does to pending turns (Q-1): ``keep`` them (default; Interrupt
    "always targets the active turn") or ``drop`` them with the active one."""

    KEEP = "keep"
    DROP = "drop"


class CloseUnflushed(StrEnum):
    """What ``Close`` does with an unflushed turn (Q-3).

    ``complete`` (default; "drains all remaining and queued audio"): synthesise the rest and
    send its ``SpeechMetadata`` without ``Flushed`` (no Flush was sent); ``flushed``: as if
    flushed, ``Flushed`` included; ``drop``: stop it, no terminal message.
    """

    COMPLETE = "complete"
    FLUSHED = "flushed"
    DROP = "drop"


class FlushWithoutTurn(StrEnum):
    """``Flush`` in Finalizing with no open pending turn (Q-7): ``warn`` with
    NO_ACTIVE_SPEECH (default, as in Idle, flux §3.3 row 6) or ignore ``silent``-ly."""

    WARN = "warn"
    SILENT = "silent"


class EmptySpeak(StrEnum):
    """``Speak`` with empty text (Q-7): ``open_turn`` (default: like any Speak) or ``ignore``."""

    OPEN_TURN = "open_turn"
    IGNORE = "ignore"


class AfterClose(StrEnum):
    """Client messages after ``Close`` (Q-7): ``ignore`` (default) or fatal ``error``
    (DATA-0000)."""

    IGNORE = "ignore"
    ERROR = "error"


class BinaryFrames(StrEnum):
    """Client binary frames (flux §2.1, uncertain): fatal ``error`` MESSAGE-0000 (default, as
    v1) or ``ignore``."""

    ERROR = "error"
    IGNORE = "ignore"


class ConfigureTiming(StrEnum):
    """Where a Configure'd speed takes effect (Q-9): next ``segment`` (default, docs) or next
    ``turn`` (a SageMaker test)."""

    SEGMENT = "segment"
    TURN = "turn"


@dataclass(frozen=True)
class ServerRules:
    """Limits and readings a server session applies; defaults follow flux §8.

    Attributes:
        fmt: the session's audio format (for ``audio_duration_ms`` = bytes / (rate x width)).
        speed: speed from the query (None: not set, 1.0 in effect).
        billable_zero: the staging bug: ``billable_character_count`` always 0 (Q-8).
        rebase_input_on_interrupt: an interrupted turn adds its billable (synthesised) count,
            not its input count, to ``total_input_character_count`` (wire, Q-8).
        char_unit: what a character is in every count (Q-10).
        close_scheme: close code after an ``Error`` (Q-4).
        max_segment_chars: force a segment cut past this many characters without a boundary.
    """

    fmt: FluxPcmFormat
    speed: float | None = None
    flushed_placement: FlushedPlacement = FlushedPlacement.EARLY
    pending_on_interrupt: PendingOnInterrupt = PendingOnInterrupt.KEEP
    close_unflushed: CloseUnflushed = CloseUnflushed.COMPLETE
    flush_without_turn: FlushWithoutTurn = FlushWithoutTurn.WARN
    empty_speak: EmptySpeak = EmptySpeak.OPEN_TURN
    after_close: AfterClose = AfterClose.IGNORE
    binary_frames: BinaryFrames = BinaryFrames.ERROR
    configure_timing: ConfigureTiming = ConfigureTiming.SEGMENT
    billable_zero: bool = False
    rebase_input_on_interrupt: bool = True
    char_unit: CharUnit = CharUnit.CODE_POINTS
    close_scheme: CloseScheme = CloseScheme.V1
    speed_range: tuple[float, float] = SPEED_RANGE
    runtime_speed_supported: bool = True
    idle_timeout_s: float | None = IDLE_TIMEOUT_S
    lifetime_s: float = LIFETIME_S
    max_segment_chars: int = 250


# =============================================================================================
# Effects


@dataclass(frozen=True, slots=True)
class SendControl:
    """Send a JSON control message (after everything queued before it)."""

    message: ServerControl


@dataclass(frozen=True, slots=True)
class Synthesize:
    """Render ``text`` (segment ``index`` of turn ``speech_id``) at ``speed`` and send its
    audio in order; report the rendered size with :meth:`ServerSession.rendered` and every
    sent frame with :meth:`ServerSession.audio_sent`."""

    speech_id: str
    index: int
    text: str
    speed: float


@dataclass(frozen=True, slots=True)
class FinishTurn:
    """All segments of ``speech_id`` are queued: once their audio is sent, call
    :meth:`ServerSession.turn_audio_done`."""

    speech_id: str


@dataclass(frozen=True, slots=True)
class CancelTurn:
    """Stop ``speech_id``'s synthesis and audio now, then call
    :meth:`ServerSession.turn_cancelled`."""

    speech_id: str


@dataclass(frozen=True, slots=True)
class CloseSocket:
    """Close the socket now with ``code`` and ``reason`` (after queued messages)."""

    code: int
    reason: str | None = None


ServerEffect = SendControl | Synthesize | FinishTurn | CancelTurn | CloseSocket


class SpeechIds:
    """Mints ``dg_sp_`` + 12 lowercase hex digits, unique per seed and counter."""

    def __init__(self, seed: str) -> None:
        self._seed = seed
        self._count = 0

    def next(self) -> str:
        """A new id."""
        self._count += 1
        digest = hashlib.sha256(f"{self._seed}:{self._count}".encode()).hexdigest()
        return "dg_sp_" + digest[:12]


@dataclass
class _Turn:
    """One turn's bookkeeping (mutable, private)."""

    speech_id: str
    raw: str = ""
    closed: bool = False  # takes no more text (flushed, interrupted or closed by Close)
    flush_sent: bool = False  # a Flush message closed it: it owes a Flushed
    flushed_acked: bool = False
    handed: int = 0  # raw characters handed to synthesis
    cleaned: str = ""  # cleaned text of the handed segments
    segments: int = 0
    spans: dict[int, tuple[int, int]] = field(default_factory=dict)
    timeline: list[RenderedSpan] = field(default_factory=list)
    rendered_ms: float = 0.0
    audio_bytes: int = 0
    pronunciations: int = 0
    pronunciation_warnings: int = 0
    speed: float = 1.0
    dropped: bool = False
    finished: bool = False  # FinishTurn emitted


@dataclass
class _Interrupting:
    """An accepted Interrupt whose ``CancelTurn`` has not been reported done yet."""

    turn: _Turn
    offset_ms: int | None


class ServerSession:
    """Deepgram's side of one ``/v2/speak`` socket, sans I/O; see the module docstring.

    Feed every client frame to :meth:`receive`, ping/pong to :meth:`touch`, the I/O reports to
    :meth:`rendered`, :meth:`audio_sent`, :meth:`turn_audio_done`, :meth:`turn_cancelled`,
    and call :meth:`poll` at :meth:`next_deadline`. Carry out the returned effects in order.
    """

    def __init__(self, rules: ServerRules, now: float, seed: str = "session") -> None:
        self.rules = rules
        self.state = ServerState.IDLE
        self.opened_at = now
        self.last_activity = now
        self.active: _Turn | None = None
        self.pending: list[_Turn] = []
        self._ids = SpeechIds(seed)
        self._speed = 1.0 if rules.speed is None else rules.speed
        self._speed_set = rules.speed is not None
        self._interrupting: _Interrupting | None = None
        self._last_interrupt_ms: int | None = None
        self._audio_generated = False
        self.total_audio_ms = 0
        self.total_input = 0
        self.total_billable = 0
        self.error: ErrorCode | None = None

    # -- inputs -------------------------------------------------------------------------------

    def receive(self, frame: str | bytes, now: float) -> list[ServerEffect]:
        """Apply one client frame (flux §3.3); returns the effects to carry out."""
        if self.state is ServerState.CLOSED:
            return []
        self.last_activity = now
        expired = self.poll(now)
        if expired:
            return expired
        if isinstance(frame, bytes | bytearray) and self.rules.binary_frames is BinaryFrames.IGNORE:
            return []
        message = parse_client(frame)
        if isinstance(message, ProtocolViolation):
            return self.fail(message.code, message.detail)  # row 18
        if self.state is ServerState.CLOSING:
            return self._after_close(message)
        return self._apply(message)

    def touch(self, now: float) -> None:
        """A WebSocket ping or pong arrived: it resets the idle timer (flux §4)."""
        self.last_activity = now

    def _apply(self, message: ClientMessage) -> list[ServerEffect]:
        if isinstance(message, Speak):
            return self._speak(message.text)
        if isinstance(message, Flush):
            return self._flush()
        if isinstance(message, Interrupt):
            return self._interrupt(message.playback_offset_ms)
        if isinstance(message, Configure):
            return self._configure(message.speed)
        return self._close()

    def _after_close(self, message: ClientMessage) -> list[ServerEffect]:
        if self.rules.after_close is AfterClose.ERROR and not isinstance(message, Close):
            return self.fail(ErrorCode.DATA_0000, f"{type(message).__name__} after Close")
        return []

    def _move(self, event: ServerEvent) -> None:
        self.state = SERVER_TABLE.next(self.state, event)

    # -- Speak --------------------------------------------------------------------------------

    def _speak(self, text: str) -> list[ServerEffect]:
        if not text and self.rules.empty_speak is EmptySpeak.IGNORE:
            return []
        self._move(ServerEvent.SPEAK)
        if self.active is None:  # row 1
            self.active = _Turn(self._ids.next(), raw=text, speed=self._speed)
            return [SendControl(SpeechStarted(self.active.speech_id)), *self._segments()]
        if not self.active.closed:  # row 2
            self.active.raw += text
            return self._segments()
        if self.pending and not self.pending[-1].closed:  # row 4: append to the open one
            self.pending[-1].raw += text
        else:
            self.pending.append(_Turn(self._ids.next(), raw=text))
        return []

    def _segments(self, final: bool = False) -> list[ServerEffect]:
        """Hand the active turn's complete segments (all text when ``final``) to synthesis."""
        turn = self.active
        assert turn is not None
        effects: list[ServerEffect] = []
        while turn.handed < len(turn.raw):
            end = next_segment_end(turn.raw, turn.handed, self.rules.max_segment_chars)
            if end is None:
                if not final:
                    break
                end = len(turn.raw)
            effects += self._hand(turn, end)
            if self.state is ServerState.CLOSED:
                return effects
        return effects

    def _hand(self, turn: _Turn, end: int) -> list[ServerEffect]:
        """Check and queue ``turn.raw[turn.handed:end]`` (flux §3.3 row 19 for controls)."""
        scan = scan_controls(turn.raw[turn.handed : end])
        if scan.malformed is not None:
            return self.fail(ErrorCode.DATA_0002, scan.malformed)
        if scan.pauses:
            return self.fail(ErrorCode.DATA_0002, "inline pause controls are batch-only")
        speed = turn.speed if self.rules.configure_timing is ConfigureTiming.TURN else self._speed
        if scan.pronunciations and speed != 1.0:
            return self.fail(ErrorCode.DATA_0002, "pronunciation cannot be combined with speed")
        effects: list[ServerEffect] = []
        for code in scan.warnings:
            effects.append(SendControl(warning(code)))
        turn.pronunciations += scan.pronunciations
        turn.pronunciation_warnings += len(scan.warnings)
        if turn.pronunciations > MAX_PRONUNCIATIONS:
            effects.append(SendControl(warning(WarningCode.PRONUNCIATIONS_LIMIT_EXCEEDED)))
        start = len(turn.cleaned)
        turn.cleaned += scan.cleaned
        turn.handed = end
        if is_synthesizable(scan.cleaned):
            turn.spans[turn.segments] = (start, len(turn.cleaned))
            effects.append(Synthesize(turn.speech_id, turn.segments, scan.cleaned, speed))
            turn.segments += 1
        return effects

    # -- Flush --------------------------------------------------------------------------------

    def _flush(self) -> list[ServerEffect]:
        if self.active is not None and not self.active.closed:  # row 3
            self._move(ServerEvent.FLUSH)
            return self._close_active(flush_sent=True)
        if self.pending and not self.pending[-1].closed:  # row 5: Flushed held back
            self._move(ServerEvent.FLUSH)
            self.pending[-1].closed = self.pending[-1].flush_sent = True
            return []
        if self.state is not ServerState.IDLE and self.rules.flush_without_turn is (
            FlushWithoutTurn.SILENT
        ):
            return []
        return [SendControl(warning(WarningCode.NO_ACTIVE_SPEECH))]  # row 6 (and Q-7)

    def _close_active(self, flush_sent: bool) -> list[ServerEffect]:
        """Close the active turn to text: hand the rest to synthesis, then FinishTurn."""
        turn = self.active
        assert turn is not None
        turn.closed = True
        turn.flush_sent = flush_sent
        effects = self._segments(final=True)
        if self.state is ServerState.CLOSED:
            return effects
        turn.finished = True
        effects.append(FinishTurn(turn.speech_id))
        if flush_sent and self.rules.flushed_placement is FlushedPlacement.EARLY:
            effects.append(self._flushed(turn))
        return effects

    def _flushed(self, turn: _Turn) -> SendControl:
        turn.flushed_acked = True
        return SendControl(Flushed(turn.speech_id))

    # -- Interrupt (flux §3.5, §8 item 5) -----------------------------------------------------

    def _interrupt(self, offset_ms: int | None) -> list[ServerEffect]:
        """Validate in the order of flux §8 item 5, then cancel the active turn (row 8)."""
        code: WarningCode | None = None
        if not self._audio_generated:
            code = WarningCode.NO_AUDIO_GENERATED  # row 9
        elif self._interrupting is not None:
            code = WarningCode.INTERRUPT_IN_PROGRESS  # row 10
        elif (
            offset_ms is not None
            and self._last_interrupt_ms is not None
            and offset_ms <= self._last_interrupt_ms
        ):
            code = WarningCode.INVALID_INTERRUPT_OFFSET  # row 11
        elif self.active is None:
            code = WarningCode.NO_ACTIVE_SPEECH  # row 12
        if code is not None:
            return [SendControl(warning(code))]
        turn = self.active
        assert turn is not None
        self._move(ServerEvent.INTERRUPT)
        turn.closed = True
        self._interrupting = _Interrupting(turn, offset_ms)
        if self.rules.pending_on_interrupt is PendingOnInterrupt.DROP:
            for dropped in self.pending:
                self._account_dropped(dropped)
            self.pending = []
        return [CancelTurn(turn.speech_id)]

    def _interrupted(self, interrupting: _Interrupting) -> list[ServerEffect]:
        """``SpeechInterrupted`` for the cancelled turn, with the rebasing of flux §2.3/§3.5."""
        turn = interrupting.turn
        sent_ms = self.rules.fmt.duration_ms_floor(turn.audio_bytes)
        start = self.total_audio_ms  # the session's audio clock when the turn started
        billable = self._count(turn.cleaned)
        spoken = remaining = None
        if interrupting.offset_ms is None:
            played = start + sent_ms  # "the server's own total" (flux §2.3)
            duration = sent_ms
        else:
            played = interrupting.offset_ms  # echoed
            duration = min(max(played - start, 0), sent_ms)
            text = turn.cleaned + scan_controls(turn.raw[turn.handed :]).cleaned
            split = split_spoken(text, turn.timeline, duration)
            spoken, remaining = split.spoken, split.remaining
        meta = self._metadata(turn, duration, billable)
        self.total_audio_ms = min(played, start + sent_ms)  # rebased onto what was played
        self.total_input += (
            billable if self.rules.rebase_input_on_interrupt else self._count(turn.raw)
        )
        self.total_billable += meta.billable_character_count
        self._last_interrupt_ms = played
        return [SendControl(SpeechInterrupted(played, meta, spoken, remaining))]

    def _account_dropped(self, turn: _Turn) -> None:
        """A turn that never started: nothing billed; its input counts unless rebasing."""
        if not self.rules.rebase_input_on_interrupt:
            self.total_input += self._count(turn.raw)

    # -- Configure (flux §3.6) ----------------------------------------------------------------

    def _configure(self, speed: float | None) -> list[ServerEffect]:
        self._move(ServerEvent.CONFIGURE)
        if speed is None:
            return [SendControl(self._applied())]
        if not self.rules.runtime_speed_supported:
            return [
                SendControl(
                    ConfigureFailure(
                        ConfigureFailureCode.SPEED_NOT_SUPPORTED.value,
                        "'speed' is not supported for this model.",
                        "speed",
                    )
                )
            ]
        problem = check_speed(speed, self.rules.speed_range)
        if problem is not None:  # row 14
            return [SendControl(ConfigureFailure(problem[0].value, problem[1], "speed", speed))]
        if speed != 1.0 and any(has_pronunciation(t.raw) for t in self.pending):
            return [
                SendControl(
                    ConfigureFailure(
                        ConfigureFailureCode.CONTROL_COMBINATION_INVALID.value,
                        "speed cannot be set while a queued turn holds a pronunciation control",
                        "speed",
                        speed,
                    )
                )
            ]
        self._speed = speed
        self._speed_set = True
        return [SendControl(self._applied())]  # row 13: on receipt, not when audible

    def _applied(self) -> ConfigureSuccess:
        """``applied`` lists a field only once it was set on the session (flux §2.3)."""
        return ConfigureSuccess(self._speed if self._speed_set else None)

    # -- Close (flux §2.2, row 15, Q-3) -------------------------------------------------------

    def _close(self) -> list[ServerEffect]:
        self._move(ServerEvent.CLOSE)
        policy = self.rules.close_unflushed
        effects: list[ServerEffect] = []
        if policy is CloseUnflushed.DROP:
            kept = [t for t in self.pending if t.closed]
            for unflushed in self.pending:
                if not unflushed.closed:
                    self._account_dropped(unflushed)
            self.pending = kept
        elif self.pending and not self.pending[-1].closed:
            self.pending[-1].closed = True
            self.pending[-1].flush_sent = policy is CloseUnflushed.FLUSHED
        turn = self.active
        if turn is not None and not turn.closed:
            if policy is CloseUnflushed.DROP:
                turn.closed = turn.dropped = True
                return [CancelTurn(turn.speech_id)]
            effects += self._close_active(flush_sent=policy is CloseUnflushed.FLUSHED)
        if self.active is None and self.state is ServerState.CLOSING:
            effects += self._advance()
        return effects

    # -- I/O reports --------------------------------------------------------------------------

    def _turn(self, speech_id: str) -> _Turn | None:
        turn = self.active
        return turn if turn is not None and turn.speech_id == speech_id else None

    def rendered(self, speech_id: str, index: int, nbytes: int) -> None:
        """Segment ``index`` of ``speech_id`` became ``nbytes`` of audio (segments report in
        order); this builds the timeline that splits the text on Interrupt."""
        turn = self._turn(speech_id)
        if turn is None or index not in turn.spans:
            return
        start, end = turn.spans[index]
        ms = self.rules.fmt.duration_ms(nbytes)
        turn.timeline.append(RenderedSpan(start, end, turn.rendered_ms, ms))
        turn.rendered_ms += ms

    def audio_sent(self, speech_id: str, nbytes: int) -> None:
        """``nbytes`` of ``speech_id``'s audio went out on the socket."""
        turn = self._turn(speech_id)
        if turn is not None and nbytes > 0:
            turn.audio_bytes += nbytes
            self._audio_generated = True

    def turn_audio_done(self, speech_id: str) -> list[ServerEffect]:
        """All audio of a finished turn was sent: its terminal messages, then the next turn
        (flux §3.3 rows 3, 7, 20; §3.7 for ``Flushed``)."""
        turn = self._turn(speech_id)
        if turn is None or turn.dropped or self._interrupting is not None:
            return []
        effects: list[ServerEffect] = []
        owes_flushed = turn.flush_sent and not turn.flushed_acked
        if owes_flushed and self.rules.flushed_placement is FlushedPlacement.LATE:
            effects.append(self._flushed(turn))
        if not is_synthesizable(turn.cleaned):  # row 20
            effects.append(SendControl(warning(WarningCode.NO_SYNTHESIZABLE_TEXT)))
        duration = self.rules.fmt.duration_ms_floor(turn.audio_bytes)
        meta = self._metadata(turn, duration, self._count(turn.cleaned))
        effects.append(SendControl(SpeechMetadata(meta)))
        if owes_flushed and not turn.flushed_acked:
            effects.append(self._flushed(turn))  # trailing (or early never sent)
        self.total_audio_ms += duration
        self.total_input += meta.input_character_count
        self.total_billable += meta.billable_character_count
        return effects + self._advance()

    def turn_cancelled(self, speech_id: str) -> list[ServerEffect]:
        """A :class:`CancelTurn` was carried out: ``SpeechInterrupted`` (interrupt) or nothing
        (a turn dropped by Close), then the next turn."""
        turn = self._turn(speech_id)
        if turn is None or self.state is ServerState.CLOSED:
            return []
        effects: list[ServerEffect] = []
        if self._interrupting is not None and self._interrupting.turn is turn:
            effects += self._interrupted(self._interrupting)
            self._interrupting = None
        elif not turn.dropped:
            return []
        return effects + self._advance()

    def _advance(self) -> list[ServerEffect]:
        """Make the next pending turn active (row 7), or end the drained session (row 15)."""
        self.active = self.pending.pop(0) if self.pending else None
        next_turn = self.active
        if next_turn is None:
            self._move(ServerEvent.NEXT_NONE)
            if self.state is ServerState.CLOSED:
                totals = SessionMetadata(self.total_audio_ms, self.total_input, self.total_billable)
                return [SendControl(totals), CloseSocket(NORMAL_CLOSE)]
            return []
        self._move(ServerEvent.NEXT_FLUSHED if next_turn.closed else ServerEvent.NEXT_OPEN)
        next_turn.speed = self._speed
        effects: list[ServerEffect] = [SendControl(SpeechStarted(next_turn.speech_id))]
        if not next_turn.closed:
            return effects + self._segments()
        return effects + self._close_active(flush_sent=next_turn.flush_sent)

    def _count(self, text: str) -> int:
        return count_chars(text, self.rules.char_unit)

    def _metadata(self, turn: _Turn, duration_ms: int, billable: int) -> TurnMetadata:
        controls = ControlsApplied(turn.pronunciations, 0, turn.pronunciation_warnings)
        return TurnMetadata(
            turn.speech_id,
            duration_ms,
            self._count(turn.raw),
            0 if self.rules.billable_zero else billable,
            controls,
        )

    # -- limits and failures ------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """When :meth:`poll` next has something to do (lifetime, idle limit)."""
        if self.state is ServerState.CLOSED:
            return None
        deadline = self.opened_at + self.rules.lifetime_s
        idle = self.rules.idle_timeout_s
        if idle is not None and self.state is not ServerState.CLOSING:
            deadline = min(deadline, self.last_activity + idle)
        return deadline

    def poll(self, now: float) -> list[ServerEffect]:
        """``Error NET-0003`` past the lifetime, ``NET-0004`` past the idle limit (rows 16-17)."""
        if self.state is ServerState.CLOSED:
            return []
        if now >= self.opened_at + self.rules.lifetime_s:
            return self.fail(ErrorCode.NET_0003)
        idle = self.rules.idle_timeout_s
        idle_closes = idle is not None and self.state is not ServerState.CLOSING
        if idle_closes and idle is not None and now >= self.last_activity + idle:
            return self.fail(ErrorCode.NET_0004)
        return []

    def fail(self, code: ErrorCode, detail: str | None = None) -> list[ServerEffect]:
        """A fatal condition: ``Error{code}`` then the close (flux §2.3 Error, §8 item 8).

        Also for the I/O layer's own findings (e.g. ``BIG-0000`` for an oversized frame).
        """
        if self.state is ServerState.CLOSED:
            return []
        self._move(ServerEvent.FATAL)
        self.error = code
        effects: list[ServerEffect] = []
        if self.active is not None:
            effects.append(CancelTurn(self.active.speech_id))
        description = code.description if detail is None else f"{code.description} {detail}"
        effects.append(SendControl(error(code, description)))
        effects.append(CloseSocket(close_code_for(code, self.rules.close_scheme), code.value))
        return effects

"""Deepgram's side of a ``/v1/speak`` socket as a transition table (used by the emulator).

:class:`ServerSession` says what Deepgram does with each client frame (aura §2.3, §2.5, §2.6,
§2.7), expressed as *effects* for an I/O layer to carry out. It reads no clock and touches no
socket; time is passed in as monotonic seconds.

Where Deepgram's behaviour is undocumented (aura §10), :class:`ServerRules` has a switch whose
default is the emulator's long-standing reading: what ``Cleared.sequence_id`` counts
(:class:`ClearId`), whether a blank Flush is acknowledged (:class:`EmptyFlush`), what Close does
with pending text (:class:`CloseDrain`) and whether synthesis starts before a Flush
(:class:`SynthesisStart`).
"""

from __future__ import annotations

import enum
import re
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
    """What the server does with pending work on ``Close`` (aura §2.5.4, uncertain).

    ``none``: close at once; ``flushed`` (default): finish the audio of flushed text, drop
    unflushed text; ``all``: flush the remaining text too, then close.
    """

    NONE = "none"
    FLUSHED = "flushed"
    ALL = "all"


class ClearId(StrEnum):
    """What ``Cleared.sequence_id`` counts (aura §2.4.4: "[uncertain] ... own counter? last
    flush id?").

    ``last_flush`` (default): the id of the last accepted flush (0 before any); Clear takes no id.
    ``own``: Clear consumes the next id itself, so ``Cleared`` carries it and later ``Flushed``
    ids skip one.
    """

    LAST_FLUSH = "last_flush"
    OWN = "own"


class EmptyFlush(StrEnum):
    """What a Flush of a blank (empty or whitespace-only) buffer gets (aura §2.4.3: "not
    documented [uncertain]").

    ``acked`` (default): a ``Flushed`` with no audio, like any accepted flush. ``ignored``: no
    answer at all; it takes no sequence id and does not count against the flush budget.
    """

    ACKED = "acked"
    IGNORED = "ignored"


class SynthesisStart(StrEnum):
    """When synthesis starts (aura §2.5.1 item 3: "emulators should default to 'only on Flush'").

    ``flush`` (default): audio only for flushed text. ``sentence``: once the buffer holds
    ``synthesis_start_chars`` characters, the text up to its last sentence end is synthesised at
    once, without an ack; the next accepted Flush's ``Flushed`` follows all of it.
    """

    FLUSH = "flush"
    SENTENCE = "sentence"


@dataclass(frozen=True)
class ServerRules:
    """The limits a server session enforces (defaults are Deepgram's, aura §2.6) and the
    switches for its undocumented behaviour (defaults: the emulator's reading, aura §10)."""

    max_speak_chars: int = MAX_SPEAK_CHARS
    chars_per_window: int = CHARS_PER_WINDOW
    flushes_per_window: int = FLUSHES_PER_WINDOW
    window_s: float = BUDGET_WINDOW_S
    lifetime_s: float = CONNECTION_LIFETIME_S
    idle_timeout_s: float | None = None
    close_drain: CloseDrain = CloseDrain.FLUSHED
    clear_id: ClearId = ClearId.LAST_FLUSH
    empty_flush: EmptyFlush = EmptyFlush.ACKED
    synthesis_start: SynthesisStart = SynthesisStart.FLUSH
    synthesis_start_chars: int = 100


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
class SynthesizeAhead:
    """Produce the audio of ``text`` now, before any Flush, with no ``Flushed`` of its own
    (``SynthesisStart.SENTENCE``); it belongs to the flush that follows."""

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


ServerEffect = SendControl | Synthesize | SynthesizeAhead | CancelSynthesis | CloseSocket

# A str decoded from JSON holds a surrogate code point only when the JSON escaped half of a pair
# (``"\ud800"``): valid pairs decode to one character. Such text is not Unicode, so it cannot be
# encoded, synthesised or answered (RFC 8259 §8.2 "unpaired surrogates"; strict parsers reject
# it, and Deepgram's "[Failed to decode ...]" family covers undecodable input, aura §2.2, §3.4).
# Sentence ends for SynthesisStart.SENTENCE: . ! ? ... (closing quotes/brackets allowed) followed
# by whitespace, or a CJK full stop, exclamation or question mark (no space follows those).
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s)|[\u3002\uff01\uff1f]")


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
        self._spoken_since_flush = False  # non-blank text since the last accepted flush
        self._chars = SlidingWindow(rules.chars_per_window, rules.window_s)
        self._flushes = SlidingWindow(rules.flushes_per_window, rules.window_s)
        self._next_sequence = 0
        self.close_reason: CloseReason | None = None

    @property
    def buffered_chars(self) -> int:
        """Characters received and not yet flushed, synthesised ahead or cleared."""
        return sum(len(t) for t in self._buffer)

    @property
    def accepted_flushes(self) -> int:
        """Sequence ids handed out so far (the next id); with ``ClearId.OWN`` Clears count."""
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
            return self._clear()
        return self._close()

    def _speak(self, text: str, now: float) -> list[ServerEffect]:
        # "2001 characters or more ... you will receive an error" -> 1009 BIG-0001 (aura §2.6)
        if len(text) > self.rules.max_speak_chars:
            return self._fatal(CloseReason.BIG_0001)
        # "2400 characters per minute, counted on all characters sent" -> 1008 DATA-0001
        if not self._chars.fits(len(text), now):
            return self._fatal(CloseReason.DATA_0001)
        self._chars.take(len(text), now)
        self.state = SERVER_TABLE.next(self.state, ServerEvent.SPEAK)
        self._buffer.append(text)
        self._spoken_since_flush = self._spoken_since_flush or bool(text.strip())
        return self._synthesize_ahead()

    def _synthesize_ahead(self) -> list[ServerEffect]:
        """``SynthesisStart.SENTENCE``: synthesise up to the last sentence end once enough is
        buffered (aura §2.5.1 item 3 leaves open whether Deepgram ever does)."""
        rules = self.rules
        if rules.synthesis_start is not SynthesisStart.SENTENCE:
            return []
        if self.buffered_chars < rules.synthesis_start_chars:
            return []
        text = "".join(self._buffer)
        cut = 0
        for match in _SENTENCE_END.finditer(text):
            cut = match.end()
        if cut == 0:
            return []
        self._buffer = [text[cut:]] if cut < len(text) else []
        return [SynthesizeAhead(text[:cut])]

    def _flush(self, now: float) -> list[ServerEffect]:
        self.state = SERVER_TABLE.next(self.state, ServerEvent.FLUSH)
        if not self._spoken_since_flush and self.rules.empty_flush is EmptyFlush.IGNORED:
            self._buffer.clear()  # blank: nothing to say, nothing answered
            return []
        # "20 per 60 s ... Warning EXCESSIVE_FLUSH; that Flush gets no Flushed and no sequence
        # id; socket stays open" - the text stays buffered (aura §2.6, emulator choice).
        if not self._flushes.fits(1, now):
            return [SendControl(EXCESSIVE_FLUSH)]
        self._flushes.take(1, now)
        text = "".join(self._buffer)
        self._buffer.clear()
        self._spoken_since_flush = False
        return [Synthesize(self._take_sequence_id(), text)]

    def _clear(self) -> list[ServerEffect]:
        self.state = SERVER_TABLE.next(self.state, ServerEvent.CLEAR)
        self._buffer.clear()
        self._spoken_since_flush = False
        if self.rules.clear_id is ClearId.OWN:
            seq = self._take_sequence_id()
        else:
            seq = max(self._next_sequence - 1, 0)
        return [CancelSynthesis(), SendControl(Cleared(seq))]

    def _take_sequence_id(self) -> int:
        seq = self._next_sequence
        self._next_sequence += 1
        return seq

    def _close(self) -> list[ServerEffect]:
        self.state = SERVER_TABLE.next(self.state, ServerEvent.CLOSE)
        drain = self.rules.close_drain
        effects: list[ServerEffect] = []
        if drain is CloseDrain.NONE:
            effects.append(CancelSynthesis())
        elif drain is CloseDrain.ALL and self._buffer:
            skip = not self._spoken_since_flush and self.rules.empty_flush is EmptyFlush.IGNORED
            if not skip:
                effects.append(Synthesize(self._take_sequence_id(), "".join(self._buffer)))
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

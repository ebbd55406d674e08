"""One try of an Aura (``/v1/speak``) request over one socket, sans I/O.

:class:`AuraAttempt` turns pushed text into ``Speak`` and ``Flush`` messages through the
:class:`~deepgram_tts2.protocol.v1.segmenter.Segmenter` (Flush at sentence ends, early for the
first phrase, coalesced when the socket's flush budget runs low) and releases them only when they
fit the socket's sliding-window budgets (aura §2.6: 2400 characters and 20 Flushes per 60 s), in
order. It keeps the *segments* (the text between two flushes) to know what a replay on another
socket must send again:

* a segment is done when its ``Flushed`` arrived; audio arrives in flush order, so audio since
  the last ``Flushed`` belongs to the oldest unacknowledged segment;
* the attempt is *resumable* while no audio arrived since the last ``Flushed``: then the text
  after the last acknowledged segment (:meth:`remaining_text`) can be spoken elsewhere without
  repeating or cutting a sentence;
* a Flush is never sent for a segment that holds only whitespace (it would cost budget and
  wait for an acknowledgement a server need not send), and ``EXCESSIVE_FLUSH`` (the server's
  window is stricter than ours) puts the refused Flush back at the head of the queue with the
  budget treated as spent.

Nothing here reads a clock or does I/O: time is passed in, messages are returned.
"""

from __future__ import annotations

import dataclasses
from collections import deque

from deepgram_tts2.protocol.v1.limits import SlidingWindow
from deepgram_tts2.protocol.v1.messages import Clear, Flush, Speak
from deepgram_tts2.protocol.v1.segmenter import (
    FlushPoint,
    SegmentAction,
    Segmenter,
    SegmenterPolicy,
    SpeakText,
)


@dataclasses.dataclass(eq=False)
class SocketBudget:
    """The sliding-window budgets of one socket, shared by the requests it serves."""

    chars: SlidingWindow
    flushes: SlidingWindow

    @classmethod
    def create(cls, chars: int, flushes: int, window_s: float) -> SocketBudget:
        """Budgets of ``chars`` characters and ``flushes`` Flushes per ``window_s``."""
        return cls(SlidingWindow(chars, window_s), SlidingWindow(flushes, window_s))


class AuraAttempt:
    """See the module docstring. One instance per (request, socket)."""

    interrupt_kind = "clear"  # how a request is stopped: Clear, then wait for Cleared

    def __init__(
        self,
        policy: SegmenterPolicy,
        budget: SocketBudget,
        text: str,
        now: float,
        last: bool = False,
    ) -> None:
        self.budget = budget
        self._segmenter = Segmenter(policy)
        self._outbox: deque[SegmentAction] = deque()
        self._text = ""  # everything this attempt was given, in order
        self._sent_chars = 0  # characters of _text sent as Speak
        self._unflushed_blank = True  # the characters sent since the last Flush are blank
        self._flush_ends: deque[int] = deque()  # _sent_chars at each unacknowledged Flush
        self._acked_chars = 0
        self._audio_since_ack = False
        self._sent_since_ack = False  # anything sent whose work is not acknowledged
        self._ended = False
        self.flush_planned = False  # a Flush was planned since the attempt began
        self.final_planned = False
        if text:
            # Coalesced only when the whole text can go now: text that must wait for the
            # character budget (aura §2.6) is flushed sentence by sentence, so audio starts as
            # each part gets through.
            self.push(text, now, last and len(text) <= budget.chars.remaining(now))

    # -- input --------------------------------------------------------------------------------

    def push(self, text: str, now: float, last: bool = False) -> None:
        """Plan ``text`` (exactly as pushed) after what came before; ``last``: no text follows
        (its sentence flushes coalesce, :mod:`deepgram_tts2.protocol.v1.segmenter`)."""
        self._text += text
        self._plan(self._segmenter.push(text, self.budget.flushes.remaining(now), last))

    def end(self) -> None:
        """No more text: plan the final Flush (only when unflushed text is more than spaces)."""
        if self._ended:
            return
        self._ended = True
        before = len(self._outbox)
        self._plan(self._segmenter.end())
        self.final_planned = self.final_planned or len(self._outbox) > before or self.owed

    def _plan(self, actions: list[SegmentAction]) -> None:
        for action in actions:
            if isinstance(action, FlushPoint):
                self.flush_planned = True
            self._outbox.append(action)

    # -- output -------------------------------------------------------------------------------

    def due(self, now: float) -> list[Speak | Flush]:
        """The messages to send now, in order, with the socket's budgets taken for them."""
        out: list[Speak | Flush] = []
        budget = self.budget
        while self._outbox:
            head = self._outbox[0]
            if isinstance(head, SpeakText):
                if not budget.chars.fits(len(head.text), now):
                    break
                budget.chars.take(len(head.text), now)
                self._sent_chars += len(head.text)
                self._unflushed_blank = self._unflushed_blank and head.text.isspace()
                self._sent_since_ack = True
                out.append(Speak(head.text))
            elif self._unflushed_blank:
                pass  # nothing but spaces since the last Flush: no Flush at all
            elif not budget.flushes.fits(1, now):
                break
            else:
                budget.flushes.take(1, now)
                self._flush_ends.append(self._sent_chars)
                self._unflushed_blank = True
                out.append(Flush())
            self._outbox.popleft()
        return out

    def blocked_until(self, now: float) -> float | None:
        """When the next queued message fits the socket's budget (None: nothing waits)."""
        if not self._outbox:
            return None
        head = self._outbox[0]
        if isinstance(head, SpeakText):
            return self.budget.chars.available_at(len(head.text), now)
        if self._unflushed_blank:
            return now
        return self.budget.flushes.available_at(1, now)

    def clear(self) -> Clear | None:
        """``Clear`` when the server holds work of this attempt (text or flushes), else None."""
        return Clear() if self.sent_anything else None

    @property
    def sent_anything(self) -> bool:
        """True while the server holds work of this attempt (unacknowledged text or flushes)."""
        return self._sent_since_ack or bool(self._flush_ends)

    # -- what the server said -----------------------------------------------------------------

    def on_audio(self) -> None:
        """Audio of this attempt arrived."""
        self._audio_since_ack = True

    def on_flushed(self) -> None:
        """``Flushed`` for the oldest unacknowledged Flush: its segment is spoken."""
        if self._flush_ends:
            self._acked_chars = self._flush_ends.popleft()
        self._audio_since_ack = False
        if not self._flush_ends and self._sent_chars == self._acked_chars:
            self._sent_since_ack = False

    def on_flush_refused(self, now: float) -> None:
        """``EXCESSIVE_FLUSH``: the newest Flush got no id; send it again when budget allows.

        The server's window is stricter than ours: the refused Flush is given back and the
        socket's limit lowered to what the server accepted in the window, so the next Flush
        waits for the oldest to leave the window instead of being refused again at once.
        (Taking the newest as the refused one is the safe guess: were it an older one, the
        text acknowledged later would be counted as spoken too late, never too early.)
        """
        if self._flush_ends:
            self._flush_ends.pop()
        flushes = self.budget.flushes
        flushes.give_back(1, now)
        flushes.limit = max(1, min(flushes.limit, flushes.used(now)))
        self._unflushed_blank = False
        self._outbox.appendleft(FlushPoint("retry"))

    # -- state --------------------------------------------------------------------------------

    @property
    def queued_chars(self) -> int:
        """Characters planned and not sent yet (waiting for the budget)."""
        return sum(len(a.text) for a in self._outbox if isinstance(a, SpeakText))

    @property
    def owed(self) -> bool:
        """True while a Flush waits to be sent or to be acknowledged."""
        return bool(self._flush_ends) or any(isinstance(a, FlushPoint) for a in self._outbox)

    @property
    def waiting_on_server(self) -> bool:
        """True while a sent Flush is unacknowledged."""
        return bool(self._flush_ends)

    @property
    def complete(self) -> bool:
        """``end()`` was planned and every piece of it is sent and acknowledged."""
        if not self._ended or self._flush_ends:
            return False
        return all(isinstance(a, FlushPoint) for a in self._outbox) and self._unflushed_blank

    @property
    def resumable(self) -> bool:
        """No sentence is half-spoken: the rest can be spoken elsewhere."""
        return not self._audio_since_ack

    def remaining_text(self) -> str:
        """The text not yet acknowledged as spoken (what another socket must speak)."""
        return self._text[self._acked_chars :]

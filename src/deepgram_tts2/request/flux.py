"""One try of a Flux (``/v2/speak``) turn over one socket, sans I/O.

On Flux the server places the flush boundaries itself as text streams in, and starts audio at
sentence and clause boundaries before any Flush (flux §3.4, §3.9), so the client does no
segmentation and keeps no flush budget: every pushed chunk is sent at once, exactly as given
(texts are concatenated verbatim), and ``end()`` sends the one ``Flush`` that closes the turn.
The turn is complete at its ``SpeechMetadata``, never at ``Flushed`` (flux §3.4: "End-of-turn
signal for the client = SpeechMetadata").

Same interface as :class:`~deepgram_tts2.request.aura.AuraAttempt`, so the request machine
drives both; a Flux turn is *resumable* (can be spoken again elsewhere) only while none of its
audio arrived, since the server, not the client, decides where its sentences start.
"""

from __future__ import annotations

from collections import deque

from deepgram_tts2.protocol.v2.messages import Flush, Speak
from deepgram_tts2.request.aura import SocketBudget

# No size limit is published for a Flux Speak (flux §4: BIG-0000 "threshold unpublished");
# 2000 characters, Aura's limit, keeps every frame far below any plausible one.
MAX_SPEAK_CHARS = 2000


class FluxAttempt:
    """See the module docstring. One instance per (turn, socket)."""

    interrupt_kind = "interrupt"  # how a turn is stopped: Interrupt with playback_offset

    def __init__(self, budget: SocketBudget, text: str, now: float) -> None:
        self.budget = budget
        self._outbox: deque[Speak | Flush] = deque()
        self._text = ""
        self._sent_speak = False
        self._ended = False
        self._flush_sent = False
        self._completed = False
        self._audio = False
        self.flush_planned = False
        self.final_planned = False
        if text:
            self.push(text, now)

    def push(self, text: str, now: float) -> None:
        """Queue ``text`` exactly as pushed, in pieces of at most :data:`MAX_SPEAK_CHARS`."""
        self._text += text
        for start in range(0, len(text), MAX_SPEAK_CHARS):
            self._outbox.append(Speak(text[start : start + MAX_SPEAK_CHARS]))

    def end(self) -> None:
        """No more text: the Flush that closes the turn."""
        if self._ended:
            return
        self._ended = True
        self._outbox.append(Flush())
        self.flush_planned = self.final_planned = True

    def due(self, now: float) -> list[Speak | Flush]:
        """Everything queued (Flux keeps no budget the client must respect)."""
        out = list(self._outbox)
        self._outbox.clear()
        for message in out:
            if isinstance(message, Speak):
                self._sent_speak = True
            else:
                self._flush_sent = True
        return out

    def blocked_until(self, now: float) -> float | None:
        """Never held back."""
        return None

    def clear(self) -> None:
        """Flux has no Clear: an interrupted turn is answered by ``SpeechInterrupted``."""
        return None

    @property
    def sent_anything(self) -> bool:
        """True once the server holds text of this turn (an Interrupt is needed to stop it)."""
        return self._sent_speak

    def on_audio(self) -> None:
        """Audio of this turn arrived."""
        self._audio = True

    def on_flushed(self) -> None:
        """The turn's terminal ``SpeechMetadata`` (the machine's acknowledgement)."""
        self._completed = True

    def on_flush_refused(self, now: float) -> None:
        """Flux refuses no Flush for rate (no limit is published)."""

    @property
    def queued_chars(self) -> int:
        """Characters not sent yet."""
        return sum(len(m.text) for m in self._outbox if isinstance(m, Speak))

    @property
    def owed(self) -> bool:
        """True while the turn's end is outstanding."""
        return self._ended and not self._completed

    @property
    def waiting_on_server(self) -> bool:
        """True once the Flush went out and the turn has not ended."""
        return self._flush_sent and not self._completed

    @property
    def complete(self) -> bool:
        """The turn ended with ``SpeechMetadata``."""
        return self._completed

    @property
    def resumable(self) -> bool:
        """No audio of the turn yet: it can be spoken elsewhere from the start."""
        return not self._audio

    def remaining_text(self) -> str:
        """All of the turn's text while resumable (a Flux turn is one unit)."""
        return self._text if not self._audio else ""

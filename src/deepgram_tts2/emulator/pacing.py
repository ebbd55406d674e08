"""The emulator's pacing model: when each piece of a socket's audio stream is due (pure).

Deepgram generates audio faster than real time ("a 300-char REST request finished in 756 ms",
aura §2.5.2) and delivers one in-order stream per socket ("all audio of flush n precedes audio
of flush n+1", aura §2.5.1). The model:

* a flush's first audio is ready ``first_audio_ms + per_char_ms * characters`` after the flush
  (or the Speak, for text synthesised ahead) *arrived* - not after earlier audio was sent, since
  generation runs in parallel with the playout of earlier audio (warm TTFA ~0.24 s, aura §2.5.2);
* its frames go out at ``realtime_factor`` audio seconds per wall second from
  ``start = max(ready, when the stream is free)``; the stream is free once the previous flush's
  audio has played out at that rate (``start + audio / realtime_factor``) and its ``Flushed`` was
  sent;
* ``Flushed`` is due when its audio has played out, plus ``flushed_delay_ms``.

So a client that keeps text ahead never hears a gap: the next flush's first frame follows the
previous flush's last frame by exactly one frame interval. :class:`StreamSchedule` holds the one
number that carries over between flushes (when the stream is free) and reads no clock: times
are passed in, so tests drive it with a fake clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from deepgram_tts2.emulator.config import Pacing


@dataclass(frozen=True)
class FlushTiming:
    """When one flush's audio and ack are due (loop-clock seconds).

    Attributes:
        start: the first audio frame.
        end: when its audio has played out at the real-time factor (== ``start`` at factor 0).
        ack_at: when ``Flushed`` is due; None for text synthesised ahead (no ack of its own).
        realtime_factor: audio seconds per wall second (0: everything at ``start``).
    """

    start: float
    end: float
    ack_at: float | None
    realtime_factor: float

    def frame_due(self, offset_ms: float) -> float:
        """When the frame that starts ``offset_ms`` into this flush's audio is due."""
        if self.realtime_factor <= 0:
            return self.start
        return self.start + offset_ms / 1000.0 / self.realtime_factor


class StreamSchedule:
    """The pacing of one socket's audio stream; see the module docstring."""

    def __init__(self, pacing: Pacing, flushed_delay_ms: float = 0.0, now: float = 0.0) -> None:
        self.pacing = pacing
        self.flushed_delay_s = flushed_delay_ms / 1000.0
        self._free_at = now

    @property
    def free_at(self) -> float:
        """When the stream can carry the next flush's first frame."""
        return self._free_at

    def first_audio_delay_s(self, chars: int) -> float:
        """Time from a flush's arrival to its first audio being ready."""
        return (self.pacing.first_audio_ms + self.pacing.per_char_ms * chars) / 1000.0

    def plan(
        self,
        received_at: float,
        chars: int,
        audio_ms: float,
        *,
        acked: bool = True,
        rendered_at: float | None = None,
    ) -> FlushTiming:
        """Schedule the next flush in stream order and mark the stream busy until it is done.

        Args:
            received_at: when its Flush (or, synthesised ahead, its Speak) arrived.
            chars: characters of its text (the per-character part of the first-audio delay).
            audio_ms: duration of its audio (0: nothing to say; no first-audio delay).
            acked: False for text synthesised ahead (no ``Flushed``).
            rendered_at: when its audio was actually rendered, if that was later than the
                model's ready time (a slow voice); the stream then starts there.
        """
        rtf = self.pacing.realtime_factor
        ready = received_at
        if audio_ms > 0:
            ready += self.first_audio_delay_s(chars)
        if rendered_at is not None:
            ready = max(ready, rendered_at)
        start = max(ready, self._free_at)
        end = start + (audio_ms / 1000.0 / rtf if rtf > 0 else 0.0)
        ack_at = end + self.flushed_delay_s if acked else None
        self._free_at = end if ack_at is None else max(end, ack_at)
        return FlushTiming(start=start, end=end, ack_at=ack_at, realtime_factor=rtf)

    def reset(self, now: float) -> None:
        """Clear: the stream's queued audio is dropped, so it is free from ``now``."""
        self._free_at = now

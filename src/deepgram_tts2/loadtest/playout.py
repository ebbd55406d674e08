"""A listener's view of one stream: its playout clock, underruns and arrival gaps (pure).

A voice agent plays a stream's audio at 1x from the moment its first chunk arrives, with a
small jitter allowance. A chunk that arrives more than ``tolerance_ms`` (40 ms) after the
moment its audio was due to play is an **underrun**: the listener hears silence until the
player has re-buffered (it waits the same allowance again after the late chunk arrived), and
its clock shifts by that silence. Arrival gaps (time between two chunks) are reported too, but
a gap is only audible when it is an underrun: a server that runs ahead of real time may pause
freely.

Every time is in seconds on one monotonic clock, passed in: no clock is read here, so tests
drive it with plain numbers. The same counting applies to every client of a benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass

UNDERRUN_TOLERANCE_MS = 40.0


def pcm_seconds(nbytes: int, sample_rate: int = 24000, sample_bytes: int = 2) -> float:
    """Duration of ``nbytes`` of mono PCM (linear16 at 24 kHz by default)."""
    return nbytes / (sample_rate * sample_bytes)


@dataclass
class Playout:
    """The playout clock of one stream; :meth:`feed` every chunk as it arrives.

    Attributes:
        tolerance_s: how late a chunk may be before it is an underrun (the jitter allowance:
            playback of the first chunk starts this long after it arrived).
        first_at / last_at: arrival of the first and the latest chunk.
        play_start: when the audio's offset 0 plays (shifted by every stall).
        audio_s: audio received so far.
        underruns: chunks that came more than ``tolerance_s`` late.
        stall_s: silence the listener heard in total (from each underrun's due time until the
            player resumed).
        max_late_s: the latest any chunk was against its due time (0 when none was late).
        max_gap_s: the longest time between two arrivals.
        chunks: chunks fed.
    """

    tolerance_s: float = UNDERRUN_TOLERANCE_MS / 1000.0
    first_at: float | None = None
    last_at: float | None = None
    play_start: float = 0.0
    audio_s: float = 0.0
    underruns: int = 0
    stall_s: float = 0.0
    max_late_s: float = 0.0
    max_gap_s: float = 0.0
    chunks: int = 0

    def feed(self, now: float, duration_s: float) -> None:
        """A chunk of ``duration_s`` of audio arrived at ``now``."""
        if duration_s < 0:
            raise ValueError("a chunk cannot have a negative duration")
        self.chunks += 1
        if self.first_at is None or self.last_at is None:
            self.first_at = self.last_at = now
            self.play_start = now + self.tolerance_s
            self.audio_s = duration_s
            return
        self.max_gap_s = max(self.max_gap_s, now - self.last_at)
        self.last_at = now
        due = self.play_start + self.audio_s  # when this chunk's first sample should play
        late = now - (due - self.tolerance_s)  # against the clock without the allowance
        if late > 0:
            self.max_late_s = max(self.max_late_s, late)
        if now > due:
            self.underruns += 1
            resume = now + self.tolerance_s  # re-buffer: the allowance again, from this chunk
            self.stall_s += resume - due
            self.play_start += resume - due
        self.audio_s += duration_s

    def feed_bytes(self, now: float, nbytes: int, sample_rate: int = 24000) -> None:
        """:meth:`feed` a chunk of linear16 mono PCM."""
        self.feed(now, pcm_seconds(nbytes, sample_rate))

    @property
    def ends_at(self) -> float | None:
        """When the audio received so far has finished playing (None before any audio)."""
        return None if self.first_at is None else self.play_start + self.audio_s

    def summary(self) -> dict[str, float | int]:
        """The figures of this stream, in milliseconds."""
        return {
            "chunks": self.chunks,
            "audio_ms": round(self.audio_s * 1000.0, 2),
            "underruns": self.underruns,
            "stall_ms": round(self.stall_s * 1000.0, 2),
            "max_late_ms": round(self.max_late_s * 1000.0, 2),
            "max_gap_ms": round(self.max_gap_s * 1000.0, 2),
        }


def token_offsets(count: int, tokens_per_s: float) -> list[float]:
    """When each of ``count`` tokens is due, in seconds after the first (0 for the first).

    A fixed schedule from the first token (not a sleep after each one), so a slow push does not
    push every later token back: token ``i`` is due at ``i / tokens_per_s``; a rate of 0 or less
    sends them all at once.
    """
    if tokens_per_s <= 0:
        return [0.0] * count
    return [i / tokens_per_s for i in range(count)]


def split_tokens(text: str) -> list[str]:
    """``text`` as LLM-like word tokens, each but the first with its leading space."""
    words = text.split(" ")
    return [words[0], *(" " + w for w in words[1:])] if words else []

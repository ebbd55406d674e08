"""The progress line of ``dgtts speak`` on a terminal: seconds written, percent done, time left.

:func:`estimate` is pure (tested directly); :class:`ProgressLine` draws it with rich on stderr
when stderr is a terminal, and does nothing otherwise (or when rich is not installed).

How much of the text is done is estimated from the audio: a voice speaks about
:data:`CHARS_PER_AUDIO_SECOND` characters per second, so ``chars`` characters make about
``chars / CHARS_PER_AUDIO_SECOND`` seconds of audio. The fraction stays below 1 until the request
has really ended. The time left divides the audio still expected by the rate audio has been
arriving at since its first byte (audio seconds per wall second).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

CHARS_PER_AUDIO_SECOND = 15.0
"""Characters of text per second of speech (Aura and eSpeak NG speak 14-19 at their defaults)."""

_MAX_UNFINISHED = 0.99


@dataclass(frozen=True)
class Progress:
    """What the progress line shows.

    Attributes:
        audio_s: seconds of audio written.
        fraction: estimated share of the text done, 0..1 (1 only once finished).
        eta_s: estimated seconds left, or None before it can be estimated.
    """

    audio_s: float
    fraction: float
    eta_s: float | None


def estimate(
    *,
    audio_s: float,
    chars: int,
    audio_elapsed_s: float,
    finished: bool = False,
    chars_per_audio_s: float = CHARS_PER_AUDIO_SECOND,
) -> Progress:
    """Estimate progress from the audio written so far.

    Args:
        audio_s: seconds of audio written.
        chars: characters of text given so far (all of TEXT, or the lines of stdin read).
        audio_elapsed_s: wall seconds since the first audio byte (0 before any audio).
        finished: the request ended: the fraction is 1 and nothing is left.
        chars_per_audio_s: speaking rate assumed for the estimate.
    """
    if finished:
        return Progress(audio_s, 1.0, 0.0)
    expected_s = chars / chars_per_audio_s if chars > 0 else 0.0
    if expected_s <= 0:
        return Progress(audio_s, 0.0, None)
    fraction = min(audio_s / expected_s, _MAX_UNFINISHED)
    eta_s: float | None = None
    if audio_s > 0 and audio_elapsed_s > 0:
        rate = audio_s / audio_elapsed_s  # audio seconds per wall second
        eta_s = max(expected_s - audio_s, 0.0) / rate
    return Progress(audio_s, fraction, eta_s)


def render(progress: Progress) -> str:
    """The line for a person: ``3.2 s of audio, 45% of the text, about 4 s left``."""
    line = f"speaking… {progress.audio_s:.1f} s of audio, {progress.fraction:.0%} of the text"
    if progress.eta_s is not None and progress.fraction < 1.0:
        line += f", about {progress.eta_s:.0f} s left"
    return line


class ProgressLine:
    """A transient rich status line on a terminal's stderr; a no-op elsewhere.

    ``update`` redraws at most every ``interval_s`` (the first audio always draws at once).
    """

    def __init__(self, enabled: bool, interval_s: float = 0.1) -> None:
        self._live: Any = None
        self._interval_s = interval_s
        self._last = 0.0
        self._drawn = False
        if not enabled:
            return
        try:
            from rich.console import Console
            from rich.live import Live
        except ImportError:  # the cli extra is not installed: no progress line
            return
        console = Console(stderr=True, highlight=False)
        if not console.is_terminal:
            return
        self._live = Live(
            "speaking…", console=console, transient=True, auto_refresh=False, redirect_stdout=False
        )

    @property
    def active(self) -> bool:
        """True when the line is being drawn."""
        return self._live is not None

    def update(self, progress: Progress) -> None:
        """Show ``progress`` (rate limited)."""
        if self._live is None:
            return
        now = time.monotonic()
        if self._drawn and now - self._last < self._interval_s:
            return
        self._drawn = True
        self._last = now
        self._live.update(render(progress), refresh=True)

    def __enter__(self) -> ProgressLine:
        if self._live is not None:
            self._live.start(refresh=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()

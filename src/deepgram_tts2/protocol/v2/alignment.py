"""``text_spoken`` / ``text_remaining`` from a turn's audio timeline (flux §3.5 item 4).

"text_spoken is aligned to the audio played ... (word granularity); the split keeps the
separating space at the start of text_remaining; concatenating text_spoken and text_remaining
reproduces the turn text" (flux §3.5, wire capture: 554 ms -> "Sure,"). The emulator rule (flux
§8 item 5): cut after the last word whose audio ended by the played position.

A timeline lists, for each synthesised segment, the character range of the turn text it covers
and where its audio lies in the turn. Inside a segment, time is spread evenly over the
characters from its first to its last non-blank one (exact for the emulator's tone voice).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class RenderedSpan:
    """Characters ``text[start:end]`` were rendered into audio ``[audio_start_ms,
    audio_start_ms + audio_ms)`` of the turn."""

    start: int
    end: int
    audio_start_ms: float
    audio_ms: float


@dataclass(frozen=True)
class TextSplit:
    """The two halves; ``spoken + remaining`` is the turn text."""

    spoken: str
    remaining: str


def word_end_ms(text: str, span: RenderedSpan, char_end: int) -> float:
    """When the audio of ``text[:char_end]`` (inside ``span``) has been played."""
    piece = text[span.start : span.end]
    first = span.start + (len(piece) - len(piece.lstrip()))
    last = span.start + len(piece.rstrip())
    if last <= first:
        return span.audio_start_ms + span.audio_ms
    fraction = min(max((char_end - first) / (last - first), 0.0), 1.0)
    return span.audio_start_ms + fraction * span.audio_ms


def _span_of(timeline: Sequence[RenderedSpan], start: int, end: int) -> RenderedSpan | None:
    for span in timeline:
        if span.start <= start and end <= span.end:
            return span
    return None


def split_spoken(text: str, timeline: Sequence[RenderedSpan], played_ms: float) -> TextSplit:
    """Split ``text`` after the last word heard within ``played_ms`` of the turn's audio.

    A word counts as heard when its whole audio ended by ``played_ms``; words not covered by
    the timeline (never synthesised) are not heard, nor is anything after them. Leading
    whitespace before the first heard word belongs to ``spoken``; the whitespace after the
    last heard word starts ``remaining``.

    Returns:
        A :class:`TextSplit` whose parts concatenate to ``text``.
    """
    cut = 0
    for match in _WORD.finditer(text):
        span = _span_of(timeline, match.start(), match.end())
        if span is None or word_end_ms(text, span, match.end()) > played_ms + 1e-6:
            break
        cut = match.end()
    return TextSplit(text[:cut], text[cut:])

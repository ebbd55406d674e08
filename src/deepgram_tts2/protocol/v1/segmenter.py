"""Turn streamed text (LLM chunks) into ``Speak`` texts and ``Flush`` points.

Rules, from Deepgram's limits (aura §2.6) and the design's flush budget:

* every chunk is sent at once as ``Speak`` text (the server concatenates Speaks as given, so the
  text is passed through unchanged, whitespace included), split so no piece exceeds
  ``max_speak_chars`` (2000, else close 1009 BIG-0001), preferring sentence then word boundaries;
* a Flush is placed at sentence ends ("It is required that the last fragment of speech be
  Flushed", aura §2.3) and at :meth:`Segmenter.end`;
* the first phrase is flushed early, at a clause boundary, for a fast first audio;
* flushes are coalesced when the connection's budget (20 per 60 s) runs low: below
  ``low_water`` only after ``coalesce_chars`` of text, at or below ``reserve`` only at the end;
* text pushed with ``last=True`` (the caller knows no more follows: a whole reply at once) is
  coalesced the same way whatever the budget: its first phrase is still flushed early, the rest
  needs no Flush per sentence to start sooner (it is all there), and every Flush spared is one
  of the 20 per minute and a message and an answer less.

A sentence end is terminal punctuation followed by whitespace (so ``3.14`` and a chunk ending in
``.`` do not flush until the next character shows the sentence really ended), except CJK full
stops, which need no space; common abbreviations and single-letter initials are not sentence ends.
Nothing here does I/O: the caller passes the connection's remaining flush budget in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from deepgram_tts2.protocol.v1.limits import MAX_SPEAK_CHARS


@dataclass(frozen=True, slots=True)
class SpeakText:
    """Send ``Speak{text}``."""

    text: str


@dataclass(frozen=True, slots=True)
class FlushPoint:
    """Send ``Flush``. ``reason`` is ``first_phrase``, ``sentence`` or ``end``."""

    reason: str


SegmentAction = SpeakText | FlushPoint


@dataclass(frozen=True)
class SegmenterPolicy:
    """Tunables of the segmenter; the defaults suit conversational agents.

    Attributes:
        max_speak_chars: upper bound of one Speak's text (Deepgram's limit is 2000).
        first_phrase_min_chars: the first flush may come at a clause boundary (, ; : —) once at
            least this much text is unflushed.
        first_phrase_max_chars: with no boundary at all, the first flush comes at a word
            boundary once this much text is unflushed.
        low_water: with fewer flushes than this left in the budget, sentence flushes coalesce.
        coalesce_chars: while coalescing, a sentence flush needs this much unflushed text.
        reserve: flushes kept for ``end()``; at or below it, only ``end()`` flushes.
    """

    max_speak_chars: int = MAX_SPEAK_CHARS
    first_phrase_min_chars: int = 16
    first_phrase_max_chars: int = 120
    low_water: int = 8
    coalesce_chars: int = 250
    reserve: int = 2

    def __post_init__(self) -> None:
        if not 1 <= self.max_speak_chars <= MAX_SPEAK_CHARS:
            raise ValueError(f"max_speak_chars must be within 1..{MAX_SPEAK_CHARS}")
        if self.first_phrase_min_chars < 1 or self.first_phrase_max_chars < 1:
            raise ValueError("first phrase sizes must be >= 1")
        if self.reserve < 1 or self.low_water < self.reserve:
            raise ValueError("need 1 <= reserve <= low_water")
        if self.coalesce_chars < 0:
            raise ValueError("coalesce_chars must be >= 0")


_CLOSERS = re.escape("\"'”’)]»")
_SENTENCE_END = re.compile(rf"(?:[.!?…]+[{_CLOSERS}]*(?=\s)|[。！？]+[{_CLOSERS}]*)")
_CLAUSE_END = re.compile(rf"[,;:—–][{_CLOSERS}]*(?=\s)")
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "no"}
    | {"approx", "dept", "est", "fig", "inc", "ltd", "mt"}
)
_LOOKBEHIND = 24  # chars of already-sent text kept to recognise boundaries across chunks


def _is_abbreviation(text: str, dot_at: int) -> bool:
    """True when the ``.`` at ``dot_at`` ends an abbreviation or an initial."""
    if text[dot_at] != ".":
        return False
    start = dot_at
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    word = text[start:dot_at].lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def sentence_cuts(text: str, start: int = 0) -> list[int]:
    """Positions just after each sentence end in ``text`` at or after ``start``."""
    cuts = []
    for match in _SENTENCE_END.finditer(text):
        if match.end() >= start and not _is_abbreviation(text, match.start()):
            cuts.append(match.end())
    return cuts


def split_for_speak(text: str, limit: int = MAX_SPEAK_CHARS) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` characters that join back to ``text``.

    Cuts prefer the last sentence end, then the last whitespace, inside each window; a run with
    neither is cut hard at the limit.
    """
    pieces: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cuts = [c for c in sentence_cuts(window) if c < limit]
        cut = cuts[-1] if cuts else max(window.rfind(" "), window.rfind("\n")) + 1
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut])
        text = text[cut:]
    if text:
        pieces.append(text)
    return pieces


class Segmenter:
    """Per-request text planner. Not thread-safe; one per request.

    ``push`` and ``end`` return the actions to perform in order. Joining every ``SpeakText`` gives
    the pushed text, except that whitespace still pending at ``end()`` is dropped.
    """

    def __init__(self, policy: SegmenterPolicy | None = None) -> None:
        self.policy = policy or SegmenterPolicy()
        self._tail = ""  # the last chars sent since the previous flush (for boundary lookbehind)
        self._unflushed = 0  # characters sent since the previous flush
        self._unflushed_text = False  # ... of which at least one is not whitespace
        self._pending_space = ""  # whitespace-only input held until real text follows
        self._flushes = 0
        self._ended = False

    @property
    def flushes(self) -> int:
        """Flush points produced so far."""
        return self._flushes

    @property
    def unflushed_chars(self) -> int:
        """Characters sent since the last flush point."""
        return self._unflushed

    def push(self, text: str, flush_budget: int, last: bool = False) -> list[SegmentAction]:
        """Plan the Speak texts and flushes for one more chunk.

        Args:
            text: the chunk, exactly as produced (spaces are significant).
            flush_budget: flushes the connection may still send in the current window.
            last: no text follows (``end()`` comes next): sentence flushes coalesce.

        Raises:
            RuntimeError: after ``end()``.
        """
        if self._ended:
            raise RuntimeError("push() after end()")
        if not text:
            return []
        if text.isspace():
            self._pending_space += text
            return []
        text, self._pending_space = self._pending_space + text, ""
        actions: list[SegmentAction] = []
        budget = flush_budget
        while text:
            if text.isspace():  # what follows a flush is only spaces: hold it for the next text
                self._pending_space = text
                break
            cut, reason = self._next_flush(text, budget, last)
            if cut is None:
                self._send(text, actions)
                break
            self._send(text[:cut], actions)
            actions.append(self._flush(reason))
            budget -= 1
            text = text[cut:]
        return actions

    def end(self) -> list[SegmentAction]:
        """Finish the request: a final Flush when unflushed text is more than spaces (a Flush
        of a blank buffer would cost budget and wait for an answer a server need not give).
        Idempotent."""
        if self._ended:
            return []
        self._ended = True
        self._pending_space = ""
        if not self._unflushed_text:
            return []
        return [self._flush("end")]

    # -- internals ------------------------------------------------------------------------

    def _send(self, text: str, actions: list[SegmentAction]) -> None:
        for piece in split_for_speak(text, self.policy.max_speak_chars):
            actions.append(SpeakText(piece))
        self._tail = (self._tail + text)[-_LOOKBEHIND:]
        self._unflushed += len(text)
        self._unflushed_text = self._unflushed_text or not text.isspace()

    def _flush(self, reason: str) -> FlushPoint:
        self._tail = ""
        self._unflushed = 0
        self._unflushed_text = False
        self._flushes += 1
        return FlushPoint(reason)

    def _next_flush(self, text: str, budget: int, last: bool) -> tuple[int | None, str]:
        """Where in ``text`` the next flush goes (offset after which to flush), and why."""
        policy = self.policy
        if budget <= policy.reserve:
            return None, ""
        offset = len(self._tail)
        joined = self._tail + text
        if self._flushes == 0:
            first = self._first_phrase_cut(joined, offset)
            if first is not None:
                return first - offset, "first_phrase"
        for cut in sentence_cuts(joined, offset):
            if cut < offset:
                continue
            size = self._unflushed + (cut - offset)
            if size == 0:
                continue
            if (budget > policy.low_water and not last) or size >= policy.coalesce_chars:
                return cut - offset, "sentence"
        return None, ""

    def _first_phrase_cut(self, joined: str, offset: int) -> int | None:
        policy = self.policy
        base = self._unflushed - offset  # unflushed chars before position 0 of `joined`
        candidates = [c for c in sentence_cuts(joined, offset) if c >= offset and base + c > 0]
        candidates += [
            m.end()
            for m in _CLAUSE_END.finditer(joined)
            if m.end() >= offset and base + m.end() >= policy.first_phrase_min_chars
        ]
        if candidates:
            return min(candidates)
        if base + len(joined) >= policy.first_phrase_max_chars:
            space = joined.rfind(" ", offset)
            # Never at the end of a run of spaces only: that would flush a blank buffer.
            spoken = self._unflushed_text or not joined[offset:space].isspace()
            if space > offset and base + space >= policy.first_phrase_min_chars and spoken:
                return space
        return None

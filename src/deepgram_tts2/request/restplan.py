"""How a request is spoken over REST, sans I/O: text -> pieces, pieces -> progress.

REST takes a whole text per request (at most 2000 characters, aura §3.3), so a request is cut
into *pieces* at the places the segmenter would flush: the first phrase early (fast first
audio), then at sentence ends. While fewer than ``width`` pieces are under way a piece is cut at
the next sentence end (text streaming in is spoken as soon as a sentence is complete); when the
pipeline is full, sentences are packed into one piece of up to ``max_chars`` (a long text known
at once costs a few large requests, not one per sentence). A piece never holds only whitespace.
Pieces are posted in order (the client keeps several in flight and delivers their audio in
order); a piece is *done* when its whole body arrived.

The plan is resumable while no piece is half-delivered: :meth:`RestPlan.remaining_text` is then
the text of every piece not done plus what was not cut yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from deepgram_tts2.protocol.v1.segmenter import FlushPoint, Segmenter, SegmenterPolicy

_UNLIMITED_FLUSHES = 1 << 30  # REST has no flush budget: every sentence end may cut


@dataclass
class RestPiece:
    """One REST request's text; ``index`` counts from 0 in speaking order."""

    index: int
    text: str
    posted: bool = False
    done: bool = False


@dataclass
class RestPlan:
    """See the module docstring."""

    policy: SegmenterPolicy
    max_chars: int
    width: int = 2
    pieces: list[RestPiece] = field(default_factory=list)
    _segmenter: Segmenter = field(init=False)
    _current: str = ""  # text not cut into a piece yet
    _boundary: int = 0  # length of _current up to its last sentence end
    _ended: bool = False
    _audio_in_current: bool = False

    def __post_init__(self) -> None:
        self._segmenter = Segmenter(self.policy)

    def push(self, text: str) -> None:
        """Cut ``text`` (after what came before) into pieces where the segmenter flushes."""
        for action in self._segmenter.push(text, _UNLIMITED_FLUSHES):
            if isinstance(action, FlushPoint):
                self._boundary = len(self._current)
                if self._undone() < self.width:
                    self._cut(self._boundary)
                continue
            while self._current and len(self._current) + len(action.text) > self.max_chars:
                self._cut(self._boundary or len(self._current))
            self._current += action.text

    def end(self) -> None:
        """No more text: what is left becomes the last pieces."""
        if not self._ended:
            self._ended = True
            self._segmenter.end()
            self._cut(len(self._current))

    def _undone(self) -> int:
        return sum(1 for p in self.pieces if not p.done)

    def _cut(self, at: int) -> None:
        text, self._current = self._current[:at], self._current[at:]
        self._boundary = 0
        if text.strip():
            self.pieces.append(RestPiece(len(self.pieces), text))

    def to_post(self) -> list[RestPiece]:
        """Pieces ready and not yet posted (marked posted)."""
        ready = [p for p in self.pieces if not p.posted]
        for piece in ready:
            piece.posted = True
        return ready

    @property
    def current(self) -> RestPiece | None:
        """The piece whose audio is delivered now (the first not done)."""
        for piece in self.pieces:
            if not piece.done:
                return piece
        return None

    def on_audio(self) -> None:
        """Audio of the current piece was delivered."""
        self._audio_in_current = True

    def on_done(self, index: int) -> None:
        """Piece ``index`` is complete: sentences waiting for room form the next piece."""
        self.pieces[index].done = True
        self._audio_in_current = False
        if self._boundary and self._undone() < self.width:
            self._cut(self._boundary)

    @property
    def complete(self) -> bool:
        """Ended, and every piece done."""
        return self._ended and not self._current.strip() and all(p.done for p in self.pieces)

    @property
    def resumable(self) -> bool:
        """No piece is half-delivered."""
        return not self._audio_in_current

    def remaining_text(self) -> str:
        """Text of every piece not done, then what was not cut yet."""
        return "".join(p.text for p in self.pieces if not p.done) + self._current

"""Long text spread over several sockets at once, its audio delivered in order.

One Aura socket may carry 2400 characters a minute (aura §2.6), so a 10,000-character article on
one socket takes over four minutes however fast Deepgram speaks. :class:`SpreadStream` cuts the
whole text, once ``end()`` says it is complete, into pieces at sentence boundaries (each within
one socket's budget), speaks up to ``window`` pieces at once as ordinary requests
(:class:`~deepgram_tts2.client.stream.SpeakStream`, each on its own pooled socket, with its own
retries and REST fallback), and yields their audio strictly in order as one request: one
``AudioStart``, one ``Metric(ttfb)``, the chunks, one ``AudioEnd``.

Memory stays bounded: a piece waiting for its turn holds at most ``limits.audio_queue_bytes``
in its channel, then its socket waits (backpressure). A failed piece ends the whole request
with its ``Error`` (pieces after it are stopped); ``interrupt()`` stops every piece.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections import deque
from collections.abc import Callable

from deepgram_tts2.client.stream import SpeakStream, check_text
from deepgram_tts2.events import (
    AudioChunk,
    AudioEnd,
    AudioStart,
    EndReason,
    Error,
    Metric,
    SpeakEvent,
)
from deepgram_tts2.exceptions import InputError
from deepgram_tts2.protocol.v1.segmenter import split_for_speak

StreamFactory = Callable[[str], SpeakStream]


def pieces_of(text: str, limit: int) -> list[str]:
    """``text`` cut at sentence (then word) boundaries into pieces of at most ``limit``."""
    return [piece for piece in split_for_speak(text, limit) if piece.strip()]


class SpreadStream:
    """See the module docstring. Same interface as :class:`SpeakStream`."""

    def __init__(
        self,
        open_piece: StreamFactory,
        piece_chars: int,
        window: int,
        request_id: str | None = None,
    ) -> None:
        self.request_id = request_id or uuid.uuid4().hex
        self._open_piece = open_piece
        self._piece_chars = piece_chars
        self._window = max(1, window)
        self._text: list[str] = []
        self._ended = False
        self._todo: deque[str] = deque()
        self._running: deque[SpeakStream] = deque()  # in speaking order; head is delivered
        self._final: deque[SpeakEvent] = deque()
        self._announced = False
        self._ttfb_sent = False
        self._bytes = 0
        self._audio_ms = 0.0
        self._first_chunk_at: float | None = None
        self._opened = 0
        self._done = False
        self._started = asyncio.Event()  # set by end() or interrupt()

    def __repr__(self) -> str:
        return f"SpreadStream(request_id={self.request_id!r}, done={self.done})"

    @property
    def done(self) -> bool:
        """True once the final event is queued."""
        return self._done

    async def push(self, text: str) -> None:
        """Add text (spoken once ``end()`` says it is complete)."""
        check_text(text)
        if self._done:
            return
        if self._ended:
            raise InputError("push() after end()")
        self._text.append(text)

    async def end(self) -> None:
        """The text is complete: start speaking its first pieces."""
        if self._ended or self._done:
            return
        self._ended = True
        self._todo.extend(pieces_of("".join(self._text), self._piece_chars))
        if not self._todo:
            self._finish(EndReason.COMPLETED)
        await self._fill()
        self._started.set()

    async def _fill(self) -> None:
        """Start pieces until ``window`` are under way."""
        while self._todo and len(self._running) < self._window and not self._done:
            piece = self._open_piece(f"{self.request_id}.{self._opened}")
            self._opened += 1
            self._running.append(piece)
            await piece.push(self._todo.popleft())
            await piece.end()

    async def interrupt(self, played_ms: float | None = None) -> None:
        """Stop every piece now; ``AudioEnd(INTERRUPTED)`` is the last event."""
        if self._done:
            return
        self._todo.clear()
        for piece in self._running:
            await piece.interrupt()
        self._finish(EndReason.INTERRUPTED)
        self._started.set()

    async def aclose(self) -> None:
        """Interrupt if unfinished and release every piece (idempotent)."""
        await self.interrupt()
        while self._running:
            await self._running.popleft().aclose()

    def __aiter__(self) -> SpreadStream:
        return self

    async def __anext__(self) -> SpeakEvent:
        while True:
            if self._final:
                return self._final.popleft()
            if not self._ended and not self._done:
                await self._started.wait()  # the text is still being pushed
                continue
            if self._done or not self._running:
                raise StopAsyncIteration
            event = await self._running[0].__anext__()
            shown = await self._translate(event)
            if shown is not None:
                return shown

    async def _translate(self, event: SpeakEvent) -> SpeakEvent | None:
        """One event of the head piece as an event of the whole request (or None)."""
        if isinstance(event, AudioStart):
            if self._announced:
                return None
            self._announced = True
            return dataclasses.replace(event, request_id=self.request_id)
        if isinstance(event, Metric):
            if self._ttfb_sent:
                return None  # the request's TTFB is its first piece's
            self._ttfb_sent = True
            return dataclasses.replace(event, request_id=self.request_id)
        if isinstance(event, AudioChunk):
            if self._first_chunk_at is None:
                self._first_chunk_at = asyncio.get_running_loop().time()
            self._bytes += len(event.data)
            return dataclasses.replace(event, request_id=self.request_id)
        if isinstance(event, Error):
            self._todo.clear()
            for later in list(self._running)[1:]:
                await later.interrupt()
            return dataclasses.replace(event, request_id=self.request_id)
        assert isinstance(event, AudioEnd)
        return await self._piece_ended(event)

    async def _piece_ended(self, end: AudioEnd) -> SpeakEvent | None:
        head = self._running.popleft()
        await head.aclose()
        self._audio_ms += end.audio_ms
        if end.reason is not EndReason.COMPLETED or (not self._todo and not self._running):
            for later in self._running:
                await later.interrupt()
            self._finish(end.reason, end)
            return None
        await self._fill()
        return None

    def _finish(self, reason: EndReason, last: AudioEnd | None = None) -> None:
        if self._done:
            return
        self._done = True
        interval = 0.0
        if self._first_chunk_at is not None:
            interval = (asyncio.get_running_loop().time() - self._first_chunk_at) * 1000.0
        self._final.append(
            AudioEnd(
                request_id=self.request_id,
                reason=reason,
                audio_ms=self._audio_ms,
                interval_ms=interval,
                audio_bytes=self._bytes,
                transport=None if last is None else last.transport,
            )
        )

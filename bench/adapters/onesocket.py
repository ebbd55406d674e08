"""What the one-socket clients (the raw floor and the SDK) share: one reader per socket that
hands every binary frame to the application's current turn, and turns that end when all their
flushes are acknowledged.

This is how a user of a raw socket API writes it: ``Speak`` per pushed token, ``Flush`` at the
end of the reply (and, segmenting, at the first sentence end), end the turn on ``Flushed``
(matched by the message's ``type``). Interrupt is the naive one: send ``Clear`` and move on,
without a fence, so frames still in flight reach whichever turn is current. After the server
closes the socket the next turn reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Protocol

from bench.core import TurnRecord

SENTENCE_ENDS = (".", "!", "?")
MAX_SPEAK_CHARS = 2000  # Deepgram's limit per Speak (aura §2.6): a raw client must split


def speak_pieces(text: str, limit: int = MAX_SPEAK_CHARS) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut after a space where possible."""
    pieces = []
    while len(text) > limit:
        cut = text.rfind(" ", 0, limit) + 1 or limit
        pieces.append(text[:cut])
        text = text[cut:]
    return [*pieces, text] if text else pieces


class Wire(Protocol):
    """One open socket, in the vocabulary of the library that holds it."""

    async def speak(self, text: str) -> None: ...

    async def flush(self) -> None: ...

    async def clear(self) -> None: ...

    def messages(self) -> AsyncIterator[bytes | str | None]:
        """Audio (bytes) and the ``type`` of every other message, until the socket closes."""
        ...

    def close_reason(self) -> str: ...

    async def close(self) -> None: ...


class OneSocketClient:
    """A client of one socket; subclasses say how to open a :class:`Wire`."""

    name = "one socket"

    def __init__(self, *, segmenting: bool = False) -> None:
        self.segmenting = segmenting
        self.wire: Wire | None = None
        self.reader: asyncio.Task[None] | None = None
        self.current: SocketTurn | None = None
        self.previous: SocketTurn | None = None
        self.warnings = 0
        self.closes: list[str] = []
        self._connecting = asyncio.Lock()

    async def connect(self) -> Wire:
        """Open a socket (subclasses)."""
        raise NotImplementedError

    async def open(self) -> None:
        await self.ensure_open()

    async def ensure_open(self) -> Wire:
        """The socket, (re)connected lazily after the server closed it."""
        async with self._connecting:
            if self.wire is None:
                wire = await self.connect()
                self.wire = wire
                self.reader = asyncio.create_task(self._read(wire))
            return self.wire

    async def close(self) -> None:
        wire, self.wire = self.wire, None
        if wire is not None:
            with contextlib.suppress(Exception):
                await wire.close()
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.reader

    def turn(self, record: TurnRecord) -> SocketTurn:
        turn = SocketTurn(self, record)
        if self.current is not None:
            self.previous = self.current
        self.current = turn
        return turn

    async def _read(self, wire: Wire) -> None:
        try:
            async for message in wire.messages():
                target = self.current or self.previous
                if isinstance(message, bytes):
                    if target is not None:
                        target.record.on_audio(message)
                elif message == "Flushed" and target is not None:
                    target.acknowledged()
                elif message == "Warning":
                    self.warnings += 1
        except Exception:  # the library's way of saying the socket closed
            pass
        finally:
            reason = wire.close_reason()
            self.closes.append(reason)
            if self.wire is wire:
                self.wire = None
            if self.current is not None:
                self.current.fail(reason)


class SocketTurn:
    """One reply on a one-socket client."""

    def __init__(self, client: OneSocketClient, record: TurnRecord) -> None:
        self.client = client
        self.record = record
        self.sent_flushes = 0
        self.acked = 0
        self.unflushed = False
        self.ended = False
        self.finished = asyncio.Event()

    async def push(self, text: str) -> None:
        self.record.text_sent()
        wire = await self.client.ensure_open()
        for piece in speak_pieces(text):
            await wire.speak(piece)
        self.unflushed = True
        first_sentence = not self.sent_flushes and text.rstrip().endswith(SENTENCE_ENDS)
        if self.client.segmenting and first_sentence:
            await self._flush(wire)

    async def _flush(self, wire: Wire) -> None:
        self.sent_flushes += 1
        self.unflushed = False
        await wire.flush()

    async def end(self) -> None:
        self.ended = True
        if self.unflushed:
            await self._flush(await self.client.ensure_open())
        if self.acked >= self.sent_flushes:
            self._finish()

    def acknowledged(self) -> None:
        self.acked += 1
        if self.ended and self.acked >= self.sent_flushes:
            self._finish()

    def fail(self, reason: str) -> None:
        if not self.finished.is_set():
            self.record.finish(reason)
            self.finished.set()

    def _finish(self) -> None:
        self.record.finish()
        self.finished.set()

    async def interrupt(self) -> None:
        wire = await self.client.ensure_open()
        await wire.clear()
        self._finish()

    async def done(self, timeout_s: float) -> None:
        await asyncio.wait_for(self.finished.wait(), timeout_s)

    async def abandon(self) -> None:
        self.fail("abandoned after its deadline")

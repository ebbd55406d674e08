"""A byte-bounded event channel with a final event: the queue between a request and its consumer.

Producers put events synchronously while there is room (:attr:`EventChannel.full` says when
there is not: the socket's reader then awaits :meth:`EventChannel.room`, so backpressure reaches
the socket and the server's data waits in TCP buffers, not in memory). The bound counts the
bytes of queued audio (``capacity_bytes``); one event past the bound is accepted, so a frame is
never split or dropped. :meth:`finish` appends the final events exactly once; with
``discard_audio`` it first drops audio still queued (an interrupt: nothing of the request may be
yielded after its ``AudioEnd(INTERRUPTED)``), and the ``AudioStart``/``Metric`` that announce it
when they were not yielded yet. After ``finish`` every ``put`` is refused.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
from collections import deque

from deepgram_tts2.events import (
    AudioChunk,
    AudioEnd,
    AudioStart,
    EndReason,
    Error,
    Metric,
    SpeakEvent,
)


class Empty(enum.Enum):
    """The type of :data:`EMPTY`."""

    EMPTY = "empty"


EMPTY = Empty.EMPTY  # what EventChannel.take returns while nothing is queued


class EventChannel:
    """See the module docstring. Single consumer; any number of producers on one loop."""

    __slots__ = (
        "_capacity",
        "_fenced",
        "_getter",
        "_items",
        "_loop",
        "_queued_bytes",
        "_room",
        "dropped_bytes",
        "finished",
    )

    def __init__(self, capacity_bytes: int) -> None:
        self._capacity = capacity_bytes
        self._items: deque[SpeakEvent] = deque()
        self._queued_bytes = 0
        self._getter: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # the consumer's, once it waited
        self._room: asyncio.Future[None] | None = None
        self._fenced = False
        self.finished = False
        self.dropped_bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def full(self) -> bool:
        """True while a producer should wait (:meth:`room`) before putting more audio."""
        return not (self.finished or self._fenced) and self._queued_bytes >= self._capacity

    @property
    def queued_bytes(self) -> int:
        """Bytes of audio waiting in the channel."""
        return self._queued_bytes

    def put(self, event: SpeakEvent) -> bool:
        """Queue ``event`` now (whatever the bound); False when the channel is finished (or,
        for audio, fenced)."""
        if isinstance(event, AudioChunk):
            return self.put_audio(event, len(event.data))
        if self.finished or (self._fenced and isinstance(event, AudioStart)):
            return False
        self._items.append(event)
        if self._getter is not None:
            self._wake_getter()
        return True

    def put_audio(self, chunk: AudioChunk, size: int) -> bool:
        """:meth:`put` for a chunk of ``size`` bytes (``len(chunk.data)``, which the caller
        knows): the per-chunk path, so no type test."""
        if self.finished or self._fenced:
            self.dropped_bytes += size
            return False
        self._queued_bytes += size
        self._items.append(chunk)
        if self._getter is not None:
            self._wake_getter()
        return True

    async def room(self) -> None:
        """Wait until the channel is not :attr:`full` (or is finished)."""
        while self.full:
            if self._room is None or self._room.done():
                self._room = asyncio.get_running_loop().create_future()
            await self._room

    def fence(self) -> None:
        """No more audio: drop what is queued (and its unyielded announcement) and refuse any
        later audio; the final events still come (:meth:`finish`)."""
        if not self.finished and not self._fenced:
            self._fenced = True
            self._discard_audio()
            self._wake_room()

    def cut(self) -> bool:
        """The consumer stopped the request after it ended but before taking its end: drop the
        audio still queued, and a ``COMPLETED`` end becomes ``INTERRUPTED`` (an ``ERROR`` end
        stays). True when there was an end left to change."""
        if not self.finished:
            return False
        self._discard_audio()
        ends = [i for i, e in enumerate(self._items) if isinstance(e, AudioEnd)]
        if not ends:
            return False
        end = self._items[ends[-1]]
        assert isinstance(end, AudioEnd)
        if end.reason is EndReason.COMPLETED:
            self._items[ends[-1]] = dataclasses.replace(end, reason=EndReason.INTERRUPTED)
        return True

    @property
    def fenced(self) -> bool:
        """True once :meth:`fence` was called."""
        return self._fenced

    def finish(
        self, final: AudioEnd, error: Error | None = None, discard_audio: bool = False
    ) -> bool:
        """Append ``error`` (if any) and the final event, once; True if this call finished."""
        if self.finished:
            return False
        if discard_audio:
            self._discard_audio()
        self.finished = True
        if error is not None:
            self._items.append(error)
        self._items.append(final)
        self._wake_getter()
        self._wake_room()
        return True

    def _discard_audio(self) -> None:
        unannounced = any(isinstance(item, AudioStart) for item in self._items)
        kept: deque[SpeakEvent] = deque()
        for item in self._items:
            if isinstance(item, AudioChunk):
                self.dropped_bytes += len(item.data)
            elif not (unannounced and isinstance(item, AudioStart | Metric)):
                kept.append(item)
        self._items = kept
        self._queued_bytes = 0

    async def get(self) -> SpeakEvent | None:
        """The next event, or None once the final event was taken."""
        while True:
            item = self.take()
            if item is not Empty.EMPTY:
                return item
            await self.arrival()

    def take(self) -> SpeakEvent | Empty | None:
        """The next event without waiting: :data:`EMPTY` when none is queued yet, None once
        the final event was taken. :meth:`get` is this plus :meth:`arrival`; the stream's
        iterator uses the two directly (one coroutine less per audio chunk)."""
        items = self._items
        if not items:
            return None if self.finished else EMPTY
        item = items.popleft()
        if isinstance(item, AudioChunk):
            self._queued_bytes -= len(item.data)
            if self._room is not None and not self.full:
                self._wake_room()
        return item

    def arrival(self) -> asyncio.Future[None]:
        """A future done when an event is queued (or the channel finishes): await it after
        :meth:`take` returned :data:`EMPTY`. Single consumer: one waiter at a time."""
        getter = self._getter
        if getter is None or getter.done():
            loop = self._loop
            if loop is None:  # looked up once: a request lives on one loop
                loop = self._loop = asyncio.get_running_loop()
            getter = self._getter = loop.create_future()
        return getter

    def _wake_getter(self) -> None:
        getter = self._getter
        if getter is not None:
            self._getter = None
            if not getter.done():
                getter.set_result(None)

    def _wake_room(self) -> None:
        room = self._room
        if room is not None and not room.done():
            room.set_result(None)

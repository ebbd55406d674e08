"""A bounded event channel with a final event: the queue between a request and its consumer.

Producers ``await put()`` and wait while the channel is full (backpressure reaches the socket
reader, which stops reading). :meth:`finish` appends the final event exactly once; with
``discard_audio`` it first drops audio still queued (an interrupt: nothing of the request may be
yielded after its ``AudioEnd(INTERRUPTED)``), and the ``AudioStart``/``Metric`` that announce it
when they were not yielded yet. After ``finish`` every ``put`` is refused. The channel never
holds more than ``capacity`` events plus the final ``Error``/``AudioEnd``.
"""

from __future__ import annotations

import asyncio
from collections import deque

from deepgram_tts2.client.events import AudioChunk, AudioEnd, AudioStart, Error, Metric, SpeakEvent


class EventChannel:
    """See the module docstring."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._items: deque[SpeakEvent] = deque()
        self._changed = asyncio.Event()
        self._space = asyncio.Event()
        self._space.set()
        self.finished = False
        self.dropped_bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def full(self) -> bool:
        """True when a ``put`` would wait for the consumer."""
        return not self.finished and len(self._items) >= self._capacity

    async def put(self, event: SpeakEvent) -> bool:
        """Queue ``event``, waiting for space; False when the channel is finished."""
        while not self.finished and len(self._items) >= self._capacity:
            self._space.clear()
            await self._space.wait()
        if self.finished:
            if isinstance(event, AudioChunk):
                self.dropped_bytes += len(event.data)
            return False
        self._items.append(event)
        self._changed.set()
        return True

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
        self._changed.set()
        self._space.set()
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

    async def get(self) -> SpeakEvent | None:
        """The next event, or None once the final event was taken."""
        while not self._items:
            if self.finished:
                return None
            self._changed.clear()
            await self._changed.wait()
        item = self._items.popleft()
        self._space.set()
        return item

    def audio_queued(self) -> int:
        """Bytes of audio waiting in the channel."""
        return sum(len(i.data) for i in self._items if isinstance(i, AudioChunk))

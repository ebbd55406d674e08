"""The body of a REST answer (``/v1/speak`` and ``/v2/speak``): paced chunks, with faults applied.

Both APIs' REST handlers write their audio through :func:`stream_paced`, so the fault rules
(``frame_bytes``, drip, stall, cut at byte N) and the pacing are the same on both.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

import numpy as np
from aiohttp import web

from deepgram_tts2.emulator.config import CloseConnection, Stall
from deepgram_tts2.emulator.faults import ConnectionFaults
from deepgram_tts2.emulator.voices import Samples

CHUNK_SAMPLES = 2400  # samples encoded per body write (100 ms at 24 kHz)


class BodyEncoder(Protocol):
    """What turns samples into body bytes: a header, the chunks, a trailer."""

    def header(self) -> bytes:
        """Bytes before the first chunk (a WAV header, or nothing)."""

    def encode(self, samples: Samples) -> bytes:
        """The bytes of one chunk of samples."""

    def finish(self) -> bytes:
        """Bytes after the last chunk (a codec's flush, or nothing)."""


class FaultyBody:
    """Writes body bytes, applying the connection's faults; False once the body was cut."""

    def __init__(
        self, request: web.Request, response: web.StreamResponse, faults: ConnectionFaults
    ) -> None:
        self.request = request
        self.response = response
        self.faults = faults
        self.sent = 0
        self.cut = False

    async def write(self, data: bytes) -> bool:
        """Write ``data`` in the fault's frame size; False if a fault cut the connection."""
        if self.cut:
            return False
        frame = self.faults.frame_bytes or len(data) or 1
        for offset in range(0, len(data), frame):
            if not await self._fire(about_to_send=True):
                return False
            piece = data[offset : offset + frame]
            await self.response.write(piece)
            self.sent += len(piece)
            if self.faults.drip_interval_s:
                await asyncio.sleep(self.faults.drip_interval_s)
            if not await self._fire(about_to_send=False):
                return False
        return True

    async def _fire(self, about_to_send: bool) -> bool:
        for fault in self.faults.due_by_bytes(self.sent, about_to_send):
            if isinstance(fault, CloseConnection):
                self.cut = True
                if self.request.transport is not None:
                    self.request.transport.abort()
                return False
            if isinstance(fault, Stall):
                await asyncio.sleep(fault.duration_ms / 1000.0)
        return True


async def stream_paced(
    body: FaultyBody, encoder: BodyEncoder, samples: Samples, rate: int, realtime_factor: float
) -> None:
    """Write the encoded audio, paced at ``realtime_factor`` (0: as fast as possible); stop if
    the body is cut, else end the chunked body."""
    await body.write(encoder.header())
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    for offset in range(0, len(samples), CHUNK_SAMPLES):
        chunk = np.ascontiguousarray(samples[offset : offset + CHUNK_SAMPLES])
        if not await body.write(encoder.encode(chunk)):
            return
        if realtime_factor > 0:
            due = t0 + (offset + CHUNK_SAMPLES) / rate / realtime_factor
            await asyncio.sleep(max(0.0, due - loop.time()))
    if await body.write(encoder.finish()):
        await body.response.write_eof()

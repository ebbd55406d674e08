"""What a WebSocket session (``/v1/speak`` and ``/v2/speak``) does with stall and timed faults.

A ``Stall`` fault holds the session's sender until a moment; a fault with ``after_ms`` fires
that long after the session starts, once, unless the session closed first. Both sessions keep
one :class:`StallGate` and run their timed faults through :func:`run_timed_fault`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from deepgram_tts2.emulator.config import Stall
from deepgram_tts2.emulator.faults import ConnectionFaults, TriggeredFault


class StallGate:
    """The moment until which the session's sender holds (loop time)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.until = 0.0

    def hold(self, duration_ms: float, extend: bool = True) -> None:
        """Hold the sender ``duration_ms`` from now (``extend``: never shorten a longer hold)."""
        until = self.loop.time() + duration_ms / 1000.0
        self.until = max(self.until, until) if extend else until

    async def stall(self, duration_ms: float) -> None:
        """Hold the sender and wait out the hold here too (a stall fired by a received frame)."""
        self.hold(duration_ms)
        await self.passed()

    async def passed(self) -> None:
        """Return once the hold is over (at once when there is none)."""
        delay = self.until - self.loop.time()
        if delay > 0:
            await asyncio.sleep(delay)


async def run_timed_fault(
    fault: TriggeredFault,
    faults: ConnectionFaults,
    gate: StallGate,
    closed: Callable[[], bool],
    fire: Callable[[TriggeredFault], Awaitable[None]],
) -> None:
    """Sleep ``fault.after_ms``, then fire it once (a stall holds the sender) unless closed."""
    assert fault.after_ms is not None
    await asyncio.sleep(fault.after_ms / 1000.0)
    if faults.mark_fired(fault) and not closed():
        if isinstance(fault, Stall):
            gate.hold(fault.duration_ms, extend=False)
        else:
            await fire(fault)


def abort_transport(request: web.Request) -> None:
    """Drop the TCP connection without a close frame (what close code 1006 means)."""
    transport = request.transport
    if transport is not None:
        transport.abort()

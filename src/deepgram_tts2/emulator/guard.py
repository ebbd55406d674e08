"""Protection of the emulator's listener against clients that never finish a request.

aiohttp waits for a new connection's request headers for as long as its keep-alive timeout
(an hour by default), so 600 sockets that each sent half a request line were held 43 s and more
(issue #11, "slowloris"). :class:`ConnectionGuard` closes a connection whose request headers are
not complete within ``timeout_s`` of connecting, and caps how many connections may wait for
their headers at once: past ``max_pending`` the oldest waiting one is closed, so a flood of
slow sockets cannot starve clients that send their headers at once.

Written here because aiohttp offers no header timeout or pending-connection cap; it uses only
aiohttp's public pieces: ``web.Server`` is a protocol factory (so the emulator wraps it for
``loop.create_server``), ``RequestHandler.force_close()`` closes a connection, and a middleware
(:func:`guard_middleware`) sees each request once its headers are complete.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

if TYPE_CHECKING:
    from aiohttp.typedefs import Middleware

log = logging.getLogger("deepgram_tts2.emulator")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ConnectionGuard:
    """Tracks connections that have not completed their first request's headers."""

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout_s: float, max_pending: int) -> None:
        self.loop = loop
        self.timeout_s = timeout_s
        self.max_pending = max_pending
        self.closed_slow = 0  # connections closed by the timeout or the cap
        # handler -> (its header timer, whether it was seen connected)
        self._pending: OrderedDict[RequestHandler, _Waiting] = OrderedDict()

    @property
    def pending(self) -> int:
        """Connections waiting for their request headers now."""
        self._prune()
        return len(self._pending)

    def opened(self, handler: RequestHandler) -> None:
        """A new connection: start its header timer; close the oldest waiter past the cap."""
        self._prune()
        while len(self._pending) >= self.max_pending:
            oldest = next(iter(self._pending))
            self._close(oldest, "too many connections waiting for request headers")
        timer = self.loop.call_later(self.timeout_s, self._expire, handler)
        self._pending[handler] = _Waiting(timer)

    def started(self, handler: RequestHandler) -> None:
        """The connection completed a request's headers: it is no longer guarded."""
        waiting = self._pending.pop(handler, None)
        if waiting is not None:
            waiting.timer.cancel()

    def close_all(self) -> None:
        """Cancel every timer (the emulator stops)."""
        for waiting in self._pending.values():
            waiting.timer.cancel()
        self._pending.clear()

    def _expire(self, handler: RequestHandler) -> None:
        if handler in self._pending:
            self._close(handler, "request headers not received in time")

    def _close(self, handler: RequestHandler, why: str) -> None:
        self._pending.pop(handler).timer.cancel()
        self.closed_slow += 1
        log.debug("closing a connection: %s", why)
        handler.force_close()

    def _prune(self) -> None:
        """Forget connections that closed by themselves.

        A handler has no transport both before asyncio connects it (the factory runs first) and
        after it closed, so only one seen connected before counts as gone.
        """
        gone = []
        for handler, waiting in self._pending.items():
            if handler.transport is not None:
                waiting.seen = True
            elif waiting.seen:
                gone.append(handler)
        for handler in gone:
            self._pending.pop(handler).timer.cancel()


class _Waiting:
    __slots__ = ("seen", "timer")

    def __init__(self, timer: asyncio.TimerHandle) -> None:
        self.timer = timer
        self.seen = False


def guard_middleware(guard: ConnectionGuard, api_error: Callable[[], web.Response]) -> Middleware:
    """Middleware: mark the request's connection as past its headers; answer a request that
    failed on a dropped connection quietly and any other failure with ``api_error()``.

    Args:
        guard: the listener's guard.
        api_error: a Deepgram-shaped 500 (instead of aiohttp's plain-text one).
    """

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        guard.started(request.protocol)
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except ConnectionError:
            # A client that went away is routine: one line, no traceback (issue #11 item 10).
            log.info("client disconnected during %s %s", request.method, request.path)
            return api_error()
        except Exception:
            log.exception("request failed: %s %s", request.method, request.path)
            return api_error()

    return middleware

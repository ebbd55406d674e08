"""One WebSocket to ``/v1/speak``: lifecycle, budgets, and the reader that routes what arrives.

States (a transition table, :data:`CONNECTION_TABLE`)::

    NEW --connect--> CONNECTING --connected--> OPEN <--release/cleared-- BUSY / CLEARING
    OPEN --acquire--> BUSY --clear--> CLEARING
    OPEN/BUSY/CLEARING --close--> DRAINING --closed--> CLOSED
    CONNECTING --failed--> FAILED;  OPEN/BUSY/CLEARING --lost--> FAILED

This module is the boundary where ``websockets`` exceptions are translated into the library's
exception tree (:func:`handshake_error`, :func:`close_error`); nothing from ``websockets``
escapes it. The reader task parses every frame with the sans-I/O parser, feeds the
:class:`~deepgram_tts2.protocol.v1.client_session.ClientSession` and hands the outcome to
the connection's current *owner* (the request using it). Budgets (characters and flushes per
window) are kept per connection with the same sliding window the emulator enforces.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import itertools
import logging
from collections.abc import Callable
from typing import Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from deepgram_tts2.exceptions import (
    AuthError,
    ConnectError,
    ConnectionLostError,
    DeepgramTTSError,
    InputError,
    InternalError,
    PhaseTimeoutError,
    RateLimitError,
    ServerError,
)
from deepgram_tts2.observability.hooks import MetricsHooks
from deepgram_tts2.observability.logs import RedactingFilter
from deepgram_tts2.options import TTSOptions
from deepgram_tts2.protocol.errors import (
    CloseReason,
    ErrorClass,
    classify_close,
    classify_http_status,
    parse_close_reason,
)
from deepgram_tts2.protocol.state import (
    StateTable,
)
from deepgram_tts2.protocol.v1.client_session import (
    ClearAcked,
    ClientOutcome,
    ClientSession,
    FlushRefused,
    MetadataReceived,
    ServerReported,
    StaleAudio,
)
from deepgram_tts2.protocol.v1.limits import SlidingWindow
from deepgram_tts2.protocol.v1.messages import (
    Clear,
    ClientMessage,
    Close,
    Flush,
    Speak,
    WarningMessage,
    parse_server,
    serialize_client,
)
from deepgram_tts2.protocol.v1.rest import HEADER_ERROR, HEADER_REQUEST_ID, parse_error_body
from deepgram_tts2.protocol.v1.url import build_url
from deepgram_tts2.resilience.backoff import parse_retry_after

log = logging.getLogger("deepgram_tts2.client")
# websockets logs handshake headers at DEBUG, Authorization included: its records go through a
# logger of ours whose filter redacts secrets before any handler sees them.
wire_log = logging.getLogger("deepgram_tts2.wire")
wire_log.addFilter(RedactingFilter())
_ids = itertools.count(1)


class ConnectionState(enum.Enum):
    """States of one socket."""

    NEW = "new"
    CONNECTING = "connecting"
    OPEN = "open"
    BUSY = "busy"
    CLEARING = "clearing"
    DRAINING = "draining"
    CLOSED = "closed"
    FAILED = "failed"


class ConnectionEvent(enum.Enum):
    """What happens to a socket."""

    CONNECT = "connect"
    CONNECTED = "connected"
    ACQUIRE = "acquire"
    RELEASE = "release"
    CLEAR = "clear"
    CLEARED = "cleared"
    CLOSE = "close"
    CLOSED = "closed"
    FAILED = "failed"


_S, _E = ConnectionState, ConnectionEvent
CONNECTION_TABLE: StateTable[ConnectionState, ConnectionEvent] = StateTable(
    {
        (_S.NEW, _E.CONNECT): _S.CONNECTING,
        (_S.CONNECTING, _E.CONNECTED): _S.OPEN,
        (_S.CONNECTING, _E.FAILED): _S.FAILED,
        (_S.OPEN, _E.ACQUIRE): _S.BUSY,
        (_S.BUSY, _E.RELEASE): _S.OPEN,
        (_S.BUSY, _E.CLEAR): _S.CLEARING,
        (_S.CLEARING, _E.CLEAR): _S.CLEARING,
        (_S.CLEARING, _E.CLEARED): _S.OPEN,
        **{(s, _E.CLOSE): _S.DRAINING for s in (_S.OPEN, _S.BUSY, _S.CLEARING)},
        **{(s, _E.FAILED): _S.FAILED for s in (_S.OPEN, _S.BUSY, _S.CLEARING, _S.DRAINING)},
        **{(s, _E.CLOSED): _S.CLOSED for s in (_S.OPEN, _S.BUSY, _S.CLEARING, _S.DRAINING)},
    }
)


class Owner(Protocol):
    """What a connection hands received frames to: the request that uses it."""

    request_id: str

    @property
    def done(self) -> bool:
        """True once the request has ended (its socket is about to be released)."""

    async def on_outcome(self, outcome: ClientOutcome[str]) -> None:
        """One interpreted server frame that concerns the owner."""

    def on_connection_lost(self, error: DeepgramTTSError) -> None:
        """The socket is gone."""


# Which exception stands for each class at the handshake and at a close; TRANSIENT differs.
_HANDSHAKE_ERRORS: dict[ErrorClass, type[DeepgramTTSError]] = {
    ErrorClass.AUTH: AuthError,
    ErrorClass.RATE_LIMIT: RateLimitError,
    ErrorClass.INPUT: InputError,
}
_CLOSE_ERRORS: dict[ErrorClass, type[DeepgramTTSError]] = {
    ErrorClass.INPUT: InputError,
    ErrorClass.RATE_LIMIT: RateLimitError,
}


def handshake_error(exc: BaseException, timeout_s: float) -> DeepgramTTSError:
    """Translate a failed connect into the exception tree (status, dg-error, request id)."""
    if isinstance(exc, InvalidStatus):
        response = exc.response
        status = response.status_code
        headers = response.headers
        body = parse_error_body(bytes(response.body or b""))
        message = headers.get(HEADER_ERROR) or body.err_msg or f"HTTP {status}"
        error_class = classify_http_status(status) or ErrorClass.TRANSIENT
        kind = _HANDSHAKE_ERRORS.get(error_class, ConnectError)
        return kind(
            f"handshake rejected with HTTP {status}: {message}",
            request_id=headers.get(HEADER_REQUEST_ID) or body.request_id or None,
            status=status,
            vendor_code=body.err_code or None,
            retry_after_s=parse_retry_after(headers.get("Retry-After")),
        )
    if isinstance(exc, TimeoutError):
        return PhaseTimeoutError("connect", timeout_s)
    if isinstance(exc, InvalidHandshake):
        return ConnectError(f"WebSocket handshake failed: {type(exc).__name__}")
    if isinstance(exc, OSError):
        return ConnectError(f"cannot connect: {exc.strerror or type(exc).__name__}")
    return ConnectError(f"cannot connect: {type(exc).__name__}")


def close_error(code: int | None, reason: str, request_id: str | None) -> DeepgramTTSError | None:
    """The error a close frame means (None for a normal closure).

    ``vendor_code`` is Deepgram's reason id (``NET-0000``, ...) when the reason carries one, bare
    or in prose (spec 2.7), else the reason text; 1011 ``NET-0000`` is a :class:`ServerError`.
    """
    error_class = classify_close(code, reason)
    if error_class is None:
        return None
    shown = code if code is not None else 1006
    parsed = parse_close_reason(reason)
    if error_class in _CLOSE_ERRORS:
        kind = _CLOSE_ERRORS[error_class]
    else:
        kind = ServerError if parsed is CloseReason.NET_0000 else ConnectionLostError
    return kind(
        f"connection closed with {shown}" + (f" {reason}" if reason else ""),
        request_id=request_id,
        close_code=shown,
        vendor_code=parsed.value if parsed is not None else (reason or None),
    )


def _warning_of(outcome: ClientOutcome[str]) -> WarningMessage | None:
    if isinstance(outcome, FlushRefused):
        return outcome.warning
    if isinstance(outcome, ServerReported) and isinstance(outcome.message, WarningMessage):
        return outcome.message
    return None


class Connection:
    """One socket. Created by the pool; used by one request at a time."""

    def __init__(
        self,
        options: TTSOptions,
        hooks: MetricsHooks,
        clock: Callable[[], float],
        on_state: Callable[[Connection], None] | None = None,
    ) -> None:
        self.id = next(_ids)
        self.options = options
        self.hooks = hooks
        self.clock = clock
        self.state = ConnectionState.NEW
        self.session: ClientSession[str] = ClientSession()
        limits = options.limits
        # The server's window starts when a message arrives, ours when it leaves: a little
        # margin keeps network jitter from putting two messages in one server window.
        window = limits.window_s + min(1.0, 0.05 * limits.window_s)
        self.chars = SlidingWindow(limits.chars_per_window, window)
        self.flushes = SlidingWindow(limits.flushes_per_window, window)
        self.opened_at = 0.0
        self.owner: Owner | None = None
        self.error: DeepgramTTSError | None = None
        self.deepgram_request_id: str | None = None
        self.cleared = asyncio.Event()
        # Set while the socket is idle (OPEN) or gone: what a new request waits on.
        self.settled = asyncio.Event()
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._on_state = on_state

    def __repr__(self) -> str:
        return f"Connection(id={self.id}, state={self.state.name})"

    # -- state --------------------------------------------------------------------------------

    def _fire(self, event: ConnectionEvent) -> None:
        if not CONNECTION_TABLE.allows(self.state, event):
            return
        old, self.state = self.state, CONNECTION_TABLE.next(self.state, event)
        if self.state in (ConnectionState.OPEN, ConnectionState.CLOSED, ConnectionState.FAILED):
            self.settled.set()
        else:
            self.settled.clear()
        if old is not self.state:
            log.debug(
                "connection %d %s -> %s",
                self.id,
                old.name,
                self.state.name,
                extra={"connection_id": self.id, "state": self.state.name},
            )
            self.hooks.on_connection_state(self.id, old.value, self.state.value)
            if self._on_state is not None:
                self._on_state(self)

    @property
    def usable(self) -> bool:
        """Open and idle: can be handed to a request."""
        return self.state is ConnectionState.OPEN

    @property
    def alive(self) -> bool:
        """Not closed or failed."""
        return self.state not in (ConnectionState.CLOSED, ConnectionState.FAILED)

    def age(self, now: float) -> float:
        """Seconds since the handshake completed."""
        return now - self.opened_at

    @property
    def rtt(self) -> float | None:
        """Latest ping round trip in seconds (websockets measures it), if any."""
        if self._ws is None:
            return None
        latency = self._ws.latency
        return latency if latency > 0 else None

    # -- lifecycle ----------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the socket.

        Raises:
            DeepgramTTSError: the classified failure (AuthError, RateLimitError, ...).
        """
        options = self.options
        self._fire(ConnectionEvent.CONNECT)
        url = build_url(options.websocket_url, options.speak_params())
        timeout = options.timeouts.connect_s
        try:
            self._ws = await connect(
                url,
                additional_headers={"Authorization": f"Token {options.require_key()}"},
                open_timeout=timeout,
                ping_interval=options.limits.ping_interval_s,
                ping_timeout=options.limits.ping_timeout_s,
                close_timeout=options.timeouts.close_s,
                max_size=None,
                max_queue=16,
                user_agent_header="deepgram-tts2",
                logger=wire_log,
            )
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            self.error = handshake_error(exc, timeout)
            self._fire(ConnectionEvent.FAILED)
            raise self.error from None
        self.deepgram_request_id = (
            self._ws.response.headers.get(HEADER_REQUEST_ID)
            if (self._ws.response is not None)
            else None
        )
        self.opened_at = self.clock()
        self._fire(ConnectionEvent.CONNECTED)
        self._reader = asyncio.create_task(self._read(), name=f"dgtts-reader-{self.id}")

    def acquire(self, owner: Owner) -> None:
        """Hand the socket to ``owner``."""
        self.owner = owner
        self._fire(ConnectionEvent.ACQUIRE)

    def release(self) -> None:
        """The owner is done; the socket is idle again."""
        self.owner = None
        self._fire(ConnectionEvent.RELEASE)

    async def close(self) -> None:
        """Close gracefully (Close message, then the close handshake); idempotent."""
        if self._ws is None or not self.alive:
            self._fire(ConnectionEvent.CLOSED)
            return
        self._fire(ConnectionEvent.CLOSE)
        with contextlib.suppress(ConnectionClosed, OSError):
            if self.session.can_send(Close()):
                self.session.sent(Close(), "")
                await self._ws.send(serialize_client(Close()))
        with contextlib.suppress(ConnectionClosed, OSError, TimeoutError):
            await asyncio.wait_for(self._ws.close(), self.options.timeouts.close_s)
        await self._stop_reader()
        self._fire(ConnectionEvent.CLOSED)

    def abort(self) -> None:
        """Drop the socket at once (no close handshake); nothing it still receives is routed."""
        if self._ws is not None:
            transport = self._ws.transport
            if transport is not None:
                transport.abort()
        if self._reader is not None and self._reader is not asyncio.current_task():
            self._reader.cancel()
        if self.error is None:
            self.error = ConnectionLostError(
                "connection aborted by the client", request_id=self.deepgram_request_id
            )
        self._fire(ConnectionEvent.FAILED)
        self.session.closed()
        self.cleared.set()

    async def _stop_reader(self) -> None:
        if self._reader is not None and self._reader is not asyncio.current_task():
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    # -- sending ------------------------------------------------------------------------------

    async def send(self, message: ClientMessage, tag: str) -> None:
        """Send one message, recorded by the session and the budgets.

        Raises:
            ConnectionLostError (or the error that closed the socket): the socket is gone.
        """
        if self._ws is None or self.error is not None:
            raise self.error or ConnectionLostError("not connected")
        now = self.clock()
        self.session.sent(message, tag)
        if isinstance(message, Speak):
            self.chars.take(len(message.text), now)
            self.hooks.on_characters(len(message.text))
        elif isinstance(message, Flush):
            self.flushes.take(1, now)
            self.hooks.on_flush_budget(self.flushes.remaining(now))
        elif isinstance(message, Clear):
            self.cleared.clear()
            self._fire(ConnectionEvent.CLEAR)
        try:
            await self._ws.send(serialize_client(message))
        except (ConnectionClosed, OSError) as exc:
            raise self._lost(exc) from None

    # -- reading ------------------------------------------------------------------------------

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for frame in self._ws:
                outcome = self.session.received(parse_server(frame))
                await self._route(outcome)
        except (ConnectionClosed, OSError) as exc:
            self._lost(exc)
        except Exception as exc:  # a bug of ours: the owner must not wait for a dead reader
            log.exception("connection %d: reader failed", self.id, extra={"connection_id": self.id})
            self._end(InternalError(f"socket reader failed: {type(exc).__name__}"), failed=True)
            self.abort()
        else:  # the iteration ends on a normal close (1000/1001)
            self._lost_with(self._ws.close_code, self._ws.close_reason or "")

    async def _route(self, outcome: ClientOutcome[str]) -> None:
        if not self.alive:
            return  # aborted: frames still buffered in the socket belong to nobody
        if isinstance(outcome, MetadataReceived):
            self.deepgram_request_id = outcome.metadata.request_id or self.deepgram_request_id
            return
        if isinstance(outcome, ClearAcked):
            self._fire(ConnectionEvent.CLEARED)
            self.cleared.set()
            return
        if isinstance(outcome, StaleAudio):
            self.hooks.on_stale_audio_dropped(len(outcome.data))
            return
        warning = _warning_of(outcome)
        if warning is not None:
            # Warnings are non-fatal and the socket stays open (spec 2.4.5): count and log.
            self.hooks.on_warning(warning.code)
            log.warning(
                "Deepgram warning %s: %s",
                warning.code,
                warning.message,
                extra={"connection_id": self.id},
            )
        owner = self.owner
        if owner is not None:
            await owner.on_outcome(outcome)

    def _lost(self, exc: BaseException | None) -> DeepgramTTSError:
        """Record the end of the socket and tell the owner; returns the error."""
        code: int | None = None
        reason = ""
        if isinstance(exc, ConnectionClosed):
            frame = exc.rcvd
            code, reason = (frame.code, frame.reason) if frame is not None else (None, "")
        return self._lost_with(code, reason)

    def _lost_with(self, code: int | None, reason: str) -> DeepgramTTSError:
        if self.error is not None:
            return self.error
        error = close_error(code, reason, self.deepgram_request_id)
        if error is not None:
            log.info(
                "connection %d lost: %s",
                self.id,
                error.message,
                extra={"connection_id": self.id, "error_class": error.error_class.value},
            )
        closing = self.state is ConnectionState.DRAINING
        return self._end(
            error
            or ConnectionLostError(
                "connection closed", request_id=self.deepgram_request_id, close_code=code
            ),
            failed=error is not None and not closing,
        )

    def _end(self, error: DeepgramTTSError, failed: bool) -> DeepgramTTSError:
        """The socket is over: record ``error``, settle waiters and tell the owner (once)."""
        if self.error is not None:
            return self.error
        self.error = error
        self._fire(ConnectionEvent.FAILED if failed else ConnectionEvent.CLOSED)
        self.session.closed()
        self.cleared.set()
        owner = self.owner
        if owner is not None:
            owner.on_connection_lost(error)
        return error

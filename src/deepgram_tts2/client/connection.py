"""One WebSocket to ``/v1/speak``: lifecycle, budgets, and the reader that routes what arrives.

States (a transition table, :data:`CONNECTION_TABLE`; an illegal move raises)::

    NEW --connect--> CONNECTING --connected--> IDLE --acquire--> BUSY --release--> IDLE
    CONNECTING --failed--> FAILED
    BUSY --clear--> CLEARING --cleared--> IDLE
    IDLE/BUSY/CLEARING --close--> CLOSING --closed--> CLOSED
    IDLE/BUSY/CLEARING/CLOSING --lost--> FAILED

The reader task hands every audio frame straight to the current *owner* (the request using
the socket) when the :class:`~deepgram_tts2.protocol.v1.client_session.ClientSession` says it is
live, and control outcomes (``Flushed``, a refused Flush, ``Error``) as interpreted by the
session; it waits whenever the owner's channel is full, so a slow consumer slows the socket,
never the other way round. The audio path per chunk is kept short: while the reader waits for a
frame with nothing queued, a whole binary frame is routed the same way straight from websockets'
``data_received`` callback (no task wake-up, no queue), in the order frames arrived. Warnings
are counted and logged here, once. Failures are translated at
:mod:`deepgram_tts2.client.boundary`.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, InvalidHandshake
from websockets.frames import Frame, Opcode

from deepgram_tts2.client import boundary
from deepgram_tts2.compat import TimeoutErrors
from deepgram_tts2.exceptions import (
    ConnectionLostError,
    DeepgramTTSError,
    InternalError,
    ServerError,
)
from deepgram_tts2.observability.hooks import MetricsHooks
from deepgram_tts2.observability.logs import RedactingFilter
from deepgram_tts2.options import TTSOptions
from deepgram_tts2.protocol.state import StateTable
from deepgram_tts2.protocol.v1.client_session import (
    ClearAcked,
    ClientOutcome,
    ClientSession,
    FlushRefused,
    MetadataReceived,
    ServerReported,
)
from deepgram_tts2.protocol.v1.messages import (
    Clear,
    Close,
    ErrorMessage,
    Speak,
    WarningMessage,
    parse_server,
    serialize_client,
)
from deepgram_tts2.protocol.v1.rest import HEADER_REQUEST_ID
from deepgram_tts2.protocol.v1.url import build_url
from deepgram_tts2.request.aura import SocketBudget

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
    IDLE = "idle"
    BUSY = "busy"
    CLEARING = "clearing"
    CLOSING = "closing"
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
    LOST = "lost"


_S, _E = ConnectionState, ConnectionEvent
_OPEN_STATES = (_S.IDLE, _S.BUSY, _S.CLEARING)
CONNECTION_TABLE: StateTable[ConnectionState, ConnectionEvent] = StateTable(
    {
        (_S.NEW, _E.CONNECT): _S.CONNECTING,
        (_S.CONNECTING, _E.CONNECTED): _S.IDLE,
        (_S.CONNECTING, _E.LOST): _S.FAILED,
        (_S.IDLE, _E.ACQUIRE): _S.BUSY,
        (_S.BUSY, _E.RELEASE): _S.IDLE,
        (_S.BUSY, _E.CLEAR): _S.CLEARING,
        (_S.CLEARING, _E.CLEARED): _S.IDLE,
        **{(s, _E.CLOSE): _S.CLOSING for s in _OPEN_STATES},
        **{(s, _E.LOST): _S.FAILED for s in (*_OPEN_STATES, _S.CLOSING)},
        (_S.CLOSING, _E.CLOSED): _S.CLOSED,
    }
)


class Owner(Protocol):
    """The request using a socket: what the reader hands frames to."""

    request_id: str

    @property
    def done(self) -> bool:
        """True once the request has ended (its socket comes back soon)."""

    def on_audio(self, data: bytes, tag: str | None) -> Awaitable[None] | None:
        """A live audio frame (``tag``: the request of the oldest live flush, or None).
        Returns what the reader awaits before the next frame while the consumer is behind
        (one call per frame, not two: this is the per-chunk path), else None."""

    def on_outcome(self, outcome: Any) -> None:
        """What the session made of a control message for this owner (``Flushed``, a refused
        Flush; on Flux a turn's start, end, interruption, a Configure answer ...)."""

    def on_lost(self, error: DeepgramTTSError) -> None:
        """The socket is gone (or the server sent ``Error``)."""


class _Socket(ClientConnection):
    """websockets' client connection with one shortcut: every frame is first offered to
    ``take_frame`` (from the protocol's ``data_received`` callback), which takes it or leaves
    it to websockets' own queue (and ``recv()``)."""

    take_frame: Callable[[Frame], bool] | None = None

    def process_event(self, event: Any) -> None:
        take = self.take_frame
        if take is None or not isinstance(event, Frame) or not take(event):
            super().process_event(event)


class Connection:
    """One socket. Created by the pool; used by one request at a time."""

    def __init__(
        self,
        options: TTSOptions,
        hooks: MetricsHooks,
        now: Callable[[], float],
        on_state: Callable[[Connection], None] | None = None,
    ) -> None:
        self.id = next(_ids)
        self.options = options
        self.hooks = hooks
        self._now = now
        self.state = ConnectionState.NEW
        self.session: ClientSession[str] = ClientSession()
        limits = options.limits
        # The server's window starts when a message arrives, ours when it leaves: a little
        # margin keeps network jitter from putting two messages in one server window.
        window = limits.window_s + min(1.0, 0.05 * limits.window_s)
        self.budget = SocketBudget.create(
            limits.chars_per_window, limits.flushes_per_window, window
        )
        self.opened_at = 0.0
        self.released_at = 0.0
        self.owner: Owner | None = None
        self.error: DeepgramTTSError | None = None
        self.deepgram_request_id: str | None = None
        self._settled: asyncio.Future[None] | None = None  # IDLE, CLOSED or FAILED reached
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._direct = False  # the reader waits in recv() with nothing queued: see _take_frame
        self._blocked: asyncio.Future[None] | None = None  # room for audio handed over directly
        self._on_state = on_state

    def __repr__(self) -> str:
        return f"Connection(id={self.id}, state={self.state.name})"

    # -- state --------------------------------------------------------------------------------

    def _fire(self, event: ConnectionEvent) -> None:
        old = self.state
        self.state = CONNECTION_TABLE.next(old, event)
        if self.state in (_S.IDLE, _S.CLOSED, _S.FAILED):
            settled = self._settled
            if settled is not None and not settled.done():
                settled.set_result(None)
        if old is not self.state:
            if log.isEnabledFor(logging.DEBUG):  # twice per request: no record built for nothing
                log.debug(
                    "connection %d %s -> %s",
                    self.id,
                    old.name,
                    self.state.name,
                    extra={"connection_id": self.id, "state": self.state.value},
                )
            self.hooks.on_connection_state(self.id, old.value, self.state.value)
            if self._on_state is not None:
                self._on_state(self)

    @property
    def idle(self) -> bool:
        """Open and unused: can be handed to a request."""
        return self.state is ConnectionState.IDLE

    @property
    def alive(self) -> bool:
        """Not closed, failed or closing."""
        return self.state not in (_S.CLOSED, _S.FAILED, _S.CLOSING)

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

    async def settled(self) -> None:
        """Wait until the socket is idle again, or gone."""
        if self.state in (_S.IDLE, _S.CLOSED, _S.FAILED):
            return
        if self._settled is None or self._settled.done():
            self._settled = asyncio.get_running_loop().create_future()
        await self._settled

    # -- lifecycle ----------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the socket (bounded by ``timeouts.connect_s``).

        Raises:
            DeepgramTTSError: the translated failure (AuthError, RateLimitError, ConnectError,
                PhaseTimeoutError("connect"), ...).
        """
        options = self.options
        self._fire(ConnectionEvent.CONNECT)
        url = self._url()
        timeout = options.timeouts.connect_s
        try:
            self._ws = await connect(
                url,
                additional_headers={"Authorization": f"Token {options.require_key()}"},
                open_timeout=timeout,
                ping_interval=options.limits.ping_interval_s,
                ping_timeout=options.limits.ping_timeout_s,
                close_timeout=options.timeouts.close_s,
                max_size=options.limits.max_frame_bytes,
                max_queue=16,
                compression="deflate" if options.permessage_deflate else None,
                user_agent_header="deepgram-tts2",
                logger=wire_log,
                create_connection=_Socket,
            )
        except (OSError, InvalidHandshake, *TimeoutErrors) as exc:
            self.error = boundary.handshake_error(exc, options.websocket_url, timeout)
            self._fire(ConnectionEvent.LOST)
            raise self.error from None
        response = self._ws.response
        self.deepgram_request_id = response.headers.get(HEADER_REQUEST_ID) if response else None
        self.opened_at = self._now()
        self._fire(ConnectionEvent.CONNECTED)
        if isinstance(self._ws, _Socket):
            self._ws.take_frame = self._take_frame
        self._reader = asyncio.create_task(self._read(), name=f"dgtts-reader-{self.id}")

    def _url(self) -> str:
        """The URL with the query of this socket's API (Aura here)."""
        return build_url(self.options.websocket_url, self.options.speak_params())

    def _close_frame(self) -> str | None:
        """The graceful-close message, if the session may still send it."""
        if not self.session.can_send(Close()):
            return None
        self.session.sent(Close(), "")
        return serialize_client(Close())

    def acquire(self, owner: Owner) -> None:
        """Hand the idle socket to ``owner``."""
        self._fire(ConnectionEvent.ACQUIRE)
        self.owner = owner

    def release(self) -> None:
        """The owner is done and left nothing on the server: the socket is idle again."""
        self.owner = None
        self.released_at = self._now()
        self._fire(ConnectionEvent.RELEASE)

    def start_clear(self) -> bool:
        """The owner left work on the server: from now on the socket is CLEARING (its audio is
        stale) until ``Cleared``. False when the socket is not in use any more (gone)."""
        self.owner = None
        if self.state is not ConnectionState.BUSY:
            return False
        self.session.sent(Clear(), "")
        self._fire(ConnectionEvent.CLEAR)
        return True

    async def clear(self, timeout_s: float) -> bool:
        """Send ``Clear`` (after :meth:`start_clear`) and wait for ``Cleared``; True when the
        socket is usable again (False: it was closed instead, being in an unknown state)."""
        if self.state is not ConnectionState.CLEARING:
            await self.close()
            return False
        try:
            await self._send_frame(serialize_client(Clear()))
            await asyncio.wait_for(self.settled(), timeout_s)
        except (DeepgramTTSError, *TimeoutErrors):
            log.info(
                "connection %d: no Cleared within %g s; closing it",
                self.id,
                timeout_s,
                extra={"connection_id": self.id},
            )
            await self.close()
            return False
        return self.reusable

    @property
    def reusable(self) -> bool:
        """Idle, or already taken by the next request: the pool hands an idle socket out at
        once, so one may be BUSY again between ``Cleared`` and the clearing task resuming."""
        return self.state in (ConnectionState.IDLE, ConnectionState.BUSY)

    async def close(self) -> None:
        """Close gracefully: ``Close``, then the close handshake (bounded); idempotent."""
        self.owner = None
        if self.state in (_S.CLOSED, _S.FAILED, _S.CLOSING) or self._ws is None:
            if self.state is ConnectionState.NEW:
                return
            await self._stop_reader()
            return
        self._fire(ConnectionEvent.CLOSE)
        ws = self._ws
        with contextlib.suppress(ConnectionClosed, OSError):
            frame = self._close_frame()
            if frame is not None:
                await ws.send(frame)
        with contextlib.suppress(ConnectionClosed, OSError, *TimeoutErrors):
            await asyncio.wait_for(ws.close(), self.options.timeouts.close_s)
        if ws.transport is not None:
            ws.transport.abort()  # the peer never completed the handshake: drop it
        await self._stop_reader()
        if self.closing:  # the reader did not see the close: finish it here
            self._fire(ConnectionEvent.CLOSED)

    @property
    def closing(self) -> bool:
        """True between :meth:`close` starting and the socket being gone."""
        return self.state is ConnectionState.CLOSING

    def abort(self) -> None:
        """Drop the socket at once (no close handshake); nothing it still receives is routed."""
        self.owner = None
        if self._ws is not None and self._ws.transport is not None:
            self._ws.transport.abort()
        if self._reader is not None and self._reader is not asyncio.current_task():
            self._reader.cancel()
        self._end(ConnectionLostError("connection aborted by the client"))

    async def _stop_reader(self) -> None:
        if self._reader is not None and self._reader is not asyncio.current_task():
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    # -- sending ------------------------------------------------------------------------------

    async def send(self, message: Any, tag: str) -> None:
        """Send one message of the owner (its budget was taken by the request machine).

        Raises:
            DeepgramTTSError: the error that ended the socket.
        """
        if self.error is not None:
            raise self.error
        await self._send_frame(self._record_sent(message, tag))

    def _record_sent(self, message: Any, tag: str) -> str:
        """Tell the protocol session ``message`` is sent, report it; its frame."""
        self.session.sent(message, tag)
        if isinstance(message, Speak):
            self.hooks.on_characters(len(message.text))
        else:
            self.hooks.on_flush_budget(self.budget.flushes.remaining(self._now()))
        return serialize_client(message)

    async def _send_frame(self, frame: str) -> None:
        if self._ws is None or self.error is not None:
            raise self.error or ConnectionLostError("not connected")
        try:
            await self._ws.send(frame)
        except (ConnectionClosed, OSError) as exc:
            raise self._lost(exc) from None

    # -- reading ------------------------------------------------------------------------------

    async def _read(self) -> None:
        ws = self._ws
        assert ws is not None
        recv = ws.recv  # called directly: `async for` adds an async generator step per frame
        try:
            while True:
                frame = await self._receive(recv)
                if frame is None:
                    break  # a normal close (1000/1001), as `async for` would end
                if isinstance(frame, bytes):
                    room = self._on_binary(frame)
                    if room is not None:
                        await room  # the owner's consumer is behind: read no further yet
                else:
                    self._on_text(frame)
        except (ConnectionClosed, OSError) as exc:
            self._lost(exc)
        except Exception as exc:  # a bug of ours: the owner must not wait for a dead reader
            self._reader_failed(exc)
        else:  # the iteration ends on a normal close (1000/1001)
            self._lost_with(ws.close_code, ws.close_reason or "")

    async def _receive(self, recv: Callable[[], Awaitable[str | bytes]]) -> str | bytes | None:
        """The next frame (None after a normal close). Audio routed directly meanwhile
        (:meth:`_take_frame`) that filled the owner's channel gets its room first, as if the
        reader had routed it: nothing after it is read or reported before."""
        self._direct = True
        cancelled = False
        try:
            return await recv()
        except ConnectionClosedOK:
            return None
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            self._direct = False
            blocked, self._blocked = self._blocked, None
            if blocked is not None:
                if cancelled:
                    blocked.cancel()  # as a reader cancelled in its wait for room
                else:
                    await blocked

    def _reader_failed(self, exc: Exception) -> None:
        log.exception("connection %d: reader failed", self.id, extra={"connection_id": self.id})
        self._end(InternalError(f"socket reader failed: {type(exc).__name__}"))
        if self._ws is not None and self._ws.transport is not None:
            self._ws.transport.abort()

    def _take_frame(self, frame: Frame) -> bool:
        """From websockets' ``data_received``: route a whole binary frame at once, as the reader
        would, while the reader waits in ``recv()`` with nothing queued (so the order of frames
        is kept); True when taken. Anything else goes to websockets' queue, and so do the frames
        after it until the reader has caught up. This saves the reader task's wake-up and
        websockets' queue per audio chunk. When the owner's channel is full, the wait for room
        starts now and the reader awaits it before it routes the next frame."""
        if not self._direct:
            return False
        if frame.opcode is not Opcode.BINARY or not frame.fin:
            if frame.opcode in (Opcode.TEXT, Opcode.CONT):
                self._direct = False  # queued for recv(): what follows must queue behind it
            return False
        data = frame.data
        try:
            room = self._on_binary(data if type(data) is bytes else bytes(data))
        except Exception as exc:  # as in the reader
            self._direct = False
            self._reader_failed(exc)
            return True
        if room is not None:
            self._direct = False
            self._blocked = asyncio.ensure_future(room)
        return True

    def _on_binary(self, frame: bytes) -> Awaitable[None] | None:
        """An audio frame: to the owner when the session says it is live; returns what to
        await before reading on (backpressure), if anything."""
        owner = self.owner
        live, tag = self.session.audio_owner()
        if not live or owner is None:
            self.hooks.on_stale_audio_dropped(len(frame))
            return None
        return owner.on_audio(frame, tag)

    def _on_text(self, frame: str) -> None:
        self._route(self.session.received(parse_server(frame)))

    def _route(self, outcome: ClientOutcome[str]) -> None:
        if isinstance(outcome, MetadataReceived):
            self.deepgram_request_id = outcome.metadata.request_id or self.deepgram_request_id
            return
        if isinstance(outcome, ClearAcked):
            if self.state is ConnectionState.CLEARING:
                self._fire(ConnectionEvent.CLEARED)
            return
        warning = _warning_of(outcome)
        if warning is not None:  # aura §2.4.5
            self._count_warning(warning.code, warning.message)
        if isinstance(outcome, ServerReported) and isinstance(outcome.message, ErrorMessage):
            self._server_error(outcome.message)
            return
        owner = self.owner
        if owner is not None:
            owner.on_outcome(outcome)

    def _server_error(self, message: ErrorMessage) -> None:
        """An ``Error`` message (undocumented on v1): the socket is not trusted any more."""
        error = ServerError(
            f"Deepgram sent an error: {message.code} {message.message}".strip(),
            request_id=self.deepgram_request_id,
            vendor_code=message.code or None,
        )
        self._end(error)
        if self._ws is not None and self._ws.transport is not None:
            self._ws.transport.abort()

    def _lost(self, exc: BaseException) -> DeepgramTTSError:
        """Record the end of the socket and tell the owner; returns the error."""
        if self.error is not None:
            return self.error
        return self._end(boundary.closed_error(exc, self.deepgram_request_id))

    def _lost_with(self, code: int | None, reason: str) -> DeepgramTTSError:
        if self.error is not None:
            return self.error
        error = boundary.close_error(code, reason, self.deepgram_request_id)
        return self._end(
            error
            or ConnectionLostError(
                "connection closed", request_id=self.deepgram_request_id, close_code=code
            )
        )

    def _end(self, error: DeepgramTTSError) -> DeepgramTTSError:
        """The socket is over: record ``error``, settle waiters and tell the owner (once)."""
        if self.error is not None:
            return self.error
        self.error = error
        if self.state is not ConnectionState.CLOSING:
            log.info(
                "connection %d lost: %s",
                self.id,
                error.message,
                extra={"connection_id": self.id, "error_class": error.error_class.value},
            )
        if self.state is ConnectionState.CLOSING:
            self._fire(ConnectionEvent.CLOSED)  # the close we asked for
        elif self.state in (*_OPEN_STATES, _S.CONNECTING):
            self._fire(ConnectionEvent.LOST)
        self._session_closed()
        owner, self.owner = self.owner, None
        if owner is not None:
            owner.on_lost(error)
        return error

    def _session_closed(self) -> None:
        self.session.closed()

    def _count_warning(self, code: str, message: str) -> None:
        """Warnings are non-fatal and the socket stays open: counted and logged here, once."""
        self.hooks.on_warning(code)
        log.warning("Deepgram warning %s: %s", code, message, extra={"connection_id": self.id})


def _warning_of(outcome: ClientOutcome[str]) -> WarningMessage | None:
    if isinstance(outcome, FlushRefused):
        return outcome.warning
    if isinstance(outcome, ServerReported) and isinstance(outcome.message, WarningMessage):
        return outcome.message
    return None

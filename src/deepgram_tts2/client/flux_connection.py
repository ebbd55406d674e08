"""One WebSocket to Flux TTS, ``/v2/speak``: the same lifecycle as an Aura socket, Flux's rules.

The states, the pool's view, the reader's backpressure and the error boundary are the ones of
:class:`~deepgram_tts2.client.connection.Connection`; what differs is the session
(:class:`~deepgram_tts2.protocol.v2.client_session.ClientSession`): audio belongs to the turn
between its ``SpeechStarted`` and its terminal message and is stale inside the interrupt fence
(flux §3.5, §3.7); a turn ends with ``SpeechMetadata`` or ``SpeechInterrupted``; an ``Error`` is
fatal and followed by a close (flux §2.3). A Flux socket has no flush or character budget that
the client must keep (none is published, flux §4), so its budget never holds a message back.

A socket left with a live turn (an interrupt the server ignored: ``NO_AUDIO_GENERATED``) is
*cleared* by flushing that turn and waiting for its terminal message before reuse.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from deepgram_tts2.client import boundary
from deepgram_tts2.client.connection import Connection, ConnectionEvent, ConnectionState
from deepgram_tts2.compat import TimeoutErrors
from deepgram_tts2.exceptions import DeepgramTTSError
from deepgram_tts2.observability.hooks import MetricsHooks
from deepgram_tts2.options import TTSOptions
from deepgram_tts2.protocol.v2 import url as flux_url
from deepgram_tts2.protocol.v2 import wire
from deepgram_tts2.protocol.v2.client_session import (
    AudioReceived,
    ClientSession,
    ConnectedReceived,
    InterruptRejected,
    ServerReported,
    TurnCompleted,
    TurnInterrupted,
)
from deepgram_tts2.protocol.v2.messages import (
    Audio,
    Close,
    ErrorMessage,
    Flush,
    Speak,
)
from deepgram_tts2.request.aura import SocketBudget

_NO_LIMIT = 1 << 40  # Flux publishes no per-socket budget (flux §4)


class FluxConnection(Connection):
    """One ``/v2/speak`` socket. Created by the pool; used by one turn at a time."""

    def __init__(
        self,
        options: TTSOptions,
        hooks: MetricsHooks,
        now: Callable[[], float],
        on_state: Callable[[Connection], None] | None = None,
    ) -> None:
        super().__init__(options, hooks, now, on_state)
        self.budget = SocketBudget.create(_NO_LIMIT, _NO_LIMIT, options.limits.window_s)
        self.flux: ClientSession[str] = ClientSession(fmt=options.pcm_format)

    def _url(self) -> str:
        return flux_url.build_url(self.options.websocket_url, self.options.flux_params())

    def _close_frame(self) -> str | None:
        if not self.flux.can_send(Close()):
            return None
        self.flux.sent(Close())
        return wire.serialize_client(Close())

    def _session_closed(self) -> None:
        self.flux.closed()

    # -- sending ------------------------------------------------------------------------------

    def _record_sent(self, message: Any, tag: str) -> str:
        """A message of the owner's turn (Speak, Flush, Interrupt, Configure)."""
        self.flux.sent(message, tag)
        if isinstance(message, Speak):
            self.hooks.on_characters(len(message.text))
        return wire.serialize_client(message)

    def start_clear(self) -> bool:
        """The owner left a live turn: the socket is CLEARING until that turn ends."""
        self.owner = None
        if self.state is not ConnectionState.BUSY:
            return False
        self._fire(ConnectionEvent.CLEAR)
        if not self.flux.turns:
            self._fire(ConnectionEvent.CLEARED)
        return True

    async def clear(self, timeout_s: float) -> bool:
        """Flush the live turn (its audio is stale) and wait for its terminal message."""
        if self.reusable:  # the turn had already ended (and the socket may be taken again)
            return True
        if self.state is not ConnectionState.CLEARING:
            await self.close()
            return False
        try:
            if self.flux.open_turn is not None:
                self.flux.sent(Flush())
                await self._send_frame(wire.serialize_client(Flush()))
            await asyncio.wait_for(self.settled(), timeout_s)
        except (DeepgramTTSError, *TimeoutErrors):
            await self.close()
            return False
        return self.reusable

    # -- reading ------------------------------------------------------------------------------

    def _on_binary(self, frame: bytes) -> Awaitable[None] | None:
        owner = self.owner
        outcome = self.flux.received(Audio(frame), self._now())
        if not isinstance(outcome, AudioReceived) or owner is None:
            self.hooks.on_stale_audio_dropped(len(frame))
            return None
        return owner.on_audio(frame, outcome.tag)

    def _on_text(self, frame: str) -> None:
        outcome = self.flux.received(wire.parse_server(frame), self._now())
        if isinstance(outcome, ConnectedReceived):
            self.deepgram_request_id = outcome.message.request_id or self.deepgram_request_id
            return
        if isinstance(outcome, ServerReported):
            message = outcome.message
            if isinstance(message, ErrorMessage):
                self._flux_error(message)
                return
            self._count_warning(message.code, message.description)
        elif isinstance(outcome, InterruptRejected):
            self._count_warning(outcome.warning.code, outcome.warning.description)
        ended = isinstance(outcome, TurnCompleted | TurnInterrupted)
        if self.state is ConnectionState.CLEARING and ended and not self.flux.turns:
            self._fire(ConnectionEvent.CLEARED)
            return
        owner = self.owner
        if owner is not None:
            owner.on_outcome(outcome)

    def _flux_error(self, message: ErrorMessage) -> None:
        """``Error`` is fatal on Flux and a close follows (flux §2.3): end the socket now."""
        self._end(boundary.flux_error(message.code, message.description, self.deepgram_request_id))
        if self._ws is not None and self._ws.transport is not None:
            self._ws.transport.abort()

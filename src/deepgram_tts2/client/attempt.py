"""One try of a request over one WebSocket: send its text, pace it, wait for its audio.

:meth:`SocketAttempt.run` feeds every pushed chunk through the sans-I/O
:class:`~deepgram_tts2.protocol.v1.segmenter.Segmenter` at once (Speak now; Flush at sentence ends,
early for the first phrase, coalesced when the socket's flush budget is low), waits before any
Speak or Flush that would not fit the socket's sliding-window budgets (so Deepgram never closes
with ``1008 DATA-0001`` nor refuses a Flush), re-sends a refused Flush, and waits for the final
``Flushed`` under the per-phase deadlines of :mod:`~deepgram_tts2.client.deadlines`.

It returns when the request completed or was interrupted (``Clear`` sent) and raises the
classified error when the socket failed, the server reported an ``Error`` or a deadline passed.
The socket's reader hands it what arrives (:meth:`on_outcome`); audio is accepted only when it
can belong to this request (its own flush, or text it sent on this socket).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable

from deepgram_tts2.client.connection import Connection
from deepgram_tts2.client.request import RequestState
from deepgram_tts2.exceptions import (
    DeepgramTTSError,
    InternalError,
    PhaseTimeoutError,
    ServerError,
)
from deepgram_tts2.protocol.v1.client_session import (
    AudioReceived,
    ClientOutcome,
    FlushAcked,
    FlushRefused,
    Ignored,
    ServerReported,
)
from deepgram_tts2.protocol.v1.limits import SlidingWindow
from deepgram_tts2.protocol.v1.messages import Clear, ErrorMessage, Flush, Speak
from deepgram_tts2.protocol.v1.segmenter import FlushPoint, Segmenter, SegmenterPolicy, SpeakText

log = logging.getLogger("deepgram_tts2.client")

AudioSink = Callable[[bytes], Awaitable[None]]


class SocketAttempt:
    """See the module docstring. One instance per (request, socket)."""

    def __init__(self, state: RequestState, conn: Connection, deliver: AudioSink) -> None:
        self.state = state
        self.conn = conn
        self.error: DeepgramTTSError | None = conn.error
        self._deliver = deliver
        self._refused = False
        self._sent_speak = False
        self._segmenter = Segmenter(self._policy())
        state.phases.new_attempt()
        state.unsent_chars = sum(len(t) for t in state.texts)

    def _policy(self) -> SegmenterPolicy:
        options = self.state.options
        limit = min(
            options.segmenter.max_speak_chars,
            options.limits.max_speak_chars,
            options.limits.chars_per_window,
        )
        return dataclasses.replace(options.segmenter, max_speak_chars=limit)

    # -- sending ------------------------------------------------------------------------------

    async def run(self) -> bool:
        """Speak the request over the socket.

        Returns:
            True when it ended by an interrupt with ``Clear`` sent (the socket must await
            ``Cleared`` before reuse); False when it completed or nothing needed clearing.

        Raises:
            DeepgramTTSError: the socket failed, the server sent ``Error``, a deadline passed.
        """
        st = self.state
        sent = 0
        ended = False
        while True:
            st.wake.clear()
            if st.interrupted:
                return await self._clear()
            self._check()
            sent = await self._send_pushed(sent)
            if st.ended and not ended and not st.interrupted:
                for action in self._segmenter.end():
                    await self._perform(action, final=True)
                ended = True
                st.phases.final_sent = True
            if self._refused and not st.interrupted:
                self._refused = False
                await self._perform(FlushPoint("retry"), final=ended)
            if ended and not st.phases.waiting_on_server and not st.interrupted:
                return False
            if st.phases.audio_started:
                del st.texts[:sent]  # audio was yielded: a replay is impossible now
                sent = 0
            await self._wait_activity()

    async def _send_pushed(self, sent: int) -> int:
        """Send the chunks pushed since the last call; returns the new count of sent chunks."""
        st = self.state
        while sent < len(st.texts) and not st.interrupted:
            text = st.texts[sent]
            budget = self.conn.flushes.remaining(st.clock())
            actions = self._segmenter.push(text, budget)
            st.sent(len(text))
            sent += 1
            for action in actions:
                await self._perform(action, final=False)
        return sent

    async def _perform(self, action: SpeakText | FlushPoint, final: bool) -> None:
        st = self.state
        if isinstance(action, SpeakText):
            if await self._wait_budget(self.conn.chars, len(action.text)):
                if st.first_speak_at is None:
                    st.first_speak_at = st.clock()
                self._sent_speak = True
                await self.conn.send(Speak(action.text), st.request_id)
            return
        if await self._wait_budget(self.conn.flushes, 1):
            st.phases.on_flush_sent(st.clock(), final)
            st.span.event("flush", {"reason": action.reason})
            await self.conn.send(Flush(), st.request_id)

    async def _wait_budget(self, window: SlidingWindow, amount: int) -> bool:
        """Wait until ``amount`` fits in the socket's ``window``; False if interrupted.

        Raises:
            DeepgramTTSError: the socket ended while waiting.
        """
        st = self.state
        while True:
            self._check()
            if st.interrupted:
                return False
            now = st.clock()
            delay = window.available_at(amount, now) - now
            if delay == float("inf"):
                raise InternalError("a message larger than the connection's budget")
            if delay <= 0:
                return True
            await st.wait(delay)  # woken early by audio, acks or an interrupt: check again

    async def _wait_activity(self) -> None:
        """Wait for anything to happen, within the running phase's deadline.

        Raises:
            PhaseTimeoutError: the deadline passed with nothing happening.
        """
        st = self.state
        self._check()
        deadline = st.phases.next_deadline()
        if deadline is None:
            await st.wait()
            return
        remaining = deadline.at - st.clock()
        if remaining <= 0 or not await st.wait(remaining):
            raise PhaseTimeoutError(
                deadline.phase, deadline.limit_s, request_id=self.conn.deepgram_request_id
            )

    def _check(self) -> None:
        """Raise the error that ended the socket, if it ended."""
        if self.error is not None and not self.state.interrupted:
            raise self.error

    async def _clear(self) -> bool:
        """Send Clear when this request sent anything; True if the socket must await Cleared."""
        if not self._sent_speak and not self.state.phases.waiting_on_server:
            return False
        try:
            await self.conn.send(Clear(), self.state.request_id)
        except DeepgramTTSError:
            return False
        return True

    # -- receiving (called by the socket's reader) --------------------------------------------

    async def on_outcome(self, outcome: ClientOutcome[str]) -> None:
        """What the socket received for this request."""
        st = self.state
        if isinstance(outcome, AudioReceived):
            await self._on_audio(outcome.data, outcome.tag)
        elif isinstance(outcome, FlushAcked):
            if outcome.tag == st.request_id:
                st.phases.on_flush_done(st.clock())
        elif isinstance(outcome, FlushRefused):
            # The server's window is fuller than ours: treat ours as spent, so the re-sent
            # Flush waits until our oldest flush leaves the window instead of being refused
            # again at once.
            now = st.clock()
            self.conn.flushes.take(self.conn.flushes.remaining(now), now)
            st.phases.on_flush_refused()
            self._refused = True
        elif isinstance(outcome, ServerReported) and isinstance(outcome.message, ErrorMessage):
            self._on_error_message(outcome.message)
        elif isinstance(outcome, Ignored):
            log.debug(
                "request %s: ignored %s",
                st.request_id,
                outcome.why,
                extra={"request_id": st.request_id},
            )
        st.notify()

    async def _on_audio(self, data: bytes, tag: str | None) -> None:
        st = self.state
        ours = tag == st.request_id or (tag is None and self._sent_speak)
        if not ours or self.error is not None or st.interrupted:
            st.hooks.on_stale_audio_dropped(len(data))
            return
        st.phases.on_audio(st.clock())
        await self._deliver(data)

    def _on_error_message(self, message: ErrorMessage) -> None:
        self.error = ServerError(
            f"Deepgram sent an error: {message.code} {message.message}".strip(),
            request_id=self.conn.deepgram_request_id,
            vendor_code=message.code or None,
        )
        self.conn.abort()  # an undocumented Error: do not trust the socket any more

    def on_connection_lost(self, error: DeepgramTTSError) -> None:
        """The socket is gone."""
        if self.error is None:
            self.error = error
        self.state.notify()

"""SpeakStream: one request — push text, end, interrupt — yielding typed events.

A *driver* task runs the request. It waits for the first real text, takes a socket from the
pool and hands the request to a :class:`~deepgram_tts2.client.attempt.SocketAttempt` (which
sends the text as it is pushed and waits for the audio under per-phase deadlines). The socket's
reader passes audio back through :meth:`SpeakStream.on_outcome`; it is re-aligned to whole
samples and queued in a bounded :class:`~deepgram_tts2.client.channel.EventChannel`, so a slow
consumer slows the reader (and time spent waiting on the consumer is not held against the
server, see :mod:`~deepgram_tts2.client.deadlines`).

Failure policy (design.md): a retryable failure before any audio of the request arrived is
retried on a fresh socket with backoff (full jitter, bounded by attempts and elapsed time,
Retry-After honoured), replaying all its text; after audio it ends the request with ``Error`` +
``AudioEnd(ERROR)``. With ``transport="auto"`` a request that cannot get a socket (breaker open,
or retries spent on a transient failure) is served over REST. ``interrupt()`` ends the request at
once with ``AudioEnd(INTERRUPTED)``, drops every queued or in-flight frame of it and sends
``Clear``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
import uuid
from typing import TYPE_CHECKING, Literal

from deepgram_tts2.client.attempt import SocketAttempt
from deepgram_tts2.client.channel import EventChannel
from deepgram_tts2.client.deadlines import PhaseTracker
from deepgram_tts2.client.events import (
    AudioChunk,
    AudioEnd,
    AudioStart,
    EndReason,
    Error,
    Metric,
    SpeakEvent,
    Transport,
)
from deepgram_tts2.client.request import RequestState
from deepgram_tts2.compat import TimeoutErrors
from deepgram_tts2.exceptions import (
    AuthError,
    CircuitOpenError,
    DeepgramTTSError,
    InputError,
    InternalError,
    PhaseTimeoutError,
    is_retryable,
)
from deepgram_tts2.protocol.audio import PcmFramer
from deepgram_tts2.protocol.errors import ErrorClass
from deepgram_tts2.protocol.v1.client_session import (
    AudioReceived,
    ClientOutcome,
)
from deepgram_tts2.protocol.v1.limits import REST_MAX_CHARS
from deepgram_tts2.protocol.v1.segmenter import split_for_speak
from deepgram_tts2.resilience.backoff import RetryBudget

if TYPE_CHECKING:
    from deepgram_tts2.client.tts import DeepgramTTS

log = logging.getLogger("deepgram_tts2.client")

TransportMode = Literal["auto", "websocket", "rest"]


class SpeakStream:
    """One request. Create it with :meth:`DeepgramTTS.stream`; iterate it for events.

    ``push(text)`` sends text (waits only when more than ``limits.max_pending_chars`` are
    unsent), ``end()`` says no more text follows, ``interrupt()`` stops the request now, and
    ``aclose()`` releases everything (interrupting if the request has not ended). The event
    grammar is documented in :mod:`deepgram_tts2.client.events`.
    """

    def __init__(
        self,
        tts: DeepgramTTS,
        request_id: str | None = None,
        *,
        transport: TransportMode | None = None,
    ) -> None:
        self.request_id = request_id or uuid.uuid4().hex
        self._tts = tts
        options = tts.options
        self._options = options
        self._hooks = tts.hooks
        self._clock = tts.clock
        self._pcm = options.pcm_format
        self._mode: TransportMode = transport or options.transport
        self._channel = EventChannel(options.limits.audio_queue_chunks)
        self._state = RequestState(
            request_id=self.request_id,
            options=options,
            hooks=self._hooks,
            clock=self._clock,
            span=tts.tracer.start(self.request_id),
            phases=PhaseTracker(options.timeouts, self._clock()),
        )
        self._attempt: SocketAttempt | None = None
        self._transport: Transport | None = None
        self._framer = PcmFramer(self._pcm.sample_width)
        self._announced = False
        self._queued_bytes = 0
        self._yielded_bytes = 0
        self._first_yield_at: float | None = None
        self._driver = asyncio.create_task(self._drive(), name=f"dgtts-request-{self.request_id}")

    def __repr__(self) -> str:
        return f"SpeakStream(request_id={self.request_id!r}, done={self.done})"

    # -- caller API ---------------------------------------------------------------------------

    async def push(self, text: str) -> None:
        """Send ``text`` (exactly as given: spaces matter). Ignored once the request is over.

        Waits only while more than ``limits.max_pending_chars`` pushed characters are unsent.

        Raises:
            TypeError: ``text`` is not a string.
            InputError: after ``end()``.
        """
        if not isinstance(text, str):
            raise TypeError(f"push() takes a str, not {type(text).__name__}")
        st = self._state
        if st.interrupted or self._channel.finished:
            return
        if st.ended:
            raise InputError("push() after end()")
        if not text:
            return
        limit = self._options.limits.max_pending_chars
        while st.unsent_chars > 0 and st.unsent_chars + len(text) > limit:
            st.space.clear()
            await st.space.wait()
            if st.interrupted or self._channel.finished:
                return
        if st.first_push_at is None:
            st.first_push_at = self._clock()
        st.texts.append(text)
        st.unsent_chars += len(text)
        st.chars_pushed += len(text)
        st.notify()

    async def end(self) -> None:
        """No more text: flush what is left; the request completes after its audio."""
        self._state.ended = True
        self._state.notify()

    async def interrupt(self) -> None:
        """Stop now: ``AudioEnd(INTERRUPTED)`` is the next and last event; ``Clear`` is sent.

        Safe at any time (before any text, after the end, twice): once the request is over it
        does nothing.
        """
        st = self._state
        if st.interrupted or self._channel.finished:
            return
        st.interrupted = True
        st.span.event("interrupt")
        self._finish(EndReason.INTERRUPTED, discard_audio=True)
        self._tts.pool.abandon(self)  # leave the queue if it waits for a socket
        st.notify()
        st.space.set()

    async def aclose(self) -> None:
        """Interrupt if unfinished and wait for the driver to let go of its socket (idempotent).

        The driver gets ``timeouts.close_s`` to finish (send ``Clear``, release the socket);
        past it, it is cancelled and its socket aborted.
        """
        await self.interrupt()
        try:
            await asyncio.wait_for(asyncio.shield(self._driver), self._options.timeouts.close_s)
        except TimeoutError:
            self._driver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._driver

    @property
    def done(self) -> bool:
        """True once the final event is queued."""
        return self._channel.finished

    @property
    def buffered_audio_bytes(self) -> int:
        """Audio queued for the consumer and not yet taken."""
        return self._channel.audio_queued()

    def __aiter__(self) -> SpeakStream:
        return self

    async def __anext__(self) -> SpeakEvent:
        event = await self._channel.get()
        if event is None:
            raise StopAsyncIteration
        if isinstance(event, AudioChunk):
            if self._first_yield_at is None:
                self._first_yield_at = self._clock()
            self._yielded_bytes += len(event.data)
            self._hooks.on_audio(len(event.data), self._pcm.duration_ms(len(event.data)) / 1e3)
        elif isinstance(event, Metric) and event.name == "ttfb":
            event = self._ttfb()
        elif isinstance(event, AudioEnd):
            event = self._final(event)
        return event

    def _ttfb(self) -> Metric:
        """TTFB as the caller sees it: first Speak (or POST) -> first audio yielded."""
        st = self._state
        now = self._clock()
        ttfb = now - (st.first_speak_at if st.first_speak_at is not None else now)
        transport = (self._transport or Transport.WEBSOCKET).value
        self._hooks.on_ttfb(ttfb, transport)
        st.span.event("first_audio", {"ttfb_ms": ttfb * 1000.0})
        if st.first_push_at is not None:
            self._hooks.on_first_token_to_audio(now - st.first_push_at)
        return Metric(self.request_id, "ttfb", ttfb * 1000.0)

    def _final(self, event: AudioEnd) -> AudioEnd:
        interval = 0.0
        if self._first_yield_at is not None:
            interval = (self._clock() - self._first_yield_at) * 1000.0
        return dataclasses.replace(
            event,
            audio_bytes=self._yielded_bytes,
            audio_ms=self._pcm.duration_ms(self._yielded_bytes),
            interval_ms=interval,
        )

    # -- driver -------------------------------------------------------------------------------

    async def _drive(self) -> None:
        try:
            await self._run()
        except DeepgramTTSError as exc:
            self._fail(exc)
        except asyncio.CancelledError:
            self._finish(EndReason.INTERRUPTED, discard_audio=True)
            raise
        except Exception as exc:  # a bug: never leave the caller hanging
            log.exception("request %s failed unexpectedly", self.request_id)
            self._fail(InternalError(f"unexpected {type(exc).__name__}"))
        finally:
            self._state.space.set()

    async def _run(self) -> None:
        st = self._state
        while not (st.ended or st.interrupted or st.has_text):
            await st.wait()
        if st.interrupted:
            return
        if not st.has_text:
            self._finish(EndReason.COMPLETED)
            return
        if self._mode == "rest":
            await self._serve_rest(fallback=False)
            return
        budget = RetryBudget(self._options.retry.policy(), self._clock())
        while True:
            try:
                await self._serve_socket()
                return
            except DeepgramTTSError as exc:
                if st.interrupted:
                    return
                if not await self._recover(exc, budget):
                    return

    async def _recover(self, exc: DeepgramTTSError, budget: RetryBudget) -> bool:
        """After a failed attempt: True to try again, False when served otherwise.

        Raises:
            DeepgramTTSError: ``exc`` when nothing more can be done.
        """
        audio_seen = self._state.phases.audio_started or self._announced
        fallback = self._mode == "auto" and not audio_seen
        if isinstance(exc, CircuitOpenError):
            if fallback:
                await self._serve_rest(fallback=True)
                return False
            raise exc
        if audio_seen or not is_retryable(exc):
            raise exc
        delay = budget.next_delay(self._clock(), exc.retry_after_s)
        if delay is None:
            if fallback and exc.error_class is ErrorClass.TRANSIENT:
                await self._serve_rest(fallback=True)
                return False
            raise exc
        self._hooks.on_reconnect(exc.error_class.value)
        self._state.span.event(
            "reconnect", {"error_class": exc.error_class.value, "delay_s": delay}
        )
        log.info(
            "request %s: retrying in %.2f s after %s",
            self.request_id,
            delay,
            exc.message,
            extra={"request_id": self.request_id, "error_class": exc.error_class.value},
        )
        await self._state.wait(delay)  # an interrupt cuts the wait short
        return not self._state.interrupted

    async def _serve_socket(self) -> None:
        """One attempt over one socket; returns when the request completed or was interrupted."""
        pool = self._tts.pool
        conn = await pool.acquire(self)
        if conn is None:
            return  # interrupted while waiting for a socket
        if self._transport is None:
            self._hooks.on_request_start(Transport.WEBSOCKET.value)
        self._transport = Transport.WEBSOCKET
        attempt = SocketAttempt(self._state, conn, self._deliver_websocket)
        self._attempt = attempt
        cleared = False
        try:
            cleared = await attempt.run()
        except DeepgramTTSError as exc:
            # The server's state for this socket is unknown now (buffered text, audio in
            # flight): never reuse it.
            pool.record_request_failure(exc)
            conn.abort()
            raise
        except BaseException:  # cancelled: same, the socket's state is unknown
            conn.abort()
            raise
        finally:
            self._attempt = None
            if cleared:
                pool.release_after_clear(conn)
            else:
                pool.release(conn)
        self._finish(EndReason.COMPLETED)  # no-op when interrupted

    # -- what the socket receives (Owner protocol of the connection) --------------------------

    async def on_outcome(self, outcome: ClientOutcome[str]) -> None:
        """Called by the connection's reader with what arrived while this request owns it."""
        attempt = self._attempt
        if attempt is not None:
            await attempt.on_outcome(outcome)
        elif isinstance(outcome, AudioReceived):
            self._hooks.on_stale_audio_dropped(len(outcome.data))

    def on_connection_lost(self, error: DeepgramTTSError) -> None:
        """Called by the connection when its socket is gone."""
        attempt = self._attempt
        if attempt is not None:
            attempt.on_connection_lost(error)

    # -- audio intake -------------------------------------------------------------------------

    async def _deliver_websocket(self, data: bytes) -> None:
        await self._on_audio(data, Transport.WEBSOCKET)

    async def _on_audio(self, data: bytes, transport: Transport) -> None:
        """Queue ``data`` for the consumer as whole samples (waits while the queue is full)."""
        if self._state.interrupted or self._channel.finished:
            self._hooks.on_stale_audio_dropped(len(data))
            return
        aligned = self._framer.feed(data)
        if not aligned:
            return
        if not self._announced:
            self._announced = True
            await self._put(AudioStart(self.request_id, transport, self._pcm))
            await self._put(Metric(self.request_id, "ttfb", 0.0))  # measured when yielded
        if await self._put(AudioChunk(self.request_id, aligned)):
            self._queued_bytes += len(aligned)
        else:
            self._hooks.on_stale_audio_dropped(len(aligned))

    async def _put(self, event: SpeakEvent) -> bool:
        """Queue ``event``; while the consumer holds us up, the server's deadlines pause."""
        st = self._state
        blocked = self._channel.full
        if blocked:
            st.phases.on_blocked(self._clock())
            st.notify()
        try:
            return await self._channel.put(event)
        finally:
            if blocked:
                st.phases.on_unblocked(self._clock())
                st.notify()

    # -- REST ---------------------------------------------------------------------------------

    async def _serve_rest(self, fallback: bool) -> None:
        """Speak the whole text over REST (after ``end()``), in pieces of <= 2000 characters."""
        st = self._state
        while not (st.ended or st.interrupted):
            await st.wait()
        if st.interrupted:
            return
        if fallback:
            self._hooks.on_rest_fallback()
            st.span.event("fallback", {"transport": "rest"})
            log.info(
                "request %s: served over REST",
                self.request_id,
                extra={"request_id": self.request_id, "transport": "rest"},
            )
        if self._transport is None:
            self._hooks.on_request_start(Transport.REST.value)
        self._transport = Transport.REST
        self._framer.reset()
        if st.first_speak_at is None:
            st.first_speak_at = self._clock()
        limit = self._options.timeouts.request_s
        remaining = None if limit is None else st.phases.started_at + limit - self._clock()
        try:
            await asyncio.wait_for(self._post_all("".join(st.texts).strip()), remaining)
        except TimeoutErrors:
            raise PhaseTimeoutError("request", limit or 0.0) from None
        self._finish(EndReason.COMPLETED)

    async def _post_all(self, text: str) -> None:
        st = self._state
        for piece in split_for_speak(text, REST_MAX_CHARS):
            self._hooks.on_characters(len(piece))
            async with contextlib.aclosing(self._tts.rest.stream(piece)) as chunks:
                async for chunk in chunks:
                    if st.interrupted:
                        return
                    await self._deliver_rest(chunk)

    async def _deliver_rest(self, chunk: bytes) -> None:
        """Queue a REST chunk; a consumer that takes nothing for ``consumer_s`` ends it."""
        limit = self._options.timeouts.consumer_s
        try:
            await asyncio.wait_for(self._on_audio(chunk, Transport.REST), limit)
        except TimeoutError:
            raise PhaseTimeoutError("consumer", limit or 0.0) from None

    # -- ending -------------------------------------------------------------------------------

    def _fail(self, exc: DeepgramTTSError) -> None:
        if self._channel.finished:
            return
        self._hooks.on_error(exc.error_class.value, exc.vendor_code)
        error = Error(
            request_id=self.request_id,
            error_class=exc.error_class,
            message=exc.message,
            fatal=isinstance(exc, AuthError),
            code=exc.status if exc.status is not None else exc.close_code,
            vendor_code=exc.vendor_code,
            deepgram_request_id=exc.request_id,
            exception=exc,
        )
        log.warning(
            "request %s failed: %s",
            self.request_id,
            exc.message,
            extra={"request_id": self.request_id, "error_class": exc.error_class.value},
        )
        self._finish(EndReason.ERROR, error=error)

    def _finish(
        self, reason: EndReason, error: Error | None = None, discard_audio: bool = False
    ) -> None:
        """Queue the final event (once); ``AudioEnd``'s counts are set when it is yielded."""
        if self._channel.finished:
            return
        end = AudioEnd(
            request_id=self.request_id,
            reason=reason,
            audio_ms=0.0,
            interval_ms=0.0,
            audio_bytes=0,
            transport=self._transport,
        )
        self._channel.finish(end, error=error, discard_audio=discard_audio)
        self._state.space.set()
        dropped = self._channel.dropped_bytes
        if dropped:
            self._hooks.on_stale_audio_dropped(dropped)
        self._state.span.end(
            reason.value,
            {"deepgram_tts2.transport": "" if self._transport is None else self._transport.value},
        )
        self._hooks.on_request_end(
            reason.value,
            None if self._transport is None else self._transport.value,
            self._pcm.duration_ms(self._queued_bytes - dropped) / 1000.0,
            self._state.chars_pushed,
        )


def monotonic() -> float:
    """The clock requests measure with."""
    return time.monotonic()

"""SpeakStream: one request — push text, end, interrupt — yielding typed events.

A *driver* task runs the request: it takes a socket from the pool, feeds every pushed chunk
through the :class:`~deepgram_tts2.protocol.segmenter.Segmenter` at once (Speak now, Flush at
sentence ends and at the end), paces characters and flushes within the socket's budgets, and
waits for the final ``Flushed`` under per-phase deadlines. The socket's reader hands audio to
:meth:`SpeakStream.on_outcome`, which re-aligns it to whole samples and queues it in a bounded
:class:`~deepgram_tts2.client.channel.EventChannel` (a slow consumer slows the reader).

Failure policy (design.md): a retryable failure before any audio was yielded is retried on a
fresh socket with backoff, replaying all text; after audio it ends the request with ``Error`` +
``AudioEnd(ERROR)``. With ``transport="auto"`` a request that cannot get a socket (breaker open
or retries spent on a transient failure) is served over REST. Interrupt sends ``Clear``, ends
the request at once and drops every queued or in-flight frame of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from deepgram_tts2.client.channel import EventChannel
from deepgram_tts2.client.connection import Connection
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
from deepgram_tts2.exceptions import (
    AuthError,
    CircuitOpenError,
    DeepgramTTSError,
    InputError,
    InternalError,
    PhaseTimeoutError,
    ServerError,
    is_retryable,
)
from deepgram_tts2.protocol.audio import PcmFramer
from deepgram_tts2.protocol.errors import ErrorClass
from deepgram_tts2.protocol.limits import REST_MAX_CHARS, SlidingWindow
from deepgram_tts2.protocol.messages import Clear, ErrorMessage, Flush, Speak, WarningMessage
from deepgram_tts2.protocol.segmenter import FlushPoint, Segmenter, SpeakText, split_for_speak
from deepgram_tts2.protocol.session import (
    AudioReceived,
    ClientOutcome,
    FlushAcked,
    FlushRefused,
    Ignored,
    ServerReported,
)
from deepgram_tts2.resilience.backoff import RetryBudget

if TYPE_CHECKING:
    from deepgram_tts2.client.tts import DeepgramTTS

log = logging.getLogger("deepgram_tts2.client")


class SpeakStream:
    """One request. Create it with :meth:`DeepgramTTS.stream`; iterate it for events.

    ``push(text)`` sends text (waits only when more than ``limits.max_pending_chars`` are
    unsent), ``end()`` says no more text follows, ``interrupt()`` stops the request now, and
    ``aclose()`` releases everything (interrupting if the request has not ended). The event
    grammar is documented in :mod:`deepgram_tts2.client.events`.
    """

    def __init__(self, tts: DeepgramTTS, request_id: str | None = None) -> None:
        self.request_id = request_id or uuid.uuid4().hex
        self._tts = tts
        self._options = tts.options
        self._hooks = tts.hooks
        self._clock: Callable[[], float] = tts.clock
        self._pcm = tts.options.pcm_format
        self._channel = EventChannel(tts.options.limits.audio_queue_chunks)
        self._texts: list[str] = []
        self._unsent_chars = 0
        self._ended = False
        self._interrupted = False
        self._wake = asyncio.Event()
        self._space = asyncio.Event()
        self._space.set()
        self._started_at = self._clock()
        self._first_push_at: float | None = None
        self._transport: Transport | None = None
        self._span = tts.tracer.start(self.request_id)
        self._driver = asyncio.create_task(self._drive(), name=f"dgtts-request-{self.request_id}")
        # per attempt
        self._conn: Connection | None = None
        self._conn_error: DeepgramTTSError | None = None
        self._outstanding = 0
        self._refused = False
        self._first_flush_at: float | None = None
        self._last_activity = 0.0
        # audio
        self._framer = PcmFramer(self._pcm.sample_width)
        self._audio_started = False
        self._audio_bytes = 0
        self._first_speak_at: float | None = None
        # consumer side
        self._yielded_bytes = 0
        self._first_yield_at: float | None = None

    def __repr__(self) -> str:
        return f"SpeakStream(request_id={self.request_id!r}, ended={self._ended})"

    # -- caller API ---------------------------------------------------------------------------

    async def push(self, text: str) -> None:
        """Send ``text`` (exactly as given: spaces matter). Ignored after ``interrupt()``.

        Raises:
            TypeError: ``text`` is not a string.
            InputError: after ``end()``.
        """
        if not isinstance(text, str):
            raise TypeError(f"push() takes a str, not {type(text).__name__}")
        if self._interrupted or self._channel.finished:
            return
        if self._ended:
            raise InputError("push() after end()")
        if not text:
            return
        limit = self._options.limits.max_pending_chars
        while self._unsent_chars > 0 and self._unsent_chars + len(text) > limit:
            self._space.clear()
            await self._space.wait()
            if self._interrupted or self._channel.finished:
                return
        if self._first_push_at is None:
            self._first_push_at = self._clock()
        self._texts.append(text)
        self._unsent_chars += len(text)
        self._wake.set()

    async def end(self) -> None:
        """No more text: flush what is left; the request completes after its audio."""
        self._ended = True
        self._wake.set()

    async def interrupt(self) -> None:
        """Stop now: ``Clear`` is sent and ``AudioEnd(INTERRUPTED)`` is the last event."""
        if self._interrupted or self._channel.finished:
            return
        self._interrupted = True
        self._span.event("interrupt")
        self._finish(EndReason.INTERRUPTED, discard_audio=True)
        self._wake.set()
        self._space.set()

    async def aclose(self) -> None:
        """Interrupt if unfinished and wait for the driver to let go of its socket."""
        await self.interrupt()
        grace = self._options.timeouts.close_s
        try:
            await asyncio.wait_for(asyncio.shield(self._driver), grace)
        except TimeoutError:
            self._driver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._driver

    @property
    def done(self) -> bool:
        """True once the final event is queued."""
        return self._channel.finished

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
        elif isinstance(event, AudioEnd):
            interval = 0.0
            if self._first_yield_at is not None:
                interval = (self._clock() - self._first_yield_at) * 1000.0
            event = dataclasses.replace(
                event,
                audio_bytes=self._yielded_bytes,
                audio_ms=self._pcm.duration_ms(self._yielded_bytes),
                interval_ms=interval,
            )
        return event

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
            self._fail(InternalError(f"unexpected {type(exc).__name__}: {exc}"))
        finally:
            self._space.set()

    async def _run(self) -> None:
        while not (self._ended or self._interrupted or any(t.strip() for t in self._texts)):
            await self._wait()
        if self._interrupted:
            return
        if not any(t.strip() for t in self._texts):
            self._finish(EndReason.COMPLETED)
            return
        if self._options.transport == "rest":
            await self._run_rest(fallback=False)
            return
        budget = RetryBudget(self._options.retry.policy(), self._clock())
        while True:
            try:
                await self._attempt()
                return
            except DeepgramTTSError as exc:
                if self._interrupted:
                    return
                if not await self._recover(exc, budget):
                    return

    async def _recover(self, exc: DeepgramTTSError, budget: RetryBudget) -> bool:
        """After a failed attempt: True to try again, False when served otherwise.

        Raises:
            DeepgramTTSError: ``exc`` when nothing more can be done.
        """
        fallback = self._options.transport == "auto" and not self._audio_started
        if isinstance(exc, CircuitOpenError):
            if fallback:
                await self._run_rest(fallback=True)
                return False
            raise exc
        if self._audio_started or not is_retryable(exc):
            raise exc
        delay = budget.next_delay(self._clock(), exc.retry_after_s)
        if delay is None:
            if fallback and exc.error_class is ErrorClass.TRANSIENT:
                await self._run_rest(fallback=True)
                return False
            raise exc
        self._hooks.on_reconnect(exc.error_class.value)
        self._span.event("reconnect", {"error_class": exc.error_class.value, "delay_s": delay})
        log.info(
            "request %s: retrying in %.2f s after %s",
            self.request_id,
            delay,
            exc.message,
            extra={"request_id": self.request_id, "error_class": exc.error_class.value},
        )
        await self._wait(delay)
        return not self._interrupted

    async def _attempt(self) -> None:
        """One try over one socket; returns when the request completed or was interrupted."""
        conn = await self._tts.pool.acquire(self)
        self._begin_attempt(conn)
        cleared = False
        try:
            cleared = await self._speak_over(conn)
        except DeepgramTTSError as exc:
            # The server's state for this socket is unknown now (buffered text, audio in
            # flight): never reuse it.
            self._tts.pool.record_request_failure(exc)
            conn.abort()
            raise
        finally:
            self._conn = None
            if cleared:
                self._tts.pool.release_after_clear(conn)
            else:
                self._tts.pool.release(conn)

    def _begin_attempt(self, conn: Connection) -> None:
        if self._transport is None:
            self._hooks.on_request_start(Transport.WEBSOCKET.value)
        self._transport = Transport.WEBSOCKET
        self._conn = conn
        self._conn_error = conn.error
        self._outstanding = 0
        self._refused = False
        self._first_flush_at = None
        self._unsent_chars = sum(len(t) for t in self._texts)

    async def _speak_over(self, conn: Connection) -> bool:
        """Send the request's text over ``conn``; True when it ended by a Clear."""
        policy = self._options.segmenter
        limit = min(
            policy.max_speak_chars,
            self._options.limits.max_speak_chars,
            self._options.limits.chars_per_window,
        )
        segmenter = Segmenter(dataclasses.replace(policy, max_speak_chars=limit))
        sent = 0
        final_sent = False
        while True:
            self._wake.clear()
            if self._interrupted:
                return await self._clear(conn)
            self._check_conn()
            while sent < len(self._texts) and not self._interrupted:
                actions = segmenter.push(self._texts[sent], conn.flushes.remaining(self._clock()))
                self._unsent_chars -= len(self._texts[sent])
                sent += 1
                self._space.set()
                for action in actions:
                    await self._perform(conn, action)
            if self._ended and not final_sent and not self._interrupted:
                for action in segmenter.end():
                    await self._perform(conn, action)
                final_sent = True
            if self._refused and not self._interrupted:
                self._refused = False
                await self._perform(conn, FlushPoint("retry"))
            if final_sent and self._outstanding == 0 and not self._interrupted:
                self._finish(EndReason.COMPLETED)
                return False
            if self._audio_started:
                del self._texts[:sent]  # no replay is possible any more
                sent = 0
            await self._wait_activity(final_sent)

    async def _perform(self, conn: Connection, action: SpeakText | FlushPoint) -> None:
        if isinstance(action, SpeakText):
            window, amount = conn.chars, len(action.text)
        else:
            window, amount = conn.flushes, 1
        if not await self._wait_budget(window, amount):
            return  # interrupted
        if isinstance(action, SpeakText):
            if self._first_speak_at is None:
                self._first_speak_at = self._clock()
            await conn.send(Speak(action.text), self.request_id)
            return
        now = self._clock()
        if self._outstanding == 0:
            self._last_activity = now
        if self._first_flush_at is None:
            self._first_flush_at = now
        self._outstanding += 1
        self._span.event("flush")
        await conn.send(Flush(), self.request_id)

    def _check_conn(self) -> None:
        """Raise the error that ended the socket, if it ended."""
        if self._conn_error is not None and not self._interrupted:
            raise self._conn_error

    async def _wait_budget(self, window: SlidingWindow, amount: int) -> bool:
        """Wait until ``amount`` fits in the socket's ``window``; False if interrupted.

        Raises:
            DeepgramTTSError: the socket ended while waiting.
        """
        while True:
            self._check_conn()
            if self._interrupted:
                return False
            delay = window.available_at(amount, self._clock()) - self._clock()
            if delay == float("inf"):
                raise InternalError("a message larger than the connection's budget")
            if delay <= 0:
                return True
            await self._wait(delay)  # woken early by audio or acks: check again

    async def _wait_activity(self, final_sent: bool) -> None:
        self._check_conn()
        deadline, phase = self._deadline(final_sent)
        if deadline is None:
            await self._wait()
            return
        remaining = deadline - self._clock()
        if remaining <= 0 or not await self._wait(remaining):
            timeouts = self._options.timeouts
            limit = {
                "first_audio": timeouts.first_audio_s,
                "stall": timeouts.stall_s,
                "flush": timeouts.flush_s,
                "request": timeouts.request_s or 0.0,
            }[phase]
            raise PhaseTimeoutError(phase, limit, request_id=self._deepgram_request_id())

    def _deadline(self, final_sent: bool) -> tuple[float | None, str]:
        timeouts = self._options.timeouts
        candidates: list[tuple[float, str]] = []
        if self._outstanding > 0:
            if not self._audio_started and self._first_flush_at is not None:
                candidates.append((self._first_flush_at + timeouts.first_audio_s, "first_audio"))
            elif final_sent:
                candidates.append((self._last_activity + timeouts.flush_s, "flush"))
            else:
                candidates.append((self._last_activity + timeouts.stall_s, "stall"))
        if timeouts.request_s is not None:
            candidates.append((self._started_at + timeouts.request_s, "request"))
        if not candidates:
            return None, ""
        return min(candidates)

    async def _wait(self, limit_s: float | None = None) -> bool:
        """Wait for a wake-up (True) or ``limit_s`` seconds (False)."""
        try:
            await asyncio.wait_for(self._wake.wait(), limit_s)
        except TimeoutError:
            return False
        finally:
            self._wake.clear()
        return True

    async def _clear(self, conn: Connection) -> bool:
        """Send Clear when this request sent anything; True if the socket must await Cleared."""
        if self._first_speak_at is None and self._outstanding == 0:
            return False
        try:
            await conn.send(Clear(), self.request_id)
        except DeepgramTTSError:
            return False
        return True

    # -- events from the socket (reader task) -------------------------------------------------

    async def on_outcome(self, outcome: ClientOutcome[str]) -> None:
        """Called by the connection's reader with what arrived for this request."""
        if isinstance(outcome, AudioReceived):
            await self._on_audio(outcome.data, Transport.WEBSOCKET)
        elif isinstance(outcome, FlushAcked):
            self._outstanding = max(0, self._outstanding - 1)
            self._last_activity = self._clock()
        elif isinstance(outcome, FlushRefused):
            self._outstanding = max(0, self._outstanding - 1)
            self._refused = True
        elif isinstance(outcome, ServerReported):
            self._on_report(outcome.message)
        elif isinstance(outcome, Ignored):
            log.debug(
                "request %s: ignored %s",
                self.request_id,
                outcome.why,
                extra={"request_id": self.request_id},
            )
        self._wake.set()

    def _on_report(self, message: WarningMessage | ErrorMessage) -> None:
        if isinstance(message, WarningMessage):
            self._hooks.on_warning(message.code)
            log.warning(
                "Deepgram warning %s: %s",
                message.code,
                message.message,
                extra={"request_id": self.request_id},
            )
            return
        self._conn_error = ServerError(
            f"Deepgram sent an error: {message.code} {message.message}".strip(),
            request_id=self._deepgram_request_id(),
            vendor_code=message.code or None,
        )
        if self._conn is not None:
            self._conn.abort()  # an undocumented Error: do not trust the socket any more

    def on_connection_lost(self, error: DeepgramTTSError) -> None:
        """Called by the connection when its socket is gone."""
        if self._conn_error is None:
            self._conn_error = error
        self._wake.set()

    async def _on_audio(self, data: bytes, transport: Transport) -> None:
        if self._interrupted or self._channel.finished or self._conn_error is not None:
            self._hooks.on_stale_audio_dropped(len(data))
            return
        aligned = self._framer.feed(data)
        if not aligned:
            return
        now = self._clock()
        self._last_activity = now
        if not self._audio_started:
            self._audio_started = True
            await self._channel.put(AudioStart(self.request_id, transport, self._pcm))
            start = self._first_speak_at if self._first_speak_at is not None else now
            ttfb = now - start
            await self._channel.put(Metric(self.request_id, "ttfb", ttfb * 1000.0))
            self._hooks.on_ttfb(ttfb, transport.value)
            self._span.event("first_audio", {"ttfb_ms": ttfb * 1000.0})
            if self._first_push_at is not None:
                self._hooks.on_first_token_to_audio(now - self._first_push_at)
        if await self._channel.put(AudioChunk(self.request_id, aligned)):
            self._audio_bytes += len(aligned)
            self._hooks.on_audio(len(aligned), self._pcm.duration_ms(len(aligned)) / 1000.0)
        else:
            self._hooks.on_stale_audio_dropped(len(aligned))

    # -- REST ---------------------------------------------------------------------------------

    async def _run_rest(self, fallback: bool) -> None:
        while not (self._ended or self._interrupted):
            await self._wait()
        if self._interrupted:
            return
        if fallback:
            self._hooks.on_rest_fallback()
            self._span.event("fallback", {"transport": "rest"})
            log.info(
                "request %s: served over REST",
                self.request_id,
                extra={"request_id": self.request_id, "transport": "rest"},
            )
        if self._transport is None:
            self._hooks.on_request_start(Transport.REST.value)
        self._transport = Transport.REST
        self._conn_error = None  # a failed socket attempt must not gate REST audio
        self._framer.reset()
        text = "".join(self._texts)
        self._first_speak_at = self._clock()
        for piece in split_for_speak(text.strip(), REST_MAX_CHARS):
            self._hooks.on_characters(len(piece))
            async for chunk in self._tts.rest.stream(piece):
                if self._interrupted:
                    return
                await self._on_audio(chunk, Transport.REST)
        self._finish(EndReason.COMPLETED)

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
        if self._channel.finished:
            return
        end = AudioEnd(
            request_id=self.request_id,
            reason=reason,
            audio_ms=self._pcm.duration_ms(self._audio_bytes),
            interval_ms=0.0,
            audio_bytes=self._audio_bytes,
            transport=self._transport,
        )
        self._channel.finish(end, error=error, discard_audio=discard_audio)
        if self._channel.dropped_bytes:
            self._hooks.on_stale_audio_dropped(self._channel.dropped_bytes)
        self._span.end(
            reason.value,
            {"deepgram_tts2.transport": "" if self._transport is None else self._transport.value},
        )
        self._hooks.on_request_end(
            reason.value,
            None if self._transport is None else self._transport.value,
            self._pcm.duration_ms(self._audio_bytes - self._channel.dropped_bytes) / 1000.0,
            sum(len(t) for t in self._texts),
        )

    def _deepgram_request_id(self) -> str | None:
        return None if self._conn is None else self._conn.deepgram_request_id


def monotonic() -> float:
    """The clock requests measure with."""
    return time.monotonic()

"""SpeakStream: one request (push text, end, interrupt) yielding typed events.

A thin asyncio driver of the sans-I/O :class:`~deepgram_tts2.request.machine.RequestMachine`:
the caller's calls, the socket's reader and the REST pipeline feed the machine; the machine's
actions are carried out here (a socket from the pool, messages sent, the socket given back or
retired, REST pieces posted) by one driver task per request, which also wakes the machine at its
next deadline. Audio takes a short path: the socket's reader hands each frame to
:meth:`SpeakStream.on_audio`, which re-aligns it to whole samples and queues it in the
byte-bounded :class:`~deepgram_tts2.client.channel.EventChannel`; while the channel is full the
reader waits (backpressure), and the machine pauses the server's deadlines.

Nothing of a request is yielded after its ``AudioEnd``: an interrupt finishes the channel at
once (dropping queued audio) and the machine refuses every later frame; ``Clear`` is sent and
the socket reused only after ``Cleared``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from deepgram_tts2 import timing
from deepgram_tts2.client.channel import Empty, EventChannel
from deepgram_tts2.client.connection import Connection
from deepgram_tts2.client.flux_connection import FluxConnection
from deepgram_tts2.client.pool import ConnectionPool
from deepgram_tts2.client.rest import RestClient, RestPipeline
from deepgram_tts2.events import (
    AudioChunk,
    AudioEnd,
    AudioStart,
    EndReason,
    Error,
    Metric,
    SpeakEvent,
    Transport,
)
from deepgram_tts2.exceptions import DeepgramTTSError, InputError, InternalError
from deepgram_tts2.fleet.cache import CachePolicy, CacheWriter, PhraseCache
from deepgram_tts2.fleet.phrase_key import PhraseKey
from deepgram_tts2.observability.hooks import MetricsHooks, is_ignored
from deepgram_tts2.observability.tracing import RequestSpan, RequestTracer
from deepgram_tts2.options import TTSOptions
from deepgram_tts2.protocol.audio import PcmFormat, PcmFramer
from deepgram_tts2.protocol.v1.client_session import FlushAcked, FlushRefused
from deepgram_tts2.protocol.v1.messages import Speak
from deepgram_tts2.protocol.v1.segmenter import SegmenterPolicy
from deepgram_tts2.protocol.v2 import client_session as flux_session
from deepgram_tts2.protocol.v2 import messages as flux
from deepgram_tts2.protocol.v2 import url as flux_url
from deepgram_tts2.protocol.v2.messages import ConfigureFailure, ConfigureSuccess
from deepgram_tts2.request.actions import (
    Acquire,
    Action,
    Breaker,
    CancelAcquire,
    CancelRest,
    FallBack,
    Fence,
    Finish,
    PostRest,
    Release,
    Retire,
    Retrying,
    Send,
    SendInterrupt,
)
from deepgram_tts2.request.machine import RequestMachine

log = logging.getLogger("deepgram_tts2.client")

TransportMode = Literal["auto", "websocket", "rest"]


@dataclasses.dataclass(frozen=True)
class StreamDeps:
    """What a :class:`SpeakStream` needs from its client (so neither imports the other)."""

    options: TTSOptions
    pool: ConnectionPool
    rest: RestClient
    hooks: MetricsHooks
    tracer: RequestTracer
    clock: timing.Clock
    cache: PhraseCache | None = None
    rand: Callable[[], float] = random.random
    # Derived from ``options`` once per client, not once per request (#10: cost per turn).
    pcm: PcmFormat = dataclasses.field(init=False)
    segmenter: SegmenterPolicy = dataclasses.field(init=False)
    cache_policy: CachePolicy = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        options = self.options
        object.__setattr__(self, "pcm", options.pcm_format)
        object.__setattr__(self, "segmenter", options.segmenter_policy())
        object.__setattr__(self, "cache_policy", CachePolicy.from_options(options.fleet.cache))


_background: set[asyncio.Future[bool]] = set()  # cache stores under way (kept referenced)


def phrase_key(options: TTSOptions, text: str) -> PhraseKey:
    """Everything that changes the audio of ``text`` (docs/fleet.md "cache keys")."""
    if options.generation == "v2":
        fmt = options.pcm_format
        return PhraseKey.from_query(
            "v2",
            options.flux_params().to_query(),
            text,
            encoding=fmt.encoding.value,
            sample_rate=fmt.sample_rate,
            container=None,
        )
    return PhraseKey.for_v1(options.speak_params(), text)


def check_text(text: object) -> str:
    """``text`` if it can be sent; else the error a caller should see.

    Raises:
        TypeError: not a ``str``.
        InputError: not encodable as UTF-8 (a lone surrogate), which no server can read.
    """
    if not isinstance(text, str):
        raise TypeError(f"push() takes a str, not {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(
            f"text is not valid Unicode: {exc.reason} at position {exc.start}"
        ) from None
    return text


class SpeakStream:
    """One request. Create it with :meth:`DeepgramTTS.stream`; iterate it for events.

    ``push(text)`` sends text (waits only while more than ``limits.max_pending_chars`` pushed
    characters are unsent), ``end()`` says no more text follows, ``interrupt()`` stops the
    request now, and ``aclose()`` releases everything (interrupting if the request has not
    ended). The event grammar is documented in :mod:`deepgram_tts2.events`.
    """

    def __init__(
        self,
        deps: StreamDeps,
        request_id: str | None = None,
        *,
        transport: TransportMode | None = None,
    ) -> None:
        self.request_id = request_id or uuid.uuid4().hex
        self._deps = deps
        self._options = options = deps.options
        self._hooks = deps.hooks
        on_audio = deps.hooks.on_audio
        self._audio_hook = None if is_ignored(on_audio) else on_audio  # called per chunk
        self._clock = deps.clock
        self._pcm = deps.pcm
        self._bytes_per_second = self._pcm.bytes_per_second
        now = self._clock.now()
        self._machine = RequestMachine(
            options, transport or options.transport, now, deps.rand, segmenter=deps.segmenter
        )
        self._channel = EventChannel(options.limits.audio_queue_bytes)
        self._framer = PcmFramer(self._pcm.sample_width)
        self._span: RequestSpan = deps.tracer.start(self.request_id)
        self._io: deque[Action] = deque()
        self._wakeup = timing.Wakeup()
        self._space = asyncio.Event()  # set whenever pushed text may have left
        self._conn: Connection | None = None
        self._configures: deque[asyncio.Future[object]] = deque()
        self._socket_ready = asyncio.Event()
        self._texts: list[str] = []
        self._cache_checked = False
        self._cache_writer: CacheWriter | None = None
        self._cache_policy = deps.cache_policy
        self._rest: RestPipeline | None = None
        self._sent_speak = False
        self._transport: Transport | None = None
        self._announced = False
        self._queued_bytes = 0
        self._yielded_bytes = 0
        self._first_push_at: float | None = None
        self._first_send_at: float | None = None
        self._first_yield_at: float | None = None
        self._chars_pushed = 0
        self._driver = asyncio.create_task(self._drive(), name=f"dgtts-request-{self.request_id}")

    def __repr__(self) -> str:
        return f"SpeakStream(request_id={self.request_id!r}, done={self.done})"

    # -- caller API ---------------------------------------------------------------------------

    async def push(self, text: str) -> None:
        """Send ``text`` (exactly as given: spaces matter). Ignored once the request is over.

        Raises:
            TypeError: ``text`` is not a string.
            InputError: after ``end()``, or text that is not valid Unicode.
        """
        check_text(text)
        machine = self._machine
        if machine.done:
            return
        if machine.ended:
            raise InputError("push() after end()")
        if not text:
            return
        limit = self._options.limits.max_pending_chars
        while (
            not machine.done
            and machine.unsent_chars > 0
            and machine.unsent_chars + len(text) > limit
        ):
            self._space.clear()
            await self._space.wait()
        if machine.done:
            return
        now = self._clock.now()
        if self._first_push_at is None:
            self._first_push_at = now
        self._chars_pushed += len(text)
        if self._deps.cache is not None and not self._cache_checked:
            self._texts.append(text)  # the whole text, for the phrase cache's key
        self._apply(machine.push(text, now))

    async def end(self) -> None:
        """No more text: flush what is left; the request completes after its audio."""
        self._apply(self._machine.end(self._clock.now()))

    async def interrupt(self, played_ms: float | None = None) -> None:
        """Stop now: no audio of this request is yielded any more, and ``AudioEnd(INTERRUPTED)``
        is the last event.

        Aura: the end is queued at once and ``Clear`` is sent. Flux: ``Interrupt`` is sent
        with the session position of ``played_ms`` (how much of this turn's audio the caller
        actually played; default: everything yielded so far), and the end follows Deepgram's
        ``SpeechInterrupted``, carrying ``text_spoken`` / ``text_remaining`` (within
        ``timeouts.clear_s``; without an answer it ends without them).

        Safe at any time (before any text, after the end, twice): once the request is over it
        does nothing.
        """
        if not self._machine.done:
            self._span.event("interrupt")
        elif self._channel.cut():  # it ended, but its end (and audio) were not taken yet
            self._span.event("interrupt")
            return
        self._apply(self._machine.interrupt(self._clock.now(), played_ms))

    async def configure(self, speed: float) -> float:
        """Flux: change the speed from the next segment on, for this socket's session
        (``Configure``, flux §2.2, §3.6). Returns the speed Deepgram applied.

        Raises:
            InputError: not a Flux model, no socket yet, the turn is over, or Deepgram refused
                it (``ConfigureFailure``: the prior speed stays).
            DeepgramTTSError: the socket failed meanwhile.
        """
        if self._options.generation != "v2":
            raise InputError("configure() is a Flux (/v2/speak) feature")
        if self._conn is None and not self._machine.done:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._socket_ready.wait(), self._options.timeouts.connect_s)
        conn = self._conn
        if not isinstance(conn, FluxConnection) or self._machine.done:
            raise InputError("configure() needs a turn under way on a socket")
        if (why := flux_url.check_speed(speed)) is not None:
            raise InputError(f"speed: {why[1]}")
        answer: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        self._configures.append(answer)
        await conn.send(flux.Configure(speed), self.request_id)
        result = await asyncio.wait_for(answer, self._options.timeouts.clear_s * 5)
        if isinstance(result, ConfigureFailure):
            raise InputError(f"Configure refused: {result.code} {result.description}".strip())
        assert isinstance(result, ConfigureSuccess)
        return result.speed if result.speed is not None else speed

    async def aclose(self) -> None:
        """Interrupt if unfinished and wait for the driver to let go of its socket (idempotent).

        The driver gets ``timeouts.close_s`` to finish (send ``Clear``, release the socket);
        past it, it is cancelled and its socket aborted.
        """
        await self.interrupt()
        if self._driver.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._driver), self._options.timeouts.close_s)
        except asyncio.TimeoutError:
            self._driver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._driver

    @property
    def done(self) -> bool:
        """True once the final event is queued."""
        return self._channel.finished

    @property
    def finished(self) -> bool:
        """True once the driver let go of everything (socket, REST requests)."""
        return self._driver.done()

    @property
    def buffered_audio_bytes(self) -> int:
        """Audio queued for the consumer and not yet taken."""
        return self._channel.queued_bytes

    def add_done_callback(self, callback: Callable[[SpeakStream], None]) -> None:
        """Call ``callback(stream)`` once the driver let go of everything."""
        self._driver.add_done_callback(lambda _task: callback(self))

    def __aiter__(self) -> SpeakStream:
        return self

    async def __anext__(self) -> SpeakEvent:
        channel = self._channel
        event = channel.take()
        while event is Empty.EMPTY:  # awaited here, not in a coroutine of the channel's: per chunk
            await channel.arrival()
            event = channel.take()
        if event is None:
            raise StopAsyncIteration
        if type(event) is AudioChunk:
            if self._first_yield_at is None:
                self._first_yield_at = self._clock.now()
            size = len(event.data)
            self._yielded_bytes += size
            if self._audio_hook is not None:
                self._audio_hook(size, size / self._bytes_per_second)
        elif isinstance(event, Metric) and event.name == "ttfb":
            event = self._ttfb()
        elif isinstance(event, AudioEnd):
            event = self._final(event)
        return event

    def _ttfb(self) -> Metric:
        """TTFB as the caller sees it: first Speak (or POST) -> first audio yielded."""
        now = self._clock.now()
        ttfb = now - (self._first_send_at if self._first_send_at is not None else now)
        transport = (self._transport or Transport.WEBSOCKET).value
        self._hooks.on_ttfb(ttfb, transport)
        self._span.event("first_audio", {"ttfb_ms": ttfb * 1000.0})
        if self._first_push_at is not None:
            self._hooks.on_first_token_to_audio(now - self._first_push_at)
        return Metric(self.request_id, "ttfb", ttfb * 1000.0)

    def _final(self, event: AudioEnd) -> AudioEnd:
        interval = 0.0
        if self._first_yield_at is not None:
            interval = (self._clock.now() - self._first_yield_at) * 1000.0
        return dataclasses.replace(
            event,
            audio_bytes=self._yielded_bytes,
            audio_ms=self._pcm.duration_ms(self._yielded_bytes),
            interval_ms=interval,
        )

    # -- the socket's reader (the connection's Owner protocol) --------------------------------

    def on_audio(self, data: bytes, tag: str | None) -> Awaitable[None] | None:
        """A live audio frame on this request's socket; while the consumer is behind, returns
        what the reader awaits before the next frame."""
        ours = tag == self.request_id or (tag is None and self._sent_speak)
        if not ours or not self._machine.accept_audio(self._clock.now(), "websocket"):
            self._hooks.on_stale_audio_dropped(len(data))
            return None
        self._queue_audio(data, Transport.WEBSOCKET)
        return self._wait_room() if self._channel.full else None

    def on_outcome(self, outcome: Any) -> None:
        """``Flushed`` or a refused Flush (counted and logged by the connection); on Flux the
        turn's end, its interruption, an ignored Interrupt, a Configure answer."""
        now = self._clock.now()
        if isinstance(outcome, flux_session.TurnCompleted | flux_session.TurnInterrupted):
            self._flux_turn_ended(outcome, now)
        elif isinstance(outcome, flux_session.InterruptRejected):
            self._apply(self._machine.on_interrupt_rejected())
        elif isinstance(outcome, flux_session.ConfigureAcked | flux_session.ConfigureRejected):
            if self._configures:
                future = self._configures.popleft()
                if not future.done():
                    future.set_result(outcome.message)
        elif isinstance(outcome, FlushAcked) and outcome.tag == self.request_id:
            self._apply(self._machine.on_flushed(now))
        elif isinstance(outcome, FlushRefused) and outcome.tag == self.request_id:
            self._apply(self._machine.on_flush_refused(now))
            if self._conn is not None:  # every socket of the pool learns the server's limit
                self._deps.pool.learn_flush_limit(self._conn.budget.flushes.limit)

    def _flux_turn_ended(
        self,
        outcome: flux_session.TurnCompleted[str] | flux_session.TurnInterrupted[str],
        now: float,
    ) -> None:
        if outcome.tag != self.request_id:
            return
        if isinstance(outcome, flux_session.TurnInterrupted):
            message = outcome.message
            self._apply(
                self._machine.on_turn_interrupted(message.text_spoken, message.text_remaining)
            )
            return
        billable = outcome.message.metadata.billable_character_count
        self._hooks.on_billable_characters(billable)
        self._apply(self._machine.on_flushed(now, billable))

    def on_lost(self, error: DeepgramTTSError) -> None:
        """The socket is gone."""
        self._apply(self._machine.on_socket_failed(error, self._clock.now()))

    async def _wait_room(self) -> None:
        self._machine.on_blocked(self._clock.now())
        self._wakeup.set()  # the consumer deadline runs now
        await self._channel.room()
        self._machine.on_unblocked(self._clock.now())
        self._wakeup.set()

    def _queue_audio(self, data: bytes, transport: Transport) -> None:
        aligned = self._framer.feed(data)
        if not aligned:
            return
        if not self._announced:
            self._announced = True
            self._transport = transport
            self._channel.put(AudioStart(self.request_id, transport, self._pcm))
            self._channel.put(Metric(self.request_id, "ttfb", 0.0))  # measured when yielded
        size = len(aligned)
        self._channel.put_audio(AudioChunk(self.request_id, aligned), size)
        self._queued_bytes += size
        if self._cache_writer is not None and transport is not Transport.CACHE:
            self._cache_writer.append(aligned)

    # -- carrying out the machine's actions ---------------------------------------------------

    def _apply(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Finish):
                self._finish(action)
            elif isinstance(action, CancelAcquire):
                self._deps.pool.abandon(self)
            elif isinstance(action, Fence):
                self._channel.fence()
            elif isinstance(action, Breaker):
                self._report_breaker(action)
            elif isinstance(action, Retrying | FallBack):
                self._note_recovery(action)
            else:
                self._io.append(action)
        if self._io or self._machine.done:
            self._wakeup.set()
        self._space.set()

    async def _drive(self) -> None:
        try:
            while True:
                while self._io:
                    await self._perform(self._io.popleft())
                if self._machine.done:
                    break
                deadline = self._machine.next_wakeup(self._clock.now())
                await self._wakeup.wait(self._clock, deadline)
                self._apply(self._machine.tick(self._clock.now()))
        except asyncio.CancelledError:
            self._apply(self._machine.interrupt(self._clock.now()))
            self._abort()
            raise
        except Exception as exc:  # a bug: never leave the caller hanging
            log.exception("request %s failed unexpectedly", self.request_id)
            self._finish(Finish(EndReason.ERROR, InternalError(f"unexpected {type(exc).__name__}")))
            self._abort()
        finally:
            if self._rest is not None:
                await self._rest.aclose()
                self._rest = None
            self._space.set()

    def _abort(self) -> None:
        if self._conn is not None:
            self._conn.abort()
            self._deps.pool.retire(self._conn)
            self._conn = None

    async def _perform(self, action: Action) -> None:
        if isinstance(action, Acquire):
            await self._acquire(action)
        elif isinstance(action, Send):
            await self._send(action)
        elif isinstance(action, Release):
            conn, self._conn = self._conn, None
            if conn is not None:
                if action.dirty:
                    self._deps.pool.release_clear(conn)
                else:
                    self._deps.pool.release(conn)
        elif isinstance(action, Retire):
            conn, self._conn = self._conn, None
            if conn is not None:
                self._deps.pool.retire(conn)
        elif isinstance(action, SendInterrupt):
            await self._send_interrupt(action)
        elif isinstance(action, PostRest):
            await self._post_rest(action)
        elif isinstance(action, CancelRest) and self._rest is not None:
            rest, self._rest = self._rest, None
            await rest.aclose()

    async def _from_cache(self) -> bool:
        """Before the first attempt of a request whose whole text is known: answer it from
        the phrase cache when it holds the text (True), else collect its audio to store it
        should the request complete."""
        cache = self._deps.cache
        if cache is None or self._cache_checked or not self._machine.ended:
            return False
        self._cache_checked = True
        text = "".join(self._texts)
        if not self._cache_policy.cacheable(text):
            return False
        key = phrase_key(self._options, text)
        hit = await cache.get(key)
        if hit is None:
            self._cache_writer = cache.writer(key)
            return False
        actions = self._machine.served_from_cache()
        if not actions:
            return False
        self._start_transport(Transport.CACHE)
        if self._first_send_at is None:
            self._first_send_at = self._clock.now()
        self._queue_audio(hit.audio, Transport.CACHE)
        self._apply(actions)
        return True

    async def _acquire(self, action: Acquire) -> None:
        if await self._from_cache():
            return
        try:
            conn = await self._deps.pool.acquire(self, action.deadline, action.prefer_budget)
        except DeepgramTTSError as exc:
            self._apply(self._machine.on_acquire_failed(exc, self._clock.now()))
            return
        if conn is None:
            return  # interrupted while waiting
        self._conn = conn
        self._socket_ready.set()
        self._sent_speak = False
        self._framer.reset()
        self._start_transport(Transport.WEBSOCKET)
        self._apply(self._machine.on_socket(conn.budget, self._clock.now()))

    async def _send(self, action: Send) -> None:
        conn = self._conn
        if conn is None:
            return
        for message in action.messages:
            if self._first_send_at is None:
                self._first_send_at = self._clock.now()
            try:
                await conn.send(message, self.request_id)
            except DeepgramTTSError as exc:
                self._apply(self._machine.on_socket_failed(exc, self._clock.now()))
                return
            if isinstance(message, Speak | flux.Speak):
                self._sent_speak = True
            else:
                self._span.event("flush")

    async def _send_interrupt(self, action: SendInterrupt) -> None:
        conn = self._conn
        if not isinstance(conn, FluxConnection):
            return
        played = action.played_ms
        if played is None:  # what the caller was given of this turn
            played = self._pcm.duration_ms(self._yielded_bytes)
        message = conn.flux.interrupt(played)
        try:
            await conn.send(message, self.request_id)
        except DeepgramTTSError as exc:
            self._apply(self._machine.on_socket_failed(exc, self._clock.now()))

    async def _post_rest(self, action: PostRest) -> None:
        if action.index == 0 and await self._from_cache():
            return
        if self._rest is None:
            self._framer.reset()
            self._start_transport(Transport.REST)
            self._rest = RestPipeline(
                self._deps.rest, self._deliver_rest, self._rest_done, self._rest_failed
            )
        if self._first_send_at is None:
            self._first_send_at = self._clock.now()
        self._hooks.on_characters(len(action.text))
        self._rest.post(action.index, action.text)

    async def _deliver_rest(self, data: bytes) -> None:
        if not self._machine.accept_audio(self._clock.now(), "rest"):
            self._hooks.on_stale_audio_dropped(len(data))
            return
        self._queue_audio(data, Transport.REST)
        if self._channel.full:
            await self._wait_room()

    def _rest_done(self, index: int) -> None:
        self._apply(self._machine.on_rest_done(index, self._clock.now()))

    def _rest_failed(self, error: DeepgramTTSError) -> None:
        self._apply(self._machine.on_rest_failed(error, self._clock.now()))

    def _start_transport(self, transport: Transport) -> None:
        if self._transport is None and not self._announced:
            self._hooks.on_request_start(transport.value)
        if not self._announced:
            self._transport = transport

    # -- reporting ----------------------------------------------------------------------------

    def _report_breaker(self, action: Breaker) -> None:
        pool = self._deps.pool
        if action.outcome == "success":
            pool.report_success()
        elif action.error is not None:
            pool.report_failure(action.error, trip=action.outcome == "trip")

    def _note_recovery(self, action: Retrying | FallBack) -> None:
        error = action.error
        extra = {"request_id": self.request_id, "error_class": error.error_class.value}
        if isinstance(action, Retrying):
            self._hooks.on_reconnect(error.error_class.value)
            self._span.event(
                "reconnect", {"error_class": error.error_class.value, "delay_s": action.delay_s}
            )
            log.info(
                "request %s: retrying in %.2f s after %s",
                self.request_id,
                action.delay_s,
                error.message,
                extra=extra,
            )
        else:
            self._hooks.on_rest_fallback()
            self._span.event("fallback", {"transport": "rest"})
            log.info(
                "request %s: continuing over REST after %s",
                self.request_id,
                error.message,
                extra=extra,
            )

    def _finish(self, action: Finish) -> None:
        """Queue the final events (once); ``AudioEnd``'s counts are set when it is yielded."""
        if self._channel.finished:
            return
        reason = action.reason
        error = None
        if action.error is not None:
            error = self._error_event(action.error, action.fatal)
        end = AudioEnd(
            request_id=self.request_id,
            reason=reason,
            audio_ms=0.0,
            interval_ms=0.0,
            audio_bytes=0,
            transport=self._transport,
            text_spoken=action.text_spoken,
            text_remaining=action.text_remaining,
            billable_characters=action.billable_characters,
        )
        self._channel.finish(end, error=error, discard_audio=reason is EndReason.INTERRUPTED)
        self._settle_cache(reason, error is None)
        dropped = self._channel.dropped_bytes
        if dropped:
            self._hooks.on_stale_audio_dropped(dropped)
        transport = None if self._transport is None else self._transport.value
        self._span.end(reason.value, {"deepgram_tts2.transport": transport or ""})
        self._hooks.on_request_end(
            reason.value,
            transport,
            self._pcm.duration_ms(self._queued_bytes - dropped) / 1000.0,
            self._chars_pushed,
        )

    def _settle_cache(self, reason: EndReason, clean: bool) -> None:
        """Only complete, successful audio is stored; anything else is discarded."""
        writer, self._cache_writer = self._cache_writer, None
        if writer is None:
            return
        if reason is EndReason.COMPLETED and clean and self._framer.pending == 0:
            task = asyncio.ensure_future(writer.commit())
            _background.add(task)
            task.add_done_callback(_background.discard)
        else:
            writer.abort()

    def _error_event(self, exc: DeepgramTTSError, fatal: bool) -> Error:
        self._hooks.on_error(exc.error_class.value, exc.vendor_code)
        log.warning(
            "request %s failed: %s",
            self.request_id,
            exc.message,
            extra={"request_id": self.request_id, "error_class": exc.error_class.value},
        )
        return Error(
            request_id=self.request_id,
            error_class=exc.error_class,
            message=exc.message,
            fatal=fatal,
            code=exc.status if exc.status is not None else exc.close_code,
            vendor_code=exc.vendor_code,
            deepgram_request_id=exc.request_id,
            exception=exc,
        )

"""DeepgramTTS: the facade. Owns the socket pool, the REST client, the breaker and the hooks.

::

    async with DeepgramTTS(TTSOptions.create(model="aura-2-thalia-en")) as tts:
        stream = tts.stream()
        await stream.push("Hello there. ")
        await stream.end()
        async for event in stream:
            ...

``start()`` (or entering the context) opens the prewarm sockets; ``aclose()`` ends every open
stream, closes every socket, task and pooled HTTP connection. Nothing is left running.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from types import TracebackType

from deepgram_tts2 import timing
from deepgram_tts2.client.pool import ConnectionInfo, ConnectionPool
from deepgram_tts2.client.rest import RestClient
from deepgram_tts2.client.spread import SpreadStream
from deepgram_tts2.client.stream import (
    SpeakStream,
    StreamDeps,
    TransportMode,
    check_text,
    phrase_key,
)
from deepgram_tts2.events import AudioChunk, Error, SpeakEvent
from deepgram_tts2.exceptions import ClientClosedError, InputError
from deepgram_tts2.fleet.cache import CachePolicy
from deepgram_tts2.fleet.factory import create_cache, create_governor
from deepgram_tts2.fleet.prewarm import prewarm
from deepgram_tts2.observability.hooks import MetricsHooks, SafeHooks
from deepgram_tts2.observability.logs import register_secret
from deepgram_tts2.observability.prometheus import FanOutHooks, PrometheusHooks
from deepgram_tts2.observability.server import MetricsServer
from deepgram_tts2.observability.tracing import NoTracing, RequestTracer
from deepgram_tts2.options import TTSOptions
from deepgram_tts2.resilience.breaker import BreakerState, CircuitBreaker

log = logging.getLogger("deepgram_tts2.client")


@dataclass(frozen=True)
class ClientState:
    """A snapshot for health checks: sockets, breaker, queue, open streams."""

    started: bool
    closed: bool
    transport: str
    breaker: str
    connections: tuple[ConnectionInfo, ...]
    queued_requests: int
    open_streams: int
    pool_size: int = 0
    buffered_audio_bytes: int = 0

    @property
    def idle_connections(self) -> int:
        """Sockets ready to serve a request now."""
        return sum(1 for c in self.connections if c.state == "idle")

    @property
    def ready(self) -> bool:
        """True when a request can be served now without waiting on a dead endpoint."""
        if not self.started or self.closed or self.breaker == BreakerState.OPEN.value:
            return False
        if self.transport == "rest":
            return True
        return any(c.state in ("idle", "busy", "clearing") for c in self.connections)


class DeepgramTTS:
    """Streaming text-to-speech on Deepgram Aura. See the module docstring."""

    def __init__(
        self,
        options: TTSOptions | None = None,
        *,
        hooks: MetricsHooks | None = None,
        tracer: RequestTracer | None = None,
        clock: timing.Clock | None = None,
    ) -> None:
        self.options = options or TTSOptions()
        self.options.require_key()  # fail at construction, with a clear message
        if self.options.api_key is not None:
            register_secret(self.options.api_key.get_secret_value())
        self.prometheus: PrometheusHooks | None = None
        self._metrics_server: MetricsServer | None = None
        if self.options.metrics_port is not None:
            self.prometheus = PrometheusHooks()
            hooks = FanOutHooks(self.prometheus, *([hooks] if hooks is not None else []))
            self._metrics_server = MetricsServer(
                self.prometheus.registry,
                ready=lambda: self.state.ready,
                host=self.options.metrics_host,
                port=self.options.metrics_port,
            )
        self.hooks: MetricsHooks = SafeHooks(hooks)
        self.tracer: RequestTracer = tracer or NoTracing()
        self.clock: timing.Clock = clock or timing.LoopClock()
        self.breaker = CircuitBreaker(
            self.options.breaker.policy(),
            on_transition=lambda _old, new: self.hooks.on_breaker_state(new.value),
        )
        self.governor = create_governor(self.options.fleet, clock=self.clock, hooks=self.hooks)
        self.cache = create_cache(self.options.fleet, clock=self.clock, hooks=self.hooks)
        self.pool = ConnectionPool(
            self.options, self.hooks, self.clock, self.breaker, governor=self.governor
        )
        self.rest = RestClient(self.options, self.governor)
        self._deps = StreamDeps(
            self.options, self.pool, self.rest, self.hooks, self.tracer, self.clock, self.cache
        )
        self._streams: set[SpeakStream] = set()
        self._started = False
        self._closed = False
        self._prewarm: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return (
            f"DeepgramTTS(url={self.options.websocket_url!r}, model={self.options.model!r}, "
            f"started={self._started}, closed={self._closed})"
        )

    async def start(self) -> None:
        """Pre-warm sockets (idempotent). Connection failures are not raised here: requests
        report them (an auth failure trips the breaker and every request gets ``AuthError``)."""
        if self._closed:
            raise ClientClosedError("the client is closed")
        if self._started:
            return
        self._started = True
        if self._metrics_server is not None:
            await self._metrics_server.start()
        await self.governor.start()  # never raises for an unreachable Redis (it degrades)
        phrases = CachePolicy.from_options(self.options.fleet.cache).phrases
        if self.cache is not None and phrases:
            # Listed phrases are synthesised once at start-up, one at a time, in the background
            # (docs/fleet.md "pre-warming"), so their first use is already a cache hit.
            self._prewarm = asyncio.create_task(self._prewarm_phrases(sorted(phrases)))
        if self.options.transport != "rest":
            await self.pool.start()

    async def _prewarm_phrases(self, phrases: list[str]) -> None:
        cache = self.cache
        assert cache is not None
        await prewarm(
            cache, phrases, lambda text: phrase_key(self.options, text), self._phrase_audio
        )

    async def _phrase_audio(self, text: str) -> AsyncIterator[bytes]:
        async for event in self.synthesize_events(text):
            if isinstance(event, AudioChunk):
                yield event.data
            elif isinstance(event, Error):
                raise event.exception

    async def aclose(self) -> None:
        """End every stream, close every socket and task (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._prewarm is not None:
            self._prewarm.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._prewarm
        await asyncio.gather(*(s.aclose() for s in list(self._streams)), return_exceptions=True)
        await self.pool.aclose()
        await self.rest.aclose()
        await self.governor.aclose()
        if self.cache is not None:
            await self.cache.aclose()
        if self._metrics_server is not None:
            await self._metrics_server.stop()

    async def __aenter__(self) -> DeepgramTTS:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def stream(
        self, request_id: str | None = None, *, transport: TransportMode | None = None
    ) -> SpeakStream:
        """A new request. Push text into it and iterate it for events.

        Args:
            request_id: the id events carry (a random one when None).
            transport: override ``options.transport`` for this request.

        Raises:
            ClientClosedError: after ``aclose()``.
        """
        return self._open(request_id, transport, self._deps)

    def _open(
        self, request_id: str | None, transport: TransportMode | None, deps: StreamDeps
    ) -> SpeakStream:
        if self._closed:
            raise ClientClosedError("the client is closed")
        stream = SpeakStream(deps, request_id, transport=transport)
        self._streams.add(stream)
        stream.add_done_callback(self._streams.discard)
        return stream

    def long_stream(
        self, request_id: str | None = None, *, transport: TransportMode | None = None
    ) -> SpreadStream:
        """A request for a long text known in full (an article, a prompt): push it, ``end()``,
        iterate. Its pieces are spoken on up to ``limits.pool_size`` sockets at once (each
        within its own budget), audio in order (:mod:`deepgram_tts2.client.spread`). Pieces
        waiting for their turn have no consumer deadline of their own.

        Raises:
            ClientClosedError: after ``aclose()``.
        """
        if self._closed:
            raise ClientClosedError("the client is closed")
        timeouts = self.options.timeouts.model_copy(update={"consumer_s": None})
        piece_options = self.options.model_copy(update={"timeouts": timeouts})
        deps = dataclasses.replace(self._deps, options=piece_options)
        limits = self.options.limits
        piece_chars = min(limits.max_speak_chars, limits.chars_per_window)
        return SpreadStream(
            lambda rid: self._open(rid, transport, deps), piece_chars, limits.pool_size, request_id
        )

    async def speak(self, text: str, request_id: str | None = None) -> AsyncIterator[SpeakEvent]:
        """Events of one complete text (WebSocket, with REST fallback). A text longer than one
        socket's character budget is spread over several sockets (:meth:`long_stream`)."""
        long = len(text) > self.options.limits.chars_per_window and self.options.generation == "v1"
        stream: SpeakStream | SpreadStream = (
            self.long_stream(request_id) if long else self.stream(request_id)
        )
        async with contextlib.aclosing(_events_of(stream, text)) as events:
            async for event in events:
                yield event

    async def synthesize(self, text: str) -> bytes:
        """Raw PCM of ``text`` over REST only (the same pieces and deadlines as a REST stream:
        text over 2000 characters is sent in several requests, delivered in order).

        Raises:
            InputError: blank text or text that is not valid Unicode.
            DeepgramTTSError: the request's error.
        """
        if not check_text(text).strip():
            raise InputError("nothing to synthesize: the text is blank")
        return await self._collect(self.synthesize_events(text))

    async def _collect(self, events: AsyncIterator[SpeakEvent]) -> bytes:
        audio = bytearray()
        error: Error | None = None
        async for event in events:
            if isinstance(event, AudioChunk):
                audio += event.data
            elif isinstance(event, Error):
                error = event
        if error is not None:
            raise error.exception
        return bytes(audio)

    async def synthesize_events(
        self, text: str, request_id: str | None = None
    ) -> AsyncIterator[SpeakEvent]:
        """Events of one complete text served over REST only (same grammar as a stream).

        Failures arrive as ``Error`` + ``AudioEnd(ERROR)``, never as exceptions.
        """
        stream = self.stream(request_id, transport="rest")
        async with contextlib.aclosing(_events_of(stream, text)) as events:
            async for event in events:
                yield event

    async def synthesize_pcm(self, text: str) -> bytes:
        """Raw PCM of ``text`` over the WebSocket (REST fallback); raises the request's error."""
        return await self._collect(self.speak(text))

    @property
    def metrics_url(self) -> str | None:
        """Base URL of the operations endpoint, when one was started."""
        return None if self._metrics_server is None else self._metrics_server.url

    @property
    def state(self) -> ClientState:
        """The client as it is now."""
        return ClientState(
            started=self._started,
            closed=self._closed,
            transport=self.options.transport,
            breaker=self.breaker.state(self.clock.now()).value,
            connections=tuple(self.pool.snapshot()),
            queued_requests=self.pool.queued,
            open_streams=sum(1 for s in self._streams if not s.done),
            pool_size=self.options.limits.pool_size,
            buffered_audio_bytes=sum(s.buffered_audio_bytes for s in self._streams),
        )


async def _events_of(
    stream: SpeakStream | SpreadStream, text: str
) -> AsyncGenerator[SpeakEvent, None]:
    """``text`` pushed whole into ``stream``, ended, its events; the stream closed after (callers
    hold this generator in ``contextlib.aclosing`` so an early exit closes it at once)."""
    try:
        await stream.push(text)
        await stream.end()
        async for event in stream:
            yield event
    finally:
        await stream.aclose()

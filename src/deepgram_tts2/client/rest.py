"""REST ``POST /v1/speak`` over one pooled ``httpx.AsyncClient`` (keep-alive, bounded pool).

The response body is streamed: chunks are yielded as they arrive. The request asks for raw PCM
(``container=none``) in the same encoding and sample rate as the socket, so both transports
yield the same audio. "Because an error body can arrive where audio was expected, clients must
check the status before treating the body as audio" (aura §3.4). Failures are translated at
:mod:`deepgram_tts2.client.boundary`.

:class:`RestPipeline` speaks one request's pieces: up to ``limits.rest_parallel`` requests in
flight, audio handed over strictly in piece order; a later piece's audio waits in memory (up to
``limits.rest_buffer_bytes``, then its body is read no further) until the pieces before it are
done. Deadlines are the request machine's: the pipeline only reports progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable
from urllib.parse import urlencode

import httpx

from deepgram_tts2.client import boundary
from deepgram_tts2.exceptions import DeepgramTTSError, InternalError
from deepgram_tts2.fleet.governor import Governor, Kind, Priority
from deepgram_tts2.options import TTSOptions
from deepgram_tts2.protocol.audio import Container
from deepgram_tts2.protocol.v1.rest import request_body


class RestClient:
    """Streams REST synthesis; one instance per :class:`~deepgram_tts2.DeepgramTTS`."""

    def __init__(self, options: TTSOptions, governor: Governor | None = None) -> None:
        self.options = options
        self._governor = governor
        limits = httpx.Limits(
            max_connections=max(options.limits.pool_size, options.limits.rest_parallel) * 2,
            max_keepalive_connections=options.limits.pool_size,
        )
        t = options.timeouts
        # A backstop only: the request machine enforces every deadline itself.
        timeout = httpx.Timeout(t.rest_s, connect=t.connect_s, read=max(t.stall_s, t.first_audio_s))
        self._client = httpx.AsyncClient(limits=limits, timeout=timeout)
        if options.generation == "v2":  # flux §5.1: the same parameters, raw PCM asked for
            query = options.flux_params(rest=True).to_query()
        else:
            query = dataclasses.replace(
                options.speak_params(), container=Container.NONE, bit_rate=None
            ).to_query()
        self._url = f"{options.rest_url}?{urlencode(query)}"

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._client.aclose()

    async def stream(self, text: str) -> AsyncGenerator[bytes, None]:
        """Audio bytes of ``text`` as they arrive.

        Raises:
            DeepgramTTSError: the translated failure (status, ``err_code``, request id,
                Retry-After), a timeout or a connection failure.
        """
        headers = {
            "Authorization": f"Token {self.options.require_key()}",
            "Content-Type": "application/json",
        }
        t = self.options.timeouts
        lease = None
        if self._governor is not None:  # a REST slot of the project's budget (docs/fleet.md)
            deadline = self._governor.now() + t.connect_s
            lease = await self._governor.acquire(Kind.REST, Priority.LIVE, deadline=deadline)
        try:
            async with self._client.stream(
                "POST", self._url, content=request_body(text), headers=headers
            ) as response:
                if response.status_code >= 400:
                    body = await response.aread()
                    raise boundary.status_error(
                        response.status_code, response.headers, body, "REST request"
                    )
                async for chunk in response.aiter_bytes():
                    if chunk:
                        yield chunk
        except httpx.HTTPError as exc:
            raise boundary.rest_error(
                exc, self.options.rest_url, (t.connect_s, max(t.stall_s, t.first_audio_s), t.rest_s)
            ) from None
        finally:
            if lease is not None:
                lease.release()


@dataclasses.dataclass(eq=False)
class _Piece:
    index: int
    text: str
    chunks: deque[bytes] = dataclasses.field(default_factory=deque)
    buffered: int = 0
    done: bool = False
    error: DeepgramTTSError | None = None
    data: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)  # fetch -> deliver
    room: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)  # deliver -> fetch


class RestPipeline:
    """One request's REST pieces, in flight in parallel, delivered in order (see the module).

    ``deliver(data)`` is awaited with the current piece's audio, in order (it may wait for the
    consumer); ``done(index)`` is called when a piece's body is complete and delivered;
    ``failed(error)`` once when a piece fails (the pipeline stops).
    """

    def __init__(
        self,
        client: RestClient,
        deliver: Callable[[bytes], Awaitable[None]],
        done: Callable[[int], None],
        failed: Callable[[DeepgramTTSError], None],
    ) -> None:
        self._client = client
        self._deliver = deliver
        self._done = done
        self._failed = failed
        options = client.options
        self._width = options.limits.rest_parallel
        self._buffer_limit = options.limits.rest_buffer_bytes
        self._pieces: dict[int, _Piece] = {}
        self._next = 0  # index of the piece being delivered
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._posted = asyncio.Event()
        self._deliverer: asyncio.Task[None] | None = None
        self._stopped = False

    def post(self, index: int, text: str) -> None:
        """Add piece ``index`` (indices arrive in order, from 0)."""
        if self._stopped:
            return
        self._pieces[index] = _Piece(index, text)
        self._start_more()
        self._posted.set()
        if self._deliverer is None:
            self._deliverer = asyncio.create_task(self._deliver_in_order())

    def _start_more(self) -> None:
        for index in sorted(self._pieces):
            if len(self._tasks) >= self._width:
                return
            if index not in self._tasks:
                piece = self._pieces[index]
                self._tasks[index] = asyncio.create_task(self._fetch(piece))

    async def _fetch(self, piece: _Piece) -> None:
        try:
            async with contextlib.aclosing(self._client.stream(piece.text)) as chunks:
                async for chunk in chunks:
                    piece.chunks.append(chunk)
                    piece.buffered += len(chunk)
                    piece.data.set()
                    while piece.buffered > self._buffer_limit:
                        piece.room.clear()  # a later piece waits for its turn to play
                        await piece.room.wait()
            piece.done = True
        except DeepgramTTSError as exc:
            piece.error = exc
        except Exception as exc:  # a bug of ours; never leave the request waiting
            piece.error = InternalError(f"REST piece failed unexpectedly: {type(exc).__name__}")
        piece.data.set()

    async def _deliver_in_order(self) -> None:
        while not self._stopped:
            piece = self._pieces.get(self._next)
            if piece is None:
                self._posted.clear()
                await self._posted.wait()
                continue
            await self._deliver_piece(piece)
            if piece.error is not None:
                self._stopped = True
                self._failed(piece.error)
                return
            del self._pieces[piece.index]
            self._tasks.pop(piece.index, None)
            self._next += 1
            self._start_more()
            self._done(piece.index)

    async def _deliver_piece(self, piece: _Piece) -> None:
        while True:
            while piece.chunks:
                chunk = piece.chunks.popleft()
                piece.buffered -= len(chunk)
                piece.room.set()
                await self._deliver(chunk)
            if piece.done or piece.error is not None:
                return
            piece.data.clear()
            await piece.data.wait()

    async def aclose(self) -> None:
        """Stop every request (idempotent)."""
        self._stopped = True
        tasks = list(self._tasks.values())
        if self._deliverer is not None and self._deliverer is not asyncio.current_task():
            tasks.append(self._deliverer)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

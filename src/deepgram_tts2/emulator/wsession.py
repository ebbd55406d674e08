"""One emulated ``/v1/speak`` WebSocket session: the I/O around :class:`ServerSession`.

Tasks per session besides the receive loop:

* the *renderer* takes accepted flushes (and text synthesised ahead) in order and renders their
  audio, at most :data:`RENDER_AHEAD` items ahead of the streamer (a memory bound), so a queued
  flush is synthesised while earlier audio plays out;
* the *streamer* queues each rendered item's sample-aligned frames and its ``Flushed`` at the
  times :class:`~deepgram_tts2.emulator.pacing.StreamSchedule` gives ("audio of flush n ...
  before Flushed{n}, and all audio of flush n precedes audio of flush n+1", aura §2.5.1);
* the *sender* sends queued frames, applying the connection's faults;
* the *timer* applies the lifetime and idle limits (``ServerSession.poll``).

Clear bumps an *epoch*: queued and in-progress work of an older epoch is dropped before it is
sent, and ``Cleared`` is queued in the new epoch, so no audio of cleared work follows
``Cleared``. The outbound queue is bounded (``max_outbound_frames``): a slow reader slows the
streamer instead of growing memory. A task that fails closes the socket with 1011 NET-0000
("internal server error", aura §2.7) instead of leaving the session silent; a client that went
away ends it quietly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import WSMsgType, web

from deepgram_tts2.emulator.codecs import encode_pcm
from deepgram_tts2.emulator.config import (
    CloseConnection,
    EmulatorConfig,
    MalformedJson,
    MetadataTiming,
    SendError,
    SendWarning,
    Stall,
)
from deepgram_tts2.emulator.faults import ConnectionFaults, TriggeredFault
from deepgram_tts2.emulator.pacing import StreamSchedule
from deepgram_tts2.emulator.render_cache import RenderCache
from deepgram_tts2.emulator.stall import StallGate, abort_transport, run_timed_fault
from deepgram_tts2.emulator.voices import VoiceEngine, synthesize
from deepgram_tts2.protocol.audio import PcmFormat
from deepgram_tts2.protocol.errors import CloseReason, format_close_reason
from deepgram_tts2.protocol.v1.messages import (
    Cleared,
    ErrorMessage,
    Flushed,
    Metadata,
    WarningMessage,
    serialize_server,
)
from deepgram_tts2.protocol.v1.server_session import (
    CancelSynthesis,
    CloseSocket,
    SendControl,
    ServerEffect,
    ServerRules,
    ServerSession,
    ServerState,
    Synthesize,
    SynthesizeAhead,
)

log = logging.getLogger("deepgram_tts2.emulator")

RENDER_AHEAD = 2  # rendered items per session not yet fully streamed (the one playing + next)

Control = Metadata | Flushed | Cleared | WarningMessage | ErrorMessage


def render_audio(
    text: str, model: str, fmt: PcmFormat, engine: str, cache: RenderCache | None = None
) -> bytes:
    """Encoded audio of ``text`` in ``fmt``, through ``cache`` when one is given."""

    voice: VoiceEngine = "tone" if engine == "tone" else "espeak"

    def render() -> bytes:
        return encode_pcm(synthesize(text, model, fmt.sample_rate, voice), fmt.encoding)

    if cache is None:
        return render()
    return cache.get_or_render((text, model, fmt, engine), render)


@dataclass(frozen=True)
class _Out:
    """An outbound item: audio bytes, a control message, or a close."""

    epoch: int
    audio: bytes | None = None
    control: Control | None = None
    close: tuple[int, CloseReason | None] | None = None


@dataclass(frozen=True)
class _Job:
    """Work for the renderer: a flush (acked), text synthesised ahead, or a drained Close."""

    epoch: int
    kind: Literal["flush", "ahead", "close"]
    received_at: float
    sequence_id: int | None = None
    text: str = ""
    close_code: int = 1000


@dataclass(frozen=True)
class _Rendered:
    job: _Job
    audio: bytes
    rendered_at: float


class WsSession:
    """Runs one accepted WebSocket until it closes."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        request: web.Request,
        config: EmulatorConfig,
        model: str,
        fmt: PcmFormat,
        request_id: str,
        faults: ConnectionFaults,
        cache: RenderCache | None = None,
    ) -> None:
        self.ws = ws
        self.request = request
        self.config = config
        self.model = model
        self.format = fmt
        self.request_id = request_id
        self.faults = faults
        self.cache = cache
        self.loop = asyncio.get_running_loop()
        self.session = ServerSession(_rules(config), now=self.loop.time())
        self.schedule = StreamSchedule(config.pacing, config.flushed_delay_ms, self.loop.time())
        self.epoch = 0
        self.audio_sent = 0
        self.closed = False
        self._pending_flushes: list[int] = []
        self._late_flushed: list[int] = []  # fault late_flushed_after_clear
        self._jobs: asyncio.Queue[_Job] = asyncio.Queue()
        self._rendered: asyncio.Queue[_Rendered] = asyncio.Queue()
        self._slots = asyncio.Semaphore(RENDER_AHEAD)
        self._out: asyncio.Queue[_Out] = asyncio.Queue(maxsize=config.max_outbound_frames)
        self._send_lock = asyncio.Lock()
        self._gate = StallGate(self.loop)
        self._metadata_due: Metadata | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    async def run(self) -> None:
        """Serve the session; returns when the socket is closed."""
        metadata = Metadata(
            request_id=self.request_id,
            model_name=self.model,
            model_version=self.config.model_version,
            model_uuid=model_uuid(self.model),
        )
        if self.config.metadata is MetadataTiming.FIRST:
            await self._send_control(metadata)
        else:
            self._metadata_due = metadata
        workers: list[Coroutine[Any, Any, None]] = [
            self._sender(),
            self._renderer(),
            self._streamer(),
            self._timer(),
            *(self._timed_fault(f) for f in self.faults.timed()),
        ]
        tasks = [asyncio.create_task(self._supervised(w)) for w in workers]
        try:
            await self._receive()
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if not self.ws.closed:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await self.ws.close()

    async def _supervised(self, work: Coroutine[Any, Any, None]) -> None:
        """Run one session task; a failure closes 1011 NET-0000 rather than going silent."""
        try:
            await work
        except ConnectionError:
            self.closed = True  # the client went away while we were sending
        except Exception:
            log.exception(
                "session task failed; closing 1011 NET-0000", extra={"request_id": self.request_id}
            )
            with contextlib.suppress(ConnectionError):
                await self._close_now(1011, CloseReason.NET_0000)

    async def _receive(self) -> None:
        async for msg in self.ws:
            if msg.type is WSMsgType.TEXT:
                frame: str | bytes = msg.data
            elif msg.type is WSMsgType.BINARY:
                frame = msg.data
            else:
                break
            now = self.loop.time()
            await self._apply(self.session.receive(frame, now), now)
            if self.session.buffered_chars > self.config.max_buffer_chars:
                await self._close_now(CloseReason.BIG_0000.close_code, CloseReason.BIG_0000)
            if self.closed or self.session.state is ServerState.CLOSED:
                break
        self.closed = True

    # -- effects ------------------------------------------------------------------------------

    async def _apply(self, effects: list[ServerEffect], now: float) -> None:
        for effect in effects:
            if isinstance(effect, Synthesize):
                self._pending_flushes.append(effect.sequence_id)
                job = _Job(self.epoch, "flush", now, effect.sequence_id, effect.text)
                self._jobs.put_nowait(job)
            elif isinstance(effect, SynthesizeAhead):
                self._jobs.put_nowait(_Job(self.epoch, "ahead", now, text=effect.text))
            elif isinstance(effect, CancelSynthesis):
                self._cancel()
            elif isinstance(effect, SendControl):
                await self._queue_control(effect.message)
            elif isinstance(effect, CloseSocket):
                if effect.drain:
                    self._jobs.put_nowait(_Job(self.epoch, "close", now, close_code=effect.code))
                else:
                    await self._close_now(effect.code, effect.reason)

    def _cancel(self) -> None:
        """Clear: drop queued and running synthesis of the current epoch."""
        self.epoch += 1
        self.schedule.reset(self.loop.time())
        cancelled, self._pending_flushes = self._pending_flushes, []
        while not self._jobs.empty():
            self._jobs.get_nowait()
        self._late_flushed = cancelled if self.faults.late_flushed_after_clear else []

    async def _queue_control(self, message: Control) -> None:
        await self._out.put(_Out(self.epoch, control=message))
        if isinstance(message, Cleared):
            for seq in self._late_flushed:
                await self._out.put(_Out(self.epoch, control=Flushed(seq)))
            self._late_flushed = []

    # -- renderer and streamer ----------------------------------------------------------------

    async def _renderer(self) -> None:
        while True:
            job = await self._jobs.get()
            if job.epoch != self.epoch:
                continue
            if job.kind == "close":
                self._rendered.put_nowait(_Rendered(job, b"", self.loop.time()))
                return
            await self._slots.acquire()
            audio = await self._render(job.text) if job.text.strip() else b""
            if job.epoch != self.epoch:
                self._slots.release()
                continue
            self._rendered.put_nowait(_Rendered(job, audio, self.loop.time()))

    async def _render(self, text: str) -> bytes:
        args = (text, self.model, self.format, self.config.voice_engine, self.cache)
        if self.config.voice_engine == "tone":
            return render_audio(*args)
        return await asyncio.to_thread(render_audio, *args)

    async def _streamer(self) -> None:
        while True:
            item = await self._rendered.get()
            if item.job.kind == "close":
                await self._out.put(_Out(self.epoch, close=(item.job.close_code, None)))
                return
            try:
                if item.job.epoch == self.epoch:
                    await self._stream(item)
            finally:
                self._slots.release()

    async def _stream(self, item: _Rendered) -> None:
        job, audio, fmt = item.job, item.audio, self.format
        timing = self.schedule.plan(
            job.received_at,
            len(job.text),
            fmt.duration_ms(len(audio)),
            acked=job.kind == "flush",
            rendered_at=item.rendered_at,
        )
        frame = self._frame_bytes()
        drip = self.faults.drip_interval_s
        for offset in range(0, len(audio), frame):
            await self._sleep_until(timing.frame_due(fmt.duration_ms(offset)))
            if job.epoch != self.epoch:
                return
            await self._out.put(_Out(job.epoch, audio=audio[offset : offset + frame]))
            if drip:
                await asyncio.sleep(drip)
        if timing.ack_at is None or job.sequence_id is None:
            return
        await self._sleep_until(timing.ack_at)
        if job.epoch != self.epoch:
            return
        if job.sequence_id in self._pending_flushes:
            self._pending_flushes.remove(job.sequence_id)
        await self._out.put(_Out(job.epoch, control=Flushed(job.sequence_id)))

    def _frame_bytes(self) -> int:
        forced = self.faults.frame_bytes or self.config.frame_bytes
        return forced or max(self.format.bytes_for_ms(self.config.pacing.chunk_ms), 2)

    async def _sleep_until(self, when: float) -> None:
        delay = when - self.loop.time()
        if delay > 0:
            await asyncio.sleep(delay)

    # -- sender -------------------------------------------------------------------------------

    async def _sender(self) -> None:
        while not self.closed:
            item = await self._out.get()
            if item.close is not None:
                await self._close_now(*item.close)
                return
            if item.epoch < self.epoch and (
                item.audio is not None or isinstance(item.control, Flushed)
            ):
                continue  # work of a cleared epoch
            await self._gate.passed()
            if item.audio is not None:
                await self._send_audio(item.audio)
            elif item.control is not None:
                await self._send_control(item.control)

    async def _send_audio(self, data: bytes) -> None:
        for fault in self.faults.due_by_bytes(self.audio_sent, about_to_send=True):
            await self._fire(fault)
        if self.closed:
            return
        async with self._send_lock:
            await self.ws.send_bytes(data)
        self.audio_sent += len(data)
        if self._metadata_due is not None:  # MetadataTiming.AFTER_AUDIO
            metadata, self._metadata_due = self._metadata_due, None
            await self._send_control(metadata)
        for fault in self.faults.due_by_bytes(self.audio_sent, about_to_send=False):
            await self._fire(fault)

    async def _send_control(self, message: Control) -> None:
        if isinstance(message, Flushed) and self.faults.drop_flushed:
            return
        if isinstance(message, Cleared) and self.faults.drop_cleared:
            return
        await self._send_text(serialize_server(message, self.config.warning_shape))

    async def _send_text(self, text: str) -> None:
        if self.closed:
            return
        async with self._send_lock:
            await self.ws.send_str(text)

    async def _close_now(self, code: int, reason: CloseReason | None) -> None:
        if self.closed:
            return
        self.closed = True
        self.epoch += 1
        text = (
            "" if reason is None else format_close_reason(reason, self.config.prose_close_reasons)
        )
        log.info("closing session", extra={"request_id": self.request_id, "state": f"close {code}"})
        if code == 1006:
            abort_transport(self.request)
            return
        async with self._send_lock:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.ws.close(code=code, message=text.encode())

    # -- faults and timers --------------------------------------------------------------------

    async def _fire(self, fault: TriggeredFault) -> None:
        if isinstance(fault, CloseConnection):
            reason = _reason_or_none(fault.reason)
            if reason is None:
                self.closed = True
                self.epoch += 1
                async with self._send_lock:
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        await self.ws.close(code=fault.code, message=fault.reason.encode()[:123])
                return
            await self._close_now(fault.code, reason)
        elif isinstance(fault, Stall):
            await self._gate.stall(fault.duration_ms)
        elif isinstance(fault, SendError):
            await self._send_text(serialize_server(ErrorMessage(fault.err_code, fault.err_msg)))
            if fault.then_close:
                await self._close_now(1011, CloseReason.NET_0000)
        elif isinstance(fault, SendWarning):
            shape = fault.shape or self.config.warning_shape
            await self._send_text(
                serialize_server(WarningMessage(fault.code, fault.message), shape)
            )
        elif isinstance(fault, MalformedJson):
            await self._send_text(fault.payload)

    async def _timed_fault(self, fault: TriggeredFault) -> None:
        await run_timed_fault(fault, self.faults, self._gate, lambda: self.closed, self._fire)

    async def _timer(self) -> None:
        while not self.closed:
            deadline = self.session.next_deadline()
            if deadline is None:
                return
            await asyncio.sleep(max(0.0, deadline - self.loop.time()))
            now = self.loop.time()
            effects = self.session.poll(now)
            if effects:
                await self._apply(effects, now)
                return


def _rules(config: EmulatorConfig) -> ServerRules:
    return ServerRules(
        max_speak_chars=config.max_speak_chars,
        chars_per_window=config.chars_per_window,
        flushes_per_window=config.flushes_per_window,
        window_s=config.window_s,
        lifetime_s=config.lifetime_s,
        idle_timeout_s=config.idle_timeout_s,
        close_drain=config.close_drain,
        clear_id=config.clear_id,
        empty_flush=config.empty_flush,
        synthesis_start=config.synthesis_start,
        synthesis_start_chars=config.synthesis_start_chars,
    )


def _reason_or_none(text: str) -> CloseReason | None:
    try:
        return CloseReason(text)
    except ValueError:
        return None


def model_uuid(model: str) -> str:
    """A stable uuid for a model name (Deepgram's are fixed per model)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"deepgram-tts2-emulator/{model}"))

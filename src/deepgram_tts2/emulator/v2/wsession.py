"""One emulated ``/v2/speak`` WebSocket session: the I/O around the sans-I/O ServerSession.

Tasks besides the receive loop:

* the *synthesiser* renders the session's :class:`Synthesize` effects in order (the first
  segment of a turn after the pacing's first-audio delay), reports each rendered size, and
  queues sample-aligned audio frames paced at the real-time factor; a :class:`FinishTurn`
  becomes a marker behind the turn's last frame;
* the *sender* writes queued frames, applying the connection's faults, reports every sent
  frame (``audio_duration_ms`` counts bytes actually sent), and turns markers into
  ``turn_audio_done`` / ``turn_cancelled`` calls whose messages it sends in place;
* the *timer* applies the idle (NET-0004) and lifetime (NET-0003) limits.

A :class:`CancelTurn` (Interrupt, fatal error, Close with ``close_unflushed=drop``) stops the
turn's synthesis; up to ``interrupt_tail_frames`` frames already queued still go out ("in
flight", flux §3.5 item 2) and the rest are dropped; after ``interrupt_latency_ms`` a marker
makes the session send ``SpeechInterrupted``. WebSocket pings and pongs reset the idle timer
(flux §4), so pings are answered here (``autoping`` off).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import WSMsgType, web

from deepgram_tts2.emulator.config import (
    CloseConnection,
    MalformedJson,
    SendError,
    SendWarning,
    Stall,
)
from deepgram_tts2.emulator.faults import TriggeredFault
from deepgram_tts2.emulator.stall import StallGate, abort_transport, run_timed_fault
from deepgram_tts2.emulator.v2.voices import render_flux
from deepgram_tts2.emulator.wsession import model_uuid
from deepgram_tts2.protocol.v2 import rest as rest_protocol
from deepgram_tts2.protocol.v2.audio import FluxPcmFormat
from deepgram_tts2.protocol.v2.codes import ErrorCode, close_code_for, parse_error_code
from deepgram_tts2.protocol.v2.messages import (
    Connected,
    ErrorMessage,
    Flushed,
    ServerControl,
    WarningMessage,
)
from deepgram_tts2.protocol.v2.models import voice_name
from deepgram_tts2.protocol.v2.server_session import (
    CancelTurn,
    CloseSocket,
    FinishTurn,
    SendControl,
    ServerEffect,
    ServerRules,
    ServerSession,
    ServerState,
    Synthesize,
)
from deepgram_tts2.protocol.v2.url import Transport
from deepgram_tts2.protocol.v2.wire import serialize_server

if TYPE_CHECKING:
    from deepgram_tts2.emulator.v2.options import EmulatorV2Options
    from deepgram_tts2.emulator.v2.routes import Admitted, FluxService

log = logging.getLogger("deepgram_tts2.emulator")


@dataclass(frozen=True)
class _Out:
    """An outbound item: audio of a turn, a control message, a marker, or a close."""

    speech_id: str | None = None
    audio: bytes | None = None
    control: ServerControl | None = None
    done: bool = False  # marker: the turn's audio is all queued before this
    cancelled: bool = False  # marker: the turn was cancelled; report it
    close: tuple[int, str | None] | None = None


def server_rules(
    options: EmulatorV2Options, fmt: FluxPcmFormat, speed: float | None
) -> ServerRules:
    """The sans-I/O rules for one session from the emulator's v2 options."""
    return ServerRules(
        fmt=fmt,
        speed=speed,
        flushed_placement=options.flushed_placement,
        pending_on_interrupt=options.pending_on_interrupt,
        close_unflushed=options.close_unflushed,
        flush_without_turn=options.flush_without_turn,
        empty_speak=options.empty_speak,
        after_close=options.after_close,
        binary_frames=options.binary_frames,
        configure_timing=options.configure_timing,
        billable_zero=options.billable_zero,
        rebase_input_on_interrupt=options.rebase_input_on_interrupt,
        char_unit=options.char_unit,
        close_scheme=options.close_scheme,
        speed_range=options.speed_bounds,
        runtime_speed_supported=options.runtime_speed_supported,
        idle_timeout_s=options.idle_timeout_s,
        lifetime_s=options.lifetime_s,
        max_segment_chars=options.max_segment_chars,
    )


class FluxWsSession:
    """Runs one accepted ``/v2/speak`` WebSocket until it closes."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        request: web.Request,
        service: FluxService,
        admitted: Admitted,
    ) -> None:
        self.ws = ws
        self.request = request
        self.config = service.emulator.config
        self.options = admitted.options
        self.admitted = admitted
        self.faults = admitted.faults
        self.model = admitted.params.model
        self.loop = asyncio.get_running_loop()
        rate = admitted.params.effective_sample_rate(
            Transport.WEBSOCKET, self.options.g711_default_sample_rate or 8000
        )
        self.format = FluxPcmFormat(admitted.params.effective_encoding(Transport.WEBSOCKET), rate)
        rules = server_rules(self.options, self.format, admitted.params.speed)
        self.session = ServerSession(rules, now=self.loop.time(), seed=admitted.request_id)
        self.audio_sent = 0
        self.closed = False
        self._cancelled: dict[str, int] = {}  # speech_id -> tail frames still allowed
        self._jobs: asyncio.Queue[Synthesize | FinishTurn] = asyncio.Queue()
        self._out: asyncio.Queue[_Out] = asyncio.Queue(maxsize=self.config.max_outbound_frames)
        self._send_lock = asyncio.Lock()
        self._gate = StallGate(self.loop)
        self._helpers: set[asyncio.Task[None]] = set()

    # -- lifecycle ----------------------------------------------------------------------------

    async def run(self) -> None:
        """Serve the session; returns when the socket is closed."""
        uuid_ = model_uuid(self.model)
        await self._send_control(
            Connected(
                request_id=self.admitted.request_id,
                model_name=voice_name(self.model)
                if self.options.connected_model_name == "voice"
                else self.model,
                model_version=self.options.model_version,
                model_uuids=(uuid_, uuid_) if self.options.duplicate_model_uuid else (uuid_,),
            )
        )
        tasks = [
            asyncio.create_task(self._sender()),
            asyncio.create_task(self._synthesiser()),
            asyncio.create_task(self._timer()),
            *(asyncio.create_task(self._timed_fault(f)) for f in self.faults.timed()),
        ]
        try:
            await self._receive()
        finally:
            for task in [*tasks, *self._helpers]:
                task.cancel()
            for task in [*tasks, *self._helpers]:
                with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                    await task
            if not self.ws.closed:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await self.ws.close()

    async def _receive(self) -> None:
        while not self.closed:
            msg = await self.ws.receive()
            if msg.type in (WSMsgType.PING, WSMsgType.PONG):
                self.session.touch(self.loop.time())  # "Ping/Pong resets the timer" (flux §4)
                if msg.type is WSMsgType.PING:
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        await self.ws.pong(msg.data)
                continue
            if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                break
            frame: str | bytes = msg.data
            size = len(frame.encode() if isinstance(frame, str) else frame)
            if size > self.options.max_message_bytes:
                await self._apply(self.session.fail(ErrorCode.BIG_0000))
            else:
                await self._apply(self.session.receive(frame, self.loop.time()))
        self.closed = True

    # -- effects ------------------------------------------------------------------------------

    async def _apply(self, effects: list[ServerEffect], direct: bool = False) -> None:
        """Carry out effects; ``direct`` (from the sender) sends controls in place."""
        for effect in effects:
            if isinstance(effect, Synthesize | FinishTurn):
                self._jobs.put_nowait(effect)
            elif isinstance(effect, CancelTurn):
                self._cancel(effect.speech_id)
            elif isinstance(effect, SendControl):
                if direct:
                    await self._send_control(effect.message)
                else:
                    await self._out.put(_Out(control=effect.message))
            elif isinstance(effect, CloseSocket):
                if direct:
                    await self._close_now(effect.code, effect.reason)
                else:
                    await self._out.put(_Out(close=(effect.code, effect.reason)))

    def _cancel(self, speech_id: str) -> None:
        self._cancelled[speech_id] = self.options.interrupt_tail_frames
        task = asyncio.create_task(self._report_cancel(speech_id))
        self._helpers.add(task)
        task.add_done_callback(self._helpers.discard)

    async def _report_cancel(self, speech_id: str) -> None:
        await asyncio.sleep(self.options.interrupt_latency_ms / 1000.0)
        await self._out.put(_Out(speech_id=speech_id, cancelled=True))

    # -- synthesiser --------------------------------------------------------------------------

    async def _synthesiser(self) -> None:
        while True:
            job = await self._jobs.get()
            if job.speech_id in self._cancelled:
                continue
            if isinstance(job, FinishTurn):
                await self._out.put(_Out(speech_id=job.speech_id, done=True))
                continue
            pacing = self.config.pacing
            started = self.loop.time()
            delay = pacing.per_char_ms * len(job.text) / 1000.0
            if job.index == 0:
                delay += pacing.first_audio_ms / 1000.0
            audio = await self._render(job.text, job.speed)
            if job.speech_id in self._cancelled:
                continue
            self.session.rendered(job.speech_id, job.index, len(audio))
            await asyncio.sleep(max(0.0, started + delay - self.loop.time()))
            await self._stream_audio(job.speech_id, audio)

    async def _render(self, text: str, speed: float) -> bytes:
        args = (text, self.model, self.format, speed, self.config.voice_engine)
        if self.config.voice_engine == "tone":
            return render_flux(*args)
        return await asyncio.to_thread(render_flux, *args)

    async def _stream_audio(self, speech_id: str, audio: bytes) -> None:
        fmt = self.format
        frame = self.faults.frame_bytes or max(fmt.bytes_for_ms(self.config.pacing.chunk_ms), 2)
        rtf = self.config.pacing.realtime_factor
        drip = self.faults.drip_interval_s
        t0 = self.loop.time()
        for offset in range(0, len(audio), frame):
            if speech_id in self._cancelled:
                return
            await self._out.put(_Out(speech_id=speech_id, audio=audio[offset : offset + frame]))
            if rtf > 0:
                due = t0 + fmt.duration_ms(offset + frame) / 1000.0 / rtf
                await asyncio.sleep(max(0.0, due - self.loop.time()))
            if drip:
                await asyncio.sleep(drip)

    # -- sender -------------------------------------------------------------------------------

    async def _sender(self) -> None:
        while not self.closed:
            item = await self._out.get()
            if item.close is not None:
                await self._close_now(*item.close)
                return
            if item.speech_id is not None and (item.done or item.cancelled):
                report = self.session.turn_audio_done if item.done else self.session.turn_cancelled
                await self._apply(report(item.speech_id), direct=True)
                continue
            await self._gate.passed()
            if item.audio is not None and item.speech_id is not None:
                if not self._tail_allows(item.speech_id):
                    continue
                await self._send_audio(item.speech_id, item.audio)
            elif item.control is not None:
                await self._send_control(item.control)

    def _tail_allows(self, speech_id: str) -> bool:
        """Audio of a cancelled turn: only the "in flight" tail frames still go out."""
        left = self._cancelled.get(speech_id)
        if left is None:
            return True
        if left <= 0 or self.session.state is ServerState.CLOSED:
            return False
        self._cancelled[speech_id] = left - 1
        return True

    async def _send_audio(self, speech_id: str, data: bytes) -> None:
        for fault in self.faults.due_by_bytes(self.audio_sent, about_to_send=True):
            await self._fire(fault)
        if self.closed:
            return
        async with self._send_lock:
            await self.ws.send_bytes(data)
        self.audio_sent += len(data)
        self.session.audio_sent(speech_id, len(data))
        for fault in self.faults.due_by_bytes(self.audio_sent, about_to_send=False):
            await self._fire(fault)

    async def _send_control(self, message: ServerControl) -> None:
        if isinstance(message, Flushed) and self.faults.drop_flushed:
            return
        await self._send_text(serialize_server(message))

    async def _send_text(self, text: str) -> None:
        if self.closed:
            return
        async with self._send_lock:
            await self.ws.send_str(text)

    async def _close_now(self, code: int, reason: str | None) -> None:
        if self.closed:
            return
        self.closed = True
        log.info("closing v2 session", extra={"request_id": self.admitted.request_id})
        if code == 1006:
            abort_transport(self.request)
            return
        async with self._send_lock:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.ws.close(code=code, message=(reason or "").encode()[:123])

    # -- faults and timers --------------------------------------------------------------------

    async def _fire(self, fault: TriggeredFault) -> None:
        """A v1 fault kind on v2: Error and Warning use the v2 shape ``code``/``description``;
        ``send_error`` with ``then_close`` closes with the code for that Error (flux §4)."""
        if isinstance(fault, CloseConnection):
            await self._close_now(fault.code, fault.reason)
        elif isinstance(fault, Stall):
            await self._gate.stall(fault.duration_ms)
        elif isinstance(fault, SendError):
            await self._send_control(ErrorMessage(fault.err_code, fault.err_msg))
            if fault.then_close:
                code = parse_error_code(fault.err_code) or ErrorCode.NET_0000
                await self._close_now(close_code_for(code, self.options.close_scheme), code.value)
        elif isinstance(fault, SendWarning):
            await self._send_control(WarningMessage(fault.code, fault.message))
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
            effects = self.session.poll(self.loop.time())
            if effects:
                await self._apply(effects)
                return


async def handle_ws(service: FluxService, request: web.Request) -> web.StreamResponse:
    """``GET /v2/speak``: handshake checks, the upgrade, then the session."""
    from deepgram_tts2.emulator.server import extract_credentials

    admitted = await service.admit(request, Transport.WEBSOCKET)
    if isinstance(admitted, web.Response):
        return admitted
    _, echo = extract_credentials(request)
    ws = web.WebSocketResponse(
        protocols=(echo,) if echo else (),
        max_msg_size=max(16 * admitted.options.max_message_bytes, 4 * 1024 * 1024),
        autoping=False,  # pings reset the idle timer: answered by the session
        heartbeat=None,
        compress=service.emulator.config.permessage_deflate,  # as on /v1/speak (undocumented)
    )
    ws.headers[rest_protocol.HEADER_REQUEST_ID] = admitted.request_id
    if not ws.can_prepare(request).ok:
        return service.refuse(
            400, "Bad Request", "Expected a WebSocket upgrade.", admitted.request_id
        )
    counter = service.active[Transport.WEBSOCKET]
    counter[admitted.key] += 1
    metrics = service.emulator.metrics
    metrics.sessions.inc()
    transport = request.transport
    session: FluxWsSession | None = None
    try:
        await ws.prepare(request)
        service.sockets.add(ws)
        if transport is not None:
            service.transports.add(transport)
        session = FluxWsSession(ws, request, service, admitted)
        await session.run()
    finally:
        counter[admitted.key] -= 1
        metrics.sessions.dec()
        if session is not None:
            metrics.audio_bytes.labels(api="v2_websocket").inc(session.audio_sent)
            if ws.close_code is not None:
                metrics.closes.labels(code=str(ws.close_code)).inc()
        service.sockets.discard(ws)
        if transport is not None:
            service.transports.discard(transport)
    return ws

"""The emulator's HTTP server: ``/v1/speak`` (WebSocket and REST) on one port, plus control.

Routes:

* ``GET /v1/speak`` with an upgrade: the streaming API (:mod:`.wsession`);
* ``POST /v1/speak``: the REST API (:mod:`.rest`);
* ``POST /_emulator/faults`` (a fault plan, JSON) and ``DELETE /_emulator/faults``;
* ``GET /_emulator/health``.

Before the upgrade (and before REST synthesis) it checks, in Deepgram's order: handshake
faults, credentials (401), query parameters (400), per-key concurrency (429). Every response
carries ``dg-request-id``; failures also ``dg-error`` and ``{"err_code","err_msg","request_id"}``
(spec 1.3, 2.1). Keys are never logged.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import uuid
from collections import Counter
from collections.abc import Callable
from types import TracebackType

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from deepgram_tts2.emulator.config import EmulatorConfig, FaultPlan, Pacing
from deepgram_tts2.emulator.faults import ConnectionFaults, FaultRegistry
from deepgram_tts2.emulator.metrics import EmulatorMetrics
from deepgram_tts2.emulator.responses import error_response
from deepgram_tts2.emulator.rest import stream_rest_response
from deepgram_tts2.emulator.wsession import WsSession
from deepgram_tts2.observability.server import MetricsServer
from deepgram_tts2.protocol.audio import PcmFormat
from deepgram_tts2.protocol.v1 import rest as rest_protocol
from deepgram_tts2.protocol.v1.limits import REST_MAX_BODY_BYTES
from deepgram_tts2.protocol.v1.messages import WarningShape
from deepgram_tts2.protocol.v1.server_session import (
    CloseDrain,
)
from deepgram_tts2.protocol.v1.url import Api, QueryError, SpeakParams, parse_query

log = logging.getLogger("deepgram_tts2.emulator")

_ERRORS = {
    401: ("INVALID_AUTH", "Invalid credentials."),
    402: ("PAYMENT_REQUIRED", "Project does not have enough credits for this request."),
    403: ("INSUFFICIENT_PERMISSIONS", "Project does not have access to the requested model."),
    429: ("Too Many Requests", "Please try again later."),
    500: ("INTERNAL_SERVER_ERROR", "Internal server error."),
    502: ("Bad Gateway", "Please try again later"),
    503: ("Service Unavailable", "Please try again later"),
    400: ("Bad Request", "Bad Request"),
}


def extract_credentials(request: web.Request) -> tuple[str | None, str | None]:
    """The key and, for subprotocol auth, the scheme to echo (``token``/``bearer``).

    ``Authorization: Token KEY`` / ``Bearer KEY`` (scheme case-insensitive), or
    ``Sec-WebSocket-Protocol: token, KEY`` (spec 1.2).
    """
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() in ("token", "bearer") and value.strip():
        return value.strip(), None
    protocols = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
    if len(protocols) >= 2 and protocols[0].lower() in ("token", "bearer") and protocols[1]:
        return protocols[1], protocols[0].lower()
    return None, None


class Emulator:
    """A local Deepgram Aura ``/v1/speak`` server; see the module docstring."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.host = self.config.host
        self.port = self.config.port
        self.faults = FaultRegistry(self.config.faults)
        self.total_connections = 0
        self.metrics = EmulatorMetrics()
        self._active: dict[str, Counter[str]] = {"websocket": Counter(), "rest": Counter()}
        self._sockets: set[web.WebSocketResponse] = set()
        self._transports: set[asyncio.Transport] = set()
        self._runner: web.AppRunner | None = None

    # -- public API ---------------------------------------------------------------------------

    @property
    def ws_url(self) -> str:
        """The streaming endpoint."""
        return f"ws://{self.host}:{self.port}/v1/speak"

    @property
    def http_url(self) -> str:
        """The base HTTP URL (REST is ``{http_url}/v1/speak``)."""
        return f"http://{self.host}:{self.port}"

    @property
    def active_sessions(self) -> int:
        """Open WebSocket sessions."""
        return sum(self._active["websocket"].values())

    def set_faults(self, plan: FaultPlan) -> None:
        """Replace the active fault plan."""
        self.faults.set(plan)

    def clear_faults(self) -> None:
        """Remove every fault."""
        self.faults.clear()

    def drop_all(self) -> None:
        """Drop every open connection at once, without a close frame."""
        for transport in list(self._transports):
            transport.abort()

    async def start(self) -> None:
        """Bind and start serving (port 0 picks a free port)."""
        app = web.Application(client_max_size=REST_MAX_BODY_BYTES + 1024)
        app.router.add_get("/v1/speak", self._handle_ws)
        app.router.add_post("/v1/speak", self._handle_rest)
        app.router.add_post("/_emulator/faults", self._set_faults)
        app.router.add_delete("/_emulator/faults", self._clear_faults)
        app.router.add_get("/_emulator/health", self._health)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port, reuse_address=True)
        await site.start()
        address = self._runner.addresses[0]
        self.port = int(address[1])
        log.info("emulator listening", extra={"state": f"{self.host}:{self.port}"})

    async def stop(self, abort: bool = False) -> None:
        """Stop serving: close sockets with 1001 (or drop them when ``abort``)."""
        if self._runner is None:
            return
        if abort:
            self.drop_all()
        else:
            for ws in list(self._sockets):
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.close(code=1001, message=b"server shutting down")
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- handlers -----------------------------------------------------------------------------

    async def _admit(
        self, request: web.Request, api: Api, request_id: str
    ) -> tuple[ConnectionFaults, SpeakParams, str] | web.Response:
        """Handshake checks shared by both APIs: faults, auth, parameters, concurrency."""
        faults = self.faults.claim(api.value)
        self.metrics.connections.labels(api=api.value).inc()
        if faults.handshake_delay_s:
            await asyncio.sleep(faults.handshake_delay_s)
        reject = faults.reject
        if reject is not None:
            code, msg = _ERRORS[reject.status]
            return error_response(
                reject.status,
                reject.err_code or code,
                reject.err_msg or msg,
                request_id,
                reject.retry_after_s,
            )
        key, _ = extract_credentials(request)
        if key is None or (self.config.api_keys and key not in self.config.api_keys):
            return error_response(401, *_ERRORS[401], request_id)
        params = parse_query(request.query.items(), api, self.config.require_known_model)
        if isinstance(params, QueryError):
            return error_response(params.status, params.err_code, params.err_msg, request_id)
        limit = (
            self.config.max_concurrent_ws
            if api is Api.WEBSOCKET
            else self.config.max_concurrent_rest
        )
        if self._active[api.value][key] >= limit:
            return error_response(429, *_ERRORS[429], request_id)
        return faults, params, key

    async def _handle_ws(self, request: web.Request) -> web.StreamResponse:
        request_id = str(uuid.uuid4())
        self.total_connections += 1
        admitted = await self._admit(request, Api.WEBSOCKET, request_id)
        if isinstance(admitted, web.Response):
            self.metrics.rejections.labels(status=str(admitted.status)).inc()
            return admitted
        faults, params, key = admitted
        _, echo = extract_credentials(request)
        ws = web.WebSocketResponse(
            protocols=(echo,) if echo else (),
            max_msg_size=4 * 1024 * 1024,
            heartbeat=None,
        )
        ws.headers[rest_protocol.HEADER_REQUEST_ID] = request_id
        if not ws.can_prepare(request).ok:
            return error_response(400, "Bad Request", "Expected a WebSocket upgrade.", request_id)
        self._active["websocket"][key] += 1
        self.metrics.sessions.inc()
        transport = request.transport
        try:
            await ws.prepare(request)
            self._sockets.add(ws)
            if transport is not None:
                self._transports.add(transport)
            fmt = PcmFormat(
                params.effective_encoding(Api.WEBSOCKET),
                params.effective_sample_rate(Api.WEBSOCKET),
            )
            log.info("session open", extra={"request_id": request_id, "transport": "websocket"})
            session = WsSession(ws, request, self.config, params.model, fmt, request_id, faults)
            await session.run()
        finally:
            self._active["websocket"][key] -= 1
            self.metrics.sessions.dec()
            if "session" in locals():
                self.metrics.audio_bytes.labels(api="websocket").inc(session.audio_sent)
                if ws.close_code is not None:
                    self.metrics.closes.labels(code=str(ws.close_code)).inc()
            self._sockets.discard(ws)
            if transport is not None:
                self._transports.discard(transport)
            log.info("session closed", extra={"request_id": request_id, "transport": "websocket"})
        return ws

    async def _handle_rest(self, request: web.Request) -> web.StreamResponse:
        request_id = str(uuid.uuid4())
        self.total_connections += 1
        admitted = await self._admit(request, Api.REST, request_id)
        if isinstance(admitted, web.Response):
            self.metrics.rejections.labels(status=str(admitted.status)).inc()
            return admitted
        faults, params, key = admitted
        body = await request.read()
        text = rest_protocol.parse_request_body(
            request.headers.get("Content-Type"), body, max_chars=self.config.rest_max_chars
        )
        if isinstance(text, rest_protocol.RestError):
            return error_response(text.status, text.err_code, text.err_msg, request_id)
        self._active["rest"][key] += 1
        transport = request.transport
        if transport is not None:
            self._transports.add(transport)
        try:
            return await stream_rest_response(
                request, self.config, params, text, request_id, faults
            )
        finally:
            self._active["rest"][key] -= 1
            if transport is not None:
                self._transports.discard(transport)

    async def _set_faults(self, request: web.Request) -> web.Response:
        try:
            plan = FaultPlan.model_validate_json(await request.read())
        except ValidationError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        self.set_faults(plan)
        return web.json_response({"faults": len(plan.faults)})

    async def _clear_faults(self, _request: web.Request) -> web.Response:
        self.clear_faults()
        return web.json_response({"faults": 0})

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = generate_latest(self.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _health(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {"status": "ok", "sessions": self.active_sessions, "faults": len(self.faults.active())}
        )


async def serve(
    config: EmulatorConfig,
    *,
    ready: Callable[[Emulator], None] | None = None,
    metrics_port: int | None = None,
) -> None:
    """Run an emulator until SIGINT or SIGTERM, then shut it down cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with Emulator(config) as emulator:
        metrics = None
        if metrics_port is not None:
            metrics = MetricsServer(emulator.metrics.registry, host=config.host, port=metrics_port)
            await metrics.start()
        if ready is not None:
            ready(emulator)
        try:
            await stop.wait()
        finally:
            if metrics is not None:
                await metrics.stop()


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``dgtts serve`` (defaults in docs/emulator.md)."""
    d = EmulatorConfig()
    p = Pacing()
    add = parser.add_argument
    add("--host", default=d.host, help=f"address to bind ({d.host})")
    add("--port", type=int, default=d.port, help=f"port ({d.port}; 0 = any free port)")
    add(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY",
        help="accepted key (repeatable; none given = any non-empty key)",
    )
    add("--voice-engine", choices=["espeak", "tone"], default=d.voice_engine)
    add("--faults", metavar="PLAN.json", help="fault plan applied from the start")
    add("--instant", action="store_true", help="no pacing delays at all")
    add("--first-audio-ms", type=float, default=p.first_audio_ms)
    add("--per-char-ms", type=float, default=p.per_char_ms)
    add("--chunk-ms", type=float, default=p.chunk_ms)
    add(
        "--realtime-factor",
        type=float,
        default=p.realtime_factor,
        help="audio seconds per wall second (0 = as fast as possible)",
    )
    add("--rest-first-byte-ms", type=float, default=p.rest_first_byte_ms)
    add("--lifetime-s", type=float, default=d.lifetime_s)
    add("--idle-timeout-s", type=float, default=None)
    add("--max-concurrent-ws", type=int, default=d.max_concurrent_ws)
    add("--max-concurrent-rest", type=int, default=d.max_concurrent_rest)
    add("--flushes-per-window", type=int, default=d.flushes_per_window)
    add("--chars-per-window", type=int, default=d.chars_per_window)
    add("--warning-shape", choices=[s.value for s in WarningShape], default=d.warning_shape.value)
    add("--prose-close-reasons", action="store_true")
    add("--close-drain", choices=[c.value for c in CloseDrain], default=d.close_drain.value)
    add(
        "--metrics-port",
        type=int,
        default=None,
        help="also serve /metrics, /healthz, /readyz on this port (the emulator's own metrics "
        "are always at /metrics on the main port)",
    )


def config_from_args(ns: argparse.Namespace) -> EmulatorConfig:
    """Build the configuration from parsed ``dgtts serve`` arguments.

    Raises:
        ValueError / pydantic.ValidationError / OSError: bad values or an unreadable plan.
    """
    plan = FaultPlan()
    if ns.faults:
        with open(ns.faults, encoding="utf-8") as handle:
            plan = FaultPlan.model_validate(json.load(handle))
    pacing = (
        Pacing.instant()
        if ns.instant
        else Pacing(
            first_audio_ms=ns.first_audio_ms,
            per_char_ms=ns.per_char_ms,
            chunk_ms=ns.chunk_ms,
            realtime_factor=ns.realtime_factor,
            rest_first_byte_ms=ns.rest_first_byte_ms,
        )
    )
    return EmulatorConfig(
        host=ns.host,
        port=ns.port,
        api_keys=tuple(ns.api_key),
        voice_engine=ns.voice_engine,
        pacing=pacing,
        max_concurrent_ws=ns.max_concurrent_ws,
        max_concurrent_rest=ns.max_concurrent_rest,
        warning_shape=WarningShape(ns.warning_shape),
        prose_close_reasons=ns.prose_close_reasons,
        flushes_per_window=ns.flushes_per_window,
        chars_per_window=ns.chars_per_window,
        lifetime_s=ns.lifetime_s,
        idle_timeout_s=ns.idle_timeout_s,
        close_drain=CloseDrain(ns.close_drain),
        faults=plan,
    )

"""The emulator's HTTP server: ``/v1/speak`` (WebSocket and REST) on one port, plus control.

Routes:

* ``GET /v1/speak`` with an upgrade: the streaming API (:mod:`.wsession`);
* ``POST /v1/speak``: the REST API (:mod:`.rest`);
* ``POST /_emulator/faults`` (a fault plan, JSON) and ``DELETE /_emulator/faults``;
* ``GET`` / ``POST /_emulator/config`` (the switches of :data:`~.config.RUNTIME_FIELDS`);
* ``GET /_emulator/health``.

Before the upgrade (and before REST synthesis) it checks, in Deepgram's order: handshake
faults, credentials (401), query parameters (400), per-key and per-project concurrency (429,
:mod:`.admission`). Every response carries ``dg-request-id``; failures also ``dg-error`` and
``{"err_code","err_msg","request_id"}`` (aura §1.3, §2.1). Keys are never logged.

The listener is guarded (:mod:`.guard`): request headers must arrive within
``header_timeout_s`` and at most ``max_pending_connections`` may wait for theirs. With
``worker`` set (``dgtts serve --workers N``) it binds with ``SO_REUSEPORT`` so N processes share
one port, and every answer carries ``x-emulator-worker``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from deepgram_tts2.emulator.admission import ConcurrencyLimiter, Slot
from deepgram_tts2.emulator.config import RUNTIME_FIELDS, EmulatorConfig, FaultPlan
from deepgram_tts2.emulator.faults import ConnectionFaults, FaultRegistry
from deepgram_tts2.emulator.guard import ConnectionGuard, guard_middleware
from deepgram_tts2.emulator.metrics import EmulatorMetrics
from deepgram_tts2.emulator.render_cache import RenderCache
from deepgram_tts2.emulator.responses import REJECTIONS, error_response
from deepgram_tts2.emulator.rest import read_text, stream_rest_response
from deepgram_tts2.emulator.wsession import WsSession
from deepgram_tts2.observability.server import MetricsServer
from deepgram_tts2.protocol.audio import PcmFormat
from deepgram_tts2.protocol.v1 import rest as rest_protocol
from deepgram_tts2.protocol.v1.limits import REST_MAX_BODY_BYTES
from deepgram_tts2.protocol.v1.url import Api, QueryError, SpeakParams, parse_query

log = logging.getLogger("deepgram_tts2.emulator")

# Idle keep-alive connections between requests are closed after this (aiohttp's default is an
# hour); a connection's first request has ``header_timeout_s`` instead (.guard).
KEEPALIVE_TIMEOUT_S = 75.0
LISTEN_BACKLOG = 1024  # load tests open hundreds of sockets at once (aiohttp's TCPSite: 128)
WORKER_HEADER = "x-emulator-worker"


def extract_credentials(request: web.Request) -> tuple[str | None, str | None]:
    """The key and, for subprotocol auth, the scheme to echo (``token``/``bearer``).

    ``Authorization: Token KEY`` / ``Bearer KEY`` (scheme case-insensitive), or
    ``Sec-WebSocket-Protocol: token, KEY`` (aura §1.2).
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

    def __init__(self, config: EmulatorConfig | None = None, *, worker: int | None = None) -> None:
        """Args:
        config: the configuration (defaults: ``EmulatorConfig()``).
        worker: this process's index among ``dgtts serve --workers N`` (binds with
            ``SO_REUSEPORT``); None for a single emulator.
        """
        self.config = config or EmulatorConfig()
        self.host = self.config.host
        self.port = self.config.port
        self.worker = worker
        self.faults = FaultRegistry(self.config.faults)
        self.total_connections = 0
        self.metrics = EmulatorMetrics()
        self.render_cache = RenderCache(self.config.render_cache_bytes)
        self.limiter = ConcurrencyLimiter()
        self._sockets: set[web.WebSocketResponse] = set()
        self._transports: set[asyncio.Transport] = set()
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None
        self._guard: ConnectionGuard | None = None

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
        """Open WebSocket sessions (``/v1/speak`` and ``/v2/speak``)."""
        from deepgram_tts2.emulator.v2.routes import flux_service

        return self.limiter.active(Api.WEBSOCKET) + flux_service(self).active_sessions

    @property
    def active_rest_requests(self) -> int:
        """REST requests admitted and not yet answered."""
        return self.limiter.active(Api.REST)

    @property
    def pending_connections(self) -> int:
        """Connections that have not completed their request headers yet."""
        return 0 if self._guard is None else self._guard.pending

    def configure(self, **changes: Any) -> EmulatorConfig:
        """Change switches of :data:`~.config.RUNTIME_FIELDS` for connections opened from now on.

        Raises:
            ValueError: for a field that cannot change at runtime (or a
                ``pydantic.ValidationError`` for a bad value).
        """
        fixed = set(changes) - RUNTIME_FIELDS
        if fixed:
            raise ValueError(f"not settable at runtime: {', '.join(sorted(fixed))}")
        self.config = EmulatorConfig.model_validate({**dict(self.config), **changes})
        return self.config

    def set_faults(self, plan: FaultPlan) -> None:
        """Replace the active fault plan."""
        self.faults.set(plan)

    def clear_faults(self) -> None:
        """Remove every fault."""
        self.faults.clear()

    def drop_all(self) -> None:
        """Drop every open connection (both APIs) at once, without a close frame."""
        from deepgram_tts2.emulator.v2.routes import flux_service

        for transport in list(self._transports):
            transport.abort()
        flux_service(self).drop_all()

    async def start(self) -> None:
        """Bind and start serving (port 0 picks a free port)."""
        loop = asyncio.get_running_loop()
        self._guard = guard = ConnectionGuard(
            loop, self.config.header_timeout_s, self.config.max_pending_connections
        )
        app = web.Application(
            client_max_size=REST_MAX_BODY_BYTES + 1024,
            middlewares=[guard_middleware(guard, self._internal_error)],
        )
        if self.worker is not None:
            app.on_response_prepare.append(self._stamp_worker)
        # -- routes: /v1/speak, then other APIs' installers, then the control routes --------
        app.router.add_get("/v1/speak", self._handle_ws)
        app.router.add_post("/v1/speak", self._handle_rest)
        from deepgram_tts2.emulator.v2.routes import install_v2_routes  # Flux /v2/speak

        install_v2_routes(app, self)
        app.router.add_post("/_emulator/faults", self._set_faults)
        app.router.add_delete("/_emulator/faults", self._clear_faults)
        app.router.add_get("/_emulator/config", self._get_config)
        app.router.add_post("/_emulator/config", self._set_config)
        app.router.add_get("/_emulator/health", self._health)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, keepalive_timeout=KEEPALIVE_TIMEOUT_S
        )
        await self._runner.setup()
        server = self._runner.server
        assert server is not None

        def protocol_factory() -> RequestHandler:  # aiohttp's web.Server is the factory
            handler = server()
            guard.opened(handler)
            return handler

        self._listener = await loop.create_server(
            protocol_factory,
            self.config.host,
            self.config.port,
            reuse_address=True,
            reuse_port=True if self.worker is not None else None,
            backlog=LISTEN_BACKLOG,
        )
        self.port = int(self._listener.sockets[0].getsockname()[1])
        log.info("emulator listening", extra={"state": f"{self.host}:{self.port}"})

    async def stop(self, abort: bool = False) -> None:
        """Stop serving: close sockets with 1001 (or drop them when ``abort``)."""
        if self._runner is None:
            return
        if self._listener is not None:
            self._listener.close()  # no new connections
        if self._guard is not None:
            self._guard.close_all()
        if abort:
            self.drop_all()
        else:
            for ws in list(self._sockets):
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.close(code=1001, message=b"server shutting down")
        await self._runner.cleanup()
        self._runner = None
        if self._listener is not None:
            await self._listener.wait_closed()
            self._listener = None

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
    ) -> tuple[ConnectionFaults, SpeakParams, str, Slot] | web.Response:
        """Handshake checks shared by both APIs: faults, auth, parameters, concurrency.

        The concurrency slot is checked and taken with no await in between, before the body is
        read (issue #11 item 6); the caller releases it.
        """
        faults = self.faults.claim(api.value)
        self.metrics.connections.labels(api=api.value).inc()
        if faults.handshake_delay_s:
            await asyncio.sleep(faults.handshake_delay_s)
        reject = faults.reject
        if reject is not None:
            code, msg = REJECTIONS[reject.status]
            return error_response(
                reject.status,
                reject.err_code or code,
                reject.err_msg or msg,
                request_id,
                reject.retry_after_s,
            )
        key, _ = extract_credentials(request)
        config = self.config
        if key is None or not config.accepts(key):
            return error_response(401, *REJECTIONS[401], request_id)
        params = parse_query(request.query.items(), api, config.require_known_model)
        if isinstance(params, QueryError):
            return error_response(params.status, params.err_code, params.err_msg, request_id)
        slot = self.limiter.try_acquire(config, api, key)
        if slot is None:  # "new requests will receive a 429: Too Many Requests" (aura §2.6)
            return error_response(429, *REJECTIONS[429], request_id)
        return faults, params, key, slot

    async def _handle_ws(self, request: web.Request) -> web.StreamResponse:
        request_id = str(uuid.uuid4())
        self.total_connections += 1
        config = self.config  # one configuration for the whole session
        admitted = await self._admit(request, Api.WEBSOCKET, request_id)
        if isinstance(admitted, web.Response):
            self.metrics.rejections.labels(status=str(admitted.status)).inc()
            return admitted
        faults, params, _, slot = admitted
        _, echo = extract_credentials(request)
        ws = web.WebSocketResponse(
            protocols=(echo,) if echo else (),
            max_msg_size=4 * 1024 * 1024,
            heartbeat=None,
            compress=config.permessage_deflate,  # RFC 7692 offer accepted or not (docs)
        )
        ws.headers[rest_protocol.HEADER_REQUEST_ID] = request_id
        if not ws.can_prepare(request).ok:
            slot.release()
            return error_response(400, "Bad Request", "Expected a WebSocket upgrade.", request_id)
        self.metrics.sessions.inc()
        transport = request.transport
        session: WsSession | None = None
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
            session = WsSession(
                ws, request, config, params.model, fmt, request_id, faults, self.render_cache
            )
            await session.run()
        finally:
            slot.release()
            self.metrics.sessions.dec()
            if session is not None:
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
        config = self.config
        admitted = await self._admit(request, Api.REST, request_id)
        if isinstance(admitted, web.Response):
            self.metrics.rejections.labels(status=str(admitted.status)).inc()
            return admitted
        faults, params, _, slot = admitted
        transport = request.transport
        if transport is not None:
            self._transports.add(transport)
        try:
            text = await read_text(request, config)
            if isinstance(text, rest_protocol.RestError):
                return error_response(text.status, text.err_code, text.err_msg, request_id)
            return await stream_rest_response(request, config, params, text, request_id, faults)
        finally:
            slot.release()
            if transport is not None:
                self._transports.discard(transport)

    def _internal_error(self) -> web.Response:
        return error_response(500, *REJECTIONS[500], str(uuid.uuid4()))

    async def _stamp_worker(self, _request: web.Request, response: web.StreamResponse) -> None:
        response.headers[WORKER_HEADER] = f"{self.worker}"

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

    async def _get_config(self, _request: web.Request) -> web.Response:
        return web.json_response(self._runtime_switches())

    async def _set_config(self, request: web.Request) -> web.Response:
        try:
            changes = json.loads(await request.read())
            if not isinstance(changes, dict):
                raise ValueError("expected a JSON object of switches")
            self.configure(**changes)
        except (ValueError, ValidationError) as exc:  # ValidationError is a ValueError
            return web.json_response({"error": " ".join(str(exc).split())}, status=400)
        return web.json_response(self._runtime_switches())

    def _runtime_switches(self) -> dict[str, Any]:
        dumped = self.config.model_dump(mode="json")
        return {name: dumped[name] for name in sorted(RUNTIME_FIELDS)}

    async def _health(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {
                "status": "ok",
                "sessions": self.active_sessions,
                "faults": len(self.faults.active()),
                "worker": self.worker,
                "pid": os.getpid(),
            }
        )


async def serve(
    config: EmulatorConfig,
    *,
    ready: Callable[[Emulator], None] | None = None,
    metrics_port: int | None = None,
    worker: int | None = None,
) -> None:
    """Run an emulator until SIGINT or SIGTERM, then shut it down cleanly.

    Args:
        worker: this process's index under ``dgtts serve --workers N`` (see :class:`Emulator`).
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with Emulator(config, worker=worker) as emulator:
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

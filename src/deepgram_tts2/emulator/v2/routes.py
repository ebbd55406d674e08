"""Registration of ``/v2/speak`` on the emulator's app, and the checks before an upgrade.

:func:`install_v2_routes` adds ``GET /v2/speak`` (upgrade) and ``POST /v2/speak`` to the
emulator's aiohttp app. Before the upgrade (and before REST synthesis) the order is the v1
one (flux §8 item 1): handshake faults (the emulator's fault registry), credentials (401 via the
emulator's own :func:`extract_credentials`), query parameters (400, Deepgram's body with
``dg-error``), per-key concurrency (429). Every answer carries ``dg-request-id``.

One :class:`FluxService` per emulator holds the v2 options, sockets and counters.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
import weakref
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from deepgram_tts2.emulator.faults import ConnectionFaults
from deepgram_tts2.emulator.responses import FLUX_REJECTIONS, error_response
from deepgram_tts2.emulator.v2.options import EmulatorV2Options
from deepgram_tts2.protocol.v2.url import FluxParams, QueryError, QueryRules, Transport, parse_query

if TYPE_CHECKING:
    from deepgram_tts2.emulator.server import Emulator


@dataclass(frozen=True)
class Admitted:
    """A connection that passed the handshake checks."""

    request_id: str
    faults: ConnectionFaults
    params: FluxParams
    key: str
    options: EmulatorV2Options


class FluxService:
    """The v2 state of one emulator: options, open sockets, per-key counters."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.active: dict[Transport, Counter[str]] = {t: Counter() for t in Transport}
        self.sockets: set[web.WebSocketResponse] = set()
        self.transports: set[asyncio.Transport] = set()
        self.total_connections = 0

    @property
    def options(self) -> EmulatorV2Options:
        """``EmulatorConfig.flux`` as it is now (read per connection: changes apply to the next)."""
        return self.emulator.config.flux

    @property
    def active_sessions(self) -> int:
        """Open v2 WebSocket sessions."""
        return sum(self.active[Transport.WEBSOCKET].values())

    def drop_all(self) -> None:
        """Drop every open v2 connection at once, without a close frame."""
        for transport in list(self.transports):
            transport.abort()

    async def shutdown(self, _app: web.Application) -> None:
        """Close open v2 sockets with 1001 when the emulator stops."""
        for ws in list(self.sockets):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.close(code=1001, message=b"server shutting down")

    def _limit(self, transport: Transport) -> int:
        options, config = self.options, self.emulator.config
        if transport is Transport.WEBSOCKET:
            return options.max_concurrent_ws or config.max_concurrent_ws
        return options.max_concurrent_rest or config.max_concurrent_rest

    async def admit(self, request: web.Request, transport: Transport) -> Admitted | web.Response:
        """Handshake checks in Deepgram's order; a Deepgram-shaped error answer on failure."""
        from deepgram_tts2.emulator.server import extract_credentials

        request_id = str(uuid.uuid4())
        self.total_connections += 1
        emulator = self.emulator
        emulator.total_connections += 1  # the emulator counts both APIs' handshakes
        faults = emulator.faults.claim(transport.value)
        emulator.metrics.connections.labels(api=f"v2_{transport.value}").inc()
        if faults.handshake_delay_s:
            await asyncio.sleep(faults.handshake_delay_s)
        reject = faults.reject
        if reject is not None:
            code, msg = FLUX_REJECTIONS[reject.status]
            return self.refuse(
                reject.status,
                reject.err_code or code,
                reject.err_msg or msg,
                request_id,
                reject.retry_after_s,
            )
        key, _ = extract_credentials(request)
        if key is None or (emulator.config.api_keys and key not in emulator.config.api_keys):
            return self.refuse(401, *FLUX_REJECTIONS[401], request_id)
        options = self.options
        rules = QueryRules(
            require_known_model=options.require_known_model,
            speed_range=options.speed_bounds,
            runtime_speed_supported=options.runtime_speed_supported,
            g711_default_sample_rate=options.g711_default_sample_rate,
        )
        params = parse_query(request.query.items(), transport, rules)
        if isinstance(params, QueryError):
            return self.refuse(params.status, params.err_code, params.err_msg, request_id)
        if self.active[transport][key] >= self._limit(transport):
            return self.refuse(429, *FLUX_REJECTIONS[429], request_id)
        return Admitted(request_id, faults, params, key, options)

    def refuse(
        self, status: int, code: str, msg: str, request_id: str, retry_after: float | None = None
    ) -> web.Response:
        self.emulator.metrics.rejections.labels(status=str(status)).inc()
        return error_response(status, code, msg, request_id, retry_after)


_SERVICES: weakref.WeakKeyDictionary[Emulator, FluxService] = weakref.WeakKeyDictionary()


def flux_service(emulator: Emulator) -> FluxService:
    """The (one) :class:`FluxService` of ``emulator``."""
    service = _SERVICES.get(emulator)
    if service is None:
        service = _SERVICES[emulator] = FluxService(emulator)
    return service


def set_v2_options(emulator: Emulator, options: EmulatorV2Options | None) -> None:
    """Use ``options`` for the next v2 connections of ``emulator`` (None: the defaults); the
    same as ``emulator.configure(flux=options)``."""
    emulator.configure(flux=options or EmulatorV2Options())


def install_v2_routes(app: web.Application, emulator: Emulator) -> None:
    """Add ``/v2/speak`` (WebSocket upgrade and REST) to ``emulator``'s app."""
    from deepgram_tts2.emulator.v2.rest import handle_rest
    from deepgram_tts2.emulator.v2.wsession import handle_ws

    service = flux_service(emulator)

    async def ws(request: web.Request) -> web.StreamResponse:
        return await handle_ws(service, request)

    async def rest(request: web.Request) -> web.StreamResponse:
        return await handle_rest(service, request)

    app.router.add_get("/v2/speak", ws)
    app.router.add_post("/v2/speak", rest)
    app.on_shutdown.append(service.shutdown)

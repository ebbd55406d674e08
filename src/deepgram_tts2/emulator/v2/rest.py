"""REST ``POST /v2/speak`` of the emulator (flux §5).

The body is streamed (``transfer-encoding: chunked``) while it is encoded. Headers:
``content-type``, ``dg-request-id``, ``dg-model-name``, ``dg-model-uuid``, ``dg-char-count``
(billable characters), ``dg-pronunciations-applied``, ``dg-breaks-applied`` (flux §5.2; names
by analogy to v1, Q-13). Inline pauses become silence. With ``callback`` the answer is the JSON
acknowledgement ``{"request_id"}`` and nothing is delivered (the emulator makes no outbound
requests). Faults that apply: close (the body is cut short), stall, slow drip, odd frames.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import numpy as np
from aiohttp import web

from deepgram_tts2.emulator.codecs import StreamEncoder, UnsupportedEncodingError, encode_pcm
from deepgram_tts2.emulator.rest_body import FaultyBody, stream_paced
from deepgram_tts2.emulator.v2.voices import synthesize_flux
from deepgram_tts2.emulator.voices import Samples
from deepgram_tts2.emulator.wsession import model_uuid
from deepgram_tts2.protocol.audio import Container, Encoding, content_type, wav_header
from deepgram_tts2.protocol.v2 import rest as rest_protocol
from deepgram_tts2.protocol.v2.audio import FluxPcmFormat
from deepgram_tts2.protocol.v2.url import Transport

if TYPE_CHECKING:
    from deepgram_tts2.emulator.v2.routes import Admitted, FluxService


async def handle_rest(service: FluxService, request: web.Request) -> web.StreamResponse:
    """``POST /v2/speak``: handshake checks, body and control checks, then the audio."""
    admitted = await service.admit(request, Transport.REST)
    if isinstance(admitted, web.Response):
        return admitted
    options, request_id = admitted.options, admitted.request_id
    rules = rest_protocol.BodyRules(
        lenient=options.rest_lenient_body,
        max_chars=options.rest_max_chars,
        char_unit=options.char_unit,
    )
    text = rest_protocol.parse_request_body(
        request.headers.get("Content-Type"), await request.read(), rules
    )
    if isinstance(text, rest_protocol.RestError):
        return service.refuse(text.status, text.err_code, text.err_msg, request_id)
    plan = rest_protocol.plan_batch_text(text, admitted.params.speed, options.char_unit)
    if isinstance(plan, rest_protocol.RestError):
        return service.refuse(plan.status, plan.err_code, plan.err_msg, request_id)
    if admitted.params.callback is not None:
        return web.Response(
            body=rest_protocol.callback_ack(request_id),
            content_type="application/json",
            headers={rest_protocol.HEADER_REQUEST_ID: request_id},
        )
    counter = service.active[Transport.REST]
    counter[admitted.key] += 1
    transport = request.transport
    if transport is not None:
        service.transports.add(transport)
    try:
        return await _stream(service, request, admitted, plan)
    finally:
        counter[admitted.key] -= 1
        if transport is not None:
            service.transports.discard(transport)


def _samples(
    plan: rest_protocol.BatchText, model: str, rate: int, speed: float, engine: str
) -> Samples:
    pieces: list[Samples] = []
    for text, pause_ms in plan.pieces:
        pieces.append(synthesize_flux(text, model, rate, speed, engine))
        pieces.append(np.zeros(rate * pause_ms // 1000, dtype=np.int16))
    out: Samples = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int16)
    return out


async def _stream(
    service: FluxService, request: web.Request, admitted: Admitted, plan: rest_protocol.BatchText
) -> web.StreamResponse:
    params, config = admitted.params, service.emulator.config
    encoding = params.effective_encoding(Transport.REST)
    container = params.effective_container(Transport.REST)
    rate = params.effective_sample_rate(Transport.REST)
    try:
        encoder = _encoder(encoding, container, rate, params.bit_rate)
    except UnsupportedEncodingError as exc:
        return service.refuse(400, "INVALID_QUERY_PARAMETER", str(exc), admitted.request_id)
    engine = "tone" if config.voice_engine == "tone" else "espeak"
    speed = 1.0 if params.speed is None else params.speed
    samples = await asyncio.to_thread(_samples, plan, params.model, rate, speed, engine)
    response = web.StreamResponse(
        headers={
            "content-type": content_type(encoding, container, rate),
            rest_protocol.HEADER_REQUEST_ID: admitted.request_id,
            rest_protocol.HEADER_MODEL_NAME: params.model,
            rest_protocol.HEADER_MODEL_UUID: model_uuid(params.model),
            rest_protocol.HEADER_CHAR_COUNT: str(plan.billable),
            rest_protocol.HEADER_PRONUNCIATIONS: str(plan.pronunciations),
            rest_protocol.HEADER_BREAKS: str(plan.breaks),
            "access-control-expose-headers": rest_protocol.EXPOSED_HEADERS,
        }
    )
    response.enable_chunked_encoding()
    await asyncio.sleep(config.pacing.rest_first_byte_ms / 1000.0)
    await response.prepare(request)
    body = FaultyBody(request, response, admitted.faults)
    await stream_paced(body, encoder, samples, rate, config.pacing.realtime_factor)
    return response


class _PcmEncoder:
    """PCM bodies at Flux rates (44100 Hz linear16 too, which the shared ``StreamEncoder``'s
    ``PcmFormat`` refuses): the streaming WAV header of ``container=wav``, then raw samples."""

    def __init__(self, fmt: FluxPcmFormat, container: Container | None) -> None:
        self.fmt = fmt
        self.container = container

    def header(self) -> bytes:
        return wav_header(self.fmt) if self.container is Container.WAV else b""

    def encode(self, samples: Samples) -> bytes:
        return encode_pcm(samples, self.fmt.encoding)

    def finish(self) -> bytes:
        return b""


def _encoder(
    encoding: Encoding, container: Container | None, rate: int, bit_rate: int | None
) -> _PcmEncoder | StreamEncoder:
    if encoding.is_pcm:
        return _PcmEncoder(FluxPcmFormat(encoding, rate), container)
    return StreamEncoder(encoding, container, rate, bit_rate)

"""REST ``POST /v1/speak`` of the emulator (spec section 3).

The body is streamed (``transfer-encoding: chunked``) while it is encoded: "you may begin
playback as soon as the first byte arrives". Headers: ``content-type``, ``dg-request-id``,
``dg-model-name``, ``dg-model-uuid``, ``dg-char-count``. Faults that apply: close (the body is
cut short by aborting the connection), stall, slow drip (tiny chunks with pauses).
"""

from __future__ import annotations

import asyncio

import numpy as np
from aiohttp import web

from deepgram_tts2.emulator.codecs import StreamEncoder, UnsupportedEncodingError
from deepgram_tts2.emulator.config import CloseConnection, EmulatorConfig, Stall
from deepgram_tts2.emulator.faults import ConnectionFaults
from deepgram_tts2.emulator.responses import error_response
from deepgram_tts2.emulator.voices import VoiceEngine, synthesize
from deepgram_tts2.emulator.wsession import model_uuid
from deepgram_tts2.protocol.audio import content_type
from deepgram_tts2.protocol.v1 import rest as rest_protocol
from deepgram_tts2.protocol.v1.url import Api, SpeakParams

CHUNK_SAMPLES = 2400


async def stream_rest_response(
    request: web.Request,
    config: EmulatorConfig,
    params: SpeakParams,
    text: str,
    request_id: str,
    faults: ConnectionFaults,
) -> web.StreamResponse:
    """Synthesise ``text`` and stream it as Deepgram's REST response."""
    encoding = params.effective_encoding(Api.REST)
    container = params.effective_container(Api.REST)
    rate = params.effective_sample_rate(Api.REST)
    try:
        encoder = StreamEncoder(encoding, container, rate, params.bit_rate)
    except UnsupportedEncodingError as exc:
        return error_response(400, "INVALID_QUERY_PARAMETER", str(exc), request_id)
    engine: VoiceEngine = "tone" if config.voice_engine == "tone" else "espeak"
    samples = await asyncio.to_thread(synthesize, text, params.model, rate, engine)
    response = web.StreamResponse(
        headers={
            "content-type": content_type(encoding, container, rate),
            rest_protocol.HEADER_REQUEST_ID: request_id,
            rest_protocol.HEADER_MODEL_NAME: params.model,
            rest_protocol.HEADER_MODEL_UUID: model_uuid(params.model),
            rest_protocol.HEADER_CHAR_COUNT: str(len(text)),
            "access-control-expose-headers": rest_protocol.EXPOSED_HEADERS,
        }
    )
    response.enable_chunked_encoding()
    await asyncio.sleep(config.pacing.rest_first_byte_ms / 1000.0)
    await response.prepare(request)
    body = _Body(request, response, faults)
    await body.write(encoder.header())
    step = CHUNK_SAMPLES
    pacing = config.pacing
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    for offset in range(0, len(samples), step):
        chunk = np.ascontiguousarray(samples[offset : offset + step])
        if not await body.write(encoder.encode(chunk)):
            return response
        if pacing.realtime_factor > 0:
            due = t0 + (offset + step) / rate / pacing.realtime_factor
            await asyncio.sleep(max(0.0, due - loop.time()))
    if await body.write(encoder.finish()):
        await response.write_eof()
    return response


class _Body:
    """Writes body bytes, applying the connection's faults; False once the body was cut."""

    def __init__(
        self, request: web.Request, response: web.StreamResponse, faults: ConnectionFaults
    ) -> None:
        self.request = request
        self.response = response
        self.faults = faults
        self.sent = 0
        self.cut = False

    async def write(self, data: bytes) -> bool:
        if self.cut:
            return False
        frame = self.faults.frame_bytes or len(data) or 1
        for offset in range(0, len(data), frame):
            if not await self._fire(about_to_send=True):
                return False
            piece = data[offset : offset + frame]
            await self.response.write(piece)
            self.sent += len(piece)
            if self.faults.drip_interval_s:
                await asyncio.sleep(self.faults.drip_interval_s)
            if not await self._fire(about_to_send=False):
                return False
        return True

    async def _fire(self, about_to_send: bool) -> bool:
        for fault in self.faults.due_by_bytes(self.sent, about_to_send):
            if isinstance(fault, CloseConnection):
                self.cut = True
                if self.request.transport is not None:
                    self.request.transport.abort()
                return False
            if isinstance(fault, Stall):
                await asyncio.sleep(fault.duration_ms / 1000.0)
        return True

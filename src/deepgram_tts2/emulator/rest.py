"""REST ``POST /v1/speak`` of the emulator (aura §3).

The request body is read with Deepgram's 2 MB limit (413 ``PAYLOAD_TOO_LARGE`` in Deepgram's
shape, aura §3.4, not aiohttp's plain-text one) and a read timeout. The answer is streamed
(``transfer-encoding: chunked``) while it is encoded: "you may begin playback as soon as the
first byte arrives". Headers: ``content-type``, ``dg-request-id``, ``dg-model-name``,
``dg-model-uuid``, ``dg-char-count``. Faults that apply: close (the body is cut short by aborting
the connection), stall, slow drip (tiny chunks with pauses). A client that goes away mid-answer
costs one log line, not a traceback.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from deepgram_tts2.compat import TimeoutErrors
from deepgram_tts2.emulator.codecs import StreamEncoder, UnsupportedEncodingError
from deepgram_tts2.emulator.config import EmulatorConfig
from deepgram_tts2.emulator.faults import ConnectionFaults
from deepgram_tts2.emulator.responses import error_response
from deepgram_tts2.emulator.rest_body import FaultyBody, stream_paced
from deepgram_tts2.emulator.voices import VoiceEngine, synthesize
from deepgram_tts2.emulator.wsession import model_uuid
from deepgram_tts2.protocol.audio import content_type
from deepgram_tts2.protocol.v1 import rest as rest_protocol
from deepgram_tts2.protocol.v1.limits import REST_MAX_BODY_BYTES
from deepgram_tts2.protocol.v1.url import Api, SpeakParams

log = logging.getLogger("deepgram_tts2.emulator")


# "Payload size exceeds limit of 2 MB." (aura §3.4)
TOO_LARGE = rest_protocol.RestError(413, "PAYLOAD_TOO_LARGE", "Payload size exceeds limit of 2 MB.")
# No documented Deepgram answer for a body that never arrives: the emulator's choice.
BODY_TIMEOUT = rest_protocol.RestError(408, "REQUEST_TIMEOUT", "Request body not received in time.")


async def read_text(
    request: web.Request, config: EmulatorConfig, max_bytes: int = REST_MAX_BODY_BYTES
) -> str | rest_protocol.RestError:
    """The text of a REST request, or the error Deepgram answers. Never raises on bad input.

    The body is read in pieces up to ``max_bytes`` (a larger ``Content-Length`` is refused
    before reading), within ``config.header_timeout_s``.
    """
    if request.content_length is not None and request.content_length > max_bytes:
        return TOO_LARGE
    try:
        body = await asyncio.wait_for(_read_limited(request, max_bytes), config.header_timeout_s)
    except TimeoutErrors:
        return BODY_TIMEOUT
    if body is None:
        return TOO_LARGE
    text = rest_protocol.parse_request_body(
        request.headers.get("Content-Type"), body, max_chars=config.rest_max_chars
    )
    return text


async def _read_limited(request: web.Request, max_bytes: int) -> bytes | None:
    """The body, or None once it grows past ``max_bytes`` (the rest is left unread)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


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
    try:
        await response.prepare(request)
        body = FaultyBody(request, response, faults)
        await stream_paced(body, encoder, samples, rate, config.pacing.realtime_factor)
    except ConnectionError:
        log.info("REST client went away mid-answer", extra={"request_id": request_id})
    return response

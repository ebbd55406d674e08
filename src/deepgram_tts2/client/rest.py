"""REST ``POST /v1/speak`` over one pooled ``httpx.AsyncClient`` (keep-alive, bounded pool).

The response body is streamed: chunks are yielded as they arrive. The request asks for raw PCM
(``container=none``) in the same encoding and sample rate as the socket, so both transports
yield the same audio. Errors are translated here, at the boundary: ``httpx`` exceptions never
escape. "Because an error body can arrive where audio was expected, clients must check the
status before treating the body as audio" (spec 3.4).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncGenerator
from urllib.parse import urlencode

import httpx

from deepgram_tts2.exceptions import (
    AuthError,
    ConnectError,
    ConnectionLostError,
    DeepgramTTSError,
    InputError,
    PhaseTimeoutError,
    RateLimitError,
    ServerError,
)
from deepgram_tts2.options import TTSOptions
from deepgram_tts2.protocol.audio import Container
from deepgram_tts2.protocol.errors import ErrorClass, classify_http_status
from deepgram_tts2.protocol.v1.rest import HEADER_REQUEST_ID, parse_error_body, request_body
from deepgram_tts2.resilience.backoff import parse_retry_after

_BY_CLASS: dict[ErrorClass, type[DeepgramTTSError]] = {
    ErrorClass.AUTH: AuthError,
    ErrorClass.INPUT: InputError,
    ErrorClass.RATE_LIMIT: RateLimitError,
    ErrorClass.TRANSIENT: ServerError,
}


class RestClient:
    """Streams REST synthesis; one instance per :class:`~deepgram_tts2.DeepgramTTS`."""

    def __init__(self, options: TTSOptions) -> None:
        self.options = options
        limits = httpx.Limits(
            max_connections=options.limits.pool_size * 2,
            max_keepalive_connections=options.limits.pool_size,
        )
        timeout = httpx.Timeout(
            options.timeouts.rest_s,
            connect=options.timeouts.connect_s,
            read=options.timeouts.stall_s,
        )
        self._client = httpx.AsyncClient(limits=limits, timeout=timeout)
        params = dataclasses.replace(
            options.speak_params(), container=Container.NONE, bit_rate=None
        )
        self._url = f"{options.rest_url}?{urlencode(params.to_query())}"

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._client.aclose()

    async def stream(self, text: str) -> AsyncGenerator[bytes, None]:
        """Audio bytes of ``text`` as they arrive.

        Deadlines: ``timeouts.connect_s`` to connect, ``timeouts.stall_s`` between body chunks,
        ``timeouts.rest_s`` for the whole response (checked as chunks arrive).

        Raises:
            DeepgramTTSError: the classified failure (status, ``err_code``, request id,
                Retry-After), a timeout (phase ``connect``, ``stall`` or ``rest``) or a
                connection failure.
        """
        headers = {
            "Authorization": f"Token {self.options.require_key()}",
            "Content-Type": "application/json",
        }
        timeouts = self.options.timeouts
        deadline = time.monotonic() + timeouts.rest_s
        try:
            async with self._client.stream(
                "POST", self._url, content=request_body(text), headers=headers
            ) as response:
                if response.status_code >= 400:
                    raise _status_error(response, await response.aread())
                async for chunk in response.aiter_bytes():
                    if time.monotonic() > deadline:
                        raise PhaseTimeoutError("rest", timeouts.rest_s)
                    if chunk:
                        yield chunk
        except httpx.ConnectTimeout:
            raise PhaseTimeoutError("connect", timeouts.connect_s) from None
        except httpx.ReadTimeout:
            raise PhaseTimeoutError("stall", timeouts.stall_s) from None
        except httpx.TimeoutException:
            raise PhaseTimeoutError("rest", timeouts.rest_s) from None
        except httpx.ConnectError as exc:
            raise ConnectError(f"cannot connect for REST: {type(exc).__name__}") from None
        except httpx.HTTPError as exc:  # transport broke mid-body, bad framing, ...
            raise ConnectionLostError(f"REST response broken: {type(exc).__name__}") from None


def _status_error(response: httpx.Response, body: bytes) -> DeepgramTTSError:
    status = response.status_code
    parsed = parse_error_body(body)
    error_class = classify_http_status(status) or ErrorClass.TRANSIENT
    kind = _BY_CLASS.get(error_class, ServerError)
    message = parsed.err_msg or f"HTTP {status}"
    return kind(
        f"REST request failed with HTTP {status}: {message}",
        request_id=response.headers.get(HEADER_REQUEST_ID) or parsed.request_id or None,
        status=status,
        vendor_code=parsed.err_code or None,
        retry_after_s=parse_retry_after(response.headers.get("Retry-After")),
    )

"""Deepgram-shaped error answers of the emulator (spec 1.3, 3.4)."""

from __future__ import annotations

from aiohttp import web

from deepgram_tts2.protocol.v1 import rest as rest_protocol


def error_response(
    status: int,
    err_code: str,
    err_msg: str,
    request_id: str,
    retry_after_s: float | None = None,
) -> web.Response:
    """A Deepgram-shaped error answer."""
    headers = {
        rest_protocol.HEADER_REQUEST_ID: request_id,
        rest_protocol.HEADER_ERROR: err_msg,
        "access-control-expose-headers": rest_protocol.EXPOSED_HEADERS,
    }
    if retry_after_s is not None:
        headers["retry-after"] = f"{retry_after_s:g}"
    return web.Response(
        status=status,
        body=rest_protocol.error_body(err_code, err_msg, request_id),
        content_type="application/json",
        headers=headers,
    )

"""Deepgram-shaped error answers of the emulator (aura §1.3, §3.4)."""

from __future__ import annotations

import re

from aiohttp import web

from deepgram_tts2.protocol.v1 import rest as rest_protocol

# The platform's default wording of a refused handshake or request, by status (aura §1.3; Flux
# answers the same, but its 429 names the code: flux §4 "Handshake").
REJECTIONS: dict[int, tuple[str, str]] = {
    400: ("Bad Request", "Bad Request"),
    401: ("INVALID_AUTH", "Invalid credentials."),
    402: ("PAYMENT_REQUIRED", "Project does not have enough credits for this request."),
    403: ("INSUFFICIENT_PERMISSIONS", "Project does not have access to the requested model."),
    429: ("Too Many Requests", "Please try again later."),
    500: ("INTERNAL_SERVER_ERROR", "Internal server error."),
    502: ("Bad Gateway", "Please try again later"),
    503: ("Service Unavailable", "Please try again later"),
}
FLUX_REJECTIONS: dict[int, tuple[str, str]] = {
    **REJECTIONS,
    429: ("TOO_MANY_REQUESTS", "Too many requests. Please try again later."),
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def header_safe(text: str) -> str:
    """``text`` as a header value: control characters and non-ASCII escaped (``\\r``, ``\\xe9``).

    Error messages quote what the client sent (e.g. "unknown variant `lin\\r\\n...`"); a raw CR/LF
    in a header is refused by aiohttp ("header injection") and the connection was dropped with no
    answer at all (issue #11 item 8).
    """
    escaped = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), text)
    return escaped.encode("ascii", "backslashreplace").decode("ascii")


def error_response(
    status: int,
    err_code: str,
    err_msg: str,
    request_id: str,
    retry_after_s: float | None = None,
) -> web.Response:
    """A Deepgram-shaped error answer: ``dg-request-id`` and ``dg-error`` headers and the legacy
    ``{"err_code","err_msg","request_id"}`` body, the same message in both (aura §1.3), made
    :func:`header_safe` in both so they stay equal."""
    err_msg = header_safe(err_msg)
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

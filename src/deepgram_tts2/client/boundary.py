"""The one boundary where wire failures become the library's exceptions.

``websockets`` and ``httpx`` exceptions, HTTP statuses and WebSocket close frames are translated
here, and nowhere else, into :mod:`deepgram_tts2.exceptions`; classification itself (which
status or close code means what) is sans-I/O, in :mod:`deepgram_tts2.protocol.errors`.
Nothing from ``websockets`` or ``httpx`` escapes the client (docs/README.md "Architecture":
library exceptions never escape the public API; they are translated at one boundary).

Messages name the endpoint (scheme, host, port, path; never a query or credentials) and the
cause in plain words, so ``cannot connect to ws://127.0.0.1:9/v1/speak: connection refused``
says what failed and where.
"""

from __future__ import annotations

import errno
from urllib.parse import urlsplit, urlunsplit

import httpx
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from deepgram_tts2.compat import TimeoutErrors
from deepgram_tts2.exceptions import (
    AuthError,
    ConnectError,
    ConnectionLostError,
    DeepgramTTSError,
    InputError,
    InternalError,
    PhaseTimeoutError,
    RateLimitError,
    ServerError,
)
from deepgram_tts2.protocol.errors import (
    CloseReason,
    ErrorClass,
    classify_close,
    classify_http_status,
    parse_close_reason,
)
from deepgram_tts2.protocol.v1.rest import HEADER_ERROR, HEADER_REQUEST_ID, parse_error_body
from deepgram_tts2.protocol.v2 import codes as flux_codes
from deepgram_tts2.resilience.backoff import parse_retry_after

# One class table per boundary: which exception stands for each class.
_STATUS_ERRORS: dict[ErrorClass, type[DeepgramTTSError]] = {
    ErrorClass.AUTH: AuthError,
    ErrorClass.RATE_LIMIT: RateLimitError,
    ErrorClass.INPUT: InputError,
}
_CLOSE_ERRORS: dict[ErrorClass, type[DeepgramTTSError]] = {
    ErrorClass.INPUT: InputError,
    ErrorClass.RATE_LIMIT: RateLimitError,
}
_ERRNO_WORDS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
    errno.ETIMEDOUT: "timed out",
}


def endpoint(url: str) -> str:
    """``url`` without query, fragment or credentials: safe to show."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def os_cause(exc: BaseException) -> str:
    """Plain words for a socket-level failure (DNS, refused, reset, ...)."""
    if isinstance(exc, OSError):
        if exc.errno in _ERRNO_WORDS:
            return _ERRNO_WORDS[exc.errno]
        if exc.strerror:
            return exc.strerror.lower()
    text = str(exc).strip()
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "unknown host (DNS lookup failed)"
    return type(exc).__name__


def status_error(
    status: int,
    headers: httpx.Headers | dict[str, str] | object,
    body: bytes,
    what: str,
) -> DeepgramTTSError:
    """The error of an HTTP failure ``status`` with Deepgram's body and headers.

    Args:
        what: "handshake" or "REST request", for the message.
    """
    get = getattr(headers, "get", None)

    def header(name: str) -> str | None:
        value = get(name) if callable(get) else None
        return value if isinstance(value, str) else None

    parsed = parse_error_body(body)
    error_class = classify_http_status(status) or ErrorClass.TRANSIENT
    verb = "rejected" if what == "handshake" else "failed"
    message = header(HEADER_ERROR) or parsed.err_msg or f"HTTP {status}"
    if error_class is ErrorClass.TRANSIENT:
        kind: type[DeepgramTTSError] = ConnectError if what == "handshake" else ServerError
    else:
        kind = _STATUS_ERRORS.get(error_class, ServerError)
    return kind(
        f"{what} {verb} with HTTP {status}: {message}",
        request_id=header(HEADER_REQUEST_ID) or parsed.request_id or None,
        status=status,
        vendor_code=parsed.err_code or None,
        retry_after_s=parse_retry_after(header("Retry-After")),
    )


def handshake_error(exc: BaseException, url: str, timeout_s: float) -> DeepgramTTSError:
    """A failed WebSocket connect, translated (status, dg-error, request id, Retry-After)."""
    if isinstance(exc, InvalidStatus):
        response = exc.response
        return status_error(
            response.status_code, response.headers, bytes(response.body or b""), "handshake"
        )
    if isinstance(exc, TimeoutErrors):
        return PhaseTimeoutError("connect", timeout_s)
    if isinstance(exc, InvalidHandshake):
        return ConnectError(
            f"WebSocket handshake with {endpoint(url)} failed: {type(exc).__name__}"
        )
    return ConnectError(f"cannot connect to {endpoint(url)}: {os_cause(exc)}")


def close_error(code: int | None, reason: str, request_id: str | None) -> DeepgramTTSError | None:
    """The error a close frame means (None for a normal closure).

    ``vendor_code`` is Deepgram's reason id (``NET-0000``, ...) when the reason carries one, bare
    or in prose (aura §2.7), else the reason text; 1011 ``NET-0000`` is a :class:`ServerError`.
    """
    error_class = classify_close(code, reason)
    if error_class is None:
        return None
    shown = code if code is not None else 1006
    parsed = parse_close_reason(reason)
    if error_class in _CLOSE_ERRORS:
        kind = _CLOSE_ERRORS[error_class]
    else:
        kind = ServerError if parsed is CloseReason.NET_0000 else ConnectionLostError
    return kind(
        f"connection closed with {shown}" + (f" {reason}" if reason else ""),
        request_id=request_id,
        close_code=shown,
        vendor_code=parsed.value if parsed is not None else (reason or None),
    )


def closed_error(exc: BaseException, request_id: str | None) -> DeepgramTTSError:
    """The error for a socket that ended (``ConnectionClosed`` or an OS error)."""
    code: int | None = None
    reason = ""
    if isinstance(exc, ConnectionClosed) and exc.rcvd is not None:
        code, reason = exc.rcvd.code, exc.rcvd.reason
    if isinstance(exc, ConnectionClosed) and exc.rcvd is None:
        sent = exc.sent
        if sent is not None and sent.code == 1009:  # we refused an oversized frame (max_size)
            return InternalError(
                "the server sent a frame larger than limits.max_frame_bytes",
                request_id=request_id,
                close_code=1009,
            )
    error = close_error(code, reason, request_id)
    if error is not None:
        return error
    return ConnectionLostError("connection closed", request_id=request_id, close_code=code)


def rest_error(
    exc: httpx.HTTPError, url: str, timeouts: tuple[float, float, float]
) -> DeepgramTTSError:
    """An ``httpx`` failure of a REST request; ``timeouts`` are (connect, stall, whole)."""
    connect_s, stall_s, rest_s = timeouts
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return PhaseTimeoutError("connect", connect_s)
    if isinstance(exc, httpx.ReadTimeout):
        return PhaseTimeoutError("stall", stall_s)
    if isinstance(exc, httpx.TimeoutException):
        return PhaseTimeoutError("rest", rest_s)
    if isinstance(exc, httpx.ConnectError):
        cause = exc.__cause__ or exc.__context__ or exc
        return ConnectError(f"cannot connect to {endpoint(url)} for REST: {os_cause(cause)}")
    if isinstance(exc, httpx.LocalProtocolError):
        return InternalError(f"REST request to {endpoint(url)} could not be sent")
    return ConnectionLostError(f"REST response from {endpoint(url)} broken: {type(exc).__name__}")


def flux_error(code: str, description: str, request_id: str | None) -> DeepgramTTSError:
    """A Flux ``Error`` message (fatal, a close follows; flux §2.3, §2.4), classified by code."""
    error_class = flux_codes.classify_error(code)
    kind = _CLOSE_ERRORS.get(error_class, ServerError)
    return kind(
        f"Deepgram sent an error: {code} {description}".strip(),
        request_id=request_id,
        vendor_code=code or None,
    )

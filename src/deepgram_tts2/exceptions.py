"""The exception tree of deepgram_tts2.

::

    DeepgramTTSError                      every error this library raises or reports
    ├── ConfigurationError (ValueError)   invalid options; raised at construction
    ├── InputError                        bad text or parameters: 400/413/415, close 1003/1008
    │                                     DATA-0000/1009 BIG-*; never retried unchanged
    ├── AuthError                         401/402/403: bad key, no credits, no access; fatal
    ├── RateLimitError                    429, close 1008 DATA-0001, Warning EXCESSIVE_FLUSH;
    │                                     retried after ``retry_after_s`` (Retry-After honoured)
    ├── TransientError                    retryable failures of the service or the network
    │   ├── ConnectError                  TCP/TLS/WebSocket handshake failed, 5xx at handshake
    │   ├── ConnectionLostError           socket closed mid-request: 1006, 1011 NET-*, reset
    │   ├── PhaseTimeoutError             a per-phase deadline passed (``phase`` says which)
    │   └── ServerError                   5xx from REST, a JSON ``Error`` message
    ├── CircuitOpenError                  the breaker is open: failing fast
    ├── QueueFullError                    the bounded request queue is full
    ├── ClientClosedError                 the client was closed while the request was pending
    └── InternalError                     a bug of ours or a protocol violation by the server

Every error carries ``error_class`` (an :class:`ErrorClass`), ``request_id`` (Deepgram's
``dg-request-id`` when known), ``status`` (HTTP status), ``close_code``, ``vendor_code`` (Deepgram's
``err_code``, reason id or warn code) and ``retry_after_s``. Messages never contain the API key.
Exceptions of websockets, httpx or aiohttp never escape the public API: the client translates
them at one boundary into this tree.

:func:`classify` is the single place that decides the class of any exception; what a failure
means for a request (retry, fall back to REST, count against the breaker, fatal) is decided in
one place too, :func:`deepgram_tts2.resilience.policy.decide`.
"""

from __future__ import annotations

import asyncio

from deepgram_tts2.protocol.errors import ErrorClass


class DeepgramTTSError(Exception):
    """Base of every error of this library.

    Args:
        message: plain words for a person; never contains a secret.
        request_id: Deepgram's request id (``dg-request-id`` / ``Metadata.request_id``).
        status: HTTP status of a handshake or REST response.
        close_code: WebSocket close code.
        vendor_code: Deepgram's code: ``err_code``, close reason id or warning code.
        retry_after_s: how long the server asked us to wait.
    """

    error_class: ErrorClass = ErrorClass.INTERNAL

    def __init__(
        self,
        message: str,
        *,
        request_id: str | None = None,
        status: int | None = None,
        close_code: int | None = None,
        vendor_code: str | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id
        self.status = status
        self.close_code = close_code
        self.vendor_code = vendor_code
        self.retry_after_s = retry_after_s

    def __repr__(self) -> str:
        fields = [repr(self.message)]
        for name in ("request_id", "status", "close_code", "vendor_code", "retry_after_s"):
            value = getattr(self, name)
            if value is not None:
                fields.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(fields)})"


class ConfigurationError(DeepgramTTSError, ValueError):
    """Options that cannot work (bad URL, sample rate not allowed for the encoding, ...)."""

    error_class = ErrorClass.INPUT


class InputError(DeepgramTTSError):
    """The request itself is wrong; repeating it unchanged cannot succeed."""

    error_class = ErrorClass.INPUT


class AuthError(DeepgramTTSError):
    """Credentials rejected (401), payment required (402) or access denied (403)."""

    error_class = ErrorClass.AUTH


class RateLimitError(DeepgramTTSError):
    """Deepgram asked us to slow down."""

    error_class = ErrorClass.RATE_LIMIT


class TransientError(DeepgramTTSError):
    """A failure that a retry on a fresh connection may not see."""

    error_class = ErrorClass.TRANSIENT


class ConnectError(TransientError):
    """Could not open a connection (DNS, TCP, TLS, handshake 5xx or timeout)."""


class ConnectionLostError(TransientError):
    """The connection closed or broke while a request was using it."""


class PhaseTimeoutError(TransientError):
    """A per-phase deadline passed.

    Attributes:
        phase: ``connect``, ``first_audio``, ``stall``, ``flush``, ``clear``, ``close``,
            ``request``, ``rest`` or ``consumer`` (nobody read the stream's events).
        timeout_s: the deadline that passed.
    """

    def __init__(self, phase: str, timeout_s: float, *, request_id: str | None = None) -> None:
        super().__init__(f"{phase} timed out after {timeout_s:g} s", request_id=request_id)
        self.phase = phase
        self.timeout_s = timeout_s


class ServerError(TransientError):
    """The service reported an internal failure (5xx, JSON ``Error``)."""


class CircuitOpenError(DeepgramTTSError):
    """The circuit breaker is open; the request was not attempted."""

    error_class = ErrorClass.TRANSIENT


class QueueFullError(DeepgramTTSError):
    """The bounded request queue is full; retry later or raise the limit."""

    error_class = ErrorClass.RATE_LIMIT


class ClientClosedError(DeepgramTTSError):
    """The client was closed before the request could finish."""

    error_class = ErrorClass.CANCELLED


class InternalError(DeepgramTTSError):
    """A bug in this library, or a server that broke the protocol."""

    error_class = ErrorClass.INTERNAL


def classify(exc: BaseException) -> ErrorClass:
    """The class of any exception: the one place that decides.

    Library errors carry their class; ``asyncio.CancelledError`` is CANCELLED; timeouts and OS
    socket errors are TRANSIENT; anything else is INTERNAL (a bug, never retried).
    """
    if isinstance(exc, DeepgramTTSError):
        return exc.error_class
    if isinstance(exc, asyncio.CancelledError):
        return ErrorClass.CANCELLED
    if isinstance(exc, TimeoutError | ConnectionError | OSError | EOFError):
        return ErrorClass.TRANSIENT
    return ErrorClass.INTERNAL

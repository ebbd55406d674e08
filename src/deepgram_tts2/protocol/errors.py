"""Deepgram's error vocabulary for ``/v1/speak`` and its classification.

Close codes and reason ids (aura §2.7)::

    1000  (none)        normal closure
    1003  MESSAGE-0000  input message isn't a supported websocket message type (binary frame)
    1008  DATA-0000     input message isn't recognised as a valid command
    1008  DATA-0001     too many input characters submitted in the recent time window
    1009  BIG-0000      input message is too large
    1009  BIG-0001      input text has too many characters
    1011  NET-0000      internal server error
    1011  NET-0001      failed to receive message (client silent too long)
    1011  NET-0002      failed to send message
    1011  NET-0003      time limit exceeded (60-minute lifetime)

"Clients: classify by code first, then regex ``(MESSAGE|DATA|BIG|NET)-\\d{4}`` or
``dpgr\\.am/(net|data|big|message)\\d{4}`` in the reason" (aura §2.7). Classification of every
wire observation into an :class:`ErrorClass` lives here, in pure functions, so the client and the
emulator's tests agree on it; :func:`deepgram_tts2.exceptions.classify` builds on these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from deepgram_tts2.compat import StrEnum


class ErrorClass(StrEnum):
    """What kind of failure something is, which decides what the client does about it.

    See the failure table in ``docs/client.md`` ("Failure policy"): AUTH is fatal and opens the
    breaker, INPUT fails the request without a retry, RATE_LIMIT backs off (honouring
    Retry-After), TRANSIENT reconnects with backoff and may fail over to REST. INTERNAL is a
    bug of ours; CANCELLED is the caller's.
    """

    AUTH = "auth"
    INPUT = "input"
    RATE_LIMIT = "rate_limit"
    TRANSIENT = "transient"
    INTERNAL = "internal"
    CANCELLED = "cancelled"

    @property
    def retryable(self) -> bool:
        """True when repeating the same request may succeed (RATE_LIMIT and TRANSIENT)."""
        return self in (ErrorClass.RATE_LIMIT, ErrorClass.TRANSIENT)


class CloseReason(StrEnum):
    """Deepgram's close-frame reason ids (aura §2.7)."""

    MESSAGE_0000 = "MESSAGE-0000"
    DATA_0000 = "DATA-0000"
    DATA_0001 = "DATA-0001"
    BIG_0000 = "BIG-0000"
    BIG_0001 = "BIG-0001"
    NET_0000 = "NET-0000"
    NET_0001 = "NET-0001"
    NET_0002 = "NET-0002"
    NET_0003 = "NET-0003"

    @property
    def close_code(self) -> int:
        """The WebSocket close code Deepgram sends with this reason."""
        return _REASON_CODE[self]

    @property
    def description(self) -> str:
        """Deepgram's wording of the reason (troubleshooting page)."""
        return _REASON_TEXT[self]

    @property
    def help_url(self) -> str:
        """The short link Deepgram's prose reasons carry (e.g. ``https://dpgr.am/net0001``)."""
        return "https://dpgr.am/" + self.value.replace("-", "").lower()


_REASON_CODE = {
    CloseReason.MESSAGE_0000: 1003,
    CloseReason.DATA_0000: 1008,
    CloseReason.DATA_0001: 1008,
    CloseReason.BIG_0000: 1009,
    CloseReason.BIG_0001: 1009,
    CloseReason.NET_0000: 1011,
    CloseReason.NET_0001: 1011,
    CloseReason.NET_0002: 1011,
    CloseReason.NET_0003: 1011,
}
_REASON_TEXT = {
    CloseReason.MESSAGE_0000: "Input message isn't a supported websocket message type",
    CloseReason.DATA_0000: "Input message isn't recognized as a valid command",
    CloseReason.DATA_0001: "Too many input characters submitted in recent time window",
    CloseReason.BIG_0000: "Input message is too large",
    CloseReason.BIG_0001: "Input text has too many characters",
    CloseReason.NET_0000: "Internal server error",
    CloseReason.NET_0001: "Failed to receive message",
    CloseReason.NET_0002: "Failed to send message",
    CloseReason.NET_0003: "Time limit exceeded",
}

_REASON_ID_RE = re.compile(r"\b(MESSAGE|DATA|BIG|NET)-(\d{4})\b")
_REASON_LINK_RE = re.compile(r"dpgr\.am/(net|data|big|message)(\d{4})", re.IGNORECASE)


def parse_close_reason(reason: str) -> CloseReason | None:
    """Find Deepgram's reason id in a close reason, bare (``DATA-0001``) or as a link.

    Returns None when the reason names no known id.
    """
    match = _REASON_ID_RE.search(reason)
    if match is None:
        link = _REASON_LINK_RE.search(reason)
        if link is None:
            return None
        ident = f"{link.group(1).upper()}-{link.group(2)}"
    else:
        ident = f"{match.group(1)}-{match.group(2)}"
    try:
        return CloseReason(ident)
    except ValueError:
        return None


def format_close_reason(reason: CloseReason, prose: bool = False) -> str:
    """The reason text a server sends: the bare id, or prose plus the link (<= 123 bytes)."""
    if not prose:
        return reason.value
    text = f"{reason.description}. See {reason.help_url}"
    return text.encode()[:123].decode(errors="ignore")


# Close codes that end a session normally.
NORMAL_CLOSE_CODES = frozenset({1000, 1001})


def classify_close(code: int | None, reason: str = "") -> ErrorClass | None:
    """Classify a WebSocket close (aura §2.8 "recommended client classification").

    Args:
        code: the close code, or None when the connection dropped without a close frame (1006).
        reason: the close reason text.

    Returns:
        None for a normal closure (1000/1001 without an error reason), else the class:
        1003 and 1008 DATA-0000 -> INPUT (client bug, do not resend the frame); 1008 DATA-0001 ->
        RATE_LIMIT (over the character budget); 1009 BIG-* -> INPUT (split the text);
        1011 NET-* and 1006/no close frame -> TRANSIENT; any other code -> TRANSIENT.
    """
    parsed = parse_close_reason(reason)
    if parsed is not None:
        return _REASON_CLASS[parsed]
    if code is None or code == 1006:
        return ErrorClass.TRANSIENT
    if code in NORMAL_CLOSE_CODES:
        return None
    if code in (1003, 1007, 1009):
        return ErrorClass.INPUT
    if code == 1008:
        # 1008 without a reason id: policy violation; DATA-0000 is the common case.
        return ErrorClass.INPUT
    return ErrorClass.TRANSIENT


_REASON_CLASS = {
    CloseReason.MESSAGE_0000: ErrorClass.INPUT,
    CloseReason.DATA_0000: ErrorClass.INPUT,
    CloseReason.DATA_0001: ErrorClass.RATE_LIMIT,
    CloseReason.BIG_0000: ErrorClass.INPUT,
    CloseReason.BIG_0001: ErrorClass.INPUT,
    CloseReason.NET_0000: ErrorClass.TRANSIENT,
    CloseReason.NET_0001: ErrorClass.TRANSIENT,
    CloseReason.NET_0002: ErrorClass.TRANSIENT,
    CloseReason.NET_0003: ErrorClass.TRANSIENT,
}


def classify_http_status(status: int) -> ErrorClass | None:
    """Classify an HTTP status of a handshake or REST response (aura §2.1, 2.8, 3.4).

    Returns None for success (1xx-3xx). 401/402/403 -> AUTH; 429 -> RATE_LIMIT; 408 and 5xx ->
    TRANSIENT; other 4xx (400, 404, 413, 415, ...) -> INPUT.
    """
    if status < 400:
        return None
    if status in (401, 402, 403):
        return ErrorClass.AUTH
    if status == 429:
        return ErrorClass.RATE_LIMIT
    if status == 408 or status >= 500:
        return ErrorClass.TRANSIENT
    return ErrorClass.INPUT


# Warning codes known to mean "slow down" (aura §2.4.5: EXCESSIVE_FLUSH is the only documented one).
RATE_LIMIT_WARNINGS = frozenset({"EXCESSIVE_FLUSH"})


def classify_warning(code: str) -> ErrorClass:
    """Classify a ``Warning`` message: EXCESSIVE_FLUSH -> RATE_LIMIT, others TRANSIENT.

    Warnings are non-fatal; the socket stays open (aura §2.4.5). The class tells what a refused
    action (a Flush without ``Flushed``) means for the request that made it.
    """
    return ErrorClass.RATE_LIMIT if code in RATE_LIMIT_WARNINGS else ErrorClass.TRANSIENT


@dataclass(frozen=True)
class QueryError:
    """A refused query (either API): HTTP ``status`` with Deepgram's ``err_code``/``err_msg``."""

    err_code: str
    err_msg: str
    status: int = 400


@dataclass(frozen=True)
class ErrorBody:
    """Deepgram's legacy REST/handshake error body ``{"err_code","err_msg","request_id"}``."""

    err_code: str
    err_msg: str
    request_id: str

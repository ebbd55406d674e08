"""Flux's code registries and their classification (flux §2.4, §4).

Error codes (fatal; an ``Error`` message is always followed by a WebSocket close)::

    MESSAGE-0000  unparseable client message (bad JSON, unknown field)
    DATA-0000     invalid command (unknown ``type``)
    DATA-0002     invalid inline control / speed combination
    BIG-0000      message too large
    NET-0000      internal server error
    NET-0001      failed to receive message
    NET-0002      failed to send message
    NET-0003      time limit exceeded (1 hour)
    NET-0004      inactive client (60 s without an inbound message, ping or pong)

Close codes after an ``Error`` are undocumented for v2 (flux §4 "Close codes", Q-4): the
:class:`CloseScheme` values are the legal readings; ``v1`` (the recommended default) reuses the
``/v1/speak`` mapping with DATA-0002 -> 1008 and NET-0004 -> 1011 as the spec's guesses.

Clients key on the preceding ``Error.code``, never on the close code alone (flux §4).
"""

from __future__ import annotations

from deepgram_tts2.compat import StrEnum
from deepgram_tts2.protocol.errors import ErrorClass, classify_close


class ErrorCode(StrEnum):
    """``Error.code`` values (flux §2.4 "Error codes"; SDK ``SpeakV2ErrorCode``)."""

    MESSAGE_0000 = "MESSAGE-0000"
    DATA_0000 = "DATA-0000"
    DATA_0002 = "DATA-0002"
    BIG_0000 = "BIG-0000"
    NET_0000 = "NET-0000"
    NET_0001 = "NET-0001"
    NET_0002 = "NET-0002"
    NET_0003 = "NET-0003"
    NET_0004 = "NET-0004"

    @property
    def description(self) -> str:
        """The server's wording of the code."""
        return _ERROR_TEXT[self]


_ERROR_TEXT = {
    ErrorCode.MESSAGE_0000: "The message could not be parsed.",
    ErrorCode.DATA_0000: "The message is not a valid command.",
    ErrorCode.DATA_0002: "Invalid inline control.",
    ErrorCode.BIG_0000: "The message is too large.",
    ErrorCode.NET_0000: "Internal server error.",
    ErrorCode.NET_0001: "Failed to receive message.",
    ErrorCode.NET_0002: "Failed to send message.",
    ErrorCode.NET_0003: "Time limit exceeded.",
    ErrorCode.NET_0004: "Inactive client: no message received for too long.",
}


class WarningCode(StrEnum):
    """``Warning.code`` values (flux §2.4 "Warning codes"); the set is open."""

    NO_ACTIVE_SPEECH = "NO_ACTIVE_SPEECH"
    NO_SYNTHESIZABLE_TEXT = "NO_SYNTHESIZABLE_TEXT"
    SYNTHESIS_RETRYING = "SYNTHESIS_RETRYING"
    INPUT_MARKUP_STRIPPED = "INPUT_MARKUP_STRIPPED"
    PRONUNCIATION_WARNINGS = "PRONUNCIATION_WARNINGS"
    PRONUNCIATION_TOO_LONG = "PRONUNCIATION_TOO_LONG"
    PRONUNCIATIONS_LIMIT_EXCEEDED = "PRONUNCIATIONS_LIMIT_EXCEEDED"
    BREAKS_LIMIT_EXCEEDED = "BREAKS_LIMIT_EXCEEDED"
    BREAK_TOKENS_OUT_OF_RANGE = "BREAK_TOKENS_OUT_OF_RANGE"
    BREAK_TOKENS_WITH_INVALID_INCREMENTS = "BREAK_TOKENS_WITH_INVALID_INCREMENTS"
    NO_AUDIO_GENERATED = "NO_AUDIO_GENERATED"
    INTERRUPT_IN_PROGRESS = "INTERRUPT_IN_PROGRESS"
    INVALID_INTERRUPT_OFFSET = "INVALID_INTERRUPT_OFFSET"

    @property
    def description(self) -> str:
        """The server's wording of the warning."""
        return _WARNING_TEXT.get(self, self.value.replace("_", " ").capitalize() + ".")


_WARNING_TEXT = {
    WarningCode.NO_ACTIVE_SPEECH: "There is no active turn. The request will be ignored.",
    WarningCode.NO_SYNTHESIZABLE_TEXT: "The turn contains no synthesizable text.",
    WarningCode.SYNTHESIS_RETRYING: "Synthesis failed and is being retried.",
    WarningCode.INPUT_MARKUP_STRIPPED: "Markup was stripped from the input.",
    WarningCode.PRONUNCIATION_TOO_LONG: "A pronunciation exceeds the length limit.",
    WarningCode.PRONUNCIATIONS_LIMIT_EXCEEDED: "Too many pronunciation controls in one turn.",
    WarningCode.NO_AUDIO_GENERATED: "No audio has been generated yet. The interrupt is ignored.",
    WarningCode.INTERRUPT_IN_PROGRESS: "An interrupt is already in progress. It is ignored.",
    WarningCode.INVALID_INTERRUPT_OFFSET: (
        "playback_offset must advance past the previous interrupt. The interrupt is ignored."
    ),
}

# Warnings that answer an Interrupt (flux §2.4: "each meaning the Interrupt was ignored").
INTERRUPT_WARNINGS = frozenset(
    {
        WarningCode.NO_AUDIO_GENERATED,
        WarningCode.INTERRUPT_IN_PROGRESS,
        WarningCode.INVALID_INTERRUPT_OFFSET,
    }
)


class ConfigureFailureCode(StrEnum):
    """``ConfigureFailure.code`` values (flux §2.4; SDK ``SpeakV2ConfigureFailureCode``)."""

    SPEED_OUT_OF_RANGE = "SPEED_OUT_OF_RANGE"
    SPEED_INCREMENT_INVALID = "SPEED_INCREMENT_INVALID"
    SPEED_NOT_SUPPORTED = "SPEED_NOT_SUPPORTED"
    CONTROL_COMBINATION_INVALID = "CONTROL_COMBINATION_INVALID"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class HandshakeCode(StrEnum):
    """``err_code`` values of a 400 before the upgrade (flux §2.4 "Connection-rejection")."""

    EXPRESSIVITY_OUT_OF_RANGE = "EXPRESSIVITY_OUT_OF_RANGE"
    EXPRESSIVITY_INCREMENT_INVALID = "EXPRESSIVITY_INCREMENT_INVALID"
    SPEED_OUT_OF_RANGE = "SPEED_OUT_OF_RANGE"
    SPEED_INCREMENT_INVALID = "SPEED_INCREMENT_INVALID"
    SPEED_NOT_SUPPORTED = "SPEED_NOT_SUPPORTED"
    INVALID_QUERY_PARAMETER = "INVALID_QUERY_PARAMETER"
    BAD_REQUEST = "Bad Request"


class CloseScheme(StrEnum):
    """Which WebSocket close code follows an ``Error`` (flux §4, Q-4: undocumented).

    ``v1`` (default): the ``/v1/speak`` mapping (1003 MESSAGE, 1008 DATA, 1009 BIG, 1011 NET);
    ``normal``: 1000 after every Error; ``internal``: 1011 after every Error.
    """

    V1 = "v1"
    NORMAL = "normal"
    INTERNAL = "internal"


_V1_CLOSE = {
    ErrorCode.MESSAGE_0000: 1003,
    ErrorCode.DATA_0000: 1008,
    ErrorCode.DATA_0002: 1008,
    ErrorCode.BIG_0000: 1009,
    ErrorCode.NET_0000: 1011,
    ErrorCode.NET_0001: 1011,
    ErrorCode.NET_0002: 1011,
    ErrorCode.NET_0003: 1011,
    ErrorCode.NET_0004: 1011,
}

NORMAL_CLOSE = 1000  # after Close and SessionMetadata (flux §6 "Close")


def close_code_for(code: ErrorCode, scheme: CloseScheme = CloseScheme.V1) -> int:
    """The close code a server sends after ``Error{code}`` under ``scheme``."""
    if scheme is CloseScheme.NORMAL:
        return 1000
    if scheme is CloseScheme.INTERNAL:
        return 1011
    return _V1_CLOSE[code]


_ERROR_CLASS = {
    ErrorCode.MESSAGE_0000: ErrorClass.INPUT,
    ErrorCode.DATA_0000: ErrorClass.INPUT,
    ErrorCode.DATA_0002: ErrorClass.INPUT,
    ErrorCode.BIG_0000: ErrorClass.INPUT,
    ErrorCode.NET_0000: ErrorClass.TRANSIENT,
    ErrorCode.NET_0001: ErrorClass.TRANSIENT,
    ErrorCode.NET_0002: ErrorClass.TRANSIENT,
    ErrorCode.NET_0003: ErrorClass.TRANSIENT,
    ErrorCode.NET_0004: ErrorClass.TRANSIENT,
}


def parse_error_code(code: str) -> ErrorCode | None:
    """The known :class:`ErrorCode` for ``code``, or None (the set is open)."""
    try:
        return ErrorCode(code)
    except ValueError:
        return None


def classify_error(code: str) -> ErrorClass:
    """Class of a fatal ``Error``: MESSAGE/DATA/BIG -> INPUT (never resend the same frame);
    NET-* (incl. lifetime NET-0003 and idle NET-0004) and unknown codes -> TRANSIENT."""
    known = parse_error_code(code)
    return ErrorClass.TRANSIENT if known is None else _ERROR_CLASS[known]


_TRANSIENT_WARNINGS = frozenset({WarningCode.SYNTHESIS_RETRYING})
_INPUT_WARNINGS = frozenset(set(WarningCode) - _TRANSIENT_WARNINGS)


def classify_warning(code: str) -> ErrorClass:
    """Class of a non-fatal ``Warning``: the documented codes say something about what the
    client sent (INPUT: an ignored Flush/Interrupt, text without audio, a control) except
    SYNTHESIS_RETRYING (TRANSIENT); unknown codes -> TRANSIENT."""
    try:
        known = WarningCode(code)
    except ValueError:
        return ErrorClass.TRANSIENT
    return ErrorClass.INPUT if known in _INPUT_WARNINGS else ErrorClass.TRANSIENT


def classify_configure_failure(code: str) -> ErrorClass:
    """Class of a ``ConfigureFailure``: INTERNAL_ERROR and unknown codes -> TRANSIENT ("a
    server-side failure rather than a statement about the request"), others -> INPUT."""
    if code == ConfigureFailureCode.INTERNAL_ERROR.value:
        return ErrorClass.TRANSIENT
    try:
        ConfigureFailureCode(code)
    except ValueError:
        return ErrorClass.TRANSIENT
    return ErrorClass.INPUT


def classify_v2_close(
    code: int | None, reason: str = "", last_error: str | None = None
) -> ErrorClass | None:
    """Classify the end of a ``/v2/speak`` socket.

    Args:
        code: the close code (None: dropped without a close frame).
        reason: the close reason text.
        last_error: ``Error.code`` received right before the close, if any.

    Returns:
        The class of ``last_error`` when there was one (flux §4: "key on the preceding
        Error.code"); else the shared ``/v1/speak`` close classification (None = normal).
    """
    if last_error is not None:
        return classify_error(last_error)
    return classify_close(code, reason)

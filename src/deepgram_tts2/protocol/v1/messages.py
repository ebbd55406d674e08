"""Every ``/v1/speak`` WebSocket message as a frozen dataclass, with total parsers and serializers.

Client -> server (aura §2.3): ``Speak{text}``, ``Flush``, ``Clear``, ``Close``; text frames only.
Server -> client (aura §2.4): binary audio, ``Metadata``, ``Flushed{sequence_id}``,
``Cleared{sequence_id}``, ``Warning`` (live shape ``warn_code``/``warn_msg``, published shape
``code``/``description``), and defensively an undocumented ``Error`` and unknown types.

The parsers never raise: malformed input becomes a :class:`ProtocolViolation` carrying the close
code and reason id Deepgram uses for it, and unknown server types become :class:`UnknownMessage`
("Clients must ignore unknown types", aura §2.4.7).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from deepgram_tts2.compat import StrEnum
from deepgram_tts2.protocol.errors import CloseReason
from deepgram_tts2.protocol.fields import first_str, has_lone_surrogate, int_field, load_object

# ---------------------------------------------------------------------------------------------
# Client -> server


@dataclass(frozen=True, slots=True)
class Speak:
    """Append text to the server's buffer (<= 2000 characters, aura §2.6)."""

    text: str


@dataclass(frozen=True, slots=True)
class Flush:
    """Synthesise the buffered text; answered by ``Flushed`` after its audio."""


@dataclass(frozen=True, slots=True)
class Clear:
    """Drop buffered text and stop audio as soon as possible; answered by ``Cleared``."""


@dataclass(frozen=True, slots=True)
class Close:
    """End the session; the server closes with 1000."""


ClientMessage = Speak | Flush | Clear | Close

# ---------------------------------------------------------------------------------------------
# Server -> client


@dataclass(frozen=True, slots=True)
class Audio:
    """A binary frame of raw audio in the negotiated encoding (no container)."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Metadata:
    """Sent once, immediately after the handshake (aura §2.4.2)."""

    request_id: str
    model_name: str = ""
    model_version: str = ""
    model_uuid: str = ""
    additional_model_uuids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Flushed:
    """Acknowledges an accepted Flush after its audio; ids count accepted flushes from 0."""

    sequence_id: int


@dataclass(frozen=True, slots=True)
class Cleared:
    """Acknowledges a Clear. What its ``sequence_id`` counts is not documented (aura §2.4.4)."""

    sequence_id: int


class WarningShape(StrEnum):
    """Which field names a ``Warning`` uses on the wire (aura §2.4.5)."""

    LIVE = "live"  # warn_code / warn_msg: what the service sends
    SPEC = "spec"  # code / description: what the published AsyncAPI says
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class WarningMessage:
    """A non-fatal warning; the socket stays open. ``code`` e.g. ``EXCESSIVE_FLUSH``."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class ErrorMessage:
    """An undocumented JSON ``Error`` (or ``error``) message, handled defensively (aura §2.4.6)."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class UnknownMessage:
    """A JSON message of a type this library does not know; to be logged and skipped."""

    type: str
    raw: dict[str, Any] = field(hash=False, compare=False)


ServerMessage = (
    Audio | Metadata | Flushed | Cleared | WarningMessage | ErrorMessage | UnknownMessage
)


@dataclass(frozen=True, slots=True)
class ProtocolViolation:
    """Input the parser could not accept.

    Attributes:
        reason: the Deepgram reason id that describes the fault; a server closes with
            ``reason.close_code`` (1003 for a binary frame, 1008 DATA-0000 otherwise).
        detail: what exactly was wrong, for logs.
    """

    reason: CloseReason
    detail: str


# ---------------------------------------------------------------------------------------------
# Serialization


def serialize_client(message: ClientMessage) -> str:
    """JSON text frame for a client message, exactly as aura §2.3 writes it."""
    if isinstance(message, Speak):
        return _SPEAK_ENCODER.encode({"type": "Speak", "text": message.text})
    return _CONTROL_FRAMES[type(message)]


# Built once: json.dumps with a keyword builds a new encoder per call, and the control messages
# have no fields (one Speak and one Flush per sentence: the cost is per turn).
_SPEAK_ENCODER = json.JSONEncoder(ensure_ascii=False)
_CONTROL_FRAMES: dict[type, str] = {
    kind: json.dumps({"type": kind.__name__}) for kind in (Flush, Clear, Close)
}


def serialize_server(
    message: Metadata | Flushed | Cleared | WarningMessage | ErrorMessage,
    warning_shape: WarningShape = WarningShape.LIVE,
) -> str:
    """JSON text frame for a server control message.

    Args:
        message: the message.
        warning_shape: field names for ``Warning`` (default the live ``warn_code``/``warn_msg``).
    """
    payload: dict[str, Any]
    if isinstance(message, Metadata):
        payload = {
            "type": "Metadata",
            "request_id": message.request_id,
            "model_name": message.model_name,
            "model_version": message.model_version,
            "model_uuid": message.model_uuid,
            "additional_model_uuids": list(message.additional_model_uuids),
        }
    elif isinstance(message, Flushed | Cleared):
        payload = {"type": type(message).__name__, "sequence_id": message.sequence_id}
    elif isinstance(message, WarningMessage):
        payload = {"type": "Warning"}
        if warning_shape in (WarningShape.LIVE, WarningShape.BOTH):
            payload["warn_code"] = message.code
            payload["warn_msg"] = message.message
        if warning_shape in (WarningShape.SPEC, WarningShape.BOTH):
            payload["code"] = message.code
            payload["description"] = message.message
    else:
        payload = {"type": "Error", "err_code": message.code, "err_msg": message.message}
    return json.dumps(payload)


# ---------------------------------------------------------------------------------------------
# Parsing


def parse_client(frame: str | bytes) -> ClientMessage | ProtocolViolation:
    """Parse a frame a client sent. Never raises.

    A binary frame -> violation MESSAGE-0000 (close 1003); invalid JSON, a non-object, an unknown
    ``type`` (including the retired ``Reset``) or a Speak without string text -> DATA-0000 (1008).
    Text that is not Unicode (a JSON-escaped lone surrogate) cannot be a valid command: "Input
    message isn't recognized as a valid command" -> DATA-0000 too (aura §2.2, §2.7). Unknown extra
    fields are ignored (aura §2.3: "emulator: ignore them").
    """
    if isinstance(frame, bytes | bytearray | memoryview):
        return ProtocolViolation(CloseReason.MESSAGE_0000, "binary frame")
    obj = load_object(frame)
    if isinstance(obj, str):
        return ProtocolViolation(CloseReason.DATA_0000, obj)
    kind = obj.get("type")
    if kind == "Speak":
        text = obj.get("text")
        if not isinstance(text, str):
            return ProtocolViolation(CloseReason.DATA_0000, "Speak without string 'text'")
        if has_lone_surrogate(text):
            return ProtocolViolation(CloseReason.DATA_0000, "Speak text is not valid Unicode")
        return Speak(text)
    if kind == "Flush":
        return Flush()
    if kind == "Clear":
        return Clear()
    if kind == "Close":
        return Close()
    return ProtocolViolation(CloseReason.DATA_0000, f"unknown message type {kind!r}")


def parse_server(frame: str | bytes) -> ServerMessage | ProtocolViolation:
    """Parse a frame the server sent. Never raises.

    Binary -> :class:`Audio`. JSON is dispatched on ``type`` only (never on which fields are
    present: the official SDK's union parsing turns ``Cleared`` into ``Flushed``). ``Warning``
    reads ``warn_code|code`` and ``warn_msg|description``; ``Error``/``error`` reads
    ``err_code|code|variant`` and ``err_msg|description|message``. A ``Flushed``/``Cleared``
    without an integer ``sequence_id`` or non-JSON text -> :class:`ProtocolViolation`.
    """
    if isinstance(frame, bytes | bytearray | memoryview):
        return Audio(bytes(frame))
    obj = load_object(frame)
    if isinstance(obj, str):
        return ProtocolViolation(CloseReason.DATA_0000, obj)
    kind = obj.get("type")
    if not isinstance(kind, str):
        return ProtocolViolation(CloseReason.DATA_0000, "message without a string 'type'")
    if kind == "Metadata":
        uuids = obj.get("additional_model_uuids")
        extra = tuple(u for u in uuids if isinstance(u, str)) if isinstance(uuids, list) else ()
        return Metadata(
            request_id=first_str(obj, "request_id"),
            model_name=first_str(obj, "model_name"),
            model_version=first_str(obj, "model_version"),
            model_uuid=first_str(obj, "model_uuid"),
            additional_model_uuids=extra,
        )
    if kind in ("Flushed", "Cleared"):
        seq = int_field(obj, "sequence_id")
        if seq is None:
            return ProtocolViolation(CloseReason.DATA_0000, f"{kind} without integer sequence_id")
        return Flushed(seq) if kind == "Flushed" else Cleared(seq)
    if kind == "Warning":
        return WarningMessage(
            first_str(obj, "warn_code", "code"), first_str(obj, "warn_msg", "description")
        )
    if kind in ("Error", "error"):
        return ErrorMessage(
            first_str(obj, "err_code", "code", "variant"),
            first_str(obj, "err_msg", "description", "message"),
        )
    return UnknownMessage(kind, obj)


# "20 per 60 s ... Warning EXCESSIVE_FLUSH" (aura §2.6): the live wording.
EXCESSIVE_FLUSH = WarningMessage(
    "EXCESSIVE_FLUSH", "Rate limit exceeded for flushes. Please try again later."
)

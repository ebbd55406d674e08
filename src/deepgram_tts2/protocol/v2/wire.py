"""Serializers and total parsers for the ``/v2/speak`` messages of :mod:`.messages`.

Client frames are parsed strictly (flux §2.1): binary, invalid JSON, a non-object, a missing or
non-string ``type``, an unknown field or a field of the wrong type -> ``MESSAGE-0000``; an
unknown ``type`` -> ``DATA-0000``. Server frames are parsed leniently and dispatched on ``type``
only; a known type missing a required field -> :class:`ProtocolViolation` (``MESSAGE-0000``).
"""

from __future__ import annotations

import json
from typing import Any

from deepgram_tts2.protocol.fields import (
    finite_float,
    first_str,
    has_lone_surrogate,
    int_field,
    load_object,
)
from deepgram_tts2.protocol.v2.codes import ErrorCode
from deepgram_tts2.protocol.v2.messages import (
    Audio,
    ClientMessage,
    Close,
    Configure,
    ConfigureFailure,
    ConfigureSuccess,
    Connected,
    ControlsApplied,
    ErrorMessage,
    Flush,
    Flushed,
    Interrupt,
    ProtocolViolation,
    ServerControl,
    ServerMessage,
    SessionMetadata,
    Speak,
    SpeechInterrupted,
    SpeechMetadata,
    SpeechStarted,
    TurnMetadata,
    UnknownMessage,
    WarningMessage,
)

# ---------------------------------------------------------------------------------------------
# Serialization


def serialize_client(message: ClientMessage) -> str:
    """JSON text frame for a client message, exactly as flux §2.2 writes it (unset fields
    omitted, as the official SDK does)."""
    payload: dict[str, Any] = {"type": type(message).__name__}
    if isinstance(message, Speak):
        payload["text"] = message.text
    elif isinstance(message, Interrupt) and message.playback_offset_ms is not None:
        payload["playback_offset"] = {"type": "time_ms", "value": message.playback_offset_ms}
    elif isinstance(message, Configure) and message.speed is not None:
        payload["speed"] = message.speed
    return json.dumps(payload, ensure_ascii=False)


def _controls(controls: ControlsApplied) -> dict[str, int]:
    out = {"pronunciations_applied": controls.pronunciations_applied}
    if controls.breaks_applied is not None:
        out["breaks_applied"] = controls.breaks_applied
    out["pronunciation_warnings"] = controls.pronunciation_warnings
    return out


def _metadata(meta: TurnMetadata) -> dict[str, Any]:
    out: dict[str, Any] = {
        "speech_id": meta.speech_id,
        "audio_duration_ms": meta.audio_duration_ms,
        "input_character_count": meta.input_character_count,
        "billable_character_count": meta.billable_character_count,
    }
    if meta.controls_applied is not None:
        out["controls_applied"] = _controls(meta.controls_applied)
    return out


def _server_payload(message: ServerControl) -> dict[str, Any]:
    if isinstance(message, Connected):
        return {
            "request_id": message.request_id,
            "model_name": message.model_name,
            "model_version": message.model_version,
            "model_uuids": list(message.model_uuids),
        }
    if isinstance(message, SpeechStarted | Flushed):
        return {"speech_id": message.speech_id}
    if isinstance(message, SpeechMetadata):
        return _metadata(message.metadata)
    if isinstance(message, SpeechInterrupted):
        out: dict[str, Any] = {"audio_played_ms": message.audio_played_ms}
        if message.text_spoken is not None:
            out["text_spoken"] = message.text_spoken
        if message.text_remaining is not None:
            out["text_remaining"] = message.text_remaining
        out["metadata"] = _metadata(message.metadata)
        return out
    if isinstance(message, ConfigureSuccess):
        return {"applied": {} if message.speed is None else {"speed": message.speed}}
    if isinstance(message, ConfigureFailure):
        out = {"code": message.code}
        if message.field is not None:
            out["field"] = message.field
        if message.value is not None:
            out["value"] = message.value
        out["description"] = message.description
        return out
    if isinstance(message, SessionMetadata):
        return {
            "total_audio_duration_ms": message.total_audio_duration_ms,
            "total_input_character_count": message.total_input_character_count,
            "total_billable_character_count": message.total_billable_character_count,
        }
    return {"code": message.code, "description": message.description}


def serialize_server(message: ServerControl) -> str:
    """JSON text frame for a server control message (shapes of flux §2.3)."""
    kind = "Warning" if isinstance(message, WarningMessage) else type(message).__name__
    if isinstance(message, ErrorMessage):
        kind = "Error"
    return json.dumps({"type": kind, **_server_payload(message)}, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# Client frames (strict)

_ALLOWED_FIELDS = {
    "Speak": frozenset({"type", "text"}),
    "Flush": frozenset({"type"}),
    "Interrupt": frozenset({"type", "playback_offset"}),
    "Configure": frozenset({"type", "speed"}),
    "Close": frozenset({"type"}),
}


def _bad(detail: str) -> ProtocolViolation:
    return ProtocolViolation(ErrorCode.MESSAGE_0000, detail)


def _interrupt(obj: dict[str, Any]) -> Interrupt | ProtocolViolation:
    offset = obj.get("playback_offset")
    if offset is None:
        return Interrupt()
    if not isinstance(offset, dict):
        return _bad("playback_offset is not an object")
    extra = set(offset) - {"type", "value"}
    if extra:
        return _bad(f"unknown playback_offset field(s) {sorted(extra)}")
    if offset.get("type") != "time_ms":
        return _bad("playback_offset.type must be 'time_ms'")
    value = offset.get("value")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return _bad("playback_offset.value must be a non-negative integer")
    return Interrupt(value)


def parse_client(frame: str | bytes) -> ClientMessage | ProtocolViolation:
    """Parse a frame a client sent, strictly. Never raises. See the module docstring."""
    if isinstance(frame, bytes | bytearray | memoryview):
        return _bad("binary frame")
    obj = load_object(frame)
    if isinstance(obj, str):
        return _bad(obj)
    kind = obj.get("type")
    if not isinstance(kind, str):
        return _bad("message without a string 'type'")
    allowed = _ALLOWED_FIELDS.get(kind)
    if allowed is None:
        return ProtocolViolation(ErrorCode.DATA_0000, f"unknown message type {kind!r}")
    extra = set(obj) - allowed
    if extra:
        return _bad(f"unknown field(s) {sorted(extra)} in {kind}")
    if kind == "Speak":
        text = obj.get("text")
        if not isinstance(text, str):
            return _bad("Speak without string 'text'")
        if has_lone_surrogate(text):  # JSON serde_json refuses (flux §2.1: invalid -> MESSAGE)
            return _bad("Speak text is not valid Unicode")
        return Speak(text)
    if kind == "Interrupt":
        return _interrupt(obj)
    if kind == "Configure":
        speed = obj.get("speed")
        if speed is None:
            return Configure(None)
        number = finite_float(speed)
        if number is None:
            return _bad("Configure 'speed' is not a finite number")
        return Configure(number)
    return Flush() if kind == "Flush" else Close()


# ---------------------------------------------------------------------------------------------
# Server frames (lenient)


def _parse_controls(value: object) -> ControlsApplied | None:
    if not isinstance(value, dict):
        return None
    return ControlsApplied(
        pronunciations_applied=int_field(value, "pronunciations_applied") or 0,
        breaks_applied=int_field(value, "breaks_applied"),
        pronunciation_warnings=int_field(value, "pronunciation_warnings") or 0,
    )


def parse_turn_metadata(obj: dict[str, Any]) -> TurnMetadata | None:
    """The body of ``SpeechMetadata`` / ``SpeechInterrupted.metadata``; None if incomplete."""
    speech_id = first_str(obj, "speech_id")
    counts = [
        int_field(obj, k)
        for k in ("audio_duration_ms", "input_character_count", "billable_character_count")
    ]
    if not speech_id or None in counts:
        return None
    duration, chars, billable = (c or 0 for c in counts)
    return TurnMetadata(
        speech_id, duration, chars, billable, _parse_controls(obj.get("controls_applied"))
    )


def _speech_interrupted(obj: dict[str, Any]) -> SpeechInterrupted | None:
    played = int_field(obj, "audio_played_ms")
    meta_obj = obj.get("metadata")
    meta = parse_turn_metadata(meta_obj) if isinstance(meta_obj, dict) else None
    if played is None or meta is None:
        return None
    spoken, remaining = obj.get("text_spoken"), obj.get("text_remaining")
    return SpeechInterrupted(
        played,
        meta,
        spoken if isinstance(spoken, str) else None,
        remaining if isinstance(remaining, str) else None,
    )


def _configure(kind: str, obj: dict[str, Any]) -> ConfigureSuccess | ConfigureFailure:
    if kind == "ConfigureSuccess":
        applied = obj.get("applied")
        speed = applied.get("speed") if isinstance(applied, dict) else None
        return ConfigureSuccess(finite_float(speed))
    value = obj.get("value")
    fld = obj.get("field")
    return ConfigureFailure(
        first_str(obj, "code"),
        first_str(obj, "description"),
        fld if isinstance(fld, str) else None,
        finite_float(value),
    )


def _session_metadata(obj: dict[str, Any]) -> SessionMetadata | None:
    keys = (
        "total_audio_duration_ms",
        "total_input_character_count",
        "total_billable_character_count",
    )
    values = [int_field(obj, k) for k in keys]
    if None in values:
        return None
    audio, chars, billable = (v or 0 for v in values)
    return SessionMetadata(audio, chars, billable)


def _known_server(kind: str, obj: dict[str, Any]) -> ServerMessage | None:
    """The message of a known ``type`` (None when a required field is missing)."""
    if kind == "Connected":
        uuids = obj.get("model_uuids")
        listed = tuple(u for u in uuids if isinstance(u, str)) if isinstance(uuids, list) else ()
        return Connected(
            first_str(obj, "request_id"),
            first_str(obj, "model_name"),
            first_str(obj, "model_version"),
            listed,
        )
    if kind in ("SpeechStarted", "Flushed"):
        speech_id = first_str(obj, "speech_id")
        if not speech_id:
            return None
        return SpeechStarted(speech_id) if kind == "SpeechStarted" else Flushed(speech_id)
    if kind == "SpeechMetadata":
        meta = parse_turn_metadata(obj)
        return None if meta is None else SpeechMetadata(meta)
    if kind == "SpeechInterrupted":
        return _speech_interrupted(obj)
    if kind in ("ConfigureSuccess", "ConfigureFailure"):
        return _configure(kind, obj)
    if kind == "SessionMetadata":
        return _session_metadata(obj)
    if kind == "Warning":
        return WarningMessage(
            first_str(obj, "code", "warn_code"), first_str(obj, "description", "warn_msg")
        )
    if kind in ("Error", "error"):
        return ErrorMessage(
            first_str(obj, "code", "err_code", "variant"),
            first_str(obj, "description", "err_msg", "message"),
        )
    return UnknownMessage(kind, obj)


def parse_server(frame: str | bytes) -> ServerMessage | ProtocolViolation:
    """Parse a frame the server sent. Never raises.

    Binary -> :class:`Audio` (never parsed as JSON, flux §2.1). JSON is dispatched on ``type``
    only; unknown types -> :class:`UnknownMessage` ("must be tolerated"). ``Warning`` reads
    ``code|warn_code`` and ``description|warn_msg``; ``Error`` reads ``code|err_code``.
    """
    if isinstance(frame, bytes | bytearray | memoryview):
        return Audio(bytes(frame))
    obj = load_object(frame)
    if isinstance(obj, str):
        return _bad(obj)
    kind = obj.get("type")
    if not isinstance(kind, str):
        return _bad("message without a string 'type'")
    message = _known_server(kind, obj)
    if message is None:
        return _bad(f"{kind} without its required fields")
    return message

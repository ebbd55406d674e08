"""Wire messages: exact serialization and total, type-dispatched parsing."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepgram_tts2.protocol.errors import CloseReason
from deepgram_tts2.protocol.v1.messages import (
    Audio,
    Clear,
    Cleared,
    Close,
    ErrorMessage,
    Flush,
    Flushed,
    Metadata,
    ProtocolViolation,
    Speak,
    UnknownMessage,
    WarningMessage,
    WarningShape,
    parse_client,
    parse_server,
    serialize_client,
    serialize_server,
)

LIVE_METADATA = (
    '{"type":"Metadata","request_id":"01a01a7f-f079-74c3-bfc5-ac08f549baae",'
    '"model_name":"aura-asteria-en","model_version":"2024-11-19.0",'
    '"model_uuid":"ecb76e9d-f2db-4127-8060-79b05590d22f","additional_model_uuids":[]}'
)


@pytest.mark.parametrize(
    ("message", "wire"),
    [
        (Speak("Hello there. "), {"type": "Speak", "text": "Hello there. "}),
        (Flush(), {"type": "Flush"}),
        (Clear(), {"type": "Clear"}),
        (Close(), {"type": "Close"}),
    ],
)
def test_client_messages_serialize_as_the_spec_writes_them(message: object, wire: object) -> None:
    text = serialize_client(message)  # type: ignore[arg-type]
    assert json.loads(text) == wire
    assert parse_client(text) == message


def test_speak_keeps_unicode_unescaped() -> None:
    assert "héllo ✓" in serialize_client(Speak("héllo ✓"))


def test_live_metadata_capture_parses() -> None:
    meta = parse_server(LIVE_METADATA)
    assert meta == Metadata(
        request_id="01a01a7f-f079-74c3-bfc5-ac08f549baae",
        model_name="aura-asteria-en",
        model_version="2024-11-19.0",
        model_uuid="ecb76e9d-f2db-4127-8060-79b05590d22f",
    )
    assert json.loads(serialize_server(meta)) == json.loads(LIVE_METADATA)  # type: ignore[arg-type]


def test_flushed_and_cleared_dispatch_on_type_not_fields() -> None:
    # The official SDK resolves Cleared to a Flushed object; we must not.
    assert parse_server('{"type":"Cleared","sequence_id":0}') == Cleared(0)
    assert parse_server('{"type":"Flushed","sequence_id":3}') == Flushed(3)


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "Warning", "warn_code": "EXCESSIVE_FLUSH", "warn_msg": "slow down"},
        {"type": "Warning", "code": "EXCESSIVE_FLUSH", "description": "slow down"},
    ],
)
def test_warning_reads_both_field_shapes(payload: dict[str, str]) -> None:
    assert parse_server(json.dumps(payload)) == WarningMessage("EXCESSIVE_FLUSH", "slow down")


@pytest.mark.parametrize(
    ("shape", "keys"),
    [
        (WarningShape.LIVE, {"type", "warn_code", "warn_msg"}),
        (WarningShape.SPEC, {"type", "code", "description"}),
        (WarningShape.BOTH, {"type", "warn_code", "warn_msg", "code", "description"}),
    ],
)
def test_warning_serializes_in_each_shape(shape: WarningShape, keys: set[str]) -> None:
    wire = json.loads(serialize_server(WarningMessage("X", "y"), shape))
    assert set(wire) == keys
    assert parse_server(json.dumps(wire)) == WarningMessage("X", "y")


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "Error", "err_code": "E1", "err_msg": "bad"},
        {"type": "error", "code": "E1", "description": "bad"},
        {"type": "Error", "variant": "E1", "message": "bad"},
    ],
)
def test_error_message_is_read_defensively(payload: dict[str, str]) -> None:
    assert parse_server(json.dumps(payload)) == ErrorMessage("E1", "bad")


def test_unknown_server_type_is_passed_through() -> None:
    parsed = parse_server('{"type":"SpeechStarted","speech_id":"x"}')
    assert isinstance(parsed, UnknownMessage)
    assert parsed.type == "SpeechStarted"
    assert parsed.raw["speech_id"] == "x"


def test_binary_server_frame_is_audio() -> None:
    assert parse_server(b"\x01\x02\x03") == Audio(b"\x01\x02\x03")


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"\x00\x01", CloseReason.MESSAGE_0000),
        ("not json", CloseReason.DATA_0000),
        ("[1, 2]", CloseReason.DATA_0000),
        ('{"type": "Reset"}', CloseReason.DATA_0000),
        ('{"type": "KeepAlive"}', CloseReason.DATA_0000),
        ('{"type": "Speak"}', CloseReason.DATA_0000),
        ('{"type": "Speak", "text": 5}', CloseReason.DATA_0000),
        ('{"text": "no type"}', CloseReason.DATA_0000),
    ],
)
def test_bad_client_frames_become_violations(frame: str | bytes, reason: CloseReason) -> None:
    parsed = parse_client(frame)
    assert isinstance(parsed, ProtocolViolation)
    assert parsed.reason is reason


def test_client_parser_ignores_unknown_extra_fields() -> None:
    assert parse_client('{"type":"Flush","sequence_id":1}') == Flush()


@pytest.mark.parametrize(
    "frame",
    [
        '{"type":"Flushed"}',
        '{"type":"Flushed","sequence_id":"1"}',
        '{"type":"Cleared","sequence_id":true}',
        "{",
        '{"type": 3}',
    ],
)
def test_malformed_server_frames_become_violations(frame: str) -> None:
    assert isinstance(parse_server(frame), ProtocolViolation)


@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_parsers_never_raise(frame: str | bytes) -> None:
    parse_client(frame)
    parse_server(frame)


@given(st.text(max_size=300))
def test_speak_round_trips_any_text(text: str) -> None:
    assert parse_client(serialize_client(Speak(text))) == Speak(text)

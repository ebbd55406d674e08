"""Flux wire messages: serializers and total parsers for both directions (flux §2)."""

from __future__ import annotations

import json

import pytest

from deepgram_tts2.protocol.v2.codes import ErrorCode
from deepgram_tts2.protocol.v2.messages import (
    Audio,
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
    SessionMetadata,
    Speak,
    SpeechInterrupted,
    SpeechMetadata,
    SpeechStarted,
    TurnMetadata,
    UnknownMessage,
    WarningMessage,
    error,
    warning,
)
from deepgram_tts2.protocol.v2.wire import (
    parse_client,
    parse_server,
    serialize_client,
    serialize_server,
)

META = TurnMetadata("dg_sp_a1b2c3d4e5f6", 3200, 47, 47, ControlsApplied(0, 0, 0))


@pytest.mark.parametrize(
    ("message", "wire"),
    [
        (Speak("Sure, I can help."), {"type": "Speak", "text": "Sure, I can help."}),
        (Flush(), {"type": "Flush"}),
        (Interrupt(), {"type": "Interrupt"}),
        (
            Interrupt(2340),
            {"type": "Interrupt", "playback_offset": {"type": "time_ms", "value": 2340}},
        ),
        (Configure(1.15), {"type": "Configure", "speed": 1.15}),
        (Configure(), {"type": "Configure"}),
        (Close(), {"type": "Close"}),
    ],
)
def test_client_messages_serialize_as_documented_and_parse_back(
    message: object, wire: dict[str, object]
) -> None:
    frame = serialize_client(message)  # type: ignore[arg-type]
    assert json.loads(frame) == wire
    assert parse_client(frame) == message


def test_speak_keeps_text_verbatim_including_unicode_and_spaces() -> None:
    frame = serialize_client(Speak(" ¿Qué tal?  "))
    assert "¿" in frame  # not \u-escaped
    assert parse_client(frame) == Speak(" ¿Qué tal?  ")


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (b"\x00\x01", ErrorCode.MESSAGE_0000),  # binary
        ("not json", ErrorCode.MESSAGE_0000),
        ("[1, 2]", ErrorCode.MESSAGE_0000),
        ('{"text": "no type"}', ErrorCode.MESSAGE_0000),
        ('{"type": 5}', ErrorCode.MESSAGE_0000),
        ('{"type": "KeepAlive"}', ErrorCode.DATA_0000),
        ('{"type": "Clear"}', ErrorCode.DATA_0000),
        ('{"type": "Finalize"}', ErrorCode.DATA_0000),
        # "an Interrupt carrying an extra speech_id made the whole frame fail" (flux §2.1)
        ('{"type": "Interrupt", "speech_id": "dg_sp_000000000000"}', ErrorCode.MESSAGE_0000),
        ('{"type": "Speak", "text": "hi", "speech_id": "x"}', ErrorCode.MESSAGE_0000),
        ('{"type": "Flush", "x": 1}', ErrorCode.MESSAGE_0000),
        ('{"type": "Close", "x": 1}', ErrorCode.MESSAGE_0000),
        ('{"type": "Configure", "expressivity": 1}', ErrorCode.MESSAGE_0000),
        ('{"type": "Configure", "speed": "1.0"}', ErrorCode.MESSAGE_0000),
        ('{"type": "Configure", "speed": true}', ErrorCode.MESSAGE_0000),
        ('{"type": "Speak"}', ErrorCode.MESSAGE_0000),
        ('{"type": "Speak", "text": 3}', ErrorCode.MESSAGE_0000),
        ('{"type": "Interrupt", "playback_offset": 5}', ErrorCode.MESSAGE_0000),
        ('{"type": "Interrupt", "playback_offset": {"value": 5}}', ErrorCode.MESSAGE_0000),
        (
            '{"type": "Interrupt", "playback_offset": {"type": "bytes", "value": 5}}',
            ErrorCode.MESSAGE_0000,
        ),
        (
            '{"type": "Interrupt", "playback_offset": {"type": "time_ms", "value": 1.5}}',
            ErrorCode.MESSAGE_0000,
        ),
        (
            '{"type": "Interrupt", "playback_offset": {"type": "time_ms", "value": -1}}',
            ErrorCode.MESSAGE_0000,
        ),
        (
            '{"type": "Interrupt", "playback_offset": {"type": "time_ms", "value": 1, "x": 0}}',
            ErrorCode.MESSAGE_0000,
        ),
    ],
)
def test_client_parser_is_strict_and_never_raises(frame: str | bytes, code: ErrorCode) -> None:
    parsed = parse_client(frame)
    assert isinstance(parsed, ProtocolViolation)
    assert parsed.code is code
    assert parsed.detail


def test_null_optional_fields_read_as_absent() -> None:
    assert parse_client('{"type": "Interrupt", "playback_offset": null}') == Interrupt()
    assert parse_client('{"type": "Configure", "speed": null}') == Configure()
    assert parse_client('{"type": "Configure", "speed": 1}') == Configure(1.0)


SERVER_CASES: list[tuple[object, dict[str, object]]] = [
    (
        Connected("019ffcda", "alexis", "2026-08-11.0", ("u1", "u1")),
        {
            "type": "Connected",
            "request_id": "019ffcda",
            "model_name": "alexis",
            "model_version": "2026-08-11.0",
            "model_uuids": ["u1", "u1"],
        },
    ),
    (
        SpeechStarted("dg_sp_c78f63c65fa2"),
        {"type": "SpeechStarted", "speech_id": "dg_sp_c78f63c65fa2"},
    ),
    (Flushed("dg_sp_a1b2c3d4e5f6"), {"type": "Flushed", "speech_id": "dg_sp_a1b2c3d4e5f6"}),
    (
        SpeechMetadata(META),
        {
            "type": "SpeechMetadata",
            "speech_id": "dg_sp_a1b2c3d4e5f6",
            "audio_duration_ms": 3200,
            "input_character_count": 47,
            "billable_character_count": 47,
            "controls_applied": {
                "pronunciations_applied": 0,
                "breaks_applied": 0,
                "pronunciation_warnings": 0,
            },
        },
    ),
    (
        SpeechInterrupted(554, META, "Sure,", " I can help."),
        {
            "type": "SpeechInterrupted",
            "audio_played_ms": 554,
            "text_spoken": "Sure,",
            "text_remaining": " I can help.",
            "metadata": {
                "speech_id": "dg_sp_a1b2c3d4e5f6",
                "audio_duration_ms": 3200,
                "input_character_count": 47,
                "billable_character_count": 47,
                "controls_applied": {
                    "pronunciations_applied": 0,
                    "breaks_applied": 0,
                    "pronunciation_warnings": 0,
                },
            },
        },
    ),
    (ConfigureSuccess(1.05), {"type": "ConfigureSuccess", "applied": {"speed": 1.05}}),
    (ConfigureSuccess(), {"type": "ConfigureSuccess", "applied": {}}),
    (
        ConfigureFailure("SPEED_OUT_OF_RANGE", "speed must be between 0.5 and 1.5", "speed", 3.5),
        {
            "type": "ConfigureFailure",
            "code": "SPEED_OUT_OF_RANGE",
            "field": "speed",
            "value": 3.5,
            "description": "speed must be between 0.5 and 1.5",
        },
    ),
    (
        ConfigureFailure("SPEED_NOT_SUPPORTED", "no speed", "speed"),
        {
            "type": "ConfigureFailure",
            "code": "SPEED_NOT_SUPPORTED",
            "field": "speed",
            "description": "no speed",
        },
    ),
    (
        SessionMetadata(5360, 94, 0),
        {
            "type": "SessionMetadata",
            "total_audio_duration_ms": 5360,
            "total_input_character_count": 94,
            "total_billable_character_count": 0,
        },
    ),
    (
        WarningMessage("NO_ACTIVE_SPEECH", "There is no active turn. The request will be ignored."),
        {
            "type": "Warning",
            "code": "NO_ACTIVE_SPEECH",
            "description": "There is no active turn. The request will be ignored.",
        },
    ),
    (
        ErrorMessage("MESSAGE-0000", "The message could not be parsed."),
        {
            "type": "Error",
            "code": "MESSAGE-0000",
            "description": "The message could not be parsed.",
        },
    ),
]


@pytest.mark.parametrize(("message", "wire"), SERVER_CASES)
def test_server_messages_serialize_as_documented_and_parse_back(
    message: object, wire: dict[str, object]
) -> None:
    frame = serialize_server(message)  # type: ignore[arg-type]
    assert json.loads(frame) == wire
    assert parse_server(frame) == message


def test_interrupted_without_offset_omits_the_text_split() -> None:
    wire = json.loads(serialize_server(SpeechInterrupted(900, META)))
    assert "text_spoken" not in wire
    assert "text_remaining" not in wire
    assert wire["metadata"]["speech_id"] == META.speech_id
    assert "speech_id" not in wire  # it lives inside metadata (the Pipecat bug, flux §2.3)


def test_binary_server_frames_are_audio_never_json() -> None:
    assert parse_server(b'{"type":"Flushed"}') == Audio(b'{"type":"Flushed"}')


def test_server_parser_is_lenient_with_extra_fields_and_older_shapes() -> None:
    ea = (
        '{"type":"SpeechMetadata","speech_id":"dg_sp_24682fee6658","audio_duration_ms":5360,'
        '"input_character_count":94,"billable_character_count":0,"future":1,'
        '"controls_applied":{"pronunciations_applied":0,"pronunciation_warnings":0}}'
    )
    parsed = parse_server(ea)
    assert isinstance(parsed, SpeechMetadata)
    assert parsed.metadata.controls_applied == ControlsApplied(0, None, 0)
    assert parsed.speech_id == "dg_sp_24682fee6658"
    # An EA frame re-serialised keeps its shape (no invented breaks_applied).
    assert "breaks_applied" not in serialize_server(parsed)
    live = parse_server('{"type":"Warning","warn_code":"X","warn_msg":"y"}')
    assert live == WarningMessage("X", "y")
    legacy = parse_server('{"type":"Error","err_code":"NET-0000","err_msg":"boom"}')
    assert legacy == ErrorMessage("NET-0000", "boom")


def test_unknown_server_types_are_tolerated() -> None:
    parsed = parse_server('{"type":"SomethingNew","x":1}')
    assert isinstance(parsed, UnknownMessage)
    assert parsed.type == "SomethingNew"
    assert parsed.raw == {"type": "SomethingNew", "x": 1}


@pytest.mark.parametrize(
    "frame",
    [
        "{bad",
        "[]",
        '{"no": "type"}',
        '{"type":"SpeechStarted"}',
        '{"type":"Flushed","speech_id":""}',
        '{"type":"SpeechMetadata","speech_id":"a","audio_duration_ms":1}',
        '{"type":"SpeechInterrupted","metadata":{}}',
        '{"type":"SpeechInterrupted","audio_played_ms":3}',
        '{"type":"SessionMetadata","total_audio_duration_ms":1}',
        '{"type":"SessionMetadata","total_audio_duration_ms":true,'
        '"total_input_character_count":1,"total_billable_character_count":1}',
    ],
)
def test_malformed_server_frames_become_violations(frame: str) -> None:
    assert isinstance(parse_server(frame), ProtocolViolation)


def test_helpers_use_the_servers_wording() -> None:
    assert warning("NO_ACTIVE_SPEECH").description.startswith("There is no active turn")
    assert warning("UNHEARD_OF").description == "UNHEARD_OF"
    assert error(ErrorCode.NET_0004).code == "NET-0004"
    assert error(ErrorCode.DATA_0002, "pause").description == "pause"

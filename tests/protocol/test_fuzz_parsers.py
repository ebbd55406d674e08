"""Property tests of every protocol parser and validator that takes outside input (issue #11.13).

Each parser is total as its docstring says (it returns a value, or a violation / error value,
and never raises), serializers and parsers round-trip, validators accept what they build, and
nothing a peer sent as a *value* is echoed into an error (a key-like value is planted and
looked for, in any 8-character window). The regression tests of what fuzzing found (huge
numbers, Unicode digits, deep nesting, lone surrogates, a blank first-phrase flush) keep their
reproductions.

Covered: ``protocol.v1.messages.parse_server`` / ``parse_client``, ``protocol.v2.wire.
parse_server`` / ``parse_client``, ``protocol.v1.url.parse_query`` / ``validate_format``,
``protocol.v2.url.parse_query`` / ``validate_format``, ``protocol.v1.rest.parse_request_body`` /
``parse_error_body``, ``protocol.v2.rest.parse_request_body``, ``protocol.errors.
parse_close_reason`` / ``classify_close`` / ``format_close_reason`` / ``classify_http_status``,
``protocol.v1.segmenter.Segmenter`` / ``split_for_speak``, ``protocol.v2.alignment.split_spoken``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from deepgram_tts2.protocol.audio import Container, Encoding
from deepgram_tts2.protocol.errors import (
    NORMAL_CLOSE_CODES,
    CloseReason,
    ErrorBody,
    ErrorClass,
    classify_close,
    classify_http_status,
    format_close_reason,
    parse_close_reason,
)
from deepgram_tts2.protocol.v1 import messages as v1
from deepgram_tts2.protocol.v1 import rest as v1_rest
from deepgram_tts2.protocol.v1 import url as v1_url
from deepgram_tts2.protocol.v1.segmenter import (
    FlushPoint,
    SegmentAction,
    Segmenter,
    SegmenterPolicy,
    SpeakText,
    split_for_speak,
)
from deepgram_tts2.protocol.v2 import messages as v2
from deepgram_tts2.protocol.v2 import rest as v2_rest
from deepgram_tts2.protocol.v2 import url as v2_url
from deepgram_tts2.protocol.v2 import wire
from deepgram_tts2.protocol.v2.alignment import RenderedSpan, split_spoken
from deepgram_tts2.protocol.v2.codes import ErrorCode
from deepgram_tts2.protocol.v2.controls import CharUnit

# A key-like value planted in inputs; errors must never show any 8 characters of it.
SECRET = "Zq7vK2mR9xW4tB6nP1sL8dF3hJ5gC0yA"


def leaked(text: str, secret: str = SECRET, window: int = 8) -> list[str]:
    """The ``window``-character pieces of ``secret`` that occur in ``text``."""
    return [
        secret[i : i + window]
        for i in range(len(secret) - window + 1)
        if secret[i : i + window] in text
    ]


# ---------------------------------------------------------------------------------------------
# Strategies

# Integers a JSON peer may send; beyond a double's range: test_v2_parsers_survive_integers_...
SAFE_INTS = st.integers(min_value=-(2**64), max_value=2**64)
TEXT = st.text(max_size=24)
SECRETISH = st.sampled_from([SECRET, f"Token {SECRET}", f"x{SECRET}y", SECRET[:16]])
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    SAFE_INTS,
    st.floats(),  # NaN and infinities included: Python's json writes and reads them
    TEXT,
    SECRETISH,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)

V1_SERVER_TYPES = ["Metadata", "Flushed", "Cleared", "Warning", "Error", "error", "Other", ""]
V1_SERVER_FIELDS = [
    "request_id",
    "model_name",
    "model_version",
    "model_uuid",
    "additional_model_uuids",
    "sequence_id",
    "warn_code",
    "warn_msg",
    "code",
    "description",
    "err_code",
    "err_msg",
    "variant",
    "message",
]
V1_CLIENT_TYPES = ["Speak", "Flush", "Clear", "Close", "Reset", "speak", ""]
V2_CLIENT_TYPES = ["Speak", "Flush", "Interrupt", "Configure", "Close", "KeepAlive", "Clear"]
V2_SERVER_TYPES = [
    "Connected",
    "SpeechStarted",
    "Flushed",
    "SpeechMetadata",
    "SpeechInterrupted",
    "ConfigureSuccess",
    "ConfigureFailure",
    "SessionMetadata",
    "Warning",
    "Error",
    "error",
    "Future",
]
V2_SERVER_FIELDS = [
    "request_id",
    "model_name",
    "model_version",
    "model_uuids",
    "speech_id",
    "audio_duration_ms",
    "input_character_count",
    "billable_character_count",
    "controls_applied",
    "audio_played_ms",
    "text_spoken",
    "text_remaining",
    "metadata",
    "applied",
    "code",
    "field",
    "value",
    "description",
    "total_audio_duration_ms",
    "total_input_character_count",
    "total_billable_character_count",
    "warn_code",
    "warn_msg",
    "err_code",
]


def objects(types: list[str], fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects with a plausible ``type`` and plausible (or random) fields of any value."""
    names = st.sampled_from(fields) | st.text(max_size=6)
    nested = st.dictionaries(names, json_values, max_size=4)  # metadata, applied, ...
    field_values = json_values | nested
    return st.builds(
        lambda kind, rest: {"type": kind, **rest},
        st.sampled_from(types) | json_values,
        st.dictionaries(names, field_values, max_size=6),
    )


ADVERSARIAL_TEXT = [
    "",
    "null",
    "[]",
    '"Flushed"',
    "{",
    '{"type": "Flushed", "sequence_id": ',
    '{"type": "Flushed", "sequence_id": true}',
    '{"type": "Flushed", "sequence_id": 1.0}',
    '{"type": "Cleared", "sequence_id": NaN}',
    '{"type": "Metadata", "additional_model_uuids": "abc"}',
    '{"type": 1}',
    '{"type": null}',
    "[" * 500 + "]" * 500,  # deep, but within the decoder's recursion limit
    '{"a": ' * 200 + "1" + "}" * 200,
    "[" * 5000,  # past the recursion limit: RecursionError, caught
    "1" * 5000,  # past int_max_str_digits: ValueError, caught
    "\ud800",
    '{"type": "Speak", "text": "\\ud800"}',
    "\x00",
]


def frames(types: list[str], fields: list[str]) -> st.SearchStrategy[str | bytes]:
    return st.one_of(
        objects(types, fields).map(json.dumps),
        json_values.map(json.dumps),
        st.text(),
        st.binary(max_size=64),
        st.sampled_from(ADVERSARIAL_TEXT),
    )


# ---------------------------------------------------------------------------------------------
# /v1/speak messages

V1_SERVER_RESULTS = (
    v1.Audio,
    v1.Metadata,
    v1.Flushed,
    v1.Cleared,
    v1.WarningMessage,
    v1.ErrorMessage,
    v1.UnknownMessage,
    v1.ProtocolViolation,
)


@given(frame=frames(V1_SERVER_TYPES, V1_SERVER_FIELDS))
@settings(max_examples=150)
def test_v1_parse_server_is_total(frame: str | bytes) -> None:
    result = v1.parse_server(frame)
    assert isinstance(result, V1_SERVER_RESULTS)
    if isinstance(frame, bytes):
        assert result == v1.Audio(frame)
    if isinstance(result, v1.ProtocolViolation):
        assert isinstance(result.reason, CloseReason)
        assert result.reason.close_code in (1003, 1008)
    elif isinstance(result, v1.Flushed | v1.Cleared):
        assert type(result.sequence_id) is int
    elif isinstance(result, v1.Metadata):
        assert all(isinstance(u, str) for u in result.additional_model_uuids)
    elif isinstance(result, v1.WarningMessage | v1.ErrorMessage):
        assert isinstance(result.code, str)
        assert isinstance(result.message, str)


v1_server_messages = st.one_of(
    st.builds(
        v1.Metadata,
        request_id=TEXT,
        model_name=TEXT,
        model_version=TEXT,
        model_uuid=TEXT,
        additional_model_uuids=st.lists(TEXT, max_size=3).map(tuple),
    ),
    st.builds(v1.Flushed, SAFE_INTS),
    st.builds(v1.Cleared, SAFE_INTS),
    st.builds(v1.WarningMessage, TEXT, TEXT),
    st.builds(v1.ErrorMessage, TEXT, TEXT),
)


@given(message=v1_server_messages, shape=st.sampled_from(v1.WarningShape))
def test_v1_server_messages_round_trip(message: Any, shape: v1.WarningShape) -> None:
    assert v1.parse_server(v1.serialize_server(message, shape)) == message


@given(frame=frames(V1_CLIENT_TYPES, ["text", "sequence_id", "extra"]))
@settings(max_examples=150)
def test_v1_parse_client_is_total(frame: str | bytes) -> None:
    result = v1.parse_client(frame)
    assert isinstance(result, v1.Speak | v1.Flush | v1.Clear | v1.Close | v1.ProtocolViolation)
    if isinstance(frame, bytes):
        assert result == v1.ProtocolViolation(CloseReason.MESSAGE_0000, "binary frame")
    if isinstance(result, v1.ProtocolViolation):
        assert result.reason in (CloseReason.MESSAGE_0000, CloseReason.DATA_0000)
    if isinstance(result, v1.Speak):
        assert isinstance(result.text, str)


@given(
    message=st.one_of(
        st.builds(v1.Speak, st.text()),
        st.just(v1.Flush()),
        st.just(v1.Clear()),
        st.just(v1.Close()),
    )
)
def test_v1_client_messages_round_trip(message: v1.ClientMessage) -> None:
    assert v1.parse_client(v1.serialize_client(message)) == message


def _values_only(types: list[str], fields: list[str]) -> st.SearchStrategy[str]:
    """Client frames whose planted secret sits only in values (never in a name or a type)."""
    names = st.sampled_from(fields) | st.text(alphabet="abcxyz_", max_size=6)
    leaf = st.one_of(SECRETISH, TEXT, SAFE_INTS, st.none(), st.booleans())
    value = st.recursive(
        leaf,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
        max_leaves=6,
    )
    return st.builds(
        lambda kind, rest: json.dumps({**rest, "type": kind}),
        st.sampled_from(types),
        st.dictionaries(names, value, max_size=4),
    )


@given(frame=_values_only(V1_CLIENT_TYPES, ["text", "sequence_id"]))
def test_v1_client_violations_never_echo_values(frame: str) -> None:
    result = v1.parse_client(frame)
    if isinstance(result, v1.ProtocolViolation):
        assert not leaked(result.detail)


# ---------------------------------------------------------------------------------------------
# /v2/speak messages

V2_SERVER_RESULTS = (
    v2.Audio,
    v2.Connected,
    v2.SpeechStarted,
    v2.Flushed,
    v2.SpeechMetadata,
    v2.SpeechInterrupted,
    v2.ConfigureSuccess,
    v2.ConfigureFailure,
    v2.SessionMetadata,
    v2.WarningMessage,
    v2.ErrorMessage,
    v2.UnknownMessage,
    v2.ProtocolViolation,
)


@given(frame=frames(V2_SERVER_TYPES, V2_SERVER_FIELDS))
@settings(max_examples=200)
def test_v2_parse_server_is_total(frame: str | bytes) -> None:
    result = wire.parse_server(frame)
    assert isinstance(result, V2_SERVER_RESULTS)
    if isinstance(frame, bytes):
        assert result == v2.Audio(frame)
    if isinstance(result, v2.ProtocolViolation):
        assert result.code is ErrorCode.MESSAGE_0000
    elif isinstance(result, v2.SpeechStarted | v2.Flushed):
        assert result.speech_id
    elif isinstance(result, v2.SpeechMetadata | v2.SpeechInterrupted):
        meta = result.metadata
        assert meta.speech_id
        assert all(
            type(n) is int
            for n in (
                meta.audio_duration_ms,
                meta.input_character_count,
                meta.billable_character_count,
            )
        )
    elif isinstance(result, v2.ConfigureSuccess | v2.ConfigureFailure):
        value = result.speed if isinstance(result, v2.ConfigureSuccess) else result.value
        assert value is None or type(value) is float


NAMES = st.text(min_size=1, max_size=12)
turn_metadata = st.builds(
    v2.TurnMetadata,
    speech_id=NAMES,
    audio_duration_ms=SAFE_INTS,
    input_character_count=SAFE_INTS,
    billable_character_count=SAFE_INTS,
    controls_applied=st.none()
    | st.builds(
        v2.ControlsApplied,
        pronunciations_applied=SAFE_INTS,
        breaks_applied=st.none() | SAFE_INTS,
        pronunciation_warnings=SAFE_INTS,
    ),
)
FINITE = st.floats(allow_nan=False, allow_infinity=False)
v2_server_controls = st.one_of(
    st.builds(v2.Connected, TEXT, TEXT, TEXT, st.lists(TEXT, max_size=3).map(tuple)),
    st.builds(v2.SpeechStarted, NAMES),
    st.builds(v2.Flushed, NAMES),
    st.builds(v2.SpeechMetadata, turn_metadata),
    st.builds(v2.SpeechInterrupted, SAFE_INTS, turn_metadata, st.none() | TEXT, st.none() | TEXT),
    st.builds(v2.ConfigureSuccess, st.none() | FINITE),
    st.builds(v2.ConfigureFailure, TEXT, TEXT, st.none() | TEXT, st.none() | FINITE),
    st.builds(v2.SessionMetadata, SAFE_INTS, SAFE_INTS, SAFE_INTS),
    st.builds(v2.WarningMessage, TEXT, TEXT),
    st.builds(v2.ErrorMessage, TEXT, TEXT),
)


@given(message=v2_server_controls)
def test_v2_server_messages_round_trip(message: v2.ServerControl) -> None:
    parsed = wire.parse_server(wire.serialize_server(message))
    assert parsed == message


@given(frame=frames(V2_CLIENT_TYPES, ["text", "playback_offset", "speed", "value"]))
@settings(max_examples=150)
def test_v2_parse_client_is_strict_and_total(frame: str | bytes) -> None:
    result = wire.parse_client(frame)
    kinds = v2.Speak | v2.Flush | v2.Interrupt | v2.Configure | v2.Close | v2.ProtocolViolation
    assert isinstance(result, kinds)
    if isinstance(result, v2.ProtocolViolation):
        assert result.code in (ErrorCode.MESSAGE_0000, ErrorCode.DATA_0000)
        if isinstance(frame, str):
            try:
                obj = json.loads(frame)
            except (ValueError, RecursionError):
                obj = None
            unknown_type = (
                isinstance(obj, dict)
                and isinstance(obj.get("type"), str)
                and obj["type"] not in ("Speak", "Flush", "Interrupt", "Configure", "Close")
            )
            expected = ErrorCode.DATA_0000 if unknown_type else ErrorCode.MESSAGE_0000
            assert result.code is expected
    elif isinstance(result, v2.Interrupt):
        offset = result.playback_offset_ms
        assert offset is None or (type(offset) is int and offset >= 0)
    elif isinstance(result, v2.Configure):
        assert result.speed is None or type(result.speed) is float


@given(
    message=st.one_of(
        st.builds(v2.Speak, st.text()),
        st.just(v2.Flush()),
        st.builds(v2.Interrupt, st.none() | st.integers(min_value=0, max_value=2**63)),
        st.builds(v2.Configure, st.none() | FINITE),
        st.just(v2.Close()),
    )
)
def test_v2_client_messages_round_trip(message: v2.ClientMessage) -> None:
    assert wire.parse_client(wire.serialize_client(message)) == message


@given(frame=_values_only(V2_CLIENT_TYPES, ["text", "playback_offset", "speed"]))
def test_v2_client_violations_never_echo_values(frame: str) -> None:
    result = wire.parse_client(frame)
    if isinstance(result, v2.ProtocolViolation):
        assert not leaked(result.detail)


BIG = "9" * 400  # an integer JSON literal no double can hold


@pytest.mark.parametrize(
    ("parse", "frame"),
    [
        (wire.parse_server, '{"type": "ConfigureSuccess", "applied": {"speed": ' + BIG + "}}"),
        (wire.parse_server, '{"type": "ConfigureFailure", "code": "X", "value": ' + BIG + "}"),
        (wire.parse_client, '{"type": "Configure", "speed": ' + BIG + "}"),
    ],
    ids=["ConfigureSuccess", "ConfigureFailure", "client-Configure"],
)
def test_v2_parsers_survive_integers_beyond_float_range(parse: Any, frame: str) -> None:
    result = parse(frame)
    assert isinstance(result, (*V2_SERVER_RESULTS, v2.Configure))


# ---------------------------------------------------------------------------------------------
# Query validators

V1_KEYS = [*sorted(v1_url.KNOWN_PARAMS), "tag", "token", "api_key", "callback"]
V2_KEYS = [*sorted(v2_url.WS_PARAMS | v2_url.REST_ONLY_PARAMS), "token", "api_key", "container"]
QUERY_VALUES = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [e.value for e in Encoding]
        + [c.value for c in Container]
        + ["8000", "16000", "24000", "48000", "22050", "0", "-1", "+24000", " 24000", "24_000"]
        + ["0.5", "0.7", "0.75", "1.0", "1.5", "2", "1e400", "nan", "inf", "-0.0", "1.05"]
        + ["true", "FALSE", "yes", "low", "POST", "get", "-2", "2", "0.5"]
        + ["aura-asteria-en", "aura-2-thalia-en", "flux-alexis-en", "flux-renee-en", "aura"]
        + ["1" * 5000]
    ),
    st.integers().map(str),
    st.floats().map(repr),
    SECRETISH,
)
V1_ECHOED = {"encoding", "container"}  # Deepgram's wording names these values
V2_ECHOED = {"encoding", "container", "callback_method", "priority"}


def _query(keys: list[str]) -> st.SearchStrategy[list[tuple[str, str]]]:
    key = st.sampled_from(keys) | st.text(max_size=6)
    return st.lists(st.tuples(key, QUERY_VALUES), max_size=8)


def _secret_only_in_quiet_values(items: list[tuple[str, str]], echoed: set[str]) -> bool:
    return not any(leaked(k) for k, _ in items) and not any(
        k in echoed and leaked(v) for k, v in items
    )


@given(
    items=_query(V1_KEYS),
    api=st.sampled_from(v1_url.Api),
    known=st.booleans(),
)
@settings(max_examples=150)
def test_v1_parse_query_is_total_and_round_trips(
    items: list[tuple[str, str]], api: v1_url.Api, known: bool
) -> None:
    result = v1_url.parse_query(items, api, require_known_model=known)
    assert isinstance(result, v1_url.SpeakParams | v1_url.QueryError)
    if isinstance(result, v1_url.QueryError):
        assert result.status == 400
        assert result.err_code
        assert result.err_msg
        if _secret_only_in_quiet_values(items, V1_ECHOED):
            assert not leaked(result.err_msg)
        return
    assert v1_url.validate_format(result, api) is None
    assert v1_url.parse_query(result.to_query(), api, require_known_model=known) == result


@given(
    params=st.builds(
        v1_url.SpeakParams,
        model=st.text(max_size=20),
        encoding=st.none() | st.sampled_from(Encoding),
        sample_rate=st.none() | st.integers(),
        container=st.none() | st.sampled_from(Container),
        bit_rate=st.none() | st.integers(),
        speed=st.none() | st.floats(),
        mip_opt_out=st.none() | st.booleans(),
    ),
    api=st.sampled_from(v1_url.Api),
)
def test_v1_validate_format_is_total(params: v1_url.SpeakParams, api: v1_url.Api) -> None:
    problem = v1_url.validate_format(params, api)
    assert problem is None or (isinstance(problem, v1_url.QueryError) and problem.err_msg)


query_rules = st.builds(
    v2_url.QueryRules,
    require_known_model=st.booleans(),
    speed_range=st.sampled_from([v2_url.SPEED_RANGE, v2_url.LEGACY_SPEED_RANGE]),
    runtime_speed_supported=st.booleans(),
    g711_default_sample_rate=st.sampled_from([None, 8000, 16000]),
)


@given(
    items=_query(V2_KEYS),
    transport=st.sampled_from(v2_url.Transport),
    rules=query_rules,
)
@settings(max_examples=150)
def test_v2_parse_query_is_total_and_round_trips(
    items: list[tuple[str, str]], transport: v2_url.Transport, rules: v2_url.QueryRules
) -> None:
    result = v2_url.parse_query(items, transport, rules)
    assert isinstance(result, v2_url.FluxParams | v2_url.QueryError)
    if isinstance(result, v2_url.QueryError):
        assert result.status == 400
        assert result.err_code
        assert result.err_msg
        if _secret_only_in_quiet_values(items, V2_ECHOED):
            assert not leaked(result.err_msg)
        return
    assert v2_url.validate_format(result, transport, rules) is None
    assert v2_url.parse_query(result.to_query(), transport, rules) == result


@given(
    params=st.builds(
        v2_url.FluxParams,
        model=st.text(max_size=20),
        encoding=st.none() | st.sampled_from(Encoding),
        sample_rate=st.none() | st.integers(),
        speed=st.none() | st.floats(),
        expressivity=st.none() | st.integers(),
        mip_opt_out=st.none() | st.booleans(),
        tags=st.lists(TEXT, max_size=2).map(tuple),
        container=st.none() | st.sampled_from(Container),
        bit_rate=st.none() | st.integers(),
        callback=st.none() | TEXT,
        callback_method=st.none() | TEXT,
        priority=st.none() | TEXT,
    ),
    transport=st.sampled_from(v2_url.Transport),
    rules=query_rules,
)
def test_v2_validate_format_is_total(
    params: v2_url.FluxParams, transport: v2_url.Transport, rules: v2_url.QueryRules
) -> None:
    problem = v2_url.validate_format(params, transport, rules)
    assert problem is None or (isinstance(problem, v2_url.QueryError) and problem.err_msg)


@pytest.mark.parametrize(
    "value", ["\u00b2", "\u2460", "1" * 5000], ids=["sup2", "circled1", "long"]
)
@pytest.mark.parametrize("key", ["sample_rate", "bit_rate"])
def test_v2_integer_parameters_never_raise(key: str, value: str) -> None:
    items = [("model", "flux-alexis-en"), (key, value)]
    result = v2_url.parse_query(items, v2_url.Transport.REST)
    assert isinstance(result, v2_url.QueryError)


@pytest.mark.parametrize(
    ("generation", "value"),
    [
        ("v1", "24_000"),
        ("v1", " 24000"),
        ("v1", "\u0662\u0664\u0660\u0660\u0660"),
        ("v2", "\u0662\u0664\u0660\u0660\u0660"),
    ],
)
def test_integer_query_values_are_ascii_digits(generation: str, value: str) -> None:
    if generation == "v1":
        result: object = v1_url.parse_query([("sample_rate", value)], v1_url.Api.WEBSOCKET)
        assert isinstance(result, v1_url.QueryError)
    else:
        items = [("model", "flux-alexis-en"), ("sample_rate", value)]
        result = v2_url.parse_query(items, v2_url.Transport.WEBSOCKET)
        assert isinstance(result, v2_url.QueryError)


# ---------------------------------------------------------------------------------------------
# REST bodies

CONTENT_TYPES = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "APPLICATION/JSON",
            " text/plain ",
            "text/plain;charset=latin-1",
            "text/html",
            "",
            ";",
            "multipart/form-data; boundary=x",
        ]
    ),
    st.text(max_size=20),
)


def _bodies() -> st.SearchStrategy[bytes]:
    text_objects = st.builds(
        lambda text, rest: {**rest, "text": text},
        st.one_of(
            TEXT, SECRETISH, st.just(""), st.just("   "), st.text(min_size=1990, max_size=2010)
        ),
        st.dictionaries(st.sampled_from(["url", "model", "extra"]), json_values, max_size=2),
    )
    return st.one_of(
        text_objects.map(lambda o: json.dumps(o).encode()),
        text_objects.map(lambda o: json.dumps(o, ensure_ascii=False).encode()),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.text().map(str.encode),
        SECRETISH.map(str.encode),
        st.binary(max_size=64),
        st.sampled_from([b"", b"\xff\xfe", b"\xed\xa0\x80", b"{", b"[" * 500 + b"]" * 500]),
    )


def _check_rest_result(result: object, body: bytes, max_chars: int | None) -> None:
    if isinstance(result, str):
        assert result.strip()
        if max_chars is not None:
            assert len(result) <= max_chars
        return
    assert isinstance(result, v1_rest.RestError | v2_rest.RestError)
    assert result.status in (400, 413, 415)
    assert result.err_code
    assert result.err_msg
    assert not leaked(result.err_msg)


@given(
    content_type=CONTENT_TYPES,
    body=_bodies(),
    max_chars=st.integers(1, 3000),
    max_bytes=st.integers(0, 4096) | st.just(v1_rest.REST_MAX_BODY_BYTES),
)
@settings(max_examples=150)
def test_v1_parse_request_body_is_total(
    content_type: str | None, body: bytes, max_chars: int, max_bytes: int
) -> None:
    result = v1_rest.parse_request_body(content_type, body, max_chars, max_bytes)
    _check_rest_result(result, body, max_chars)
    if isinstance(result, str):
        assert len(body) <= max_bytes


@given(
    content_type=CONTENT_TYPES,
    body=_bodies(),
    rules=st.builds(
        v2_rest.BodyRules,
        lenient=st.booleans(),
        max_chars=st.none() | st.integers(1, 3000),
        max_bytes=st.integers(0, 4096) | st.just(2 * 1024 * 1024),
        char_unit=st.sampled_from(CharUnit),
    ),
)
@settings(max_examples=150)
def test_v2_parse_request_body_is_total(
    content_type: str | None, body: bytes, rules: v2_rest.BodyRules
) -> None:
    result = v2_rest.parse_request_body(content_type, body, rules)
    _check_rest_result(result, body, None)
    if isinstance(result, str):
        assert len(body) <= rules.max_bytes


@given(body=_bodies() | json_values.map(lambda v: json.dumps({"err_msg": v}).encode()))
@settings(max_examples=150)
def test_parse_error_body_is_total(body: bytes) -> None:
    parsed = v1_rest.parse_error_body(body)
    assert isinstance(parsed, ErrorBody)
    assert all(isinstance(f, str) for f in (parsed.err_code, parsed.err_msg, parsed.request_id))


@given(
    err_code=TEXT,
    err_msg=TEXT,
    request_id=TEXT,
)
def test_error_bodies_round_trip(err_code: str, err_msg: str, request_id: str) -> None:
    parsed = v1_rest.parse_error_body(v1_rest.error_body(err_code, err_msg, request_id))
    assert parsed == ErrorBody(err_code, err_msg, request_id)


DEEP = b"[" * 100_000  # 100 kB: well inside the 2 MB body limit


@pytest.mark.parametrize(
    "parse",
    [
        lambda: v1_rest.parse_request_body("application/json", DEEP),
        lambda: v2_rest.parse_request_body("application/json", DEEP),
        lambda: v1_rest.parse_error_body(DEEP),
    ],
    ids=["v1-request", "v2-request", "error-body"],
)
def test_rest_parsers_survive_deeply_nested_json(parse: Any) -> None:
    assert isinstance(parse(), v1_rest.RestError | v2_rest.RestError | ErrorBody)


@pytest.mark.parametrize("unit", [CharUnit.UTF16, CharUnit.BYTES])
def test_v2_parse_request_body_survives_a_lone_surrogate(unit: CharUnit) -> None:
    body = b'{"text": "a\\ud800"}'
    result = v2_rest.parse_request_body("application/json", body, v2_rest.BodyRules(char_unit=unit))
    assert isinstance(result, v2_rest.RestError)


# ---------------------------------------------------------------------------------------------
# Close reasons and statuses

REASON_TEXT = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda a, r, b: f"{a}{r}{b}",
        st.text(max_size=8),
        st.sampled_from(
            [r.value for r in CloseReason]
            + [r.help_url for r in CloseReason]
            + ["NET-0004", "DATA-9999", "net-0000", "NET-00001", "xNET-0000", "dpgr.am/NET0001"]
        ),
        st.text(max_size=8),
    ),
)


@given(reason=REASON_TEXT)
def test_parse_close_reason_is_total(reason: str) -> None:
    parsed = parse_close_reason(reason)
    assert parsed is None or isinstance(parsed, CloseReason)
    if parsed is not None:
        compact = parsed.value.replace("-", "").lower()
        assert parsed.value in reason or f"dpgr.am/{compact}" in reason.lower()


@given(code=st.none() | st.integers(), reason=REASON_TEXT)
def test_classify_close_is_total(code: int | None, reason: str) -> None:
    result = classify_close(code, reason)
    normal = code in NORMAL_CLOSE_CODES and parse_close_reason(reason) is None
    assert (result is None) == normal
    assert result is None or isinstance(result, ErrorClass)


@given(
    reason=st.sampled_from(CloseReason),
    prose=st.booleans(),
    before=st.text(max_size=10),
    after=st.text(max_size=10),
)
def test_close_reasons_are_found_where_deepgram_puts_them(
    reason: CloseReason, prose: bool, before: str, after: str
) -> None:
    text = format_close_reason(reason, prose)
    assert len(text.encode()) <= 123  # a close frame's reason
    assert parse_close_reason(text) is reason
    assume(parse_close_reason(before) is None and parse_close_reason(after) is None)
    assert parse_close_reason(f"{before} {text} {after}") is reason


@given(status=st.integers())
def test_classify_http_status_is_total(status: int) -> None:
    result = classify_http_status(status)
    assert (result is None) == (status < 400)


# ---------------------------------------------------------------------------------------------
# Segmenter

PUNCTUATION = list(".!?…,;:—–。！？\"'”’)]» \n\t\u00a0\u3000")
SEG_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(PUNCTUATION), st.sampled_from(list("ab3 ")), st.characters()
    ),
    max_size=80,
)


@st.composite
def policies(draw: st.DrawFn) -> SegmenterPolicy:
    reserve = draw(st.integers(1, 5))
    return SegmenterPolicy(
        max_speak_chars=draw(st.integers(1, 40) | st.just(2000)),
        first_phrase_min_chars=draw(st.integers(1, 40)),
        first_phrase_max_chars=draw(st.integers(1, 130)),
        low_water=draw(st.integers(reserve, reserve + 10)),
        coalesce_chars=draw(st.integers(0, 60)),
        reserve=reserve,
    )


def _run_segmenter(
    policy: SegmenterPolicy, chunks: list[tuple[str, int]]
) -> tuple[list[list[SegmentAction]], list[SegmentAction]]:
    segmenter = Segmenter(policy)
    pushes = [segmenter.push(text, budget) for text, budget in chunks]
    return pushes, segmenter.end()


@given(
    policy=policies(),
    chunks=st.lists(st.tuples(SEG_TEXT, st.integers(0, 25)), max_size=10),
)
@settings(max_examples=150)
def test_segmenter_keeps_text_code_points_and_limits(
    policy: SegmenterPolicy, chunks: list[tuple[str, int]]
) -> None:
    pushes, final = _run_segmenter(policy, chunks)
    full = "".join(text for text, _ in chunks)
    speaks = [a.text for actions in pushes for a in actions if isinstance(a, SpeakText)]
    sent = "".join(speaks)
    for text in speaks:
        assert 1 <= len(text) <= policy.max_speak_chars
        text.encode("utf-8")  # every piece is whole code points, so it encodes like the input
    assert full.startswith(sent)
    rest = full[len(sent) :]
    assert rest == "" or rest.isspace()  # only whitespace still pending at end() is dropped
    for (_, budget), actions in zip(chunks, pushes, strict=True):
        flushes = sum(isinstance(a, FlushPoint) for a in actions)
        assert flushes <= max(0, budget - policy.reserve)
    assert all(isinstance(a, FlushPoint) and a.reason == "end" for a in final)
    assert len(final) <= 1


def _blank_flushes(actions: list[SegmentAction]) -> int:
    blank, count = True, 0
    for action in actions:
        if isinstance(action, SpeakText):
            blank = blank and action.text.isspace()
        else:
            count += blank
            blank = True
    return count


@given(
    policy=policies(),
    chunks=st.lists(st.tuples(SEG_TEXT, st.integers(0, 25)), max_size=10),
)
@example(policy=SegmenterPolicy(), chunks=[(" " * 130 + "x", 20)])
def test_segmenter_never_flushes_a_blank_buffer(
    policy: SegmenterPolicy, chunks: list[tuple[str, int]]
) -> None:
    pushes, final = _run_segmenter(policy, chunks)
    assert _blank_flushes([a for actions in pushes for a in actions] + final) == 0


@given(policy=policies(), chunks=st.lists(st.text(max_size=30), max_size=5))
def test_segmenter_survives_unencodable_text(policy: SegmenterPolicy, chunks: list[str]) -> None:
    """Lone surrogates are the client's to refuse (``check_text``); the planner stays total."""
    segmenter = Segmenter(policy)
    for chunk in chunks:
        segmenter.push(chunk + "\ud800 .", 20)
    segmenter.end()
    with pytest.raises(RuntimeError):
        segmenter.push("more", 20)
    assert segmenter.end() == []


@given(text=SEG_TEXT | st.text(max_size=300), limit=st.integers(1, 50) | st.just(2000))
@settings(max_examples=150)
def test_split_for_speak_pieces_join_and_fit(text: str, limit: int) -> None:
    pieces = split_for_speak(text, limit)
    assert "".join(pieces) == text
    assert all(1 <= len(p) <= limit for p in pieces)
    assert all(p.encode("utf-8") for p in pieces)


# ---------------------------------------------------------------------------------------------
# Flux text alignment

WORDY = st.text(alphabet=st.sampled_from(list("ab ,.\n\t\u00a0é😀")), max_size=40)
spans = st.builds(
    RenderedSpan,
    start=st.integers(-3, 45),
    end=st.integers(-3, 45),
    audio_start_ms=st.floats(-10, 5000, allow_nan=False),
    audio_ms=st.floats(-10, 5000, allow_nan=False),
)


@given(
    text=WORDY | st.text(max_size=40),
    timeline=st.lists(spans, max_size=5),
    played=st.floats(allow_nan=False),
    more=st.floats(0, 1e6),
)
@settings(max_examples=150)
def test_split_spoken_parts_concatenate_and_grow(
    text: str, timeline: list[RenderedSpan], played: float, more: float
) -> None:
    split = split_spoken(text, timeline, played)
    assert split.spoken + split.remaining == text
    assert split.spoken == "" or not split.spoken[-1].isspace()
    assert split.remaining == "" or split.spoken == "" or split.remaining[0].isspace()
    later = split_spoken(text, timeline, played + more)
    assert later.spoken.startswith(split.spoken)  # hearing more never un-hears a word


@given(text=WORDY, played=st.floats(allow_nan=True, allow_infinity=True))
def test_split_spoken_of_a_whole_timeline(text: str, played: float) -> None:
    timeline = [RenderedSpan(0, len(text), 0.0, 50.0 * len(text))]
    split = split_spoken(text, timeline, played)
    assert split.spoken + split.remaining == text
    if played >= 50.0 * len(text):
        assert split.spoken == text.rstrip()

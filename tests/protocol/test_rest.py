"""REST request bodies and error bodies (spec 3)."""

from __future__ import annotations

import json

import pytest

from deepgram_tts2.protocol.errors import ErrorBody
from deepgram_tts2.protocol.v1.rest import (
    RestError,
    error_body,
    parse_error_body,
    parse_request_body,
    request_body,
)


def test_json_and_plain_bodies_give_the_text() -> None:
    assert parse_request_body("application/json", request_body("Hi ✓")) == "Hi ✓"
    assert parse_request_body("text/plain; charset=utf-8", b"Hi there") == "Hi there"


@pytest.mark.parametrize(
    ("content_type", "body", "status", "code"),
    [
        ("audio/wav", b"x", 415, "UNSUPPORTED_MEDIA_TYPE"),
        (None, b"x", 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("application/json", b"{", 400, "PAYLOAD_ERROR"),
        ("application/json", b'{"url": "http://x"}', 400, "PAYLOAD_ERROR"),
        ("text/plain", b"\xff\xfe", 400, "PAYLOAD_ERROR"),
        ("text/plain", b"   ", 400, "Bad Request"),
        ("text/plain", b"a" * 2001, 413, "Payload Too Large"),
        ("text/plain", b"a" * (2 * 1024 * 1024 + 1), 413, "PAYLOAD_TOO_LARGE"),
    ],
)
def test_bad_bodies_get_deepgrams_errors(
    content_type: str | None, body: bytes, status: int, code: str
) -> None:
    result = parse_request_body(content_type, body)
    assert isinstance(result, RestError)
    assert (result.status, result.err_code) == (status, code)


def test_char_limit_is_configurable() -> None:
    assert parse_request_body("text/plain", b"a" * 2400, max_chars=2400) == "a" * 2400
    result = parse_request_body("text/plain", b"a" * 2401, max_chars=2400)
    assert isinstance(result, RestError)
    assert "2400" in result.err_msg


def test_error_bodies_round_trip_in_every_shape() -> None:
    legacy = error_body("INVALID_AUTH", "Invalid credentials.", "rid")
    assert json.loads(legacy) == {
        "err_code": "INVALID_AUTH",
        "err_msg": "Invalid credentials.",
        "request_id": "rid",
    }
    assert parse_error_body(legacy) == ErrorBody("INVALID_AUTH", "Invalid credentials.", "rid")
    modern = b'{"category":"INVALID_JSON","message":"m","details":"d","request_id":"r"}'
    assert parse_error_body(modern) == ErrorBody("INVALID_JSON", "m", "r")
    assert parse_error_body(b"Service Unavailable\n") == ErrorBody("", "Service Unavailable", "")
    assert parse_error_body(b"[]") == ErrorBody("", "[]", "")

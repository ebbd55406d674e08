"""REST ``POST /v2/speak`` shapes: body rules and batch inline controls (flux §5)."""

from __future__ import annotations

import json

import pytest

from deepgram_tts2.protocol.v2.rest import (
    BatchText,
    BodyRules,
    RestError,
    callback_ack,
    error_body,
    parse_error_body,
    parse_request_body,
    plan_batch_text,
    request_body,
)


def test_the_documented_body_is_read() -> None:
    assert parse_request_body("application/json", request_body("Hi there.")) == "Hi there."
    assert json.loads(request_body("é")) == {"text": "é"}


@pytest.mark.parametrize(
    ("content_type", "body", "status", "code"),
    [
        ("text/plain", b"Hi", 415, "UNSUPPORTED_MEDIA_TYPE"),
        (None, b'{"text":"Hi"}', 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("application/json", b'{"text":"Hi","url":"http://x"}', 400, "PAYLOAD_ERROR"),
        ("application/json", b'{"url":"http://x"}', 400, "PAYLOAD_ERROR"),
        ("application/json", b"not json", 400, "PAYLOAD_ERROR"),
        ("application/json", b"\xff\xfe", 400, "PAYLOAD_ERROR"),
        ("application/json", b'{"text":"   "}', 400, "Bad Request"),
        ("application/json", json.dumps({"text": "a" * 2001}).encode(), 413, "Payload Too Large"),
    ],
)
def test_strict_body_rules(content_type: str | None, body: bytes, status: int, code: str) -> None:
    result = parse_request_body(content_type, body)
    assert isinstance(result, RestError)
    assert (result.status, result.err_code) == (status, code)


def test_lenient_body_rules_accept_what_v1_accepted() -> None:
    lenient = BodyRules(lenient=True, max_chars=None)
    assert parse_request_body("text/plain; charset=utf-8", b"Hi", lenient) == "Hi"
    assert parse_request_body("application/json", b'{"text":"Hi","url":"x"}', lenient) == "Hi"
    assert parse_request_body("application/json", request_body("a" * 5000), lenient) == "a" * 5000
    too_big = parse_request_body("application/json", b"x" * 100, BodyRules(max_bytes=10))
    assert isinstance(too_big, RestError)
    assert too_big.status == 413


def test_pauses_split_the_text_and_controls_are_counted() -> None:
    plan = plan_batch_text('Hello {pause:500ms} world {"word": "x", "pronounce": "ks"}.', None)
    assert isinstance(plan, RestError)  # pronunciation + pause
    plan = plan_batch_text("Hello {pause:500ms} world.", 1.1)
    assert isinstance(plan, BatchText)
    assert plan.pieces == (("Hello ", 500), (" world.", 0))
    assert plan.breaks == 1
    assert plan.billable == len("Hello  world.")
    pron = plan_batch_text('Say {"word": "x", "pronounce": "ks"}.', 1.0)
    assert isinstance(pron, BatchText)
    assert pron.pronunciations == 1
    assert pron.pieces == (("Say x.", 0),)


@pytest.mark.parametrize(
    ("text", "speed", "code"),
    [
        ("a {pause:400ms} b", None, "BREAK_OUT_OF_RANGE"),
        ("a {pause:3100ms} b", None, "BREAK_OUT_OF_RANGE"),
        ("a {pause:550ms} b", None, "BREAK_INCREMENT_INVALID"),
        ("a {pause:soon} b", None, "BREAK_SYNTAX_INVALID"),
        ("a" + " {pause:500ms} a" * 9, None, "BREAKS_LIMIT_EXCEEDED"),
        ("a {pause:500ms} b", 1.2, "PAUSE_SPEED_CAP_EXCEEDED"),
        ('a {"word": "x", "pronounce": "ks"}', 1.1, "CONTROL_COMBINATION_INVALID"),
        ('a {"word": 1}', None, "CONTROL_SYNTAX_INVALID"),
    ],
)
def test_batch_control_violations_name_the_rule(text: str, speed: float | None, code: str) -> None:
    result = plan_batch_text(text, speed)
    assert isinstance(result, RestError)
    assert result.status == 400
    assert result.err_code == code


def test_error_bodies_and_callback_ack() -> None:
    body = error_body("SPEED_OUT_OF_RANGE", "'speed' must be between 0.5 and 1.5", "rid")
    parsed = parse_error_body(body)
    assert (parsed.err_code, parsed.request_id) == ("SPEED_OUT_OF_RANGE", "rid")
    assert json.loads(callback_ack("rid")) == {"request_id": "rid"}

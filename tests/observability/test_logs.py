"""JSON logs carry context fields and never a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from deepgram_tts2.observability.logs import (
    REDACTED,
    configure_json_logging,
    redact,
    register_secret,
)

SECRET = "sk-test-5f0c9a1b2c3d4e5f60718293a4b5c6d7"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = configure_json_logging(logging.DEBUG, stream, logger_name="deepgram_tts2.testlog")
    yield stream
    logging.getLogger("deepgram_tts2.testlog").removeHandler(handler)


def test_records_are_json_with_context_fields(json_log: io.StringIO) -> None:
    log = logging.getLogger("deepgram_tts2.testlog.client")
    log.info("state %s -> %s", "IDLE", "OPEN", extra={"request_id": "r1", "connection_id": 3})
    record = json.loads(json_log.getvalue())
    assert record["message"] == "state IDLE -> OPEN"
    assert record["level"] == "info"
    assert record["logger"] == "deepgram_tts2.testlog.client"
    assert record["request_id"] == "r1"
    assert record["connection_id"] == 3
    assert record["ts"].endswith("Z")


def test_registered_secrets_and_auth_values_are_redacted(json_log: io.StringIO) -> None:
    register_secret(SECRET)
    log = logging.getLogger("deepgram_tts2.testlog")
    log.warning("header was Authorization: Token %s", SECRET, extra={"session_id": SECRET})
    try:
        raise RuntimeError(f"failed with key {SECRET}")
    except RuntimeError:
        log.exception("boom")
    output = json_log.getvalue()
    assert SECRET not in output
    assert output.count(REDACTED) >= 3
    assert "boom" in output


def test_redact_catches_unregistered_authorization_values() -> None:
    assert redact("Authorization: Bearer abcdefgh12345678") == f"Authorization: Bearer {REDACTED}"
    assert redact("sec-websocket-protocol: token, abcdefgh12345678").endswith(REDACTED)
    assert redact("a token is required") == "a token is required"

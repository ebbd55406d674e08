"""The translation boundary: wire failures -> the library's exceptions, in one place."""

from __future__ import annotations

import asyncio

import pytest
from websockets.datastructures import Headers
from websockets.exceptions import InvalidHandshake, InvalidStatus
from websockets.http11 import Response

from deepgram_tts2.client.boundary import close_error, endpoint, handshake_error
from deepgram_tts2.exceptions import (
    AuthError,
    ConnectError,
    ConnectionLostError,
    InputError,
    PhaseTimeoutError,
    RateLimitError,
    ServerError,
)

URL = "ws://127.0.0.1:9/v1/speak?model=aura-2-thalia-en"


def rejected(status: int, headers: dict[str, str], body: bytes = b"") -> InvalidStatus:
    return InvalidStatus(Response(status, "x", Headers(headers), body))


def test_401_is_an_auth_error_with_deepgram_details() -> None:
    body = b'{"err_code":"INVALID_AUTH","err_msg":"Invalid credentials.","request_id":"b-1"}'
    error = handshake_error(
        rejected(401, {"dg-request-id": "h-1", "dg-error": "nope"}, body), URL, 5
    )
    assert isinstance(error, AuthError)
    assert error.status == 401
    assert error.request_id == "h-1"
    assert error.vendor_code == "INVALID_AUTH"
    assert "nope" in error.message


def test_429_carries_retry_after() -> None:
    error = handshake_error(rejected(429, {"Retry-After": "2"}), URL, 5)
    assert isinstance(error, RateLimitError)
    assert error.retry_after_s == 2.0


@pytest.mark.parametrize(
    ("status", "kind"), [(400, InputError), (402, AuthError), (403, AuthError), (503, ConnectError)]
)
def test_statuses(status: int, kind: type) -> None:
    assert type(handshake_error(rejected(status, {}), URL, 5)) is kind


def test_local_failures() -> None:
    timeout = handshake_error(TimeoutError(), URL, 1.5)
    assert isinstance(timeout, PhaseTimeoutError)
    assert (timeout.phase, timeout.timeout_s) == ("connect", 1.5)
    refused = handshake_error(ConnectionRefusedError(111, "refused"), URL, 5)
    assert isinstance(refused, ConnectError)
    # The message names the endpoint (never its query) and the cause (#12.8).
    assert refused.message == "cannot connect to ws://127.0.0.1:9/v1/speak: connection refused"
    assert isinstance(handshake_error(InvalidHandshake("bad"), URL, 5), ConnectError)


def test_endpoint_never_shows_credentials_or_query() -> None:
    assert endpoint("wss://user:pw@api.example:443/v1/speak?model=x#f") == (
        "wss://api.example:443/v1/speak"
    )


def test_asyncio_timeouts_are_connect_timeouts_on_every_python() -> None:
    error = handshake_error(asyncio.TimeoutError(), URL, 2.0)  # not builtin on 3.10
    assert isinstance(error, PhaseTimeoutError)


@pytest.mark.parametrize(
    ("code", "reason", "kind", "vendor"),
    [
        (None, "", ConnectionLostError, None),
        (1006, "", ConnectionLostError, None),
        (1011, "NET-0000", ServerError, "NET-0000"),
        (1011, "NET-0003", ConnectionLostError, "NET-0003"),
        (
            1011,
            "Deepgram did not receive data in time. See https://dpgr.am/net0001",
            ConnectionLostError,
            "NET-0001",
        ),
        (1008, "DATA-0001", RateLimitError, "DATA-0001"),
        (1008, "DATA-0000", InputError, "DATA-0000"),
        (1009, "BIG-0001", InputError, "BIG-0001"),
        (1003, "MESSAGE-0000", InputError, "MESSAGE-0000"),
    ],
)
def test_close_codes(code: int | None, reason: str, kind: type, vendor: str | None) -> None:
    error = close_error(code, reason, "req-9")
    assert type(error) is kind
    assert error is not None
    assert error.vendor_code == vendor
    assert error.request_id == "req-9"
    assert error.close_code == (code or 1006)


def test_normal_closes_are_not_errors() -> None:
    assert close_error(1000, "", None) is None
    assert close_error(1001, "", None) is None

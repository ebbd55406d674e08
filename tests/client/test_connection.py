"""One socket: the state table, the error translation boundary, a real connect and close."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest
from websockets.datastructures import Headers
from websockets.exceptions import InvalidHandshake, InvalidStatus
from websockets.http11 import Response

from deepgram_tts2 import MetricsHooks
from deepgram_tts2.client.connection import (
    CONNECTION_TABLE,
    Connection,
    ConnectionEvent,
    ConnectionState,
    close_error,
    handshake_error,
)
from deepgram_tts2.client.stream import monotonic
from deepgram_tts2.exceptions import (
    AuthError,
    ConnectError,
    ConnectionLostError,
    InputError,
    PhaseTimeoutError,
    RateLimitError,
    ServerError,
)
from deepgram_tts2.protocol.errors import ErrorClass
from tests.client.conftest import options_for
from tests.conftest import TEST_KEY, EmulatorFactory

S, E = ConnectionState, ConnectionEvent


class States(MetricsHooks):
    def __init__(self) -> None:
        self.seen: list[tuple[int, str, str]] = []

    def on_connection_state(self, connection_id: int, old: str, new: str) -> None:
        self.seen.append((connection_id, old, new))


# -- the table --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "event", "after"),
    [
        (S.NEW, E.CONNECT, S.CONNECTING),
        (S.CONNECTING, E.CONNECTED, S.OPEN),
        (S.CONNECTING, E.FAILED, S.FAILED),
        (S.OPEN, E.ACQUIRE, S.BUSY),
        (S.BUSY, E.RELEASE, S.OPEN),
        (S.BUSY, E.CLEAR, S.CLEARING),
        (S.CLEARING, E.CLEARED, S.OPEN),
        (S.OPEN, E.CLOSE, S.DRAINING),
        (S.BUSY, E.CLOSE, S.DRAINING),
        (S.DRAINING, E.CLOSED, S.CLOSED),
        (S.OPEN, E.FAILED, S.FAILED),
        (S.BUSY, E.FAILED, S.FAILED),
        (S.CLEARING, E.FAILED, S.FAILED),
    ],
)
def test_table_transitions(state: S, event: E, after: S) -> None:
    assert CONNECTION_TABLE.next(state, event) is after


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (S.OPEN, E.CLEAR),  # Clear belongs to a request: only a BUSY socket clears
        (S.CLEARING, E.ACQUIRE),  # never hand out a socket before Cleared
        (S.BUSY, E.ACQUIRE),  # one request per socket
        (S.CLOSED, E.CONNECT),  # sockets are not reopened
        (S.FAILED, E.ACQUIRE),
        (S.NEW, E.ACQUIRE),
    ],
)
def test_table_refuses(state: S, event: E) -> None:
    assert not CONNECTION_TABLE.allows(state, event)


def test_terminal_states_have_no_way_out() -> None:
    for state in (S.CLOSED, S.FAILED):
        for event in ConnectionEvent:
            assert not CONNECTION_TABLE.allows(state, event)


# -- the translation boundary -----------------------------------------------------------------


def rejected(status: int, headers: dict[str, str], body: bytes = b"") -> InvalidStatus:
    return InvalidStatus(Response(status, "x", Headers(headers), body))


def test_401_is_an_auth_error_with_deepgram_details() -> None:
    body = b'{"err_code":"INVALID_AUTH","err_msg":"Invalid credentials.","request_id":"b-1"}'
    error = handshake_error(rejected(401, {"dg-request-id": "h-1", "dg-error": "nope"}, body), 5)
    assert isinstance(error, AuthError)
    assert error.status == 401
    assert error.request_id == "h-1"
    assert error.vendor_code == "INVALID_AUTH"
    assert "nope" in error.message


def test_429_carries_retry_after() -> None:
    error = handshake_error(rejected(429, {"Retry-After": "2"}), 5)
    assert isinstance(error, RateLimitError)
    assert error.retry_after_s == 2.0


@pytest.mark.parametrize(
    ("status", "kind"), [(400, InputError), (402, AuthError), (403, AuthError), (503, ConnectError)]
)
def test_statuses(status: int, kind: type) -> None:
    assert type(handshake_error(rejected(status, {}), 5)) is kind


def test_local_failures() -> None:
    timeout = handshake_error(TimeoutError(), 1.5)
    assert isinstance(timeout, PhaseTimeoutError)
    assert (timeout.phase, timeout.timeout_s) == ("connect", 1.5)
    assert isinstance(handshake_error(ConnectionRefusedError(111, "refused"), 5), ConnectError)
    assert isinstance(handshake_error(InvalidHandshake("bad"), 5), ConnectError)


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


# -- a real socket ----------------------------------------------------------------------------


async def test_connect_serve_and_close_report_every_transition(
    emulator_factory: EmulatorFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="deepgram_tts2.client")
    emulator = await emulator_factory()
    hooks = States()
    conn = Connection(options_for(emulator), hooks, monotonic)
    await conn.connect()
    assert conn.usable
    assert conn.deepgram_request_id
    await conn.close()
    assert conn.state is S.CLOSED
    assert [(old, new) for _, old, new in hooks.seen] == [
        ("new", "connecting"),
        ("connecting", "open"),
        ("open", "draining"),
        ("draining", "closed"),
    ]
    logged = [r.getMessage() for r in caplog.records if "->" in r.getMessage()]
    assert len(logged) == 4
    assert all(TEST_KEY not in line for line in caplog.text.splitlines())


async def test_slow_handshake_is_a_connect_timeout(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory(
        faults={"faults": [{"kind": "delay_handshake", "delay_ms": 2000}]}
    )
    conn = Connection(options_for(emulator, timeouts={"connect_s": 0.2}), States(), monotonic)
    async with asyncio.timeout(2):
        with pytest.raises(PhaseTimeoutError) as info:
            await conn.connect()
    assert info.value.phase == "connect"
    assert conn.state is S.FAILED


async def test_nothing_listening_is_a_connect_error(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory()
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    options = options_for(emulator, base_url=f"ws://127.0.0.1:{port}/v1/speak")
    conn = Connection(options, States(), monotonic)
    with pytest.raises(ConnectError) as info:
        await conn.connect()
    assert info.value.error_class is ErrorClass.TRANSIENT


async def test_server_closing_an_idle_socket_fails_it(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory(idle_timeout_s=0.1)
    conn = Connection(options_for(emulator), States(), monotonic)
    await conn.connect()
    async with asyncio.timeout(3):
        await conn.cleared.wait()  # set when the socket ends (and by Cleared)
    assert conn.state is S.FAILED
    assert conn.error is not None
    assert conn.error.vendor_code == "NET-0001"

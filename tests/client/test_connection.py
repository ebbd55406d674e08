"""One socket: the state table, the error translation boundary, a real connect and close."""

from __future__ import annotations

import logging
import socket
import time

import pytest

from deepgram_tts2 import MetricsHooks
from deepgram_tts2.client.connection import (
    CONNECTION_TABLE,
    Connection,
    ConnectionEvent,
    ConnectionState,
)
from deepgram_tts2.exceptions import ConnectError, PhaseTimeoutError
from deepgram_tts2.protocol.errors import ErrorClass
from deepgram_tts2.protocol.state import TransitionError
from tests.client.conftest import options_for
from tests.conftest import TEST_KEY, EmulatorFactory, eventually, within

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
        (S.CONNECTING, E.CONNECTED, S.IDLE),
        (S.CONNECTING, E.LOST, S.FAILED),
        (S.IDLE, E.ACQUIRE, S.BUSY),
        (S.BUSY, E.RELEASE, S.IDLE),
        (S.BUSY, E.CLEAR, S.CLEARING),
        (S.CLEARING, E.CLEARED, S.IDLE),
        (S.IDLE, E.CLOSE, S.CLOSING),
        (S.BUSY, E.CLOSE, S.CLOSING),
        (S.CLOSING, E.CLOSED, S.CLOSED),
        (S.IDLE, E.LOST, S.FAILED),
        (S.BUSY, E.LOST, S.FAILED),
        (S.CLEARING, E.LOST, S.FAILED),
        (S.CLOSING, E.LOST, S.FAILED),
    ],
)
def test_table_transitions(state: S, event: E, after: S) -> None:
    assert CONNECTION_TABLE.next(state, event) is after


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (S.IDLE, E.CLEAR),  # Clear belongs to a request: only a BUSY socket clears
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


def test_an_illegal_move_raises() -> None:
    with pytest.raises(TransitionError, match="ACQUIRE is not allowed in state CLEARING"):
        CONNECTION_TABLE.next(S.CLEARING, E.ACQUIRE)


# -- a real socket ----------------------------------------------------------------------------


async def test_connect_serve_and_close_report_every_transition(
    emulator_factory: EmulatorFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="deepgram_tts2.client")
    emulator = await emulator_factory()
    hooks = States()
    conn = Connection(options_for(emulator), hooks, time.monotonic)
    await conn.connect()
    assert conn.idle
    assert conn.deepgram_request_id
    await conn.close()
    assert conn.state is S.CLOSED
    assert [(old, new) for _, old, new in hooks.seen] == [
        ("new", "connecting"),
        ("connecting", "idle"),
        ("idle", "closing"),
        ("closing", "closed"),
    ]
    logged = [r.getMessage() for r in caplog.records if "->" in r.getMessage()]
    assert len(logged) == 4
    assert all(TEST_KEY not in line for line in caplog.text.splitlines())


async def test_slow_handshake_is_a_connect_timeout(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory(
        faults={"faults": [{"kind": "delay_handshake", "delay_ms": 2000}]}
    )
    conn = Connection(options_for(emulator, timeouts={"connect_s": 0.2}), States(), time.monotonic)
    with pytest.raises(PhaseTimeoutError) as info:
        await within(conn.connect(), 5)
    assert info.value.phase == "connect"
    assert conn.state is S.FAILED


async def test_nothing_listening_is_a_connect_error(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory()
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    options = options_for(emulator, base_url=f"ws://127.0.0.1:{port}/v1/speak")
    conn = Connection(options, States(), time.monotonic)
    with pytest.raises(ConnectError) as info:
        await conn.connect()
    assert info.value.error_class is ErrorClass.TRANSIENT
    assert f"127.0.0.1:{port}" in info.value.message


async def test_server_closing_an_idle_socket_fails_it(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory(idle_timeout_s=0.1)
    conn = Connection(options_for(emulator), States(), time.monotonic)
    await conn.connect()
    await eventually(lambda: conn.state is S.FAILED)
    assert conn.error is not None
    assert conn.error.vendor_code == "NET-0001"


class _Owner:
    """A request as the socket sees it (the ``Owner`` protocol), recording nothing."""

    done = False

    def on_audio(self, data: bytes, tag: str | None) -> None:
        return None

    def on_outcome(self, outcome: object) -> None:
        pass

    def on_lost(self, error: object) -> None:
        pass


async def test_a_socket_taken_the_moment_cleared_lands_counts_as_cleared(
    emulator_factory: EmulatorFactory,
) -> None:
    """The next request may take the socket between ``Cleared`` and the clearing task resuming
    (the pool hands out an idle socket at once); ``clear()`` must still report success, or the
    pool closes the socket under that request (found on the real TEN runtime)."""
    emulator = await emulator_factory()
    taken_by = _Owner()

    def take_when_idle(conn: Connection) -> None:
        if conn.state is S.IDLE and conn.owner is None and conn.opened_at:
            conn.acquire(taken_by)

    conn = Connection(options_for(emulator), States(), time.monotonic, on_state=take_when_idle)
    await conn.connect()  # the state callback takes it at once: BUSY for the first owner
    assert conn.state is S.BUSY
    assert conn.start_clear()
    assert await within(conn.clear(2.0), 5) is True
    assert conn.state is S.BUSY
    assert conn.owner is taken_by
    await conn.close()

"""Every request ends exactly once, by its deadline, however the handshake or REST fails.

Issue #10 items 1 and 2, measured against real sockets: a refused port, persistent 429/500/400
at the handshake, handshakes that never finish, an outage with requests parked in the queue, a
REST body that drips forever. "By its deadline" is checked on the loop's clock against the
deadline the request was given (a correctness property, with a margin for a loaded machine).
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from deepgram_tts2 import DeepgramTTS
from deepgram_tts2.client.events import AudioEnd, EndReason, Transport
from deepgram_tts2.emulator.config import Pacing
from tests.client.conftest import ClientFactory, Outcome, drain, options_for
from tests.conftest import EmulatorFactory

TEXT = "Hello from the emulator. How are you?"
MARGIN_S = 1.0  # scheduling slack on a loaded 2-core machine; deadlines are seconds apart


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def timed(client: DeepgramTTS, n: int) -> list[tuple[Outcome, float]]:
    """``n`` concurrent requests; each outcome with how long it took to end."""
    loop = asyncio.get_running_loop()

    async def one(i: int) -> tuple[Outcome, float]:
        start = loop.time()
        stream = client.stream(f"r{i}")
        await stream.push(TEXT)
        await stream.end()
        outcome = await asyncio.wait_for(drain(stream), 60)  # a hang guard, not a threshold
        await stream.aclose()
        outcome.check_grammar()
        return outcome, loop.time() - start

    return await asyncio.gather(*(one(i) for i in range(n)))


@pytest.mark.parametrize("transport", ["websocket", "auto"])
async def test_eight_requests_against_a_refused_port_all_end_by_the_deadline(
    emulator_factory: EmulatorFactory, transport: str
) -> None:
    emulator = await emulator_factory()
    options = options_for(
        emulator,
        base_url=f"ws://127.0.0.1:{free_port()}/v1/speak",
        transport=transport,
        timeouts={"request_s": 5.0},
        limits={"prewarm": 0},
    )
    async with DeepgramTTS(options) as client:
        results = await timed(client, 8)
    for outcome, took in results:
        assert outcome.end.reason is EndReason.ERROR
        assert outcome.error is not None
        assert took <= 5.0 + MARGIN_S


@pytest.mark.parametrize("status", [429, 500])
async def test_a_persistent_handshake_rejection_is_served_over_rest_in_auto_mode(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory, status: int
) -> None:
    reject = {"kind": "reject_handshake", "status": status, "api": "websocket"}
    emulator = await emulator_factory(faults={"faults": [reject]})
    client = await client_factory(emulator, limits={"prewarm": 0})
    results = await timed(client, 8)
    for outcome, _ in results:
        assert outcome.end.reason is EndReason.COMPLETED, outcome.kinds
        assert outcome.end.transport is Transport.REST


@pytest.mark.parametrize("status", [429, 500, 400])
async def test_a_persistent_handshake_rejection_ends_websocket_requests_in_time(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory, status: int
) -> None:
    reject = {"kind": "reject_handshake", "status": status, "api": "websocket"}
    emulator = await emulator_factory(faults={"faults": [reject]})
    client = await client_factory(
        emulator, transport="websocket", timeouts={"request_s": 4.0}, limits={"prewarm": 0}
    )
    for outcome, took in await timed(client, 8):
        assert outcome.end.reason is EndReason.ERROR
        assert outcome.error is not None
        assert outcome.error.code == status  # also when the breaker opened meanwhile
        assert took <= 4.0 + MARGIN_S


async def test_bad_parameters_at_the_handshake_end_at_once_without_rest(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    """A 400 means the query is wrong: REST would refuse it too, and retrying cannot help."""
    reject = {"kind": "reject_handshake", "status": 400, "api": "websocket"}
    emulator = await emulator_factory(faults={"faults": [reject]})
    client = await client_factory(emulator, limits={"prewarm": 0})
    for outcome, _ in await timed(client, 8):
        assert outcome.end.reason is EndReason.ERROR
        assert outcome.error is not None
        assert outcome.error.error_class.value == "input"
    assert emulator.total_connections <= 8  # one handshake each, no retry


async def test_handshakes_that_never_finish_fall_back_to_rest(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    stuck = {"kind": "delay_handshake", "delay_ms": 3000, "api": "websocket"}
    emulator = await emulator_factory(faults={"faults": [stuck]})
    client = await client_factory(
        emulator,
        timeouts={"connect_s": 0.5},
        retry={"max_attempts": 2},
        limits={"prewarm": 0},
    )
    for outcome, took in await timed(client, 8):
        assert outcome.end.reason is EndReason.COMPLETED
        assert outcome.end.transport is Transport.REST
        # two handshake attempts of connect_s each, a backoff, then REST
        assert took <= 2 * 0.5 + 0.1 + 3.0 + MARGIN_S


async def test_requests_parked_during_an_outage_do_not_speak_stale_turns_late(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    """After an outage, requests queued during it ended by their deadline: none speaks late."""
    emulator = await emulator_factory(pacing=Pacing(first_audio_ms=0, per_char_ms=0))
    port = emulator.port
    client = await client_factory(
        emulator,
        transport="websocket",
        timeouts={"connect_s": 1.0},
        retry={"max_attempts": 2, "max_elapsed_s": 2.0},
        breaker={"failure_threshold": 100},
        limits={"pool_size": 2},
    )
    await emulator.stop(abort=True)
    during = asyncio.ensure_future(timed(client, 6))
    await asyncio.sleep(0)
    parked = await during  # the outage outlasts every request's deadline
    for outcome, took in parked:
        assert outcome.end.reason is EndReason.ERROR
        assert took <= 2 * 1.0 + 2.0 + MARGIN_S
    await emulator_factory(port=port)
    after = await timed(client, 2)
    assert [o.end.reason for o, _ in after] == [EndReason.COMPLETED] * 2


async def test_a_dripping_rest_body_ends_at_the_rest_deadline(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    """rest_s bounds one REST request as a whole, not per chunk (#10.2)."""
    drip = {"kind": "slow_drip", "api": "rest", "frame_bytes": 64, "interval_ms": 50}
    emulator = await emulator_factory(faults={"faults": [drip]})
    client = await client_factory(
        emulator,
        transport="rest",
        timeouts={"rest_s": 1.5, "stall_s": 1.0, "request_s": 3.0},
        retry={"max_attempts": 1},
    )
    ((outcome, took),) = await timed(client, 1)
    assert outcome.end.reason is EndReason.ERROR
    assert outcome.error is not None
    assert "rest timed out after 1.5 s" in outcome.error.message
    assert took <= 1.5 + MARGIN_S


async def test_every_request_ends_exactly_once_under_mixed_failures(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    faults: list[dict[str, Any]] = [
        {"kind": "reject_handshake", "status": 503, "api": "websocket", "connections": 3},
        {"kind": "close", "code": 1011, "reason": "NET-0000", "connections": 2},
    ]
    emulator = await emulator_factory(faults={"faults": faults})
    client = await client_factory(emulator, limits={"prewarm": 0})
    results = await timed(client, 12)
    ends = [o.events.count(o.end) for o, _ in results]
    assert ends == [1] * 12
    assert all(isinstance(o.events[-1], AudioEnd) for o, _ in results)

"""The failure table, fault by fault: each request ends once, nothing leaks, nothing hangs."""

from __future__ import annotations

from typing import Any

import pytest

from deepgram_tts2 import MetricsHooks
from deepgram_tts2.client.events import EndReason, Transport
from deepgram_tts2.emulator.config import FaultPlan, Pacing
from deepgram_tts2.protocol.errors import ErrorClass
from deepgram_tts2.timing import FakeClock
from tests.client.conftest import (
    ClientFactory,
    Outcome,
    drain,
    on_fake_time,
    speak,
    tone_bytes,
)
from tests.conftest import EmulatorFactory, timeout

TEXT = "Hello from the emulator. How are you?"
EXPECTED = tone_bytes("Hello from the emulator.") + tone_bytes("How are you?")


class Hooks(MetricsHooks):
    """Records what the client reports."""

    def __init__(self) -> None:
        self.reconnects: list[str] = []
        self.warnings: list[str] = []
        self.fallbacks = 0
        self.breaker: list[str] = []

    def on_reconnect(self, reason: str) -> None:
        self.reconnects.append(reason)

    def on_warning(self, code: str) -> None:
        self.warnings.append(code)

    def on_rest_fallback(self) -> None:
        self.fallbacks += 1

    def on_breaker_state(self, state: str) -> None:
        self.breaker.append(state)


def plan(*faults: dict[str, Any]) -> dict[str, Any]:
    return {"faults": list(faults)}


async def guarded(coro: Any, within_s: float = 15.0) -> Outcome:
    """Nothing may hang: every request must end well within the test's guard."""
    async with timeout(within_s):
        result: Outcome = await coro
        return result


async def test_bad_key_is_a_fatal_auth_error_and_trips_the_breaker(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory()
    hooks = Hooks()
    client = await client_factory(emulator, hooks=hooks, api_key="wrong-key")
    first = await guarded(speak(client, TEXT))
    assert first.end.reason is EndReason.ERROR
    error = first.error
    assert error is not None
    assert error.error_class is ErrorClass.AUTH
    assert error.fatal
    assert error.code == 401
    assert error.deepgram_request_id  # dg-request-id of the rejected handshake
    assert "open" in hooks.breaker
    attempts = emulator.total_connections
    second = await guarded(speak(client, TEXT))
    assert second.error is not None
    assert second.error.error_class is ErrorClass.AUTH
    assert emulator.total_connections == attempts  # failed fast: no new handshake


async def test_429_with_retry_after_is_retried(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults=plan(
            {"kind": "reject_handshake", "status": 429, "retry_after_s": 0.05, "connections": 2}
        )
    )
    hooks = Hooks()
    client = await client_factory(emulator, hooks=hooks, limits={"prewarm": 0})
    outcome = await guarded(speak(client, TEXT))
    assert outcome.end.reason is EndReason.COMPLETED
    assert len(outcome.audio) == EXPECTED
    assert hooks.reconnects == ["rate_limit", "rate_limit"]


async def test_close_before_audio_is_retried_transparently(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults=plan({"kind": "close", "code": 1011, "reason": "NET-0000", "connections": 1})
    )
    hooks = Hooks()
    client = await client_factory(emulator, hooks=hooks)
    outcome = await guarded(speak(client, TEXT))
    assert outcome.end.reason is EndReason.COMPLETED
    assert len(outcome.audio) == EXPECTED  # all text replayed, nothing doubled
    assert hooks.reconnects == ["transient"]


async def test_close_after_audio_ends_with_an_error_then_the_next_request_works(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults=plan(
            {
                "kind": "close",
                "code": 1011,
                "reason": "NET-0000",
                "after_audio_bytes": 4800,
                "connections": 1,
            }
        )
    )
    client = await client_factory(emulator)
    broken = await guarded(speak(client, TEXT))
    assert broken.end.reason is EndReason.ERROR
    assert broken.error is not None
    assert broken.error.error_class is ErrorClass.TRANSIENT
    assert broken.error.code == 1011
    assert broken.error.vendor_code == "NET-0000"
    assert 0 < len(broken.audio) < EXPECTED
    healthy = await guarded(speak(client, TEXT))
    assert len(healthy.audio) == EXPECTED


@pytest.mark.parametrize(
    ("code", "reason", "error_class"),
    [
        (1008, "DATA-0000", ErrorClass.INPUT),
        (1009, "BIG-0001", ErrorClass.INPUT),
    ],
)
async def test_input_closes_are_not_retried(
    emulator_factory: EmulatorFactory,
    client_factory: ClientFactory,
    code: int,
    reason: str,
    error_class: ErrorClass,
) -> None:
    emulator = await emulator_factory(
        faults=plan({"kind": "close", "code": code, "reason": reason, "connections": 1})
    )
    hooks = Hooks()
    client = await client_factory(emulator, hooks=hooks)
    outcome = await guarded(speak(client, TEXT))
    assert outcome.error is not None
    assert outcome.error.error_class is error_class
    assert not outcome.error.fatal
    assert hooks.reconnects == []


async def test_stall_before_audio_times_out_and_is_retried(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults=plan({"kind": "stall", "duration_ms": 5000, "connections": 1})
    )
    hooks = Hooks()
    client = await client_factory(emulator, hooks=hooks, timeouts={"first_audio_s": 0.3})
    outcome = await guarded(speak(client, TEXT))
    assert outcome.end.reason is EndReason.COMPLETED
    assert len(outcome.audio) == EXPECTED
    assert hooks.reconnects == ["transient"]


async def test_stall_mid_audio_ends_with_a_stall_timeout(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults=plan({"kind": "stall", "duration_ms": 5000, "after_audio_bytes": 4800})
    )
    client = await client_factory(emulator, timeouts={"stall_s": 0.3})
    stream = client.stream()
    await stream.push("A first sentence here. And a second one")  # the end is not sent yet
    outcome = await guarded(drain(stream))
    outcome.check_grammar()
    assert outcome.error is not None
    assert outcome.error.error_class is ErrorClass.TRANSIENT
    assert "stall timed out" in outcome.error.message


async def test_missing_flushed_ends_with_a_flush_timeout(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(faults=plan({"kind": "drop_flushed"}))
    client = await client_factory(emulator, timeouts={"flush_s": 0.3, "stall_s": 30})
    outcome = await guarded(speak(client, "Only one sentence."))
    assert outcome.error is not None
    assert "flush timed out" in outcome.error.message
    assert len(outcome.audio) == tone_bytes("Only one sentence.")


async def test_odd_frames_are_realigned_exactly(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(faults=plan({"kind": "odd_frames", "frame_bytes": 333}))
    client = await client_factory(emulator)
    outcome = await guarded(speak(client, TEXT))  # check_grammar asserts even chunk sizes
    assert len(outcome.audio) == EXPECTED


async def test_slow_drip_still_completes(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults=plan({"kind": "slow_drip", "frame_bytes": 101, "interval_ms": 0})
    )
    client = await client_factory(emulator)
    outcome = await guarded(speak(client, "Drip."))
    assert len(outcome.audio) == tone_bytes("Drip.")


async def test_malformed_json_and_warnings_are_survived(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults=plan(
            {"kind": "malformed_json"},
            {"kind": "send_warning", "code": "SOMETHING_ODD", "message": "hm", "after_ms": 0},
        )
    )
    hooks = Hooks()
    client = await client_factory(emulator, hooks=hooks)
    outcome = await guarded(speak(client, TEXT))
    assert outcome.end.reason is EndReason.COMPLETED
    assert len(outcome.audio) == EXPECTED
    assert hooks.warnings == ["SOMETHING_ODD"]


async def test_error_message_before_audio_is_retried_after_audio_is_an_error(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults=plan(
            {"kind": "send_error", "err_code": "E1", "err_msg": "boom", "connections": 1},
        )
    )
    client = await client_factory(emulator)
    retried = await guarded(speak(client, TEXT))
    assert len(retried.audio) == EXPECTED
    emulator.set_faults(
        FaultPlan.model_validate(
            plan(
                {
                    "kind": "send_error",
                    "err_code": "E2",
                    "err_msg": "late",
                    "after_audio_bytes": 2400,
                    "connections": 1,
                }
            )
        )
    )
    client2 = await client_factory(emulator)
    failed = await guarded(speak(client2, TEXT))
    assert failed.error is not None
    assert failed.error.vendor_code == "E2"
    assert failed.error.error_class is ErrorClass.TRANSIENT


async def test_emulator_killed_mid_stream_then_back(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    slow = Pacing(first_audio_ms=0, per_char_ms=0, chunk_ms=20, realtime_factor=1.0)
    emulator = await emulator_factory(pacing=slow)
    port = emulator.port
    client = await client_factory(emulator, breaker={"failure_threshold": 50})
    stream = client.stream()
    await stream.push("A long sentence that takes a good while to speak out loud. " * 2)
    await stream.end()
    seen = Outcome()
    async with timeout(10):
        async for event in stream:
            seen.events.append(event)
            if len(seen.audio) > 9600 and emulator.active_sessions:
                await emulator.stop(abort=True)
    seen.check_grammar()
    assert seen.end.reason is EndReason.ERROR
    assert seen.error is not None
    assert seen.error.error_class is ErrorClass.TRANSIENT
    revived = await emulator_factory(port=port, pacing=Pacing.instant())
    outcome = await guarded(speak(client, TEXT))
    assert outcome.end.reason is EndReason.COMPLETED
    assert len(outcome.audio) == EXPECTED
    assert revived.total_connections >= 1


async def test_breaker_open_serves_over_rest(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults=plan({"kind": "reject_handshake", "status": 503, "api": "websocket"})
    )
    hooks = Hooks()
    client = await client_factory(
        emulator, hooks=hooks, breaker={"failure_threshold": 1, "cooldown_s": 60}
    )
    outcome = await guarded(speak(client, TEXT))
    assert outcome.end.reason is EndReason.COMPLETED
    assert outcome.end.transport is Transport.REST
    assert outcome.events[0].transport is Transport.REST  # type: ignore[union-attr]
    assert len(outcome.audio) == EXPECTED  # REST speaks sentence by sentence
    assert hooks.fallbacks == 1


async def test_breaker_open_fails_fast_without_fallback(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults=plan({"kind": "reject_handshake", "status": 503, "api": "websocket"})
    )
    client = await client_factory(
        emulator, transport="websocket", breaker={"failure_threshold": 1, "cooldown_s": 60}
    )
    outcome = await guarded(speak(client, TEXT))
    assert outcome.error is not None
    assert "circuit breaker open" in outcome.error.message


async def test_transient_failures_exhaust_retries_then_rest(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults=plan({"kind": "close", "code": 1011, "reason": "NET-0000", "api": "websocket"})
    )
    hooks = Hooks()
    client = await client_factory(emulator, hooks=hooks, breaker={"failure_threshold": 50})
    outcome = await guarded(speak(client, TEXT))
    assert outcome.end.transport is Transport.REST
    assert len(hooks.reconnects) == 2  # max_attempts 3: two retries, then REST
    assert len(outcome.audio) == EXPECTED


async def test_rest_only_transport(emulator: Any, client_factory: ClientFactory) -> None:
    client = await client_factory(emulator, transport="rest")
    outcome = await guarded(speak(client, TEXT))
    assert outcome.end.transport is Transport.REST
    assert emulator.active_sessions == 0


async def test_slow_handshake_times_out_and_is_retried(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults=plan({"kind": "delay_handshake", "delay_ms": 3000, "connections": 1})
    )
    hooks = Hooks()
    client = await client_factory(
        emulator, hooks=hooks, limits={"prewarm": 0}, timeouts={"connect_s": 0.2}
    )
    outcome = await guarded(speak(client, TEXT), within_s=5)
    assert outcome.end.reason is EndReason.COMPLETED
    assert outcome.end.transport is Transport.WEBSOCKET
    assert hooks.reconnects == ["transient"]


async def test_tcp_drop_before_audio_is_retried_after_audio_is_an_error(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults=plan({"kind": "close", "code": 1006, "connections": 1})
    )
    client = await client_factory(emulator)
    retried = await guarded(speak(client, TEXT))
    assert len(retried.audio) == EXPECTED
    # Faults apply from the handshake on: a second emulator drops a socket mid-audio.
    emulator = await emulator_factory(
        faults=plan({"kind": "close", "code": 1006, "after_audio_bytes": 4800, "connections": 1})
    )
    client = await client_factory(emulator)
    dropped = await guarded(speak(client, TEXT))
    assert dropped.end.reason is EndReason.ERROR
    assert dropped.error is not None
    assert dropped.error.error_class is ErrorClass.TRANSIENT
    assert dropped.error.code == 1006
    assert 0 < len(dropped.audio) < EXPECTED
    assert len((await guarded(speak(client, TEXT))).audio) == EXPECTED


async def test_spec_shaped_warning_is_read(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults=plan({"kind": "send_warning", "code": "SPEC_SHAPE", "shape": "spec"})
    )
    hooks = Hooks()
    client = await client_factory(emulator, hooks=hooks)
    outcome = await guarded(speak(client, TEXT))
    assert len(outcome.audio) == EXPECTED
    assert hooks.warnings == ["SPEC_SHAPE"]


async def test_flushes_refused_by_the_server_are_paced_and_resent(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    # The server allows fewer flushes than the client believes (a misconfiguration, or a
    # server that changed its limit): every refused Flush is re-sent once budget returns.
    emulator = await emulator_factory(flushes_per_window=2, window_s=0.5)
    hooks = Hooks()
    client = await client_factory(
        emulator,
        hooks=hooks,
        limits={"flushes_per_window": 20, "window_s": 0.5},
        timeouts={"flush_s": 5, "stall_s": 5},
        segmenter={"coalesce_chars": 0},  # a Flush per sentence, though the text comes at once
    )
    sentences = [f"Sentence number {i} is here." for i in range(6)]
    outcome = await guarded(speak(client, " ".join(sentences)), within_s=10)
    assert outcome.end.reason is EndReason.COMPLETED
    # Text of refused flushes is spoken with the next accepted one (joined, spaces included).
    lowest = sum(tone_bytes(s) for s in sentences)
    assert lowest <= len(outcome.audio) <= tone_bytes(" ".join(sentences))
    assert "EXCESSIVE_FLUSH" in hooks.warnings
    assert len(hooks.warnings) <= 8  # paced: not a storm of refusals


async def test_retry_after_beyond_the_budget_fails_at_once(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults=plan({"kind": "reject_handshake", "status": 429, "retry_after_s": 30})
    )
    client = await client_factory(emulator, limits={"prewarm": 0})
    outcome = await guarded(speak(client, TEXT), within_s=3)  # never sleeps 30 s
    assert outcome.error is not None
    assert outcome.error.error_class is ErrorClass.RATE_LIMIT
    assert outcome.error.exception.retry_after_s == 30
    assert outcome.error.code == 429


async def test_breaker_half_open_probe_brings_the_websocket_back(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults=plan(
            {"kind": "reject_handshake", "status": 503, "api": "websocket", "connections": 1}
        )
    )
    hooks = Hooks()
    clock = FakeClock()
    client = await client_factory(
        emulator,
        hooks=hooks,
        clock=clock,
        limits={"prewarm": 0},
        breaker={"failure_threshold": 1, "cooldown_s": 30},
    )
    first = await on_fake_time(clock, speak(client, TEXT))  # a retry backs off on fake time
    assert first.end.transport is Transport.REST
    assert client.state.breaker == "open"
    await clock.advance(29.0)
    assert client.state.breaker == "open"
    await clock.advance(1.0)  # the cool-down is over: the next request probes the socket
    second = await guarded(speak(client, TEXT))
    assert second.end.transport is Transport.WEBSOCKET
    assert hooks.breaker == ["open", "half_open", "closed"]


async def test_error_message_with_close_is_retried(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        faults=plan({"kind": "send_error", "then_close": True, "connections": 1})
    )
    hooks = Hooks()
    client = await client_factory(emulator, hooks=hooks)
    outcome = await guarded(speak(client, TEXT))
    assert len(outcome.audio) == EXPECTED
    assert hooks.reconnects == ["transient"]


async def test_auth_failure_is_reported_fast_and_the_breaker_stays_open(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory()
    client = await client_factory(
        emulator, api_key="wrong-key", retry={"max_attempts": 5, "initial_s": 1.0, "max_s": 2.0}
    )
    outcome = await guarded(speak(client, TEXT), within_s=1)  # no backoff on AUTH
    assert outcome.error is not None
    assert outcome.error.fatal
    assert not client.state.ready
    assert client.state.breaker == "open"

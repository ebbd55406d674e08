"""The failure policy: one table, every class, every context that changes the answer."""

from __future__ import annotations

import pytest

from deepgram_tts2.exceptions import (
    AuthError,
    CircuitOpenError,
    ClientClosedError,
    ConnectError,
    ConnectionLostError,
    DeepgramTTSError,
    InputError,
    InternalError,
    PhaseTimeoutError,
    QueueFullError,
    RateLimitError,
    ServerError,
)
from deepgram_tts2.resilience.policy import Decision, FailureContext, decide

WS_AUTO = FailureContext("auto", "websocket", resumable=True, retries_left=True)


def ctx(**changes: object) -> FailureContext:
    values = {
        "mode": WS_AUTO.mode,
        "transport": WS_AUTO.transport,
        "resumable": WS_AUTO.resumable,
        "retries_left": WS_AUTO.retries_left,
        **changes,
    }
    return FailureContext(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (AuthError("401", status=401), Decision(breaker_trip=True, fatal=True)),
        (InputError("400", status=400), Decision()),
        (RateLimitError("429", status=429), Decision(retry=True)),
        (ConnectError("refused"), Decision(retry=True, breaker_failure=True)),
        (ConnectionLostError("1006"), Decision(retry=True, breaker_failure=True)),
        (ServerError("1011 NET-0000"), Decision(retry=True, breaker_failure=True)),
        (PhaseTimeoutError("stall", 5), Decision(retry=True, breaker_failure=True)),
        (CircuitOpenError("open"), Decision(rest_fallback=True)),
        (QueueFullError("full"), Decision(rest_fallback=True)),
        (PhaseTimeoutError("queue", 5), Decision(rest_fallback=True)),
        (PhaseTimeoutError("request", 5), Decision()),
        (PhaseTimeoutError("consumer", 30), Decision()),
        (InternalError("bug"), Decision()),
        (ClientClosedError("closed"), Decision()),
    ],
)
def test_the_table(error: DeepgramTTSError, expected: Decision) -> None:
    assert decide(error, WS_AUTO) == expected


def test_retries_spent_fall_back_to_rest_only_in_auto_mode() -> None:
    error = ConnectionLostError("1011")
    assert decide(error, ctx(retries_left=False)) == Decision(
        rest_fallback=True, breaker_failure=True
    )
    assert decide(error, ctx(retries_left=False, mode="websocket")) == Decision(
        breaker_failure=True
    )


def test_nothing_half_spoken_is_ever_retried_or_sent_elsewhere() -> None:
    for error in (ConnectionLostError("1006"), RateLimitError("429"), CircuitOpenError("o")):
        decision = decide(error, ctx(resumable=False))
        assert not decision.retry
        assert not decision.rest_fallback
        assert decision.ends_request


def test_rest_failures_never_count_against_the_websocket_breaker() -> None:
    decision = decide(ServerError("503", status=503), ctx(transport="rest", mode="rest"))
    assert decision == Decision(retry=True)
    assert decide(AuthError("401"), ctx(transport="rest")) == Decision(fatal=True)


def test_rate_limits_do_not_count_against_the_breaker() -> None:
    assert not decide(RateLimitError("429"), ctx(retries_left=False)).breaker_failure

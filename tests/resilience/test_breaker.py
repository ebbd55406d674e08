"""Circuit breaker: table transitions, decay, probes, trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepgram_tts2.resilience.breaker import (
    BREAKER_TABLE,
    BreakerEvent,
    BreakerPolicy,
    BreakerState,
    CircuitBreaker,
)

POLICY = BreakerPolicy(failure_threshold=3, failure_window_s=10, cooldown_s=5)


def test_opens_after_threshold_and_probes_after_cooldown() -> None:
    seen: list[tuple[BreakerState, BreakerState]] = []
    breaker = CircuitBreaker(POLICY, on_transition=lambda a, b: seen.append((a, b)))
    for t in (0.0, 1.0, 2.0):
        assert breaker.allow(t)
        breaker.record_failure(t)
    assert breaker.state(2.0) is BreakerState.OPEN
    assert not breaker.allow(6.9)
    assert breaker.retry_at(6.9) == 7.0
    assert breaker.allow(7.0)  # the probe
    assert not breaker.allow(7.1)  # one probe at a time
    breaker.record_success(7.2)
    assert breaker.state(7.2) is BreakerState.CLOSED
    assert seen == [
        (BreakerState.CLOSED, BreakerState.OPEN),
        (BreakerState.OPEN, BreakerState.HALF_OPEN),
        (BreakerState.HALF_OPEN, BreakerState.CLOSED),
    ]


def test_failed_probe_reopens() -> None:
    breaker = CircuitBreaker(POLICY)
    breaker.trip(0.0)
    assert breaker.allow(5.0)
    breaker.record_failure(5.1)
    assert breaker.state(5.1) is BreakerState.OPEN
    assert breaker.retry_at(5.1) == pytest.approx(10.1)


def test_old_failures_decay() -> None:
    breaker = CircuitBreaker(POLICY)
    breaker.record_failure(0.0)
    breaker.record_failure(1.0)
    breaker.record_failure(11.0)  # the first two are out of the window
    assert breaker.state(11.0) is BreakerState.CLOSED


def test_successes_in_between_do_not_hide_repeated_failures() -> None:
    """Sockets that open fine and then die with 1011 again and again must open it (#10.7)."""
    breaker = CircuitBreaker(POLICY)
    for t in (0.0, 0.1, 0.2):
        breaker.record_success(t)  # the handshake, or a short request, went well
        breaker.record_failure(t + 0.05)
    assert breaker.state(0.3) is BreakerState.OPEN


def test_a_lost_probe_frees_its_slot_after_cooldown() -> None:
    breaker = CircuitBreaker(POLICY)
    breaker.trip(0.0)
    assert breaker.allow(5.0)
    assert not breaker.allow(9.9)
    assert breaker.allow(10.0)


def test_table_has_no_exit_from_open_but_cooldown() -> None:
    table = BREAKER_TABLE.transitions
    exits = {e for (s, e), n in table.items() if s is BreakerState.OPEN and n is not s}
    assert exits == {BreakerEvent.COOLDOWN_ELAPSED}


def test_policy_validation() -> None:
    with pytest.raises(ValueError, match="failure_threshold"):
        BreakerPolicy(failure_threshold=0)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["allow", "ok", "fail", "trip"]), st.floats(min_value=0, max_value=4)
        ),
        max_size=80,
    )
)
def test_invariants(ops: list[tuple[str, float]]) -> None:
    policy = BreakerPolicy(
        failure_threshold=2, failure_window_s=5, cooldown_s=3, half_open_max_probes=2
    )
    breaker = CircuitBreaker(policy)
    now = 0.0
    for op, gap in ops:
        now += gap
        if op == "allow":
            allowed = breaker.allow(now)
            if breaker.state(now) is BreakerState.OPEN:
                assert not allowed
        elif op == "ok":
            breaker.record_success(now)
        elif op == "fail":
            breaker.record_failure(now)
        else:
            breaker.trip(now)
        retry_at = breaker.retry_at(now)
        if retry_at is not None:
            assert retry_at > now
        if breaker.state(now) is BreakerState.HALF_OPEN:
            admitted = sum(breaker.allow(now) for _ in range(5))
            assert admitted <= policy.half_open_max_probes

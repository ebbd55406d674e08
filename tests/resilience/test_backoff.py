"""Backoff: full jitter within caps, Retry-After as a floor, bounded retry budgets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepgram_tts2.resilience.backoff import (
    MAX_RETRY_AFTER_S,
    BackoffPolicy,
    RetryBudget,
    backoff_delay,
    parse_retry_after,
)

POLICY = BackoffPolicy(initial_s=0.1, max_s=2.0, multiplier=2.0, max_attempts=4, max_elapsed_s=5)


def test_caps_grow_exponentially_up_to_max() -> None:
    caps = [backoff_delay(POLICY, attempt, rand=lambda: 1.0) for attempt in range(7)]
    assert caps == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0])
    assert backoff_delay(POLICY, 3, rand=lambda: 0.0) == 0.0


def test_retry_after_is_a_floor() -> None:
    assert backoff_delay(POLICY, 0, rand=lambda: 0.5, retry_after_s=3) == 3
    assert backoff_delay(POLICY, 0, rand=lambda: 0.5, retry_after_s=1e6) == MAX_RETRY_AFTER_S


def test_budget_stops_at_max_attempts() -> None:
    budget = RetryBudget(POLICY, started_at=0.0, rand=lambda: 1.0)
    delays = [budget.next_delay(0.0) for _ in range(5)]
    assert delays == pytest.approx([0.1, 0.2, 0.4, None, None])
    assert budget.attempts == 4


def test_budget_stops_at_the_time_window() -> None:
    budget = RetryBudget(POLICY, started_at=0.0, rand=lambda: 1.0)
    assert budget.next_delay(4.95) is None  # 4.95 + 0.1 > 5
    assert RetryBudget(POLICY, 0.0).next_delay(0.0, retry_after_s=MAX_RETRY_AFTER_S + 1) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2", 2.0), (" 0.5 ", 0.5), ("-1", None), ("soon", None), (None, None), ("nan", None)],
)
def test_parse_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date() -> None:
    now = 1_700_000_000.0  # 2023-11-14T22:13:20Z
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:30 GMT", now) == pytest.approx(10.0)
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:00 GMT", now) == 0.0
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:30 GMT") is None


def test_policy_validation() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        BackoffPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="max_s must be >= initial_s"):
        BackoffPolicy(initial_s=2, max_s=1)


@given(
    st.integers(min_value=0, max_value=200),
    st.floats(min_value=0, max_value=1),
    st.one_of(st.none(), st.floats(min_value=0, max_value=100)),
)
def test_delay_bounds(attempt: int, draw: float, retry_after: float | None) -> None:
    delay = backoff_delay(POLICY, attempt, rand=lambda: draw, retry_after_s=retry_after)
    upper = POLICY.max_s if retry_after is None else max(POLICY.max_s, retry_after)
    assert 0 <= delay <= min(upper, max(POLICY.max_s, MAX_RETRY_AFTER_S))
    if retry_after is not None:
        assert delay >= min(retry_after, MAX_RETRY_AFTER_S)


@given(st.lists(st.floats(min_value=0, max_value=3), max_size=20), st.floats(0, 1))
def test_budget_never_exceeds_attempts_or_window(gaps: list[float], draw: float) -> None:
    budget = RetryBudget(POLICY, started_at=0.0, rand=lambda: draw)
    now = 0.0
    granted = 0
    for gap in gaps:
        now += gap
        delay = budget.next_delay(now)
        if delay is None:
            continue
        granted += 1
        assert now + delay <= POLICY.max_elapsed_s
    assert granted <= POLICY.max_attempts - 1

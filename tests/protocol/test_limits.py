"""The sliding-window budget both ends use."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepgram_tts2.protocol.v1.limits import SlidingWindow


def test_amounts_expire_after_the_window() -> None:
    window = SlidingWindow(limit=20, window_s=60)
    for t in range(20):
        assert window.fits(1, float(t))
        window.take(1, float(t))
    assert not window.fits(1, 20.0)
    assert window.available_at(1, 20.0) == 60.0
    assert window.fits(1, 60.0)
    assert window.remaining(61.5) == 2


def test_available_at_for_larger_amounts() -> None:
    window = SlidingWindow(limit=2400, window_s=60)
    window.take(1000, 0.0)
    window.take(1000, 10.0)
    assert window.available_at(400, 11.0) == 11.0
    assert window.available_at(1000, 11.0) == 60.0
    assert window.available_at(2000, 11.0) == 70.0
    assert math.isinf(window.available_at(2401, 11.0))


def test_next_expiry_is_when_remaining_can_next_grow() -> None:
    window = SlidingWindow(limit=20, window_s=60)
    assert math.isinf(window.next_expiry())
    window.take(3, 5.0)
    window.take(2, 9.0)
    assert window.next_expiry() == 65.0
    assert window.remaining(64.9) == 15  # nothing grows before it
    assert window.remaining(65.0) == 18
    assert window.next_expiry() == 69.0
    assert window.remaining(69.0) == 20
    assert math.isinf(window.next_expiry())


def test_invalid_construction() -> None:
    with pytest.raises(ValueError, match="limit"):
        SlidingWindow(0, 1)


@given(
    st.lists(
        st.tuples(st.floats(min_value=0, max_value=5), st.integers(min_value=1, max_value=300)),
        max_size=60,
    )
)
def test_taking_only_what_fits_never_exceeds_the_limit(steps: list[tuple[float, int]]) -> None:
    window = SlidingWindow(limit=1000, window_s=10)
    now = 0.0
    history: list[tuple[float, int]] = []
    for delta, amount in steps:
        now += delta
        at = window.available_at(amount, now)
        assert at >= now
        now = at
        assert window.fits(amount, now)
        window.take(amount, now)
        history.append((now, amount))
        in_window = sum(a for t, a in history if t + 10 > now)
        assert in_window <= 1000
        assert window.used(now) == in_window

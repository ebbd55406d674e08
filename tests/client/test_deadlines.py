"""The per-phase deadline rules, sans I/O: which deadline runs, and from when."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from deepgram_tts2.client.deadlines import PhaseTracker
from deepgram_tts2.options import Timeouts

T = Timeouts(first_audio_s=5, stall_s=3, flush_s=10, consumer_s=30)


def test_nothing_runs_while_nothing_is_owed() -> None:
    tracker = PhaseTracker(T, started_at=0.0)
    assert tracker.next_deadline() is None


def test_first_audio_then_stall_then_flush() -> None:
    tracker = PhaseTracker(T, started_at=0.0)
    tracker.on_flush_sent(1.0, final=False)
    deadline = tracker.next_deadline()
    assert deadline is not None
    assert (deadline.phase, deadline.at, deadline.limit_s) == ("first_audio", 6.0, 5)
    tracker.on_audio(2.0)
    deadline = tracker.next_deadline()
    assert deadline is not None
    assert (deadline.phase, deadline.at) == ("stall", 5.0)
    tracker.on_flush_sent(2.5, final=True)
    deadline = tracker.next_deadline()
    assert deadline is not None
    assert (deadline.phase, deadline.at) == ("flush", 12.0)
    tracker.on_flush_done(3.0)
    tracker.on_flush_done(4.0)
    assert tracker.next_deadline() is None


def test_waiting_on_the_consumer_pauses_the_server_phases() -> None:
    tracker = PhaseTracker(T, started_at=0.0)
    tracker.on_flush_sent(0.0, final=True)
    tracker.on_audio(1.0)
    tracker.on_blocked(2.0)
    deadline = tracker.next_deadline()
    assert deadline is not None
    assert (deadline.phase, deadline.at) == ("consumer", 32.0)
    tracker.on_unblocked(20.0)  # the consumer was slow for 18 s: not the server's fault
    deadline = tracker.next_deadline()
    assert deadline is not None
    assert (deadline.phase, deadline.at) == ("flush", 30.0)


def test_consumer_deadline_can_be_switched_off() -> None:
    tracker = PhaseTracker(Timeouts(consumer_s=None), started_at=0.0)
    tracker.on_flush_sent(0.0, final=True)
    tracker.on_blocked(1.0)
    assert tracker.next_deadline() is None


def test_request_deadline_caps_everything() -> None:
    tracker = PhaseTracker(Timeouts(request_s=2.0, first_audio_s=5), started_at=10.0)
    deadline = tracker.next_deadline()
    assert deadline is not None
    assert (deadline.phase, deadline.at) == ("request", 12.0)
    tracker.on_flush_sent(10.5, final=True)
    deadline = tracker.next_deadline()
    assert deadline is not None
    assert deadline.phase == "request"


def test_a_refused_flush_is_not_owed_and_a_new_attempt_starts_clean() -> None:
    tracker = PhaseTracker(T, started_at=0.0)
    tracker.on_flush_sent(0.0, final=True)
    tracker.on_flush_refused()
    assert not tracker.waiting_on_server
    tracker.on_flush_sent(1.0, final=True)
    tracker.new_attempt()
    assert tracker.next_deadline() is None
    assert not tracker.final_sent


def apply(tracker: PhaseTracker, kind: str, now: float) -> None:
    if kind in ("flush", "final"):
        tracker.on_flush_sent(now, final=kind == "final")
    elif kind == "ack":
        tracker.on_flush_done(now)
    elif kind == "refused":
        tracker.on_flush_refused()
    elif kind == "audio":
        tracker.on_audio(now)
    elif kind == "block":
        tracker.on_blocked(now)
    else:
        tracker.on_unblocked(now)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["flush", "final", "ack", "refused", "audio", "block", "unblock"]),
            st.floats(min_value=0, max_value=5),
        ),
        max_size=40,
    )
)
def test_deadlines_never_lie_in_the_past_of_their_start(steps: list[tuple[str, float]]) -> None:
    """Whatever happens, a running deadline is its phase's limit after an observed event."""
    tracker = PhaseTracker(T, started_at=0.0)
    now = 0.0
    for kind, step in steps:
        now += step
        apply(tracker, kind, now)
        assert tracker.outstanding >= 0
        deadline = tracker.next_deadline()
        if deadline is None:
            assert tracker.outstanding == 0 or tracker.blocked_since is not None
            continue
        assert deadline.at <= now + deadline.limit_s
        if tracker.blocked_since is not None:
            assert deadline.phase == "consumer"

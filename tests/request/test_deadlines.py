"""The per-phase deadline rules, sans I/O: which deadline runs, and from when."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from deepgram_tts2.options import Timeouts
from deepgram_tts2.request.deadlines import PhaseTracker

T = Timeouts(first_audio_s=5, stall_s=3, flush_s=10, consumer_s=30, rest_s=20)


def phase_at(tracker: PhaseTracker) -> tuple[str, float] | None:
    deadline = tracker.next_deadline()
    return None if deadline is None else (deadline.phase, deadline.at)


def test_nothing_runs_while_nothing_is_owed() -> None:
    tracker = PhaseTracker(T, started_at=0.0)
    assert tracker.next_deadline() is None


def test_first_audio_then_stall_then_flush() -> None:
    tracker = PhaseTracker(T, started_at=0.0)
    tracker.on_flush_planned(1.0)
    tracker.set_owed(True, final=False, now=1.0)
    assert phase_at(tracker) == ("first_audio", 6.0)
    tracker.on_audio(2.0)
    assert phase_at(tracker) == ("stall", 5.0)
    tracker.set_owed(True, final=True, now=2.5)
    assert phase_at(tracker) == ("flush", 12.0)
    tracker.on_activity(3.0)
    assert phase_at(tracker) == ("flush", 13.0)
    tracker.set_owed(False, final=True, now=4.0)
    assert tracker.next_deadline() is None


def test_a_budget_wait_counts_for_first_audio_but_not_as_a_server_stall() -> None:
    tracker = PhaseTracker(T, started_at=0.0)
    tracker.on_flush_planned(1.0)  # planned, waiting for the socket's budget: nothing sent
    assert phase_at(tracker) == ("first_audio", 6.0)
    tracker.on_audio(2.0)
    assert tracker.next_deadline() is None  # pacing ourselves is not the server stalling


def test_waiting_on_the_consumer_pauses_the_server_phases() -> None:
    tracker = PhaseTracker(T, started_at=0.0)
    tracker.on_flush_planned(0.0)
    tracker.set_owed(True, final=True, now=0.0)
    tracker.on_audio(1.0)
    tracker.on_blocked(2.0)
    assert phase_at(tracker) == ("consumer", 32.0)
    tracker.on_unblocked(20.0)  # the consumer was slow for 18 s: not the server's fault
    assert phase_at(tracker) == ("flush", 30.0)


def test_consumer_deadline_can_be_switched_off() -> None:
    tracker = PhaseTracker(Timeouts(consumer_s=None), started_at=0.0)
    tracker.set_owed(True, final=True, now=0.0)
    tracker.on_blocked(1.0)
    assert tracker.next_deadline() is None


def test_request_deadline_caps_everything() -> None:
    tracker = PhaseTracker(Timeouts(request_s=2.0, first_audio_s=5), started_at=10.0)
    assert phase_at(tracker) == ("request", 12.0)
    tracker.on_flush_planned(10.5)
    assert phase_at(tracker) == ("request", 12.0)
    assert tracker.request_deadline() == 12.0


def test_rest_is_bounded_as_a_whole_and_between_chunks() -> None:
    tracker = PhaseTracker(T, started_at=0.0)
    tracker.on_rest_sent(1.0)
    assert phase_at(tracker) == ("first_audio", 6.0)
    for t in range(2, 22):  # a dripping body: a chunk every second keeps stall at bay
        tracker.on_audio(float(t))
    assert phase_at(tracker) == ("rest", 21.0)  # ... but not the whole-request limit (#10.2)
    tracker.on_rest_done(21.5)
    assert tracker.next_deadline() is None


def test_the_consumer_pause_does_not_count_against_rest() -> None:
    tracker = PhaseTracker(T, started_at=0.0)
    tracker.on_rest_sent(0.0)
    tracker.on_audio(1.0)
    tracker.on_blocked(2.0)
    tracker.on_unblocked(12.0)  # ten seconds waiting for the consumer
    deadline = tracker.next_deadline()
    assert deadline is not None
    assert deadline.phase == "stall"
    tracker.on_audio(14.0)
    assert phase_at(tracker) == ("stall", 17.0)
    for t in range(15, 30):
        tracker.on_audio(float(t))
    assert phase_at(tracker) == ("rest", 30.0)  # 20 s after sending, plus the 10 s pause


def test_a_new_attempt_starts_clean() -> None:
    tracker = PhaseTracker(T, started_at=0.0)
    tracker.on_flush_planned(0.0)
    tracker.set_owed(True, final=True, now=0.0)
    tracker.on_audio(1.0)
    tracker.new_attempt(2.0)
    assert tracker.next_deadline() is None
    assert not tracker.final_planned
    assert not tracker.audio_started


def apply(tracker: PhaseTracker, kind: str, now: float) -> None:
    if kind == "plan":
        tracker.on_flush_planned(now)
    elif kind in ("owe", "final"):
        tracker.set_owed(True, final=kind == "final", now=now)
    elif kind == "settle":
        tracker.set_owed(False, final=tracker.final_planned, now=now)
    elif kind == "ack":
        tracker.on_activity(now)
    elif kind == "audio":
        tracker.on_audio(now)
    elif kind == "block":
        tracker.on_blocked(now)
    else:
        tracker.on_unblocked(now)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["plan", "owe", "final", "settle", "ack", "audio", "block", "x"]),
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
        deadline = tracker.next_deadline()
        if deadline is None:
            continue
        assert deadline.at <= now + deadline.limit_s
        if tracker.blocked:
            assert deadline.phase == "consumer"

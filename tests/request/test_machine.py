"""The request machine, sans I/O: time is a number, sockets are budgets, outcomes are actions.

These are the client's central promises checked without a socket or a clock: every request
ends exactly once, by its deadline; failures mean what the policy says; nothing is sent that
Deepgram would refuse or that cannot be answered.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from deepgram_tts2.events import EndReason
from deepgram_tts2.exceptions import (
    ConnectError,
    ConnectionLostError,
    InputError,
    PhaseTimeoutError,
    RateLimitError,
)
from deepgram_tts2.options import TTSOptions
from deepgram_tts2.protocol.v1.messages import Flush, Speak
from deepgram_tts2.request.actions import (
    Acquire,
    Action,
    Breaker,
    CancelAcquire,
    CancelRest,
    FallBack,
    Finish,
    PostRest,
    Release,
    Retire,
    Retrying,
    Send,
)
from deepgram_tts2.request.aura import SocketBudget
from deepgram_tts2.request.machine import RequestMachine, RequestPhase

FAST_RETRY = {"max_attempts": 3, "initial_s": 0.1, "max_s": 0.2, "max_elapsed_s": 10}


def make(mode: str = "auto", **overrides: Any) -> RequestMachine:
    settings_: dict[str, Any] = {"retry": FAST_RETRY, **overrides}
    return RequestMachine(TTSOptions.create(**settings_), mode, now=0.0, rand=lambda: 1.0)  # type: ignore[arg-type]


def budget(chars: int = 2400, flushes: int = 20, window: float = 60.0) -> SocketBudget:
    return SocketBudget.create(chars, flushes, window)


def of(actions: list[Action], kind: type) -> list[Any]:
    return [a for a in actions if isinstance(a, kind)]


def sent(actions: list[Action]) -> list[Speak | Flush]:
    return [m for a in of(actions, Send) for m in a.messages]


def finish(actions: list[Action]) -> Finish:
    (done,) = of(actions, Finish)
    return done


def streaming(machine: RequestMachine, text: str, now: float = 0.0) -> list[Action]:
    """Push ``text``, grant a socket; returns everything sent."""
    assert of(machine.push(text, now), Acquire)
    return machine.on_socket(budget(), now)


# -- the happy path ---------------------------------------------------------------------------


def test_one_request_from_text_to_completion() -> None:
    machine = make()
    actions = machine.push("Hello there. How are", 0.0)
    (acquire,) = of(actions, Acquire)
    assert acquire.deadline == 5.0  # connect_s: queue wait and handshake
    actions = machine.on_socket(budget(), 0.1)
    assert sent(actions) == [Speak("Hello there."), Flush(), Speak(" How are")]
    actions = machine.push(" you?", 0.2) + machine.end(0.2)
    assert sent(actions) == [Speak(" you?"), Flush()]
    assert machine.accept_audio(0.3, "websocket")
    assert machine.on_flushed(0.4) == []
    actions = machine.on_flushed(0.5)
    assert of(actions, Release) == [Release()]
    assert of(actions, Breaker) == [Breaker("success")]
    assert finish(actions).reason is EndReason.COMPLETED
    assert machine.done
    assert not machine.accept_audio(0.6, "websocket")  # nothing after the end


def test_text_of_only_spaces_is_an_empty_request() -> None:
    machine = make()
    assert machine.push("   ", 0.0) == []
    assert machine.phase is RequestPhase.IDLE
    assert finish(machine.end(0.1)).reason is EndReason.COMPLETED


def test_no_flush_for_a_blank_buffer() -> None:
    """``"word "`` tokens must not end in a Flush of spaces that a server need not ack (#10.3)."""
    machine = make()
    actions = streaming(machine, "Hello there. ")
    actions += machine.push(" ", 0.1) + machine.end(0.1)
    assert [m for m in sent(actions) if isinstance(m, Flush)] == [Flush()]
    done = machine.on_flushed(0.2)  # the one real Flush answered: complete, no wait
    assert finish(done).reason is EndReason.COMPLETED


# -- failures ---------------------------------------------------------------------------------


def test_a_failed_handshake_is_retried_then_served_over_rest_in_auto_mode() -> None:
    machine = make()
    machine.push("Hello there.", 0.0)
    machine.end(0.0)
    now = 0.0
    for _ in range(2):  # max_attempts 3: two retries
        actions = machine.on_acquire_failed(ConnectError("refused"), now)
        (retrying,) = of(actions, Retrying)
        assert of(actions, Breaker)[0].outcome == "failure"
        assert machine.next_wakeup(now) == now + retrying.delay_s
        now += retrying.delay_s
        assert of(machine.tick(now), Acquire)
    actions = machine.on_acquire_failed(ConnectError("refused"), now)
    assert of(actions, FallBack)
    assert [p.text for p in of(actions, PostRest)] == ["Hello there."]
    assert machine.phase is RequestPhase.REST


def test_websocket_mode_never_falls_back() -> None:
    machine = make("websocket", retry={"max_attempts": 1})
    machine.push("Hi.", 0.0)
    actions = machine.on_acquire_failed(ConnectError("refused"), 0.0)
    done = finish(actions)
    assert done.reason is EndReason.ERROR
    assert isinstance(done.error, ConnectError)


def test_a_queue_timeout_goes_to_rest_at_once() -> None:
    """Waiting in line again cannot help: every socket is busy (#10.1)."""
    machine = make()
    machine.push("Hi there.", 0.0)
    machine.end(0.0)
    actions = machine.on_acquire_failed(PhaseTimeoutError("queue", 5.0), 5.0)
    assert not of(actions, Retrying)
    assert of(actions, FallBack)
    assert of(actions, PostRest)


def test_input_errors_are_never_retried() -> None:
    machine = make()
    streaming(machine, "Hello.")
    actions = machine.on_socket_failed(InputError("BIG-0001", close_code=1009), 0.1)
    assert finish(actions).reason is EndReason.ERROR
    assert of(actions, Retire)
    assert not of(actions, Breaker)


def test_a_lost_socket_before_audio_replays_everything_on_the_next() -> None:
    machine = make()
    machine.push("One. Two.", 0.0)
    machine.on_socket(budget(), 0.0)
    machine.end(0.0)
    actions = machine.on_socket_failed(ConnectionLostError("1006"), 0.2)
    assert of(actions, Retire)
    (retrying,) = of(actions, Retrying)
    actions = machine.tick(0.2 + retrying.delay_s)
    assert of(actions, Acquire)
    actions = machine.on_socket(budget(), 0.5)
    assert "".join(m.text for m in sent(actions) if isinstance(m, Speak)) == "One. Two."


def test_after_a_finished_sentence_only_the_rest_is_replayed() -> None:
    machine = make()
    machine.push("One is done. Two is not.", 0.0)
    machine.on_socket(budget(), 0.0)
    machine.end(0.0)
    assert machine.accept_audio(0.1, "websocket")
    machine.on_flushed(0.2)  # "One is done." spoken completely
    actions = machine.on_socket_failed(ConnectionLostError("1011"), 0.3)
    assert of(actions, Retrying)
    machine.tick(1.0)
    actions = machine.on_socket(budget(), 1.0)
    assert "".join(m.text for m in sent(actions) if isinstance(m, Speak)) == " Two is not."


def test_a_half_spoken_sentence_is_never_repeated() -> None:
    machine = make()
    machine.push("One is done. Two is not.", 0.0)
    machine.on_socket(budget(), 0.0)
    machine.end(0.0)
    machine.accept_audio(0.1, "websocket")  # audio of "One is done." started ...
    actions = machine.on_socket_failed(ConnectionLostError("1011"), 0.3)  # ... and broke
    done = finish(actions)
    assert done.reason is EndReason.ERROR
    assert not of(actions, Retrying)
    assert not of(actions, FallBack)


def test_deadlines_end_requests_with_their_phase() -> None:
    machine = make(timeouts={"first_audio_s": 2.0, "stall_s": 1.0, "flush_s": 3.0})
    streaming(machine, "Hello there.")
    machine.end(0.0)
    wakeup = machine.next_wakeup(0.0)
    assert wakeup == 2.0
    assert machine.tick(1.9) == []
    machine.accept_audio(1.9, "websocket")
    assert machine.next_wakeup(1.9) == 4.9  # now the final flush's deadline
    actions = machine.tick(4.9)
    done = finish(actions)
    assert isinstance(done.error, PhaseTimeoutError)
    assert done.error.phase == "flush"
    assert of(actions, Retire)  # the socket's state is unknown: closed, never reused


def test_the_consumer_holding_us_up_is_not_a_stall() -> None:
    """A consumer pausing longer than any server deadline is not a server error (#10.6)."""
    machine = make(timeouts={"stall_s": 1.0, "flush_s": 1.0, "consumer_s": 30.0})
    streaming(machine, "Hello there.")
    machine.end(0.0)
    machine.accept_audio(0.1, "websocket")
    machine.on_blocked(0.2)
    assert machine.tick(20.0) == []  # 20 s paused: the server is not late
    machine.on_unblocked(20.0)
    assert machine.next_wakeup(20.0) == 21.0
    actions = machine.on_flushed(20.5)
    assert finish(actions).reason is EndReason.COMPLETED


def test_a_consumer_that_never_reads_ends_the_request_without_blaming_the_socket() -> None:
    machine = make(timeouts={"consumer_s": 2.0})
    streaming(machine, "Hello there.")
    machine.end(0.0)
    machine.accept_audio(0.1, "websocket")
    machine.on_blocked(0.2)
    actions = machine.tick(2.2)
    done = finish(actions)
    assert isinstance(done.error, PhaseTimeoutError)
    assert done.error.phase == "consumer"
    assert of(actions, Release)  # the socket is fine: cleared and reused
    assert not of(actions, Breaker)


def test_the_request_deadline_covers_retries_too() -> None:
    machine = make("websocket", timeouts={"request_s": 1.0}, retry={"initial_s": 0.5, "max_s": 0.5})
    machine.push("Hi.", 0.0)
    actions = machine.on_acquire_failed(ConnectError("refused"), 0.8)
    assert finish(actions).reason is EndReason.ERROR  # no retry would end in time


def test_rest_deadlines_bound_a_dripping_body() -> None:
    """A REST body that drips forever ends at ``rest_s``, named ``rest`` (#10.2)."""
    machine = make("rest", timeouts={"rest_s": 3.0, "stall_s": 1.0})
    actions = machine.push("Hello there.", 0.0) + machine.end(0.0)
    assert of(actions, PostRest)
    t = 0.0
    while t < 3.0:
        t += 0.5
        if machine.done:
            break
        assert machine.tick(t) == [] or t >= 3.0
        machine.accept_audio(t, "rest")
    actions = machine.tick(3.0)
    done = machine.finish
    assert done is not None
    assert isinstance(done.error, PhaseTimeoutError)
    assert done.error.phase == "rest"


# -- budgets ----------------------------------------------------------------------------------


def test_speaks_wait_for_the_character_budget() -> None:
    machine = make(
        limits={"pool_size": 1, "chars_per_window": 15, "window_s": 10.0},
        timeouts={"first_audio_s": 20.0},
    )
    machine.push("a" * 10, 0.0)
    machine.on_socket(budget(chars=15, flushes=5, window=10.0), 0.0)
    actions = machine.push(" bbbbbbbbb. c.", 1.0)  # 10 + 11 > 15: the Speak must wait
    (acquire,) = of(actions, Acquire)  # first, another socket is worth a try (a move)
    assert acquire.prefer_budget
    full = budget(chars=15, flushes=5, window=10.0)
    full.chars.take(15, 0.5)  # the pool had no better socket: this one is as full
    actions = machine.on_socket(full, 1.1)
    assert sent(actions) == []
    assert machine.next_wakeup(1.1) == 10.5  # paced: one window later, no more moves
    actions = machine.tick(10.5)
    assert isinstance(sent(actions)[0], Speak)


def test_a_refused_flush_moves_the_request_instead_of_waiting_a_minute() -> None:
    """A stricter server budget costs a move to another socket, not a 61 s wait (#10.5)."""
    machine = make()
    actions = streaming(machine, "One. Two. Three.")
    assert sent(actions).count(Flush()) == 2
    actions = machine.on_flush_refused(0.2)
    assert of(actions, Release)  # the socket is fine: left with a Clear if needed
    (acquire,) = of(actions, Acquire)
    assert acquire.prefer_budget
    assert not of(actions, Retrying)  # a move is not a retry
    actions = machine.on_socket(budget(), 0.3)
    assert sent(actions)


def test_a_budget_wait_past_first_audio_is_reported_as_a_budget_problem() -> None:
    machine = make(limits={"pool_size": 1}, timeouts={"first_audio_s": 1.0})
    machine.push("Hello there. And more.", 0.0)
    machine.end(0.0)
    assert sent(machine.on_socket(budget(), 0.0)).count(Flush()) == 2
    actions = machine.on_flush_refused(0.1)  # the server allows fewer than we thought
    assert of(actions, Acquire)  # the refused Flush cannot go again soon: a move first
    spent = budget(flushes=1, window=60.0)
    spent.flushes.take(1, 0.0)  # pool_size 1: the same kind of socket again, moves used up
    machine.on_socket(spent, 0.2)
    assert machine.next_wakeup(0.2) == 1.2  # first_audio runs while we hold the Flush back
    actions = machine.tick(1.2)
    (retrying,) = of(actions, Retrying)
    assert isinstance(retrying.error, RateLimitError)  # the truth: our budget, not the server
    assert "budget" in retrying.error.message


# -- interrupts -------------------------------------------------------------------------------


def test_interrupt_ends_first_then_clears_the_socket() -> None:
    machine = make()
    streaming(machine, "Hello there. How are you?")
    actions = machine.interrupt(0.5)
    assert isinstance(actions[0], Finish)
    assert actions[0].reason is EndReason.INTERRUPTED
    (release,) = of(actions, Release)
    assert release.dirty
    assert not machine.accept_audio(0.6, "websocket")


def test_interrupt_while_waiting_for_a_socket_leaves_the_queue() -> None:
    machine = make()
    machine.push("Hello.", 0.0)
    actions = machine.interrupt(0.1)
    assert of(actions, CancelAcquire)
    assert machine.on_socket(budget(), 0.2) == [Release()]


def test_interrupt_during_rest_cancels_it() -> None:
    machine = make("rest")
    machine.push("Hello.", 0.0)
    assert of(machine.interrupt(0.1), CancelRest)


# -- every request ends exactly once ----------------------------------------------------------

EVENTS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "push",
                "end",
                "interrupt",
                "socket",
                "acquire_failed",
                "audio",
                "flushed",
                "refused",
                "lost",
                "rest_done",
                "rest_failed",
                "block",
                "unblock",
                "tick",
            ]
        ),
        st.floats(min_value=0, max_value=3),
    ),
    max_size=60,
)


def feed(machine: RequestMachine, kind: str, now: float) -> list[Action]:
    if kind == "push":
        return machine.push("Some words. More", now)
    if kind == "end":
        return machine.end(now)
    if kind == "interrupt":
        return machine.interrupt(now)
    if kind == "socket" and machine.phase is RequestPhase.ACQUIRING:
        return machine.on_socket(budget(flushes=3, window=5.0), now)
    if kind == "acquire_failed" and machine.phase is RequestPhase.ACQUIRING:
        return machine.on_acquire_failed(ConnectError("refused"), now)
    if kind == "audio":
        machine.accept_audio(now, "websocket")
        machine.accept_audio(now, "rest")
        return []
    if kind == "flushed":
        return machine.on_flushed(now)
    if kind == "refused":
        return machine.on_flush_refused(now)
    if kind == "lost":
        return machine.on_socket_failed(ConnectionLostError("1006"), now)
    if kind == "rest_done" and machine.phase is RequestPhase.REST:
        return machine.on_rest_done(0, now) if machine._rest and machine._rest.pieces else []
    if kind == "rest_failed":
        return machine.on_rest_failed(ConnectionLostError("reset"), now)
    if kind == "block":
        machine.on_blocked(now)
    elif kind == "unblock":
        machine.on_unblocked(now)
    return machine.tick(now)


@settings(max_examples=300)
@given(EVENTS, st.sampled_from(["auto", "websocket", "rest"]))
def test_exactly_one_finish_and_nothing_after_it(steps: list[tuple[str, float]], mode: str) -> None:
    machine = make(mode, timeouts={"request_s": 30.0})
    now = 0.0
    finishes = 0
    for kind, step in steps:
        now += step
        actions = feed(machine, kind, now)
        finishes += len(of(actions, Finish))
        assert finishes <= 1
        if machine.done:
            assert not machine.accept_audio(now, "websocket")
            assert not machine.accept_audio(now, "rest")
    # Time alone ends every request by its deadline: nothing waits forever.
    settled_from = now
    for _ in range(200):
        if machine.done:
            break
        wakeup = machine.next_wakeup(now)
        now = max(now, wakeup if wakeup is not None else now + 1.0)
        actions = machine.tick(now)
        if machine.phase is RequestPhase.ACQUIRING:  # the pool answers by the deadline
            actions += machine.on_acquire_failed(PhaseTimeoutError("queue", 5.0), now)
        finishes += len(of(actions, Finish))
    if machine.phase is not RequestPhase.IDLE:
        assert machine.done
        assert now <= max(30.0, settled_from) + 1e-6  # request_s, or the first tick after it
    assert finishes <= 1

"""Deepgram's side of a v1 socket (``ServerSession``): effects for each client frame, sans I/O."""

from __future__ import annotations

import json

import pytest

from deepgram_tts2.protocol.errors import CloseReason
from deepgram_tts2.protocol.fields import has_lone_surrogate
from deepgram_tts2.protocol.v1.messages import (
    EXCESSIVE_FLUSH,
    Clear,
    Cleared,
    Close,
    Flush,
    Speak,
    serialize_client,
)
from deepgram_tts2.protocol.v1.server_session import (
    CancelSynthesis,
    ClearId,
    CloseDrain,
    CloseSocket,
    EmptyFlush,
    SendControl,
    ServerRules,
    ServerSession,
    ServerState,
    SynthesisStart,
    Synthesize,
    SynthesizeAhead,
)


def speak(text: str) -> str:
    return serialize_client(Speak(text))


FLUSH = serialize_client(Flush())
CLEAR = serialize_client(Clear())
CLOSE = serialize_client(Close())


def test_speaks_are_buffered_and_flushes_numbered_from_zero() -> None:
    server = ServerSession(ServerRules(), now=0)
    assert server.receive(speak("Hello "), 0) == []
    assert server.receive(speak("world."), 0) == []
    assert server.buffered_chars == 12
    assert server.receive(FLUSH, 0) == [Synthesize(0, "Hello world.")]
    assert server.receive(FLUSH, 0) == [Synthesize(1, "")]
    assert server.accepted_flushes == 2


def test_the_21st_flush_in_a_minute_gets_a_warning_and_keeps_the_text() -> None:
    server = ServerSession(ServerRules(), now=0)
    for i in range(20):
        assert server.receive(FLUSH, float(i)) == [Synthesize(i, "")]
    server.receive(speak("kept"), 20)
    assert server.receive(FLUSH, 20) == [SendControl(EXCESSIVE_FLUSH)]
    assert server.state is ServerState.OPEN
    assert server.receive(FLUSH, 60.0) == [Synthesize(20, "kept")]


def test_clear_cancels_and_acknowledges() -> None:
    server = ServerSession(ServerRules(), now=0)
    server.receive(speak("a"), 0)
    server.receive(FLUSH, 0)
    server.receive(speak("dropped"), 0)
    assert server.receive(CLEAR, 0) == [CancelSynthesis(), SendControl(Cleared(0))]
    assert server.buffered_chars == 0


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"\x00", CloseReason.MESSAGE_0000),
        ("{oops", CloseReason.DATA_0000),
        ('{"type":"Reset"}', CloseReason.DATA_0000),
        (speak("x" * 2001), CloseReason.BIG_0001),
        ('{"type": "Speak", "text": "\\ud800"}', CloseReason.DATA_0000),
        ('{"type": "Speak", "text": "ok \\udfff then"}', CloseReason.DATA_0000),
    ],
)
def test_violations_close_with_deepgrams_codes(frame: str | bytes, reason: CloseReason) -> None:
    server = ServerSession(ServerRules(), now=0)
    assert server.receive(frame, 0) == [CancelSynthesis(), CloseSocket(reason.close_code, reason)]
    assert server.state is ServerState.CLOSED
    assert server.receive(FLUSH, 0) == []


def test_a_valid_surrogate_pair_is_ordinary_text() -> None:
    server = ServerSession(ServerRules(), now=0)
    assert server.receive('{"type": "Speak", "text": "smile \\ud83d\\ude00"}', 0) == []
    assert server.receive(FLUSH, 0) == [Synthesize(0, "smile \U0001f600")]
    assert not has_lone_surrogate("smile \U0001f600")
    assert has_lone_surrogate(json.loads('"\\ud800"'))


def test_2000_characters_are_allowed_in_one_speak() -> None:
    server = ServerSession(ServerRules(), now=0)
    assert server.receive(speak("x" * 2000), 0) == []


def test_character_budget_per_window_closes_with_data_0001() -> None:
    server = ServerSession(ServerRules(), now=0)
    assert server.receive(speak("x" * 2000), 0) == []
    assert server.receive(speak("x" * 400), 1) == []
    effects = server.receive(speak("x"), 2)
    assert effects[-1] == CloseSocket(1008, CloseReason.DATA_0001)
    fresh = ServerSession(ServerRules(), now=0)
    fresh.receive(speak("x" * 2000), 0)
    assert fresh.receive(speak("x" * 2000), 60) == []


def test_lifetime_and_idle_limits() -> None:
    server = ServerSession(ServerRules(lifetime_s=100, idle_timeout_s=10), now=0)
    assert server.next_deadline() == 10
    assert server.poll(9.9) == []
    server.receive(speak("x"), 9)
    assert server.next_deadline() == 19
    assert server.poll(19)[-1] == CloseSocket(1011, CloseReason.NET_0001)
    old = ServerSession(ServerRules(lifetime_s=100), now=0)
    assert old.poll(99) == []
    assert old.receive(FLUSH, 100)[-1] == CloseSocket(1011, CloseReason.NET_0003)
    assert old.next_deadline() is None


@pytest.mark.parametrize(
    ("drain", "expected"),
    [
        (CloseDrain.NONE, [CancelSynthesis(), CloseSocket(1000, None, drain=False)]),
        (CloseDrain.FLUSHED, [CloseSocket(1000, None, drain=True)]),
        (CloseDrain.ALL, [Synthesize(0, "tail"), CloseSocket(1000, None, drain=True)]),
    ],
)
def test_close_drain_modes(drain: CloseDrain, expected: list[object]) -> None:
    server = ServerSession(ServerRules(close_drain=drain), now=0)
    server.receive(speak("tail"), 0)
    assert server.receive(CLOSE, 0) == expected
    assert server.state is ServerState.DRAINING
    assert server.receive(speak("late"), 0) == []


# -- switches for undocumented behaviour (aura §10) ------------------------------------------


def test_clear_with_its_own_id_shifts_later_flush_ids() -> None:
    server = ServerSession(ServerRules(clear_id=ClearId.OWN), now=0)
    server.receive(speak("a"), 0)
    assert server.receive(FLUSH, 0) == [Synthesize(0, "a")]
    assert server.receive(CLEAR, 0) == [CancelSynthesis(), SendControl(Cleared(1))]
    server.receive(speak("b"), 0)
    assert server.receive(FLUSH, 0) == [Synthesize(2, "b")]


def test_clear_before_any_flush_reports_zero_by_default() -> None:
    server = ServerSession(ServerRules(), now=0)
    assert server.receive(CLEAR, 0) == [CancelSynthesis(), SendControl(Cleared(0))]
    assert server.receive(FLUSH, 0) == [Synthesize(0, "")]


@pytest.mark.parametrize("blank", ["", " ", " \n\t "])
def test_ignored_empty_flush_takes_no_id_and_no_budget(blank: str) -> None:
    server = ServerSession(ServerRules(empty_flush=EmptyFlush.IGNORED, flushes_per_window=1), now=0)
    if blank:
        server.receive(speak(blank), 0)
    assert server.receive(FLUSH, 0) == []
    assert server.buffered_chars == 0
    server.receive(speak("real"), 0)
    assert server.receive(FLUSH, 0) == [Synthesize(0, "real")]


def test_acked_empty_flush_is_an_ordinary_flush() -> None:
    server = ServerSession(ServerRules(empty_flush=EmptyFlush.ACKED), now=0)
    server.receive(speak("  "), 0)
    assert server.receive(FLUSH, 0) == [Synthesize(0, "  ")]


def test_sentence_start_synthesises_ahead_once_enough_is_buffered() -> None:
    rules = ServerRules(synthesis_start=SynthesisStart.SENTENCE, synthesis_start_chars=20)
    server = ServerSession(rules, now=0)
    assert server.receive(speak("One. Two"), 0) == []  # 8 characters: not yet
    assert server.receive(speak(" three, four five six"), 0) == [SynthesizeAhead("One.")]
    assert server.buffered_chars == len(" Two three, four five six")
    assert server.receive(speak(" words without an end"), 0) == []
    assert server.receive(FLUSH, 0) == [
        Synthesize(0, " Two three, four five six words without an end")
    ]


def test_a_flush_after_everything_was_synthesised_ahead_is_still_acked() -> None:
    rules = ServerRules(
        synthesis_start=SynthesisStart.SENTENCE,
        synthesis_start_chars=5,
        empty_flush=EmptyFlush.IGNORED,
    )
    server = ServerSession(rules, now=0)
    assert server.receive(speak("Hello there. "), 0) == [SynthesizeAhead("Hello there.")]
    assert server.receive(FLUSH, 0) == [Synthesize(0, " ")]  # the flush has audio: acked
    assert server.receive(FLUSH, 0) == []  # this one is blank


def test_flush_only_start_never_synthesises_ahead() -> None:
    server = ServerSession(ServerRules(synthesis_start_chars=1), now=0)
    assert server.receive(speak("A sentence. Another one. "), 0) == []

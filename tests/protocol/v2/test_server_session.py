"""The server turn machine (flux §3.2, §3.3 rows 1-20) and its options, with pure inputs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from deepgram_tts2.protocol.audio import Encoding
from deepgram_tts2.protocol.state import TransitionError
from deepgram_tts2.protocol.v2.audio import FluxPcmFormat
from deepgram_tts2.protocol.v2.codes import CloseScheme
from deepgram_tts2.protocol.v2.controls import CharUnit
from deepgram_tts2.protocol.v2.messages import (
    Close,
    Configure,
    ConfigureFailure,
    ConfigureSuccess,
    ErrorMessage,
    Flush,
    Flushed,
    Interrupt,
    ServerControl,
    SessionMetadata,
    Speak,
    SpeechInterrupted,
    SpeechMetadata,
    SpeechStarted,
    WarningMessage,
)
from deepgram_tts2.protocol.v2.server_session import (
    SERVER_TABLE,
    AfterClose,
    BinaryFrames,
    CancelTurn,
    CloseSocket,
    CloseUnflushed,
    ConfigureTiming,
    EmptySpeak,
    FinishTurn,
    FlushedPlacement,
    FlushWithoutTurn,
    PendingOnInterrupt,
    SendControl,
    ServerEffect,
    ServerEvent,
    ServerRules,
    ServerSession,
    ServerState,
    Synthesize,
)
from deepgram_tts2.protocol.v2.wire import serialize_client

FMT = FluxPcmFormat(Encoding.LINEAR16, 24000)  # 48 bytes per ms
CHAR_BYTES = 2400  # the tone voice: 50 ms of 24 kHz linear16 per non-blank character


class Harness:
    """A session plus a synchronous stand-in for the emulator's I/O.

    With ``auto`` every Synthesize is rendered and sent at once (50 ms per character of its
    stripped text) and FinishTurn / CancelTurn are reported back; messages are collected.
    """

    def __init__(self, auto: bool = True, **rules: object) -> None:
        self.session = ServerSession(replace(ServerRules(FMT), **rules), now=0.0, seed="t")  # type: ignore[arg-type]
        self.auto = auto
        self.sent: list[ServerControl | str] = []
        self.effects: list[ServerEffect] = []
        self.closed: CloseSocket | None = None
        self.held: list[ServerEffect] = []

    def feed(self, *messages: object, now: float = 1.0) -> list[ServerControl | str]:
        start = len(self.sent)
        for message in messages:
            frame = message if isinstance(message, str | bytes) else serialize_client(message)  # type: ignore[arg-type]
            self.apply(self.session.receive(frame, now))
        return self.sent[start:]

    def apply(self, effects: list[ServerEffect]) -> None:
        """Controls go out at once; synthesis work queues, as in the emulator (a job queue)."""
        for effect in effects:
            self.effects.append(effect)
            if isinstance(effect, SendControl):
                self.sent.append(effect.message)
            elif isinstance(effect, CloseSocket):
                self.closed = effect
                self.sent.append(f"close {effect.code}")
            else:
                self.held.append(effect)
        if self.auto:
            self.drain()

    def drain(self) -> None:
        while self.held:
            self.run(self.held.pop(0))

    def run(self, effect: ServerEffect) -> None:
        s = self.session
        if isinstance(effect, Synthesize):
            nbytes = len(effect.text.strip()) * CHAR_BYTES
            s.rendered(effect.speech_id, effect.index, nbytes)
            s.audio_sent(effect.speech_id, nbytes)
            self.sent.append(f"audio {nbytes // 48}ms")
        elif isinstance(effect, FinishTurn):
            self.apply(s.turn_audio_done(effect.speech_id))
        elif isinstance(effect, CancelTurn):
            self.apply(s.turn_cancelled(effect.speech_id))

    def release(self) -> None:
        """Carry out held effects (auto off) in order, and everything that follows."""
        self.auto = True
        self.drain()

    def types(self) -> list[str]:
        return [m if isinstance(m, str) else type(m).__name__ for m in self.sent]


def meta_of(sent: list[ServerControl | str]) -> list[SpeechMetadata]:
    return [m for m in sent if isinstance(m, SpeechMetadata)]


def test_one_turn_speak_flush_close() -> None:
    h = Harness()
    h.feed(Speak("Hello there. How are"))
    # Row 1: SpeechStarted at once; synthesis starts at the sentence boundary, before Flush.
    assert h.types() == ["SpeechStarted", "audio 600ms"]
    assert h.session.state is ServerState.GENERATING
    h.feed(Speak(" you?"), Flush())
    assert h.types() == [
        "SpeechStarted",
        "audio 600ms",
        "Flushed",  # early: when the last segment is handed to synthesis
        "audio 600ms",  # " How are you?" stripped: 12 characters
        "SpeechMetadata",
    ]
    (meta,) = meta_of(h.sent)
    assert meta.metadata.audio_duration_ms == 1200  # bytes / (24000 x 2) exactly
    assert meta.metadata.input_character_count == len("Hello there. How are you?")
    assert meta.metadata.billable_character_count == len("Hello there. How are you?")
    assert h.session.state is ServerState.IDLE
    assert h.feed(Close()) == [SessionMetadata(1200, 25, 25), "close 1000"]
    assert h.session.state is ServerState.CLOSED


def test_flushed_precedes_the_remaining_audio_by_default() -> None:
    h = Harness(auto=False)
    h.feed(Speak("One two three"), Flush())
    assert h.types() == ["SpeechStarted", "Flushed"]  # early: before any audio of the turn
    assert h.session.state is ServerState.FINALIZING
    h.release()
    assert h.types()[-1] == "SpeechMetadata"


@pytest.mark.parametrize(
    ("placement", "tail"),
    [
        (FlushedPlacement.LATE, ["audio 650ms", "Flushed", "SpeechMetadata"]),
        (FlushedPlacement.TRAILING, ["audio 650ms", "SpeechMetadata", "Flushed"]),
    ],
)
def test_flushed_placement_options(placement: FlushedPlacement, tail: list[str]) -> None:
    h = Harness(flushed_placement=placement)
    h.feed(Speak("One two three"), Flush())
    assert h.types() == ["SpeechStarted", *tail]


def test_pending_turns_queue_behind_the_active_one() -> None:
    h = Harness(auto=False)
    h.feed(Speak("Sure, "), Speak("I can help."), Flush())  # transcript C (flux §3.10)
    h.feed(Speak("Anything "), Speak("else?"))  # rows 4: a pending turn B
    assert h.session.state is ServerState.FINALIZING
    assert len(h.session.pending) == 1
    h.feed(Flush())  # row 5: closes B; its Flushed is held back
    started = [m for m in h.sent if isinstance(m, SpeechStarted)]
    assert len(started) == 1
    assert [m for m in h.sent if isinstance(m, Flushed)] == [Flushed(started[0].speech_id)]
    h.release()
    ids = [m.speech_id for m in h.sent if isinstance(m, SpeechStarted | Flushed | SpeechMetadata)]
    kinds = [
        type(m).__name__ for m in h.sent if isinstance(m, SpeechStarted | Flushed | SpeechMetadata)
    ]
    a, b = ids[0], ids[3]
    assert kinds == ["SpeechStarted", "Flushed", "SpeechMetadata"] * 2
    assert ids == [a, a, a, b, b, b]
    assert a != b
    assert all(i.startswith("dg_sp_") and len(i) == 18 for i in ids)
    assert h.session.state is ServerState.IDLE


def test_a_pending_turn_that_is_still_open_becomes_generating() -> None:
    h = Harness(auto=False)
    h.feed(Speak("First."), Flush(), Speak("Second and"))
    h.release()
    assert h.session.state is ServerState.GENERATING  # row 7 to Generating
    h.feed(Speak(" more."), Flush())
    assert len(meta_of(h.sent)) == 2


def test_flush_without_a_turn_warns_and_the_option_silences_it_in_finalizing() -> None:
    h = Harness()
    assert h.feed(Flush()) == [WarningMessage("NO_ACTIVE_SPEECH", h.sent[0].description)]  # type: ignore[union-attr]
    assert h.session.state is ServerState.IDLE
    busy = Harness(auto=False)
    busy.feed(Speak("Hi."), Flush())
    assert busy.feed(Flush())[0].code == "NO_ACTIVE_SPEECH"  # type: ignore[union-attr]
    quiet = Harness(auto=False, flush_without_turn=FlushWithoutTurn.SILENT)
    quiet.feed(Speak("Hi."), Flush())
    assert quiet.feed(Flush()) == []
    assert quiet.feed(Flush()) == []
    idle = Harness(flush_without_turn=FlushWithoutTurn.SILENT)
    assert idle.feed(Flush())[0].code == "NO_ACTIVE_SPEECH"  # type: ignore[union-attr]  # row 6


def test_whitespace_only_turn_gets_no_synthesizable_text_and_zero_duration() -> None:
    h = Harness()
    h.feed(Speak("  ...  "), Flush())
    assert h.types() == ["SpeechStarted", "Flushed", "WarningMessage", "SpeechMetadata"]
    assert h.sent[2].code == "NO_SYNTHESIZABLE_TEXT"  # type: ignore[union-attr]
    assert meta_of(h.sent)[0].metadata.audio_duration_ms == 0


def test_empty_speak_options() -> None:
    opens = Harness()
    assert opens.feed(Speak(""))[0].__class__ is SpeechStarted
    ignored = Harness(empty_speak=EmptySpeak.IGNORE)
    assert ignored.feed(Speak("")) == []
    assert ignored.session.state is ServerState.IDLE


CAPTURE = (
    "Sure, I can help you cancel your subscription. Let me pull up your account and check on "
    "that for you right away."
)


def interrupted(sent: list[ServerControl | str]) -> SpeechInterrupted:
    (message,) = [m for m in sent if isinstance(m, SpeechInterrupted)]
    return message


def test_interrupt_splits_the_text_at_the_played_word_and_rebases_the_totals() -> None:
    # The GA capture (flux §3.10 B): one turn, interrupted at 554 ms, then Close.
    h = Harness()
    h.feed(Configure(1.05))
    assert h.sent == [ConfigureSuccess(1.05)]
    h.feed(Speak(CAPTURE))  # the first sentence reaches synthesis, the rest waits
    h.feed(Interrupt(554))
    message = interrupted(h.sent)
    assert message.audio_played_ms == 554
    assert message.text_spoken == "Sure, I can"  # 11 characters x 50 ms = 550 ms <= 554
    assert message.text_remaining is not None
    assert message.text_remaining.startswith(" help you")
    assert message.text_spoken + message.text_remaining == CAPTURE
    meta = message.metadata
    assert meta.audio_duration_ms == 554  # rebased to what was played
    assert meta.input_character_count == len(CAPTURE)
    assert meta.billable_character_count == 46  # only the text handed to synthesis
    assert not [m for m in h.sent if isinstance(m, SpeechMetadata)]  # no standalone metadata
    assert h.session.state is ServerState.IDLE
    assert h.feed(Close()) == [SessionMetadata(554, 46, 46), "close 1000"]


def test_interrupt_without_offset_reports_the_servers_total_and_no_split() -> None:
    h = Harness()
    h.feed(Speak("One two. Three"))
    h.feed(Interrupt())
    message = interrupted(h.sent)
    assert message.audio_played_ms == 400  # "One two." = 8 characters generated
    assert message.text_spoken is None
    assert message.text_remaining is None
    assert message.metadata.audio_duration_ms == 400


def test_offsets_are_session_cumulative_and_must_advance() -> None:
    h = Harness()
    h.feed(Speak("First turn."), Flush())  # 11 characters: 550 ms; the session clock is 550
    h.feed(Speak("Second turn here. And"))  # the first sentence is synthesised
    h.feed(Interrupt(900))  # 350 ms into the second turn
    second = interrupted(h.sent)
    assert second.text_spoken == "Second"  # 300 ms; "turn" would need 550
    assert second.metadata.audio_duration_ms == 350
    h.feed(Speak("Third one. "))
    assert h.feed(Interrupt(900))[0].code == "INVALID_INTERRUPT_OFFSET"  # type: ignore[union-attr]
    assert h.feed(Interrupt(850))[0].code == "INVALID_INTERRUPT_OFFSET"  # type: ignore[union-attr]
    assert h.session.state is ServerState.GENERATING  # ignored: the turn goes on
    h.feed(Interrupt(1200))  # the third turn started at the rebased 900: 300 ms played
    third = [m for m in h.sent if isinstance(m, SpeechInterrupted)][-1]
    assert third.text_spoken == "Third"
    assert third.text_remaining == " one. "
    assert h.feed(Close())[0] == SessionMetadata(1200, 11 + 17 + 10, 11 + 17 + 10)  # rebased


def test_an_offset_before_the_turn_started_means_nothing_of_it_was_heard() -> None:
    h = Harness()
    h.feed(Speak("First turn."), Flush(), Speak("Second turn."))
    h.feed(Interrupt(400))  # the client was still playing the first turn
    message = interrupted(h.sent)
    assert message.text_spoken == ""
    assert message.text_remaining == "Second turn."
    assert message.metadata.audio_duration_ms == 0
    assert h.session.total_audio_ms == 400  # the total can go down (flux §2.3)


def test_interrupt_before_any_audio_is_ignored_with_no_audio_generated() -> None:
    h = Harness(auto=False)
    h.feed(Speak("Hello there."))
    assert h.feed(Interrupt(10))[0].code == "NO_AUDIO_GENERATED"  # type: ignore[union-attr]
    assert h.session.state is ServerState.GENERATING  # row 9: unchanged
    assert Harness().feed(Interrupt())[0].code == "NO_AUDIO_GENERATED"  # type: ignore[union-attr]


def test_interrupt_in_idle_after_audio_warns_no_active_speech() -> None:
    h = Harness()
    h.feed(Speak("Done."), Flush())
    assert h.feed(Interrupt(5000))[0].code == "NO_ACTIVE_SPEECH"  # type: ignore[union-attr]


def test_a_second_interrupt_while_one_is_processed_is_in_progress() -> None:
    h = Harness(auto=False)
    h.feed(Speak("One two three four. "))
    h.release()
    h.auto = False
    h.feed(Speak("Five six."))
    effects = h.session.receive(serialize_client(Interrupt(100)), 2.0)
    assert [type(e) for e in effects] == [CancelTurn]
    assert h.session.state is ServerState.FINALIZING  # the turn takes no more text
    assert h.feed(Interrupt(200))[0].code == "INTERRUPT_IN_PROGRESS"  # type: ignore[union-attr]
    # A Speak meanwhile opens a new turn behind the interrupted one (flux §3.5 item 6).
    h.feed(Speak("New turn."))
    assert len(h.session.pending) == 1
    h.apply(effects)
    h.release()
    assert [type(m).__name__ for m in h.sent if not isinstance(m, str)][-2:] == [
        "SpeechInterrupted",
        "SpeechStarted",
    ]
    assert h.session.state is ServerState.GENERATING


@pytest.mark.parametrize(
    ("policy", "next_started"), [(PendingOnInterrupt.KEEP, True), (PendingOnInterrupt.DROP, False)]
)
def test_pending_turns_on_interrupt(policy: PendingOnInterrupt, next_started: bool) -> None:
    h = Harness(auto=False, pending_on_interrupt=policy)
    h.feed(Speak("Active turn."), Flush(), Speak("Pending turn."), Flush())
    h.session.audio_sent(h.session.active.speech_id, 4800)  # type: ignore[union-attr]
    h.feed(Interrupt(50))
    h.release()
    started = [m for m in h.sent if isinstance(m, SpeechStarted)]
    assert len(started) == (2 if next_started else 1)
    assert len(meta_of(h.sent)) == (1 if next_started else 0)
    assert h.session.state is ServerState.IDLE
    totals = h.feed(Close())[0]
    assert isinstance(totals, SessionMetadata)
    # "Active turn." (12, handed to synthesis) + "Pending turn." (13) only when it was kept.
    assert totals.total_input_character_count == (25 if next_started else 12)


def test_rebasing_of_the_input_total_is_an_option() -> None:
    for rebase, expected in ((True, 46), (False, len(CAPTURE))):
        h = Harness(rebase_input_on_interrupt=rebase)
        h.feed(Speak(CAPTURE), Interrupt(554))
        totals = h.feed(Close())[0]
        assert isinstance(totals, SessionMetadata)
        assert totals.total_input_character_count == expected


def test_the_billing_bug_mode_reports_zero_billable() -> None:
    h = Harness(billable_zero=True)
    h.feed(Speak("Hello."), Flush(), Close())
    assert meta_of(h.sent)[0].metadata.billable_character_count == 0
    assert meta_of(h.sent)[0].metadata.input_character_count == 6
    assert [m for m in h.sent if isinstance(m, SessionMetadata)] == [SessionMetadata(300, 6, 0)]


def test_character_unit_option() -> None:
    h = Harness(char_unit=CharUnit.BYTES)
    h.feed(Speak("né."), Flush())
    assert meta_of(h.sent)[0].metadata.input_character_count == 4


def test_configure_validates_and_reports_only_what_was_set() -> None:
    h = Harness()
    assert h.feed(Configure()) == [ConfigureSuccess(None)]  # nothing set yet
    out_of_range = h.feed(Configure(1.55))[0]
    assert isinstance(out_of_range, ConfigureFailure)
    assert (out_of_range.code, out_of_range.field, out_of_range.value) == (
        "SPEED_OUT_OF_RANGE",
        "speed",
        1.55,
    )
    off_grid = h.feed(Configure(1.07))[0]
    assert isinstance(off_grid, ConfigureFailure)
    assert off_grid.code == "SPEED_INCREMENT_INVALID"
    assert h.feed(Configure()) == [ConfigureSuccess(None)]  # failures keep the old config
    assert h.feed(Configure(0.5)) == [ConfigureSuccess(0.5)]
    assert h.feed(Configure()) == [ConfigureSuccess(0.5)]
    from_query = Harness(speed=1.2)
    assert from_query.feed(Configure()) == [ConfigureSuccess(1.2)]


def test_configure_speed_not_supported_and_control_combination() -> None:
    unsupported = Harness(runtime_speed_supported=False).feed(Configure(1.0))[0]
    assert isinstance(unsupported, ConfigureFailure)
    assert (unsupported.code, unsupported.field, unsupported.value) == (
        "SPEED_NOT_SUPPORTED",
        "speed",
        None,
    )
    h = Harness(auto=False)
    h.feed(Speak("Now."), Flush(), Speak('Say {"word": "x", "pronounce": "ks"}.'))
    combo = h.feed(Configure(1.2))[0]
    assert isinstance(combo, ConfigureFailure)
    assert combo.code == "CONTROL_COMBINATION_INVALID"
    assert h.feed(Configure(1.0)) == [ConfigureSuccess(1.0)]  # 1.0 is never a speed control


@pytest.mark.parametrize(
    ("timing", "speeds"),
    [(ConfigureTiming.SEGMENT, [1.0, 1.5]), (ConfigureTiming.TURN, [1.0, 1.0])],
)
def test_configure_applies_at_the_next_segment_or_turn(
    timing: ConfigureTiming, speeds: list[float]
) -> None:
    h = Harness(configure_timing=timing)
    h.feed(Speak("One. "), Configure(1.5), Speak("Two. "))
    assert [e.speed for e in h.effects if isinstance(e, Synthesize)] == speeds
    h.feed(Flush(), Speak("Three. "))
    assert [e.speed for e in h.effects if isinstance(e, Synthesize)][-1] == 1.5


def test_close_drains_pending_turns_then_session_metadata() -> None:
    h = Harness(auto=False)
    h.feed(Speak("One."), Flush(), Speak("Two."), Flush(), Close())
    assert h.session.state is ServerState.CLOSING
    assert h.feed(Speak("ignored")) == []  # after Close (Q-7 default)
    h.release()
    assert h.types()[-3:] == ["SpeechMetadata", "SessionMetadata", "close 1000"]
    assert len(meta_of(h.sent)) == 2


@pytest.mark.parametrize(
    ("policy", "flushed", "completed"),
    [
        (CloseUnflushed.COMPLETE, 0, 1),
        (CloseUnflushed.FLUSHED, 1, 1),
        (CloseUnflushed.DROP, 0, 0),
    ],
)
def test_close_with_an_unflushed_turn(policy: CloseUnflushed, flushed: int, completed: int) -> None:
    h = Harness(close_unflushed=policy)
    h.feed(Speak("Unflushed words"), Close())
    assert len([m for m in h.sent if isinstance(m, Flushed)]) == flushed
    assert len(meta_of(h.sent)) == completed
    assert h.types()[-2:] == ["SessionMetadata", "close 1000"]
    assert h.session.state is ServerState.CLOSED


def test_close_with_nothing_to_do_ends_at_once() -> None:
    h = Harness()
    assert h.feed(Close()) == [SessionMetadata(0, 0, 0), "close 1000"]
    assert h.feed(Speak("late")) == []


def test_messages_after_close_can_be_fatal() -> None:
    h = Harness(auto=False, after_close=AfterClose.ERROR)
    h.feed(Speak("One."), Flush(), Close())
    sent = h.feed(Configure(1.0))
    assert isinstance(sent[0], ErrorMessage)
    assert sent[0].code == "DATA-0000"
    assert sent[-1] == "close 1008"


@pytest.mark.parametrize(
    ("frame", "code", "close"),
    [
        ("{nope", "MESSAGE-0000", 1003),
        ('{"type":"KeepAlive"}', "DATA-0000", 1008),
        ('{"type":"Interrupt","speech_id":"dg_sp_000000000000"}', "MESSAGE-0000", 1003),
        (b"\x00\x01", "MESSAGE-0000", 1003),
        ('{"type":"Speak","text":"wait {pause:500ms} go. "}', "DATA-0002", 1008),
        ('{"type":"Speak","text":"bad {\\"word\\": 1}. "}', "DATA-0002", 1008),
    ],
)
def test_fatal_violations_send_error_then_close(frame: str | bytes, code: str, close: int) -> None:
    h = Harness()
    h.feed(Speak("Active. "))
    sent = h.feed(frame)
    assert isinstance(sent[0], ErrorMessage)
    assert sent[0].code == code
    assert sent[-1] == f"close {close}"
    assert h.closed is not None
    assert h.closed.reason == code
    assert h.session.state is ServerState.CLOSED
    assert any(isinstance(e, CancelTurn) for e in h.effects)
    assert h.feed(Speak("more")) == []


def test_pronunciation_needs_speed_one_on_the_socket() -> None:
    text = 'Say {"word": "tomato", "pronounce": "təˈmɑːtoʊ"}. '
    fine = Harness()
    fine.feed(Speak(text), Flush())
    assert meta_of(fine.sent)[0].metadata.controls_applied.pronunciations_applied == 1  # type: ignore[union-attr]
    assert meta_of(fine.sent)[0].metadata.billable_character_count == len("Say tomato. ")
    fast = Harness(speed=1.1)
    sent = fast.feed(Speak(text))
    assert isinstance(sent[-2], ErrorMessage)
    assert sent[-2].code == "DATA-0002"
    warned = Harness()
    warned.feed(Speak('X {"word": "a", "pronounce": "' + "a" * 30 + '"}. '), Flush())
    assert [m.code for m in warned.sent if isinstance(m, WarningMessage)] == [
        "PRONUNCIATION_TOO_LONG"
    ]
    assert meta_of(warned.sent)[0].metadata.controls_applied.pronunciation_warnings == 1  # type: ignore[union-attr]


def test_binary_frames_option_and_close_schemes() -> None:
    ignored = Harness(binary_frames=BinaryFrames.IGNORE)
    assert ignored.feed(b"\x00") == []
    assert ignored.session.state is ServerState.IDLE
    normal = Harness(close_scheme=CloseScheme.NORMAL)
    assert normal.feed('{"type":"Nope"}')[-1] == "close 1000"


def test_idle_timeout_and_lifetime_with_a_fake_clock() -> None:
    h = Harness(idle_timeout_s=60.0, lifetime_s=3600.0)
    assert h.session.next_deadline() == 60.0
    h.feed(Speak("Hi. "), now=30.0)
    assert h.session.next_deadline() == 90.0
    h.session.touch(80.0)  # a ping
    assert h.session.poll(139.9) == []
    h.apply(h.session.poll(140.0))
    assert isinstance(h.sent[-2], ErrorMessage)
    assert h.sent[-2].code == "NET-0004"
    assert h.sent[-1] == "close 1011"
    old = Harness(idle_timeout_s=None, lifetime_s=3600.0)
    assert old.session.next_deadline() == 3600.0
    old.apply(old.session.poll(3600.0))
    assert old.sent[-2].code == "NET-0003"  # type: ignore[union-attr]
    late = Harness(lifetime_s=10.0)
    assert late.feed(Speak("x"), now=11.0)[0].code == "NET-0003"  # type: ignore[union-attr]


def test_the_state_table_refuses_illegal_moves() -> None:
    assert SERVER_TABLE.allows(ServerState.IDLE, ServerEvent.SPEAK)
    assert not SERVER_TABLE.allows(ServerState.CLOSING, ServerEvent.SPEAK)
    with pytest.raises(TransitionError):
        SERVER_TABLE.next(ServerState.CLOSED, ServerEvent.FLUSH)
    with pytest.raises(TransitionError):
        SERVER_TABLE.next(ServerState.IDLE, ServerEvent.NEXT_NONE)
    for state in (ServerState.IDLE, ServerState.GENERATING, ServerState.FINALIZING):
        assert SERVER_TABLE.next(state, ServerEvent.CLOSE) is ServerState.CLOSING
        assert SERVER_TABLE.next(state, ServerEvent.FATAL) is ServerState.CLOSED


def test_reports_for_unknown_turns_are_ignored() -> None:
    h = Harness()
    assert h.session.turn_audio_done("dg_sp_000000000000") == []
    assert h.session.turn_cancelled("dg_sp_000000000000") == []
    h.session.rendered("dg_sp_000000000000", 0, 10)
    h.session.audio_sent("dg_sp_000000000000", 10)
    assert h.feed(Interrupt())[0].code == "NO_AUDIO_GENERATED"  # type: ignore[union-attr]


def test_too_many_pronunciations_in_a_turn_warn() -> None:
    h = Harness()
    control = '{"word": "a", "pronounce": "a"} '
    h.feed(Speak(control * 501 + "end."), Flush())
    codes = [m.code for m in h.sent if isinstance(m, WarningMessage)]
    assert codes == ["PRONUNCIATIONS_LIMIT_EXCEEDED"]


@pytest.mark.parametrize(
    ("policy", "started", "completed"),
    [(CloseUnflushed.COMPLETE, 2, 2), (CloseUnflushed.DROP, 1, 1)],
)
def test_close_with_an_unflushed_pending_turn(
    policy: CloseUnflushed, started: int, completed: int
) -> None:
    h = Harness(auto=False, close_unflushed=policy)
    h.feed(Speak("Flushed turn."), Flush(), Speak("Open pending turn"), Close())
    h.release()
    assert len([m for m in h.sent if isinstance(m, SpeechStarted)]) == started
    assert len(meta_of(h.sent)) == completed
    assert len([m for m in h.sent if isinstance(m, Flushed)]) == 1  # only the real Flush
    assert h.types()[-2:] == ["SessionMetadata", "close 1000"]

"""The client session: send rules, turn attribution, Flushed matching, the interrupt fence,
playback offsets and the interrupt outcomes (flux §3.5, §3.7), with pure inputs."""

from __future__ import annotations

import pytest

from deepgram_tts2.protocol.state import TransitionError
from deepgram_tts2.protocol.v2.client_session import (
    AudioReceived,
    ClientRules,
    ClientSession,
    ClientState,
    ConfigureAcked,
    ConfigureRejected,
    ConnectedReceived,
    FlushAcked,
    Ignored,
    InterruptRejected,
    PendingFate,
    ServerReported,
    SessionEnded,
    StaleAudio,
    TurnCompleted,
    TurnInterrupted,
    TurnsDropped,
    TurnStarted,
)
from deepgram_tts2.protocol.v2.codes import ErrorCode
from deepgram_tts2.protocol.v2.messages import (
    Audio,
    Close,
    Configure,
    ConfigureFailure,
    ConfigureSuccess,
    Connected,
    ErrorMessage,
    Flush,
    Flushed,
    Interrupt,
    ProtocolViolation,
    SessionMetadata,
    Speak,
    SpeechInterrupted,
    SpeechMetadata,
    SpeechStarted,
    TurnMetadata,
    UnknownMessage,
    WarningMessage,
)

A, B, C = "dg_sp_aaaaaaaaaaaa", "dg_sp_bbbbbbbbbbbb", "dg_sp_cccccccccccc"


def done(speech_id: str, ms: int) -> SpeechMetadata:
    return SpeechMetadata(TurnMetadata(speech_id, ms, 10, 10))


def cut(speech_id: str, played: int) -> SpeechInterrupted:
    return SpeechInterrupted(played, TurnMetadata(speech_id, 0, 10, 10), "x", " y")


def speak(s: ClientSession[str], tag: str, text: str = "Hello.") -> None:
    s.sent(Speak(text), tag)


def test_one_turn_audio_is_attributed_between_started_and_metadata() -> None:
    s: ClientSession[str] = ClientSession()
    assert isinstance(s.received(Connected("rid", "alexis")), ConnectedReceived)
    assert s.state is ClientState.READY
    speak(s, "r1")
    speak(s, "r1", " More.")  # appends to the open turn
    assert isinstance(s.received(Audio(b"??")), StaleAudio)  # before SpeechStarted: no turn
    assert s.received(SpeechStarted(A)) == TurnStarted("r1", A)
    assert s.received(Audio(b"ab")) == AudioReceived(b"ab", "r1", A)
    s.sent(Flush())
    assert s.received(Flushed(A)) == FlushAcked("r1", A)
    assert s.received(Audio(b"cd")) == AudioReceived(b"cd", "r1", A)  # audio after Flushed
    completed = s.received(done(A, 900))
    assert isinstance(completed, TurnCompleted)
    assert completed.tag == "r1"
    assert isinstance(s.received(Audio(b"zz")), StaleAudio)  # no active turn any more
    assert s.clock_ms == 900


def test_sending_rules() -> None:
    s: ClientSession[str] = ClientSession()
    assert s.can_send(Speak("x"), "r1")  # before Connected is fine
    assert not s.can_send(Flush())  # no open turn: would get NO_ACTIVE_SPEECH
    speak(s, "r1")
    assert not s.can_send(Speak("x"), "r2")  # r1's turn is open: flush it first
    with pytest.raises(TransitionError):
        s.sent(Speak("x"), "r2")
    s.sent(Flush())
    assert not s.can_send(Flush())  # r1 is closed; nothing open
    assert s.can_send(Speak("x"), "r2")  # becomes a pending turn
    s.sent(Configure(1.1))
    s.sent(Close())
    assert s.state is ClientState.CLOSING
    for message in (Speak("x"), Flush(), Interrupt(), Configure(1.0), Close()):
        assert not s.can_send(message, "r3")
    s.closed()
    assert s.state is ClientState.CLOSED


def test_flushed_is_matched_by_speech_id_until_the_next_terminal_message() -> None:
    s: ClientSession[str] = ClientSession()
    speak(s, "r1")
    s.sent(Flush())
    speak(s, "r2")
    s.sent(Flush())
    s.received(SpeechStarted(A))
    assert isinstance(s.received(Flushed(B)), Ignored)  # B is not announced yet
    s.received(done(A, 100))
    assert s.received(Flushed(A)) == FlushAcked("r1", A)  # trailing, after SpeechMetadata
    assert isinstance(s.received(Flushed(A)), Ignored)  # a duplicate
    s.received(SpeechStarted(B))
    s.received(done(B, 100))
    assert isinstance(s.received(Flushed(A)), Ignored)
    speak(s, "r3")
    s.sent(Flush())
    s.received(SpeechStarted(C))
    s.received(done(C, 100))
    # B's late Flushed is accepted only until the next terminal message (C's) came.
    assert isinstance(s.received(Flushed(B)), Ignored)
    assert s.received(Flushed(C)) == FlushAcked("r3", C)


def test_turn_ids_and_metadata_must_match_the_active_turn() -> None:
    s: ClientSession[str] = ClientSession()
    assert isinstance(s.received(SpeechStarted(A)), Ignored)  # no turn of ours
    speak(s, "r1")
    s.received(SpeechStarted(A))
    assert isinstance(s.received(SpeechStarted(B)), Ignored)  # one active turn at a time
    assert isinstance(s.received(done(B, 5)), Ignored)
    assert isinstance(s.received(cut(B, 5)), Ignored)


def test_the_interrupt_fence_drops_in_flight_audio() -> None:
    s: ClientSession[str] = ClientSession()
    speak(s, "r1", "Sure, I can help you cancel your subscription.")
    s.received(SpeechStarted(A))
    s.received(Audio(b"x" * 48))
    s.sent(s.interrupt(554.4))
    assert s.fenced
    assert isinstance(s.received(Audio(b"late")), StaleAudio)  # flux §3.5 item 2
    result = s.received(cut(A, 554))
    assert isinstance(result, TurnInterrupted)
    assert result.tag == "r1"
    assert not s.fenced
    assert s.clock_ms == 554
    assert s.last_interrupt_ms == 554
    assert not s.can_send(Flush())  # the interrupted turn takes no more text


def test_playback_offsets_are_session_cumulative_and_strictly_increase() -> None:
    s: ClientSession[str] = ClientSession()
    speak(s, "r1")
    s.sent(Flush())
    s.received(SpeechStarted(A))
    assert s.playback_offset(120.7) == 120
    s.received(done(A, 1000))
    speak(s, "r2")
    s.received(SpeechStarted(B))
    assert s.interrupt(250) == Interrupt(1250)  # turn start 1000 + 250
    s.sent(Interrupt(1250))
    s.received(cut(B, 1250))
    speak(s, "r3")
    s.received(SpeechStarted(C))
    assert s.playback_offset(0) == 1251  # must advance past 1250
    assert s.playback_offset(10) == 1260
    assert s.interrupt(None) == Interrupt()


def test_an_interrupt_without_offset_sets_the_baseline() -> None:
    # "when the first interrupt had no offset, use the returned audio_played_ms" (flux §3.5).
    s: ClientSession[str] = ClientSession()
    speak(s, "r1")
    s.received(SpeechStarted(A))
    s.sent(Interrupt())
    s.received(cut(A, 2000))  # the server's own generated total
    speak(s, "r2")
    s.received(SpeechStarted(B))
    assert s.playback_offset(0) == 2001
    assert s.playback_offset(500) == 2500


def test_offsets_of_an_outstanding_interrupt_count_too() -> None:
    s: ClientSession[str] = ClientSession()
    speak(s, "r1")
    s.received(SpeechStarted(A))
    s.sent(Interrupt(700))
    assert s.playback_offset(100) == 701


@pytest.mark.parametrize(
    "code", ["NO_AUDIO_GENERATED", "INVALID_INTERRUPT_OFFSET", "NO_ACTIVE_SPEECH"]
)
def test_an_ignored_interrupt_lifts_the_fence_and_revives_the_turn(code: str) -> None:
    s: ClientSession[str] = ClientSession()
    speak(s, "r1")
    s.received(SpeechStarted(A))
    s.sent(Interrupt(10))
    assert s.fenced
    result = s.received(WarningMessage(code, "ignored"))
    assert result == InterruptRejected(WarningMessage(code, "ignored"), 10)
    assert not s.fenced
    assert s.received(Audio(b"ok")) == AudioReceived(b"ok", "r1", A)  # live again
    assert s.can_send(Flush())  # the unflushed turn is open again


def test_interrupt_in_progress_refuses_the_newest_interrupt_only() -> None:
    s: ClientSession[str] = ClientSession()
    speak(s, "r1")
    s.received(SpeechStarted(A))
    s.sent(Interrupt(100))
    s.sent(Interrupt(200))
    refused = s.received(WarningMessage("INTERRUPT_IN_PROGRESS", "busy"))
    assert isinstance(refused, InterruptRejected)
    assert refused.offset_ms == 200
    assert s.fenced  # the first one still stands
    assert isinstance(s.received(cut(A, 100)), TurnInterrupted)
    assert not s.fenced


def test_no_active_speech_without_an_interrupt_is_just_reported() -> None:
    s: ClientSession[str] = ClientSession()
    warning = WarningMessage("NO_ACTIVE_SPEECH", "x")
    assert s.received(warning) == ServerReported(warning)
    other = WarningMessage("SYNTHESIS_RETRYING", "x")
    assert s.received(other) == ServerReported(other)


def setup_pending(fate: PendingFate) -> ClientSession[str]:
    s: ClientSession[str] = ClientSession(ClientRules(pending_fate=fate, settle_s=0.5))
    speak(s, "r1")
    s.sent(Flush())
    speak(s, "r2")  # pending behind r1
    s.sent(Flush())
    s.received(SpeechStarted(A))
    s.sent(Interrupt(50))
    return s


def test_pending_turns_kept_by_the_server_start_abandoned() -> None:
    s = setup_pending(PendingFate.KEEP)
    s.received(cut(A, 50), now=1.0)
    assert s.received(SpeechStarted(B)) == TurnStarted("r2", B, abandoned=True)
    assert isinstance(s.received(Audio(b"x")), StaleAudio)
    assert s.can_send(Speak("new"), "r3")


def test_pending_turns_dropped_by_the_server_are_forgotten() -> None:
    s = setup_pending(PendingFate.DROP)
    s.received(cut(A, 50), now=1.0)
    assert not s.turns
    speak(s, "r3")
    assert s.received(SpeechStarted(C)) == TurnStarted("r3", C)


def test_unknown_fate_waits_for_a_speech_started_or_the_settle_window() -> None:
    s = setup_pending(PendingFate.UNKNOWN)
    s.received(cut(A, 50), now=1.0)
    assert not s.can_send(Speak("new"), "r3")  # would be confused with r2's turn
    assert s.next_deadline() == 1.5
    assert s.poll(1.4) == []
    assert s.poll(1.5) == [TurnsDropped(("r2",))]
    assert s.can_send(Speak("new"), "r3")
    kept = setup_pending(PendingFate.UNKNOWN)
    kept.received(cut(A, 50), now=1.0)
    assert kept.received(SpeechStarted(B)).abandoned  # type: ignore[union-attr]
    assert kept.next_deadline() is None
    assert kept.can_send(Speak("new"), "r3")


def test_configure_answers_and_session_level_messages() -> None:
    s: ClientSession[str] = ClientSession()
    assert isinstance(s.received(ConfigureSuccess(1.0)), Ignored)  # none outstanding
    s.sent(Configure(1.05))
    s.sent(Configure(3.5))
    assert s.received(ConfigureSuccess(1.05)) == ConfigureAcked(ConfigureSuccess(1.05))
    failure = ConfigureFailure("SPEED_OUT_OF_RANGE", "no", "speed", 3.5)
    assert s.received(failure) == ConfigureRejected(failure)
    error = ErrorMessage("NET-0004", "idle")
    assert s.received(error) == ServerReported(error)
    assert s.last_error == "NET-0004"
    totals = SessionMetadata(1, 2, 3)
    assert s.received(totals) == SessionEnded(totals)
    assert isinstance(s.received(UnknownMessage("New", {})), Ignored)
    assert isinstance(s.received(ProtocolViolation(ErrorCode.MESSAGE_0000, "bad")), Ignored)


def test_no_new_turn_while_an_interrupt_may_drop_or_keep_pending_turns() -> None:
    s = setup_pending(PendingFate.UNKNOWN)
    assert s.fate_pending
    assert not s.can_send(Speak("new"), "r3")  # before SpeechInterrupted too
    known = setup_pending(PendingFate.DROP)
    assert not known.fate_pending
    known.sent(Speak("new"), "r3")  # a new turn behind the abandoned ones
    known.received(cut(A, 50), now=1.0)
    assert [t.tag for t in known.turns] == ["r3"]
    assert known.received(SpeechStarted(C)) == TurnStarted("r3", C)
    single: ClientSession[str] = ClientSession()
    speak(single, "r1")
    single.received(SpeechStarted(A))
    single.sent(Interrupt(10))
    assert not single.fate_pending  # nothing pending behind the interrupted turn
    assert single.can_send(Speak("next"), "r2")

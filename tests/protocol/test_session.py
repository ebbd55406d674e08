"""Session rules: the server's effects and the client's ack matching and stale-audio fence."""

from __future__ import annotations

import json

import pytest

from deepgram_tts2.protocol.errors import CloseReason
from deepgram_tts2.protocol.state import (
    TransitionError,
)
from deepgram_tts2.protocol.v1.client_session import (
    AudioReceived,
    ClearAcked,
    ClientSession,
    ClientState,
    FlushAcked,
    FlushRefused,
    Ignored,
    MetadataReceived,
    ServerReported,
    StaleAudio,
)
from deepgram_tts2.protocol.v1.messages import (
    EXCESSIVE_FLUSH,
    Audio,
    Clear,
    Cleared,
    Close,
    ErrorMessage,
    Flush,
    Flushed,
    Metadata,
    Speak,
    UnknownMessage,
    WarningMessage,
    parse_server,
    serialize_client,
)
from deepgram_tts2.protocol.v1.server_session import (
    CancelSynthesis,
    CloseDrain,
    CloseSocket,
    SendControl,
    ServerRules,
    ServerSession,
    ServerState,
    Synthesize,
)


def speak(text: str) -> str:
    return serialize_client(Speak(text))


FLUSH = serialize_client(Flush())
CLEAR = serialize_client(Clear())
CLOSE = serialize_client(Close())


# -- server ---------------------------------------------------------------------------------


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
    ],
)
def test_violations_close_with_deepgrams_codes(frame: str | bytes, reason: CloseReason) -> None:
    server = ServerSession(ServerRules(), now=0)
    assert server.receive(frame, 0) == [CancelSynthesis(), CloseSocket(reason.close_code, reason)]
    assert server.state is ServerState.CLOSED
    assert server.receive(FLUSH, 0) == []


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


# -- client ---------------------------------------------------------------------------------


def test_client_matches_acks_and_audio_to_requests() -> None:
    session: ClientSession[str] = ClientSession()
    assert session.received(Metadata("rid")) == MetadataReceived(Metadata("rid"))
    assert session.state is ClientState.READY
    session.sent(Speak("a"), "r1")
    session.sent(Flush(), "r1")
    assert session.received(Audio(b"12")) == AudioReceived(b"12", "r1")
    assert session.received(Flushed(0)) == FlushAcked(0, "r1")
    session.sent(Flush(), "r2")
    assert session.received(Audio(b"34")) == AudioReceived(b"34", "r2")
    assert session.received(Flushed(1)) == FlushAcked(1, "r2")
    assert session.pending_flushes == 0


def test_audio_between_clear_and_cleared_is_stale_and_late_acks_ignored() -> None:
    session: ClientSession[str] = ClientSession()
    session.received(Metadata("rid"))
    session.sent(Speak("a"), "old")
    session.sent(Flush(), "old")
    session.sent(Clear(), "old")
    assert session.state is ClientState.CLEARING
    assert not session.can_send(Speak("x"))
    with pytest.raises(TransitionError):
        session.sent(Speak("x"), "new")
    assert session.received(Audio(b"zz")) == StaleAudio(b"zz")
    assert isinstance(session.received(Flushed(0)), Ignored)
    assert session.received(Cleared(0)) == ClearAcked(0)
    assert session.state is ClientState.READY
    session.sent(Flush(), "new")
    assert session.received(Audio(b"ok")) == AudioReceived(b"ok", "new")
    assert session.received(Flushed(1)) == FlushAcked(1, "new")


def test_late_flushed_after_cleared_does_not_end_the_next_request() -> None:
    session: ClientSession[str] = ClientSession()
    session.received(Metadata("rid"))
    session.sent(Flush(), "old")  # seq 0
    session.sent(Clear(), "old")
    session.received(Cleared(0))
    session.sent(Flush(), "new")  # seq 1
    assert isinstance(session.received(Flushed(0)), Ignored)
    assert session.received(Flushed(1)) == FlushAcked(1, "new")


def test_refused_flush_gives_its_sequence_id_back() -> None:
    session: ClientSession[str] = ClientSession()
    session.received(Metadata("rid"))
    session.sent(Flush(), "a")  # 0
    session.sent(Flush(), "a")  # refused
    assert session.received(EXCESSIVE_FLUSH) == FlushRefused("a", EXCESSIVE_FLUSH)
    session.sent(Flush(), "b")  # 1, not 2
    assert session.received(Flushed(0)) == FlushAcked(0, "a")
    assert session.received(Flushed(1)) == FlushAcked(1, "b")


def test_other_server_reports_and_unknowns() -> None:
    session: ClientSession[str] = ClientSession()
    warning = WarningMessage("OTHER", "m")
    assert session.received(warning) == ServerReported(warning)
    assert session.received(ErrorMessage("E", "m")) == ServerReported(ErrorMessage("E", "m"))
    unknown = parse_server(json.dumps({"type": "New"}))
    assert isinstance(unknown, UnknownMessage)
    assert isinstance(session.received(unknown), Ignored)
    assert isinstance(session.received(Flushed(7)), Ignored)


def test_nothing_may_be_sent_after_close() -> None:
    session: ClientSession[str] = ClientSession()
    session.sent(Close(), "x")
    assert not session.can_send(Flush())
    session.closed()
    assert session.state is ClientState.CLOSED
    assert session.received(Audio(b"x")) == StaleAudio(b"x")

"""Client session rules: ack matching and the stale-audio fence (server side:
tests/protocol/v1/test_server_session.py)."""

from __future__ import annotations

import json

import pytest

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


def speak(text: str) -> str:
    return serialize_client(Speak(text))


FLUSH = serialize_client(Flush())
CLEAR = serialize_client(Clear())
CLOSE = serialize_client(Close())


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

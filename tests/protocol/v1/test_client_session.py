"""The client's ack matching when a Clear may or may not take a sequence id (#10.4).

What ``Cleared.sequence_id`` counts is undocumented (aura §2.4.4). Under either reading, and with
late ``Flushed`` for cleared work arriving, the live flush is the one acknowledged and is never
dropped.
"""

from __future__ import annotations

import pytest

from deepgram_tts2.protocol.v1.client_session import (
    ClearAcked,
    ClientSession,
    FlushAcked,
    Ignored,
)
from deepgram_tts2.protocol.v1.messages import (
    Clear,
    Cleared,
    Flush,
    Flushed,
    Metadata,
    Speak,
)


def session() -> ClientSession[str]:
    s: ClientSession[str] = ClientSession()
    s.received(Metadata("req", "uuid", "aura-2-thalia-en", "2024", ()))
    return s


def interrupted(s: ClientSession[str], flushes: int) -> None:
    """Turn A sends ``flushes`` Flushes, then is interrupted (Clear -> Cleared)."""
    for _ in range(flushes):
        s.sent(Speak("text"), "A")
        s.sent(Flush(), "A")


@pytest.mark.parametrize("clear_takes_an_id", [False, True])
@pytest.mark.parametrize("late_acks", [False, True])
def test_the_next_turn_is_acknowledged_under_either_reading(
    clear_takes_an_id: bool, late_acks: bool
) -> None:
    s = session()
    interrupted(s, 3)  # ids 0, 1, 2
    assert isinstance(s.received(Flushed(0)), FlushAcked)  # the first was answered in time
    s.sent(Clear(), "A")
    assert isinstance(s.received(Cleared(3 if clear_takes_an_id else 2)), ClearAcked)
    if late_acks:  # a server that still answers cleared flushes after Cleared
        assert isinstance(s.received(Flushed(1)), Ignored)
        assert isinstance(s.received(Flushed(2)), Ignored)
    offset = 1 if clear_takes_an_id else 0
    for turn in ("B", "C"):
        s.sent(Speak("next"), turn)
        s.sent(Flush(), turn)
    first = s.received(Flushed(3 + offset))
    assert isinstance(first, FlushAcked)
    assert first.tag == "B"
    second = s.received(Flushed(4 + offset))
    assert isinstance(second, FlushAcked)
    assert second.tag == "C"
    assert s.pending_flushes == 0


def test_an_id_that_skips_ahead_acknowledges_the_live_flush_instead_of_dropping_it() -> None:
    """Before: "ignored Flushed 5 matches no pending flush" and the request hung (#10.4)."""
    s = session()
    interrupted(s, 1)
    s.sent(Clear(), "A")
    s.received(Cleared(1))
    s.sent(Speak("live"), "B")
    s.sent(Flush(), "B")
    acked = s.received(Flushed(5))  # whatever the server counted, this answers B's flush
    assert isinstance(acked, FlushAcked)
    assert acked.tag == "B"
    s.sent(Speak("more"), "B")
    s.sent(Flush(), "B")
    again = s.received(Flushed(6))  # the offset learned once holds
    assert isinstance(again, FlushAcked)


def test_a_late_ack_before_cleared_is_ignored_and_keeps_the_live_one() -> None:
    s = session()
    interrupted(s, 2)
    s.sent(Clear(), "A")
    assert isinstance(s.received(Flushed(0)), Ignored)  # answered before the server saw Clear
    assert isinstance(s.received(Cleared(1)), ClearAcked)
    s.sent(Speak("live"), "B")
    s.sent(Flush(), "B")
    acked = s.received(Flushed(2))
    assert isinstance(acked, FlushAcked)
    assert acked.tag == "B"


def test_audio_is_stale_only_between_clear_and_cleared() -> None:
    s = session()
    s.sent(Speak("a"), "A")
    s.sent(Flush(), "A")
    assert s.audio_owner() == (True, "A")
    s.sent(Clear(), "A")
    assert s.audio_owner() == (False, None)
    s.received(Cleared(0))
    assert s.audio_owner() == (True, None)

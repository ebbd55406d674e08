"""The listener's playout clock: underruns, stalls, arrival gaps; and the token schedule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepgram_tts2.loadtest.playout import (
    Playout,
    pcm_seconds,
    split_tokens,
    token_offsets,
)

FRAME = 0.04  # 40 ms of audio per chunk


def test_audio_that_arrives_ahead_of_its_time_never_underruns() -> None:
    clock = Playout()
    for i in range(50):
        clock.feed(i * FRAME / 4, FRAME)  # a server at 4x real time
    assert clock.underruns == 0
    assert clock.stall_s == 0
    assert clock.max_late_s == 0
    assert clock.audio_s == pytest.approx(50 * FRAME)
    assert clock.ends_at == pytest.approx(clock.tolerance_s + 50 * FRAME)


def test_a_chunk_up_to_40_ms_late_is_absorbed_by_the_allowance() -> None:
    clock = Playout()
    clock.feed(0.0, FRAME)
    clock.feed(FRAME + 0.039, FRAME)  # 39 ms after the first chunk's audio ran out
    assert clock.underruns == 0
    assert clock.max_late_s == pytest.approx(0.039)


def test_a_chunk_more_than_40_ms_late_is_one_underrun_and_the_player_rebuffers() -> None:
    clock = Playout()
    clock.feed(0.0, FRAME)
    clock.feed(FRAME + 0.5, FRAME)  # half a second of silence mid-stream
    assert clock.underruns == 1
    # Due at 40 ms + 40 ms allowance; the player resumes 40 ms after the chunk came.
    assert clock.stall_s == pytest.approx(0.5 + 0.04 - 0.04)
    assert clock.ends_at == pytest.approx(FRAME + 0.5 + 0.04 + FRAME)
    clock.feed(FRAME + 0.5 + 0.01, FRAME)  # the next one is on time again
    assert clock.underruns == 1


def test_arrival_gaps_are_reported_apart_from_underruns() -> None:
    clock = Playout()
    clock.feed(0.0, 1.0)  # one second of audio in one chunk
    clock.feed(0.6, FRAME)  # a 600 ms gap, well within the buffered second
    assert clock.max_gap_s == pytest.approx(0.6)
    assert clock.underruns == 0
    assert clock.summary()["max_gap_ms"] == 600.0


def test_bytes_are_linear16_mono_at_24_khz_by_default() -> None:
    assert pcm_seconds(48000) == 1.0
    clock = Playout()
    clock.feed_bytes(0.0, 1920)
    assert clock.audio_s == pytest.approx(0.04)


def test_a_negative_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        Playout().feed(0.0, -1.0)


@given(st.lists(st.floats(0, 0.2), min_size=1, max_size=40))
def test_stalls_add_up_to_the_shift_of_the_clock(delays: list[float]) -> None:
    clock = Playout()
    now = 0.0
    for delay in delays:
        now += delay
        clock.feed(now, FRAME)
    assert clock.ends_at is not None
    # Without stalls the audio would end at first + allowance + audio; every stall moves it.
    expected = clock.tolerance_s + len(delays) * FRAME + clock.stall_s + delays[0]
    assert clock.ends_at == pytest.approx(expected)
    assert clock.underruns <= len(delays) - 1


def test_tokens_are_due_on_a_fixed_schedule() -> None:
    assert token_offsets(4, 2.0) == [0.0, 0.5, 1.0, 1.5]
    assert token_offsets(3, 0) == [0.0, 0.0, 0.0]


def test_tokens_keep_their_leading_spaces() -> None:
    assert split_tokens("Hello there, you.") == ["Hello", " there,", " you."]
    assert "".join(split_tokens("a  b")) == "a  b"

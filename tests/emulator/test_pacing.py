"""The pacing model (a pure schedule, driven by a fake clock) and the byte-bounded render cache."""

from __future__ import annotations

import itertools

import pytest

from deepgram_tts2.emulator.config import Pacing
from deepgram_tts2.emulator.pacing import FlushTiming, StreamSchedule
from deepgram_tts2.emulator.render_cache import RenderCache

REALTIME = Pacing(first_audio_ms=200, per_char_ms=0.4, chunk_ms=40, realtime_factor=1.0)


def frame_times(timing: FlushTiming, audio_ms: float, chunk_ms: float) -> list[float]:
    """Due times of every frame of one flush, as the emulator's streamer computes them."""
    offsets = [i * chunk_ms for i in range(int(audio_ms // chunk_ms))]
    return [timing.frame_due(offset) for offset in offsets]


def test_consecutive_flushes_sent_together_play_without_a_gap_at_realtime() -> None:
    schedule = StreamSchedule(REALTIME, now=0.0)
    first = schedule.plan(received_at=0.0, chars=100, audio_ms=2000)
    second = schedule.plan(received_at=0.0, chars=100, audio_ms=2000)
    times = frame_times(first, 2000, 40) + frame_times(second, 2000, 40)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert max(gaps) == pytest.approx(0.040)  # one chunk, never more
    assert first.start == pytest.approx(0.2 + 0.04)  # first-audio delay: 200 ms + 100 * 0.4 ms
    assert second.start == pytest.approx(first.end)  # its delay was hidden by the playout


def test_a_flush_after_the_stream_went_idle_waits_its_own_first_audio_delay() -> None:
    schedule = StreamSchedule(REALTIME, now=0.0)
    first = schedule.plan(received_at=0.0, chars=0, audio_ms=500)
    late = schedule.plan(received_at=5.0, chars=0, audio_ms=500)
    assert first.start == pytest.approx(0.2)
    assert late.start == pytest.approx(5.2)
    assert late.ack_at == pytest.approx(5.7)


def test_frames_are_paced_at_the_realtime_factor_and_acked_after_playout() -> None:
    pacing = Pacing(first_audio_ms=100, per_char_ms=0, chunk_ms=40, realtime_factor=4.0)
    timing = StreamSchedule(pacing, now=10.0).plan(received_at=10.0, chars=5, audio_ms=1000)
    assert timing.frame_due(0) == pytest.approx(10.1)
    assert timing.frame_due(400) == pytest.approx(10.2)
    assert timing.end == pytest.approx(10.35)
    assert timing.ack_at == timing.end


def test_factor_zero_sends_everything_at_once() -> None:
    pacing = Pacing(first_audio_ms=0, per_char_ms=0, realtime_factor=0)
    timing = StreamSchedule(pacing, now=0.0).plan(received_at=1.0, chars=1, audio_ms=9000)
    assert timing.frame_due(0) == timing.frame_due(8960) == timing.end == 1.0


def test_a_delayed_flushed_holds_the_next_flush_in_stream_order() -> None:
    schedule = StreamSchedule(REALTIME, flushed_delay_ms=300, now=0.0)
    first = schedule.plan(received_at=0.0, chars=0, audio_ms=1000)
    second = schedule.plan(received_at=0.0, chars=0, audio_ms=1000)
    assert first.ack_at == pytest.approx(first.end + 0.3)
    assert second.start == pytest.approx(first.ack_at)


def test_text_synthesised_ahead_has_no_ack_and_an_empty_flush_no_delay() -> None:
    schedule = StreamSchedule(REALTIME, now=0.0)
    ahead = schedule.plan(received_at=0.0, chars=50, audio_ms=1000, acked=False)
    empty = schedule.plan(received_at=0.1, chars=0, audio_ms=0)
    assert ahead.ack_at is None
    assert empty.start == empty.end == empty.ack_at == pytest.approx(ahead.end)


def test_a_slow_render_moves_the_start_and_clear_frees_the_stream() -> None:
    schedule = StreamSchedule(REALTIME, now=0.0)
    slow = schedule.plan(received_at=0.0, chars=0, audio_ms=1000, rendered_at=0.7)
    assert slow.start == pytest.approx(0.7)
    schedule.reset(now=1.0)
    assert schedule.free_at == 1.0
    after = schedule.plan(received_at=1.0, chars=0, audio_ms=1000)
    assert after.start == pytest.approx(1.2)


# -- render cache -----------------------------------------------------------------------------


def test_render_cache_never_holds_more_than_its_bound() -> None:
    cache = RenderCache(max_bytes=10_000)
    for i in range(500):
        cache.put(("text", i), bytes(1000 + (i * 37) % 3000))
        assert cache.held_bytes <= 10_000
    assert 0 < len(cache) < 500


def test_render_cache_evicts_the_least_recently_used_and_skips_oversized() -> None:
    cache = RenderCache(max_bytes=3)
    cache.put("a", b"1")
    cache.put("b", b"2")
    assert cache.get("a") == b"1"  # "a" is now the most recent
    cache.put("c", b"33")
    assert cache.get("b") is None
    assert cache.get("a") == b"1"
    cache.put("huge", b"4444")
    assert cache.get("huge") is None
    assert cache.held_bytes == 3
    calls: list[int] = []
    assert cache.get_or_render("a", lambda: calls.append(1) or b"x") == b"1"
    assert calls == []
    zero = RenderCache(max_bytes=0)
    zero.put("a", b"1")
    assert len(zero) == 0

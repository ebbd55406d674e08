"""Segmentation: Speak size limit, sentence flushes, first phrase, flush budget."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepgram_tts2.protocol.v1.limits import SlidingWindow
from deepgram_tts2.protocol.v1.segmenter import (
    FlushPoint,
    SegmentAction,
    Segmenter,
    SegmenterPolicy,
    SpeakText,
    sentence_cuts,
    split_for_speak,
)


def _speak_text(actions: list[SegmentAction]) -> str:
    return "".join(a.text for a in actions if isinstance(a, SpeakText))


def _flush_reasons(actions: list[SegmentAction]) -> list[str]:
    return [a.reason for a in actions if isinstance(a, FlushPoint)]


def test_sentence_cuts_skip_numbers_and_abbreviations() -> None:
    text = "Dr. Smith paid 3.14 dollars. Then he left! Really? J. R. R. Tolkien wrote."
    cuts = sentence_cuts(text)
    assert [text[:c].rsplit(" ", 1)[-1] for c in cuts] == ["dollars.", "left!", "Really?"]


def test_cjk_full_stop_needs_no_space() -> None:
    assert sentence_cuts("你好。今天好吗？") == [3, 8]


def test_first_phrase_flushes_early_at_a_clause() -> None:
    seg = Segmenter()
    actions = seg.push("Well, thinking about it carefully, the answer is", 20)
    assert _flush_reasons(actions) == ["first_phrase"]
    assert actions[0] == SpeakText("Well, thinking about it carefully,")
    assert _speak_text(actions) == "Well, thinking about it carefully, the answer is"


def test_boundary_across_chunks_waits_for_the_next_character() -> None:
    seg = Segmenter()
    assert seg.push("Hello there friend", 20) == [SpeakText("Hello there friend")]
    assert seg.push(".", 20) == [SpeakText(".")]  # could be 3.14: not yet a boundary
    assert seg.push(" Next", 20) == [FlushPoint("first_phrase"), SpeakText(" Next")]
    assert seg.push(" one. And", 20) == [
        SpeakText(" one."),
        FlushPoint("sentence"),
        SpeakText(" And"),
    ]
    assert seg.end() == [FlushPoint("end")]
    assert seg.end() == []


def test_whitespace_only_chunks_are_held_not_lost() -> None:
    seg = Segmenter()
    out = seg.push("Hello", 20) + seg.push(" ", 20) + seg.push("world", 20)
    assert _speak_text(out) == "Hello world"
    assert seg.push("  ", 20) == []
    assert seg.end() == [FlushPoint("end")]


def test_empty_request_needs_no_flush() -> None:
    seg = Segmenter()
    assert seg.push("", 20) == []
    assert seg.end() == []
    with pytest.raises(RuntimeError, match="after end"):
        seg.push("x", 20)


def test_low_budget_coalesces_and_reserve_defers_to_end() -> None:
    text = "One. Two. Three. Four. "
    low = Segmenter(SegmenterPolicy(low_water=8, reserve=2, coalesce_chars=10))
    assert _flush_reasons(low.push(text, 5)) == ["first_phrase", "sentence"]
    starving = Segmenter()
    assert _flush_reasons(starving.push(text, 2)) == []
    assert starving.end() == [FlushPoint("end")]


def test_a_text_known_whole_flushes_its_first_phrase_then_coalesces() -> None:
    reply = "Thanks. I found the order. It shipped this morning and should arrive on Thursday."
    streamed = Segmenter()
    assert _flush_reasons(streamed.push(reply, 20)) == ["first_phrase", "sentence"]
    whole = Segmenter()
    actions = whole.push(reply, 20, last=True)
    assert _flush_reasons(actions) == ["first_phrase"]  # the rest waits for end()
    assert actions[:2] == [SpeakText("Thanks."), FlushPoint("first_phrase")]
    assert _speak_text(actions) == reply
    assert whole.end() == [FlushPoint("end")]


def test_a_long_text_known_whole_still_flushes_every_coalesce_chars() -> None:
    sentence = "This sentence has exactly some words in it. "  # 44 characters
    seg = Segmenter(SegmenterPolicy(coalesce_chars=200))
    actions = seg.push(sentence * 20, 20, last=True)
    assert _speak_text(actions) == sentence * 20
    reasons = _flush_reasons(actions)
    assert reasons[0] == "first_phrase"
    assert set(reasons[1:]) == {"sentence"}
    # a Flush at the first sentence end at or after 200 unflushed characters (5 sentences)
    speaks = [a for a in actions if isinstance(a, SpeakText)]
    assert [len(s.text) for s in speaks[1:4]] == [5 * 44] * 3
    assert len(reasons) == 1 + (19 * 44 - 1) // (5 * 44)


def test_long_text_is_split_under_the_speak_limit() -> None:
    sentence = "This sentence has exactly some words in it. "
    text = sentence * 100
    pieces = split_for_speak(text, 2000)
    assert "".join(pieces) == text
    assert all(len(p) <= 2000 for p in pieces)
    assert all(p.endswith(". ") or p.endswith(".") for p in pieces[:-1])
    assert split_for_speak("x" * 4500, 2000) == ["x" * 2000, "x" * 2000, "x" * 500]


def test_policy_validation() -> None:
    with pytest.raises(ValueError, match="max_speak_chars"):
        SegmenterPolicy(max_speak_chars=2001)
    with pytest.raises(ValueError, match="reserve"):
        SegmenterPolicy(reserve=0)


chunks = st.lists(
    st.text(alphabet=st.sampled_from(list("abc xyz.,!?;:\n0123'\"é。")), max_size=60),
    max_size=40,
)


@given(chunks, st.integers(min_value=1, max_value=200))
def test_text_is_never_lost_reordered_or_oversized(parts: list[str], limit: int) -> None:
    seg = Segmenter(SegmenterPolicy(max_speak_chars=limit))
    actions: list[SegmentAction] = []
    for part in parts:
        actions += seg.push(part, 20)
    actions += seg.end()
    # Only trailing whitespace may be held back (and dropped at end()); the rest is sent as is.
    joined, sent = "".join(parts), _speak_text(actions)
    assert joined.startswith(sent)
    assert not joined[len(sent) :].strip()
    assert all(0 < len(a.text) <= limit for a in actions if isinstance(a, SpeakText))
    assert not any(
        isinstance(a, FlushPoint) and isinstance(b, FlushPoint)
        for a, b in itertools.pairwise(actions)
    )
    if _speak_text(actions):
        assert isinstance(actions[-1], FlushPoint)


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Yes. ", "No! ", "Maybe, maybe not. ", "word ", "Hmm? ", "ok"]),
            st.floats(min_value=0, max_value=3),
        ),
        min_size=1,
        max_size=300,
    )
)
def test_a_long_conversation_never_exceeds_the_flush_budget(
    steps: list[tuple[str, float]],
) -> None:
    budget = SlidingWindow(limit=20, window_s=60)
    now = 0.0
    seg = Segmenter()
    turns = 0
    for text, delta in steps:
        now += delta
        for action in seg.push(text, budget.remaining(now)):
            if isinstance(action, FlushPoint):
                assert budget.fits(1, now)
                budget.take(1, now)
        if delta > 2.5:  # end of a turn: the client waits for budget if it must
            for _ in seg.end():
                now = budget.available_at(1, now)
                budget.take(1, now)
            seg = Segmenter()
            turns += 1
        assert budget.used(now) <= 20


def test_no_flush_for_a_blank_buffer() -> None:
    """A token ending in a space after a sentence must not cost a Flush of spaces (#10.3)."""
    seg = Segmenter()
    actions = seg.push("Hello there. ", 20) + seg.push(" ", 20) + seg.end()
    flushes = [a for a in actions if isinstance(a, FlushPoint)]
    assert len(flushes) == 1
    assert _speak_text(actions) == "Hello there."
    assert isinstance(actions[-1], FlushPoint)


def test_held_space_is_sent_before_the_next_text() -> None:
    seg = Segmenter()
    actions = seg.push("Hello there. ", 20) + seg.push("How are you?", 20) + seg.end()
    assert _speak_text(actions) == "Hello there. How are you?"

"""Text handling: segmentation, inline controls, counting, and the spoken/remaining split."""

from __future__ import annotations

import pytest

from deepgram_tts2.protocol.v2.alignment import RenderedSpan, split_spoken, word_end_ms
from deepgram_tts2.protocol.v2.codes import WarningCode
from deepgram_tts2.protocol.v2.controls import (
    CharUnit,
    count_chars,
    has_pronunciation,
    is_synthesizable,
    scan_controls,
)
from deepgram_tts2.protocol.v2.segments import next_segment_end

CAPTURE = (
    "Sure, I can help you cancel your subscription. Let me pull up your account and check on "
    "that for you right away."
)


def test_segments_cut_at_sentence_and_clause_boundaries_not_commas() -> None:
    end = next_segment_end(CAPTURE, 0)
    assert CAPTURE[:end] == "Sure, I can help you cancel your subscription."
    assert len(CAPTURE[:end]) == 46  # the 46 billable characters of the GA capture
    assert next_segment_end(CAPTURE, end) is None  # "...right away." has nothing after it
    assert next_segment_end("Wait; then", 0) == 5
    assert next_segment_end("Line one\nline", 0) == 9
    assert next_segment_end("a — b", 0) == 3
    assert next_segment_end("Pi is 3.14 roughly", 0) is None
    assert next_segment_end("Hello.", 0) is None  # no space yet: could be "Hello.com"


def test_long_text_without_boundaries_is_cut_at_whitespace() -> None:
    text = "word " * 100
    end = next_segment_end(text, 0, max_chars=50)
    assert end is not None
    assert end <= 50
    assert text[end - 1] == " "


def test_no_boundary_inside_a_streaming_inline_control() -> None:
    text = 'Say {"word": "Dr. Who", "pron'
    assert next_segment_end(text, 0) is None
    done = text + 'ounce": "x"}. Next'
    assert next_segment_end(done, 0) == len(text) + 13


def test_controls_are_found_cleaned_and_checked() -> None:
    scan = scan_controls('Say {"word": "tomato", "pronounce": "təˈmɑːtoʊ"} now.')
    assert scan.cleaned == "Say tomato now."
    assert scan.pronunciations == 1
    assert scan.warnings == ()
    assert scan.malformed is None
    escaped = scan_controls('A \\{"word": "x", "pronounce": "ks"\\} b')
    assert escaped.cleaned == "A x b"
    assert scan_controls("wait {pause:500ms} go").pauses == 1
    assert scan_controls('bad {"word": 1}').malformed is not None
    assert scan_controls('bad {"word": "x"').malformed is not None
    long_ipa = scan_controls('{"word": "a", "pronounce": "' + "a" * 20 + '"}')
    assert long_ipa.warnings == (WarningCode.PRONUNCIATION_TOO_LONG,)
    odd_ipa = scan_controls('{"word": "a", "pronounce": "a1"}')
    assert odd_ipa.warnings == (WarningCode.PRONUNCIATION_WARNINGS,)
    assert has_pronunciation('x {"word"')
    assert not has_pronunciation("plain")


def test_character_units_and_synthesizable_text() -> None:
    text = "né 👋"
    assert count_chars(text) == 4
    assert count_chars(text, CharUnit.UTF16) == 5
    assert count_chars(text, CharUnit.BYTES) == 8
    assert not is_synthesizable(" ... !? ")
    assert is_synthesizable(" a ")


def test_the_capture_split_keeps_the_space_at_the_head_of_the_remainder() -> None:
    # 46 characters rendered into ~2000 ms; "Sure," ends after 5 of 46 characters.
    first = len("Sure, I can help you cancel your subscription.")
    timeline = [RenderedSpan(0, first, 0.0, 46 * 50.0)]
    split = split_spoken(CAPTURE, timeline, 300.0)
    assert split.spoken == "Sure,"
    assert split.remaining.startswith(" I can help")
    assert split.spoken + split.remaining == CAPTURE


@pytest.mark.parametrize("played", [0.0, 1.0, 249.0, 250.0, 551.0, 1000.0, 2300.0, 10_000.0])
def test_concatenation_reproduces_the_text_and_the_cut_is_at_a_word_end(played: float) -> None:
    first = len("Sure, I can help you cancel your subscription.")
    timeline = [
        RenderedSpan(0, first, 0.0, first * 50.0),
        RenderedSpan(first, len(CAPTURE), first * 50.0, 10.0),
    ]
    split = split_spoken(CAPTURE, timeline, played)
    assert split.spoken + split.remaining == CAPTURE
    assert not split.spoken[-1:].isspace()
    assert split.remaining == "" or split.remaining[0].isspace() or split.spoken == ""


def test_word_times_spread_evenly_over_a_segments_non_blank_characters() -> None:
    text = "  ab cd  "
    span = RenderedSpan(0, len(text), 100.0, 500.0)  # "ab cd" = 5 characters
    assert word_end_ms(text, span, 4) == pytest.approx(100.0 + 200.0)
    assert word_end_ms(text, span, 7) == pytest.approx(600.0)
    assert split_spoken(text, [span], 299.0).spoken == ""
    assert split_spoken(text, [span], 300.0).spoken == "  ab"
    assert split_spoken(text, [span], 600.0).remaining == "  "


def test_words_never_rendered_are_never_spoken() -> None:
    text = "One two. Three four."
    timeline = [RenderedSpan(0, 8, 0.0, 400.0)]  # only "One two." reached synthesis
    split = split_spoken(text, timeline, 99_999.0)
    assert split.spoken == "One two."
    assert split.remaining == " Three four."
    assert split_spoken(text, [], 99_999.0).spoken == ""

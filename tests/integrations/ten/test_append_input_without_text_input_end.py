"""Guarder test_append_input_without_text_input_end.py: audio without the end flag, then quiet."""

from __future__ import annotations

import time

from tests.integrations.ten.conftest import TesterFactory

SESSION = "test_append_input_without_text_input_end_session_123"
R1 = [
    "This is the first text input message for the first request. Make it very very "
    "loooooog in order to make some vendor to emit audio immediately.",
    "This is the second text input message for the first request. Also make this very very "
    "looooong in order to make some vendor to emit audio immediately.",
    "",
]
R2 = ["And this is the third text input message.", ","]


async def test_append_input_without_text_input_end(tester_factory: TesterFactory) -> None:
    tester = await tester_factory("property_dump.json")
    meta1 = {"session_id": SESSION, "turn_id": 1}
    meta2 = {"session_id": SESSION, "turn_id": 2}
    for text in R1:
        tester.send_text("test_append_input_request_id_1", text, False, meta1)
    for text in R2:
        tester.send_text("test_append_input_request_id_2", text, False, meta2)
    await tester.wait_for(lambda t: bool(t.frames()), within_s=30)
    # The guarder's watchdog: 5 s without a new frame while exactly one start was seen -> pass.
    while True:
        last = tester.frames()[-1].at
        later = await tester.quiet(1.0)
        if not any(e.kind == "audio" for e in later) and time.monotonic() - last >= 5:
            break
        assert time.monotonic() - tester.frames()[0].at < 60, "audio never went quiet"
    starts = tester.data("tts_audio_start")
    assert len(starts) == 1
    assert starts[0]["metadata"] == meta1  # exact equality in this guarder test
    assert tester.errors() == []

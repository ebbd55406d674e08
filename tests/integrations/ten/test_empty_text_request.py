"""Guarder test_empty_text_request.py: blank final chunks end within 500 ms, no error."""

from __future__ import annotations

import time

from tests.integrations.ten.conftest import TesterFactory


async def test_empty_text_request(tester_factory: TesterFactory) -> None:
    tester = await tester_factory("property_basic_audio_setting1.json")
    metadata = {"session_id": "test_empty_text_session", "turn_id": 1}
    for text in ("", " ", ""):
        await tester.send_text("999", text, True, metadata)
    sent_at = time.monotonic()
    await tester.wait_for(lambda t: bool(t.ends()), within_s=5)
    end_event = next(e for e in tester.events if e.name == "tts_audio_end")
    assert end_event.at - sent_at <= 0.5
    end = tester.ends()[0]
    assert end["request_id"] == "999"
    assert end["metadata"] == metadata
    assert tester.errors() == []
    # The duplicates for the finished id must not pin the queue: a next request still runs.
    tester.send_text("1000", "Next one.", True, metadata)
    await tester.wait_for(lambda t: t.ended("1000"), within_s=10)

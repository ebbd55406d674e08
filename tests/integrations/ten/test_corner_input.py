"""Guarder test_corner_input.py (and test_metrics.py): a metrics message before tts_audio_end."""

from __future__ import annotations

from tests.integrations.ten.conftest import TesterFactory
from tests.integrations.ten.harness import HELLO, check_requests


async def _metrics_before_end(tester_factory: TesterFactory, rid: str, session: str) -> None:
    tester = await tester_factory("property_basic_audio_setting1.json")
    metadata = {"session_id": session, "turn_id": 1}
    tester.send_text(rid, HELLO, True, metadata)
    await tester.wait_for(lambda t: t.ended(rid), within_s=180)
    names = [e.name for e in tester.events if e.kind == "data"]
    assert "metrics" in names[: names.index("tts_audio_end")]
    ttfb = [m for m in tester.data("metrics") if "ttfb" in m["metrics"]]
    assert ttfb
    assert ttfb[0]["metrics"]["ttfb"] >= 0
    assert ttfb[0]["vendor"] == "deepgram"
    assert tester.errors() == []
    check_requests(tester, [(rid, metadata)])


async def test_corner_input(tester_factory: TesterFactory) -> None:
    await _metrics_before_end(
        tester_factory, "test_corner_input_request_id_1", "test_corner_input_session_123"
    )

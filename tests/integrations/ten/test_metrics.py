"""Guarder test_metrics.py: identical to corner_input (metrics before the end), plus usage."""

from __future__ import annotations

from tests.integrations.ten.conftest import TesterFactory
from tests.integrations.ten.test_corner_input import _metrics_before_end


async def test_metrics(tester_factory: TesterFactory) -> None:
    await _metrics_before_end(tester_factory, "test_metric_request_id_1", "test_metric_session_123")


async def test_usage_metrics_follow_each_request(tester_factory: TesterFactory) -> None:
    tester = await tester_factory("property_basic_audio_setting1.json")
    tester.send_text("u1", "Count these characters.", True, {"session_id": "s", "turn_id": 1})
    await tester.wait_for(lambda t: t.ended("u1"), within_s=30)
    usage = [m["metrics"] for m in tester.data("metrics") if "output_characters" in m["metrics"]]
    assert usage[-1]["output_characters"] == len("Count these characters.")
    end = tester.ends()[0]
    assert abs(usage[-1]["recv_audio_duration"] - end["request_total_audio_duration_ms"]) <= 1

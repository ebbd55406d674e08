"""Guarder ``test_metrics.py`` (as corner_input: metrics before the end), plus the upstream
extension's metrics test (a TTFB ``metrics`` message with the vendor) and usage metrics."""

from __future__ import annotations

from ten_runtime import AsyncTenEnvTester

from .support import BOTH_APIS, Received, RecordingTester, load_config, run_tester, text_input
from .test_corner_input import metrics_before_end


@BOTH_APIS
def test_metrics(flavour: str) -> None:
    tester = metrics_before_end("test_metric_request_id_1", "test_metric_session_123", flavour)
    ttfb = [m for m in tester.data("metrics") if "ttfb" in m["metrics"]]
    assert len(ttfb) == 1
    assert ttfb[0]["metrics"]["ttfb"] >= 0
    assert ttfb[0]["vendor"] == "deepgram"
    assert ttfb[0]["module"] == "tts"
    assert ttfb[0]["metadata"]["session_id"] == "test_metric_session_123"


class UsageTester(RecordingTester):
    async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
        meta = {"session_id": "s", "turn_id": 1}
        await ten_env.send_data(text_input("u1", "Count these characters.", True, meta))

    async def on_message(self, ten_env: AsyncTenEnvTester, message: Received) -> None:
        usage = message.name == "metrics" and "output_characters" in message.payload["metrics"]
        if usage and self.ends() and not self.stopping:
            self.succeed(ten_env)


def test_usage_metrics_follow_each_request() -> None:
    tester = UsageTester()
    run_tester(tester, load_config("property_basic_audio_setting1.json"))
    names = [m.name for m in tester.received if m.kind == "data"]
    end_at = names.index("tts_audio_end")
    usage = [
        m.payload["metrics"]
        for m in tester.received[end_at:]
        if m.name == "metrics" and "output_characters" in m.payload["metrics"]
    ]
    assert usage[0]["output_characters"] == len("Count these characters.")
    reported = tester.ends()[0]["request_total_audio_duration_ms"]
    assert abs(usage[0]["recv_audio_duration"] - reported) <= 1

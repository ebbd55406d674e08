"""Guarder ``test_corner_input.py``: at ``tts_audio_end`` a ``metrics`` message already came."""

from __future__ import annotations

from ten_runtime import AsyncTenEnvTester

from .support import AURA, BOTH_APIS, HELLO, SequenceTester, load_config, run_tester, text_input


class MetricsBeforeEndTester(SequenceTester):
    def __init__(self, request_id: str, session_id: str) -> None:
        self.request_id = request_id
        super().__init__({request_id: {"session_id": session_id, "turn_id": 1}})

    async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
        meta = self.metadata[self.request_id]
        await ten_env.send_data(text_input(self.request_id, HELLO, True, meta))

    async def on_end_of(self, ten_env: AsyncTenEnvTester, request_id: str) -> None:
        if self.data("metrics"):
            self.succeed(ten_env)
        else:
            self.fail(ten_env, "tts_audio_end arrived before any metrics message")


def metrics_before_end(
    request_id: str, session_id: str, flavour: str = AURA
) -> MetricsBeforeEndTester:
    tester = MetricsBeforeEndTester(request_id, session_id)
    run_tester(tester, load_config("property_basic_audio_setting1.json", flavour))
    return tester


@BOTH_APIS
def test_corner_input(flavour: str) -> None:
    metrics_before_end("test_corner_input_request_id_1", "test_corner_input_session_123", flavour)

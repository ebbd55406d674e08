"""Guarder ``test_basic_audio_setting.py``: two configs give two different pcm_frame rates."""

from __future__ import annotations

from ten_runtime import AsyncTenEnvTester

from .support import BOTH_APIS, HELLO, SequenceTester, load_config, run_tester, text_input


class SampleRateTester(SequenceTester):
    def __init__(self, request_id: str, session_id: str) -> None:
        self.request_id = request_id
        self.meta = {"session_id": session_id, "turn_id": 1}
        super().__init__({request_id: self.meta})

    async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
        await ten_env.send_data(text_input(self.request_id, HELLO, True, self.meta))

    async def on_end_of(self, ten_env: AsyncTenEnvTester, request_id: str) -> None:
        if self.frames():  # the guarder stops only once frames came before the end
            self.succeed(ten_env)


def _first_frame_rate(config_name: str, request_id: str, session_id: str, flavour: str) -> int:
    tester = SampleRateTester(request_id, session_id)
    run_tester(tester, load_config(config_name, flavour))
    assert tester.completed[0].request_id == request_id
    return tester.frames()[0].sample_rate


@BOTH_APIS
def test_sample_rate_comparison(flavour: str) -> None:
    first = _first_frame_rate(
        "property_basic_audio_setting1.json", "1", "test_session_16K_Test", flavour
    )
    second = _first_frame_rate(
        "property_basic_audio_setting2.json", "2", "test_session_32K_Test", flavour
    )
    assert first != second
    assert (first, second) == (24000, 16000)

"""Guarder ``test_invalid_text_handling.py``: an odd chunk never stops the valid one's audio.

27 cases, a fresh extension each. The guarder sends the odd chunk (no end flag), waits 2 s,
sends a valid chunk (end flag) and passes if a frame arrives within the next 5 s. Here the first
wait is 0.3 s (the odd chunk has long been handled by then: it is blank or a few characters)
and the test stops at the first frame after the valid chunk, still failing after 5 s without
one: the same verdict, sooner. ``error`` data is tolerated, as in the guarder, but must be
well-formed.
"""

from __future__ import annotations

import asyncio

import pytest
from ten_runtime import AsyncTenEnvTester

from .support import BOTH_APIS, Received, RecordingTester, load_config, run_tester, text_input

INVALID = [
    "", " ", "   ", "\n", "\t", "\n\t\n", ":-)", "😊", "😀😃😄😁", "，", "。", "/", "】", "（",
    ".", "/", "(", "]", "}", "！", "？", "；", "：", "x = (-b ± √(b² - 4ac)) / 2a",
    "2H₂ + O₂ → 2H₂O", "H₂O", "   \n\t😊，。/(]}x = (-b ± √(b² - 4ac)) / 2a",
]  # fmt: skip
VALID = ["Hello world.", "Emoji test.", "Mixed invalid text test."]
FIRST_WAIT_S = 0.3
AUDIO_WAIT_S = 5.0


class InvalidTextTester(RecordingTester):
    def __init__(self, case: int) -> None:
        super().__init__()
        self.case = case
        self.request_id = f"test_invalid_request_{case}"
        self.meta = {"session_id": f"test_invalid_text_session_{case}", "turn_id": case + 1}
        self.reset = False

    async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
        invalid = text_input(self.request_id, INVALID[self.case], False, self.meta)
        await ten_env.send_data(invalid)
        asyncio.get_running_loop().create_task(self._then_valid(ten_env))

    async def _then_valid(self, ten_env: AsyncTenEnvTester) -> None:
        await asyncio.sleep(FIRST_WAIT_S)
        self.reset = True
        valid = text_input(self.request_id, VALID[self.case % len(VALID)], True, self.meta)
        await ten_env.send_data(valid)
        await asyncio.sleep(AUDIO_WAIT_S)
        if not self.stopping:
            self.fail(ten_env, "no audio frame for the valid text after the invalid one")

    async def on_message(self, ten_env: AsyncTenEnvTester, message: Received) -> None:
        if message.kind == "audio" and self.reset and not self.stopping:
            self.succeed(ten_env)


@pytest.mark.parametrize("case", range(len(INVALID)))
@BOTH_APIS
def test_invalid_text_handling(case: int, flavour: str) -> None:
    tester = InvalidTextTester(case)
    run_tester(tester, load_config("property_basic_audio_setting1.json", flavour))
    for error in tester.errors():
        assert error["code"] == 1000
        assert error["vendor_info"]["vendor"] == "deepgram"

"""Guarder ``test_empty_text_request.py``: three blank final chunks for one id; the first
``tts_audio_end`` comes within 500 ms of the third send, with the request's metadata; no error.
Extra: the duplicates for the finished id do not pin the queue (a next request still runs)."""

from __future__ import annotations

import time

from ten_runtime import AsyncTenEnvTester

from .support import BOTH_APIS, Received, RecordingTester, load_config, run_tester, text_input

META = {"session_id": "test_empty_text_session", "turn_id": 1}
LIMIT_S = 0.5


class EmptyTextTester(RecordingTester):
    def __init__(self, then_next: bool) -> None:
        super().__init__()
        self.then_next = then_next
        self.sent_at = 0.0
        self.end_after_s: float | None = None

    async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
        for text in ("", " ", ""):
            await ten_env.send_data(text_input("999", text, True, META))
        self.sent_at = time.monotonic()

    async def on_message(self, ten_env: AsyncTenEnvTester, message: Received) -> None:
        if self.stopping:
            return
        if message.name == "error":
            self.fail(ten_env, f"Received error: {message.payload}")
        elif message.name == "tts_audio_end":
            payload = message.payload
            if payload["request_id"] == "999" and self.end_after_s is None:
                self.end_after_s = message.at - self.sent_at
                if self.end_after_s > LIMIT_S:
                    self.fail(ten_env, f"tts_audio_end after {self.end_after_s:.3f} s")
                elif payload["metadata"] != META:
                    self.fail(ten_env, f"Metadata mismatch: {payload['metadata']}")
                elif self.then_next:
                    await ten_env.send_data(text_input("1000", "Next one.", True, META))
                else:
                    self.succeed(ten_env)
            elif payload["request_id"] == "1000":
                self.succeed(ten_env)


@BOTH_APIS
def test_empty_text_request(flavour: str) -> None:
    tester = EmptyTextTester(then_next=False)
    run_tester(tester, load_config("property_basic_audio_setting1.json", flavour))
    assert tester.end_after_s is not None
    assert tester.end_after_s <= LIMIT_S


def test_duplicates_of_a_finished_id_do_not_pin_the_queue() -> None:
    tester = EmptyTextTester(then_next=True)
    run_tester(tester, load_config("property_basic_audio_setting1.json"))
    assert [e["request_id"] for e in tester.ends()] == ["999", "1000"]
    assert tester.errors() == []

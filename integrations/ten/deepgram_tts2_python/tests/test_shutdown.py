"""Stopping vs flushing (issue #9): a request cancelled because the graph stops sends nothing;
a request cancelled by ``tts_flush`` still ends with ``tts_audio_end`` reason 2."""

from __future__ import annotations

from ten_runtime import AsyncTenEnvTester

from .support import (
    BOTH_APIS,
    HELLO,
    Received,
    RecordingTester,
    flush_data,
    load_config,
    run_tester,
    text_input,
)

META = {"session_id": "shutdown_session", "turn_id": 1}


class StopMidRequest(RecordingTester):
    """Stops the test at the first frame of an open request (no text_input_end)."""

    async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
        await ten_env.send_data(text_input("open", HELLO + " " + HELLO, False, META))

    async def on_message(self, ten_env: AsyncTenEnvTester, message: Received) -> None:
        if message.kind == "audio" and not self.stopping:
            self.succeed(ten_env)


class FlushMidRequest(RecordingTester):
    """Flushes at the first frame, stops once the flush is answered."""

    flushed = False

    async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
        await ten_env.send_data(text_input("open", HELLO + " " + HELLO, False, META))

    async def on_message(self, ten_env: AsyncTenEnvTester, message: Received) -> None:
        if message.kind == "audio" and not self.flushed:
            self.flushed = True
            await ten_env.send_data(flush_data("f1", {"session_id": "shutdown_session"}))
        elif message.name == "tts_flush_end":
            self.succeed(ten_env)


@BOTH_APIS
def test_a_request_cancelled_by_stopping_sends_no_audio_end_and_no_error(flavour: str) -> None:
    tester = StopMidRequest()
    run_tester(tester, load_config("property_basic_audio_setting1.json", flavour))
    late = [m.name for m in tester.after_stop() if m.kind == "data"]
    assert "tts_audio_end" not in late
    assert "error" not in late
    assert tester.ends() == []
    assert tester.errors() == []


@BOTH_APIS
def test_a_request_cancelled_by_flush_ends_with_reason_2(flavour: str) -> None:
    tester = FlushMidRequest()
    run_tester(tester, load_config("property_basic_audio_setting1.json", flavour))
    assert [(e["request_id"], e["reason"]) for e in tester.ends()] == [("open", 2)]
    names = [m.name for m in tester.received if m.kind == "data"]
    assert names.index("tts_audio_end") < names.index("tts_flush_end")
    assert tester.errors() == []

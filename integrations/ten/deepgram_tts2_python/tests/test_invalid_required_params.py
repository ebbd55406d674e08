"""Guarder ``test_invalid_required_params.py``: a key Deepgram rejects gives an ``error`` with
code -1000 first. Extra: vendor ``deepgram`` code ``401``, exactly one error, then the request
ends with reason 3."""

from __future__ import annotations

from ten_runtime import AsyncTenEnvTester

from .support import BOTH_APIS, Received, RecordingTester, load_config, run_tester, text_input

META = {"session_id": "test_invalid_required_params_session_123", "turn_id": 1}


class InvalidParamsTester(RecordingTester):
    async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
        await ten_env.send_data(text_input("1", "Hello, world!", True, META))

    async def on_message(self, ten_env: AsyncTenEnvTester, message: Received) -> None:
        if self.stopping or message.kind != "data":
            return
        if message.name == "error" and len(self.errors()) == 1:
            if message.payload.get("code") != -1000:
                self.fail(ten_env, f"Received wrong error code: {message.payload.get('code')}")
        elif message.name == "tts_audio_end":
            self.succeed(ten_env)


@BOTH_APIS
def test_invalid_required_params(flavour: str) -> None:
    tester = InvalidParamsTester()
    run_tester(tester, load_config("property_invalid.json", flavour))
    (error,) = tester.errors()
    assert error["code"] == -1000
    assert error["vendor_info"]["vendor"] == "deepgram"
    assert error["vendor_info"]["code"] == "401"
    assert error["id"] == "1"
    assert [e["reason"] for e in tester.ends()] == [3]
    names = [m.name for m in tester.received if m.kind == "data"]
    assert names.index("error") < names.index("tts_audio_end")

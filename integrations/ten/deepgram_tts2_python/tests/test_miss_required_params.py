"""Guarder ``test_miss_required_params.py``: with an empty key, an ``error`` with code -1000
arrives without any input. Extra: an unset ``DEEPGRAM_API_KEY`` behind the ``|`` default does
the same instead of ending the process."""

from __future__ import annotations

import pytest
from ten_runtime import AsyncTenEnvTester

from .support import BOTH_APIS, Received, RecordingTester, load_config, run_tester


class MissingKeyTester(RecordingTester):
    async def on_message(self, ten_env: AsyncTenEnvTester, message: Received) -> None:
        if message.name == "error" and not self.stopping:
            if message.payload.get("code") == -1000:
                self.succeed(ten_env)
            else:
                self.fail(ten_env, f"Received wrong error code: {message.payload.get('code')}")


@BOTH_APIS
def test_miss_required_params(flavour: str) -> None:
    tester = MissingKeyTester()
    run_tester(tester, load_config("property_miss_required.json", flavour))
    error = tester.errors()[0]
    assert error["message"]
    assert error["vendor_info"]["vendor"] == "deepgram"
    assert error["id"] == ""


def test_an_unset_key_variable_gives_the_fatal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEEPGRAM_API_KEY")  # ${env:DEEPGRAM_API_KEY|} resolves to ""
    tester = MissingKeyTester()
    run_tester(tester, load_config("property_basic_audio_setting1.json"))
    assert tester.errors()[0]["code"] == -1000

"""The upstream extension's error cases: empty params -> FATAL at start; a rejected key ->
FATAL with vendor ``deepgram``."""

from __future__ import annotations

from .support import SendAndWait, load_config, run_tester, with_params
from .test_miss_required_params import MissingKeyTester


def test_empty_params_fatal_error() -> None:
    tester = MissingKeyTester()
    run_tester(tester, {"params": {"api_key": ""}})
    assert tester.errors()[0]["code"] == -1000
    assert tester.errors()[0]["message"]


def test_invalid_api_key_error() -> None:
    config = with_params(load_config("property_basic_audio_setting1.json"), api_key="wrong-key")
    tester = SendAndWait([("r", "Hello.", True)])
    run_tester(tester, config)
    (error,) = tester.errors()
    assert error["code"] == -1000
    assert error["vendor_info"]["vendor"] == "deepgram"
    assert error["vendor_info"]["code"] == "401"

"""Hostile or mistyped configuration (issue #11, item 2).

Every bad type is a FATAL error (-1000) from ``on_init`` with a message that names the field;
no value is echoed: not in the error, not in any log line (everything the process writes to
stdout and stderr is captured), not in a warning; a numeric key does not crash ``on_init``;
pass-through params other than Deepgram's known ones are logged by name only.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from ten_runtime import AsyncTenEnvTester

from .support import (
    HELLO,
    Received,
    RecordingTester,
    SendAndWait,
    load_config,
    run_tester,
    with_params,
)

SECRET = "hostile-secret-value-0123456789abcdef"
NUMBER = 31415926535897932384


class FatalTester(RecordingTester):
    """Stops at the first error (the guarder's miss_required_params pattern)."""

    async def on_message(self, ten_env: AsyncTenEnvTester, message: Received) -> None:
        if message.name == "error" and not self.stopping:
            self.succeed(ten_env)


def _run_captured(
    tester: RecordingTester, config: dict[str, Any], capfd: pytest.CaptureFixture[str]
) -> str:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run_tester(tester, config)
    out, err = capfd.readouterr()
    shown = "\n".join([out, err, *(str(w.message) for w in caught)])
    assert not [w for w in caught if "pydantic" in str(w.filename).lower()]
    return shown


BASE = load_config("property_basic_audio_setting1.json")

CASES: dict[str, tuple[dict[str, Any], str]] = {
    "top-level key as a list": ({**BASE, "api_key": [SECRET]}, "api_key"),
    "top-level key as an object": ({**BASE, "api_key": {"token": SECRET}}, "api_key"),
    "params key as a list": (with_params(BASE, api_key=[SECRET]), "params.api_key"),
    "params key as a number": (with_params(BASE, api_key=NUMBER), "params.api_key"),
    "params as a string": ({**BASE, "params": SECRET}, "params"),
    "sample rate as text": (with_params(BASE, sample_rate=SECRET), "params.sample_rate"),
    "sample rate as a boolean": (with_params(BASE, sample_rate=True), "params.sample_rate"),
    "dump as text": ({**BASE, "dump": SECRET}, "dump"),
    "metrics port out of range": ({**BASE, "metrics_port": 70000}, "metrics_port"),
    "pass-through param as a list": (with_params(BASE, password=[SECRET]), "params"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_type_is_fatal_and_never_echoed(case: str, capfd: pytest.CaptureFixture[str]) -> None:
    config, field = CASES[case]
    tester = FatalTester()
    shown = _run_captured(tester, config, capfd)
    (error,) = tester.errors()
    assert error["code"] == -1000
    assert error["message"].startswith("Initialization failed: ")
    assert field in error["message"]
    assert error["vendor_info"]["vendor"] == "deepgram"
    everything = shown + repr(tester.received)
    assert SECRET not in everything
    assert str(NUMBER) not in everything


def test_pass_through_secrets_are_logged_by_name_only(capfd: pytest.CaptureFixture[str]) -> None:
    config = with_params(BASE, password=SECRET, secret=SECRET + "2", callback_token=SECRET + "3")
    config["base_url_note"] = "ignored"
    tester = SendAndWait([("r", HELLO, True)])
    shown = _run_captured(tester, config, capfd)
    assert tester.errors() == []
    assert tester.ends()[0]["reason"] == 1
    assert "config: " in shown
    assert "password" in shown
    assert SECRET not in shown


def test_the_key_is_never_logged(capfd: pytest.CaptureFixture[str]) -> None:
    key = "logged-key-check-0123456789abcdef"
    tester = SendAndWait([("r", HELLO, True)])
    shown = _run_captured(tester, with_params(BASE, api_key=key), capfd)
    assert tester.errors()[0]["code"] == -1000  # the emulator does not know this key
    assert "config: " in shown
    assert key not in shown + repr(tester.received)

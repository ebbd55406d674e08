"""Hostile or mistyped configuration (issue #11, item 2).

A property of a type ``manifest.json`` declares (``params.api_key``, ``params.sample_rate``,
``dump``, ...) that TEN cannot convert to it never reaches the extension: the runtime logs the
field and aborts the process at ``on_configure_done`` (checked in a child process). Every other
bad value (an undeclared field, a value out of range, a pass-through param that is not a
scalar) is a FATAL error (-1000) from ``on_init`` with a message that names the field. No value
is echoed either way: not in the error, not in any log line (everything the process writes to
stdout and stderr is captured), not in a warning; pass-through params other than Deepgram's
known ones are logged by name only.
"""

from __future__ import annotations

import json
import pathlib
import signal
import subprocess
import sys
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

PACKAGE_PARENT = pathlib.Path(__file__).resolve().parents[2]
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

# Refused by TEN itself (a type the manifest declares): the process aborts.
REFUSED_BY_TEN: dict[str, tuple[dict[str, Any], str]] = {
    "params key as a list": (with_params(BASE, api_key=[SECRET]), ".params.api_key"),
    "params key as a number": (with_params(BASE, api_key=NUMBER), ".params.api_key"),
    "params as a string": ({**BASE, "params": SECRET}, ".params"),
    "sample rate as text": (with_params(BASE, sample_rate=SECRET), ".params.sample_rate"),
    "sample rate as a boolean": (with_params(BASE, sample_rate=True), ".params.sample_rate"),
    "dump as text": ({**BASE, "dump": SECRET}, ".dump"),
}
# Refused by the extension: a FATAL error.
CASES: dict[str, tuple[dict[str, Any], str]] = {
    "top-level key as a list": ({**BASE, "api_key": [SECRET]}, "api_key"),
    "top-level key as an object": ({**BASE, "api_key": {"token": SECRET}}, "api_key"),
    "metrics port out of range": ({**BASE, "metrics_port": 70000}, "metrics_port"),
    "pass-through param as a list": (with_params(BASE, password=[SECRET]), "params"),
}

CHILD = """
import json, sys, threading
sys.path.insert(0, sys.argv[2])  # as in the session: the extension is a package
from deepgram_tts2_python.tests.conftest import FakeApp
from deepgram_tts2_python.tests.support import RecordingTester, run_tester_error

event, made = threading.Event(), []

def run():
    app = FakeApp()
    app.event = event
    made.append(app)
    app.run(False)

threading.Thread(target=run, daemon=True).start()
event.wait()
print("tester returned:", run_tester_error(RecordingTester(), json.loads(sys.argv[1])))
"""


@pytest.mark.parametrize("case", list(REFUSED_BY_TEN))
def test_a_type_the_manifest_declares_is_refused_by_ten(case: str) -> None:
    config, path = REFUSED_BY_TEN[case]
    result = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(config), str(PACKAGE_PARENT)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=PACKAGE_PARENT / "deepgram_tts2_python",  # bin/start's PYTHONPATH is relative to it
    )
    shown = result.stdout + result.stderr
    assert result.returncode == -signal.SIGABRT, shown[-3000:]
    assert f"Failed to adjust property type: {path}: unsupported conversion" in shown
    assert "tester returned" not in shown
    assert SECRET not in shown
    assert str(NUMBER) not in shown


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

"""Shared pieces of the extension's tests: inputs, recording testers, the guarder's checks.

TEN's TTS conformance suite (``tts_guarder`` in TEN-framework/ten-framework) repeats the same
checks in every test; they live here once: per request ``tts_audio_start`` -> ``pcm_frame``s ->
``tts_audio_end`` with no overlap, ``session_id``/``turn_id`` of the input on start and end
(subset, or exact equality where the guarder uses ``==``), ``request_total_audio_duration_ms``
within 50 ms of the audio received, the expected end ``reason``, and an ``error`` failing the
test where the guarder fails it. Only the public ``ten_runtime`` API is used, so the tests run
unchanged on the real runtime and on the repository's stand-in.

The guarder's scenarios run twice, once per Deepgram API (``flavour``): ``tests/configs`` names
Aura models (``/v1/speak``), ``tests/configs/flux`` the same settings with Flux models
(``/v2/speak``); both directories are also config dirs for the guarder itself.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from ten_runtime import (
    AsyncExtensionTester,
    AsyncTenEnvTester,
    AudioFrame,
    Cmd,
    Data,
    TenError,
    TenErrorCode,
)

EXTENSION = "deepgram_tts2_python"
CONFIG_DIR = pathlib.Path(__file__).resolve().parent / "configs"
AURA, FLUX = "aura", "flux"
CONFIG_DIRS = {AURA: CONFIG_DIR, FLUX: CONFIG_DIR / "flux"}
# Runs a test once per API: ``def test_x(flavour: str)`` then ``load_config(name, flavour)``.
BOTH_APIS = pytest.mark.parametrize("flavour", [AURA, FLUX])
HELLO = "hello world, hello agora, hello shanghai, nice to meet you!"
AUDIO_DURATION_TOLERANCE_MS = 50
TEST_KEY = "ten-test-key-0123456789abcdef"
URL_VARIABLE = "DEEPGRAM_TTS2_TEST_URL"


def load_config(name: str, flavour: str = AURA, **overrides: Any) -> dict[str, Any]:
    """A config file of ``tests/configs`` (Aura) or ``tests/configs/flux`` as the guarder reads
    it (placeholders unresolved)."""
    config: dict[str, Any] = json.loads((CONFIG_DIRS[flavour] / name).read_text())
    config.update(overrides)
    return config


def with_params(config: dict[str, Any], **params: Any) -> dict[str, Any]:
    """``config`` with ``params`` entries replaced."""
    return {**config, "params": {**config.get("params", {}), **params}}


def run_tester(tester: AsyncExtensionTester, config: dict[str, Any]) -> None:
    """Run ``tester`` against a fresh extension with ``config``; fail on its error."""
    tester.set_test_mode_single(EXTENSION, json.dumps(config))
    error = tester.run()
    assert error is None, f"Test failed: {error.error_message() if error else ''}"


def run_tester_error(tester: AsyncExtensionTester, config: dict[str, Any]) -> str | None:
    """Like :func:`run_tester`, returning the error message instead of failing."""
    tester.set_test_mode_single(EXTENSION, json.dumps(config))
    error = tester.run()
    return None if error is None else error.error_message()


def text_input(request_id: str, text: str, end: bool, metadata: dict[str, Any]) -> Data:
    """A ``tts_text_input`` built the way the guarder builds it."""
    data = Data.create("tts_text_input")
    data.set_property_string("text", text)
    data.set_property_string("request_id", request_id)
    data.set_property_bool("text_input_end", end)
    data.set_property_from_json("metadata", json.dumps(metadata))
    return data


def flush_data(flush_id: str, metadata: dict[str, Any]) -> Data:
    data = Data.create("tts_flush")
    data.set_property_string("flush_id", flush_id)
    data.set_property_from_json("metadata", json.dumps(metadata))
    return data


def update_configs_cmd(configs: dict[str, Any]) -> Cmd:
    cmd = Cmd.create("update_configs")
    cmd.set_property_from_json("", json.dumps(configs))
    return cmd


def reset_dump_dir(path: str) -> None:
    """What the guarder does before a dump test: create the folder or empty it."""
    if not os.path.exists(path):
        os.makedirs(path)
        return
    for entry in os.listdir(path):
        full = os.path.join(path, entry)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full)
        else:
            os.remove(full)


def dump_files(path: str) -> list[str]:
    """The regular files directly in ``path`` (what the guarder counts)."""
    if not os.path.isdir(path):
        return []
    return sorted(
        os.path.join(path, name)
        for name in os.listdir(path)
        if os.path.isfile(os.path.join(path, name))
    )


@dataclass
class Received:
    """One message from the extension: ``kind`` is ``data`` or ``audio``."""

    at: float
    kind: str
    name: str
    payload: dict[str, Any] = field(default_factory=dict)
    audio: bytes = b""
    sample_rate: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Completed:
    request_id: str
    reason: int
    audio_bytes: int
    reported_ms: int


class RecordingTester(AsyncExtensionTester):
    """Records every message; subclasses react in ``on_message``; ``fail`` stops with an error.

    ``stopping`` turns True once the tester asked to stop: what arrives afterwards (while the
    extension runs its ``on_stop``) is still recorded.
    """

    def __init__(self) -> None:
        super().__init__()
        self.received: list[Received] = []
        self.failures: list[str] = []
        self.stopping = False
        self.stop_index: int | None = None

    # -- stopping ---------------------------------------------------------------------------

    def fail(self, ten_env: AsyncTenEnvTester, message: str) -> None:
        self.failures.append(message)
        ten_env.log_error(message)
        self._mark_stopping()
        ten_env.stop_test(TenError.create(TenErrorCode.ErrorCodeGeneric, message))

    def succeed(self, ten_env: AsyncTenEnvTester) -> None:
        self._mark_stopping()
        ten_env.stop_test()

    def _mark_stopping(self) -> None:
        if not self.stopping:
            self.stopping = True
            self.stop_index = len(self.received)

    def after_stop(self) -> list[Received]:
        """What arrived after the tester asked to stop."""
        return [] if self.stop_index is None else self.received[self.stop_index :]

    # -- recording --------------------------------------------------------------------------

    async def on_data(self, ten_env: AsyncTenEnvTester, data: Data) -> None:
        payload_json, _ = data.get_property_to_json("")
        payload = json.loads(payload_json) if payload_json else {}
        message = Received(time.monotonic(), "data", data.get_name(), payload=payload)
        self.received.append(message)
        await self.on_message(ten_env, message)

    async def on_audio_frame(self, ten_env: AsyncTenEnvTester, audio_frame: AudioFrame) -> None:
        metadata_json, _ = audio_frame.get_property_to_json("metadata")
        message = Received(
            time.monotonic(),
            "audio",
            audio_frame.get_name(),
            audio=bytes(audio_frame.get_buf()),
            sample_rate=audio_frame.get_sample_rate(),
            metadata=json.loads(metadata_json) if metadata_json else {},
        )
        self.received.append(message)
        await self.on_message(ten_env, message)

    async def on_message(self, ten_env: AsyncTenEnvTester, message: Received) -> None:
        """Called for each message after it is recorded."""

    # -- views ------------------------------------------------------------------------------

    def data(self, name: str) -> list[dict[str, Any]]:
        return [m.payload for m in self.received if m.kind == "data" and m.name == name]

    def errors(self) -> list[dict[str, Any]]:
        return self.data("error")

    def ends(self) -> list[dict[str, Any]]:
        return self.data("tts_audio_end")

    def frames(self) -> list[Received]:
        return [m for m in self.received if m.kind == "audio"]


class SequenceTester(RecordingTester):
    """The guarder's per-request checks, applied as messages arrive.

    Args:
        metadata: the metadata sent with each request id.
        reasons: the expected ``tts_audio_end`` reason per request id (absent: not checked).
        exact_metadata: compare start/end metadata with ``==`` (else ``session_id`` and
            ``turn_id`` only).
        errors_fail: an ``error`` message stops the test with a failure.
    """

    def __init__(
        self,
        metadata: dict[str, dict[str, Any]],
        reasons: dict[str, int] | None = None,
        exact_metadata: bool = False,
        errors_fail: bool = True,
    ) -> None:
        super().__init__()
        self.metadata = metadata
        self.reasons = reasons or {}
        self.exact_metadata = exact_metadata
        self.errors_fail = errors_fail
        self.current: str | None = None
        self.current_bytes = 0
        self.sample_rate = 0
        self.started: list[str] = []
        self.completed: list[Completed] = []

    async def on_message(self, ten_env: AsyncTenEnvTester, message: Received) -> None:
        # Like the guarder's testers, keep checking after a stop: what the extension sends
        # from its on_stop still reaches the tester and can fail the test.
        if message.kind == "audio":
            if self.current is None:
                self.fail(ten_env, "pcm_frame outside of a request (no tts_audio_start before)")
                return
            self.current_bytes += len(message.audio)
            self.sample_rate = self.sample_rate or message.sample_rate
            await self.on_frame(ten_env, self.current, message)
            return
        payload = message.payload
        if message.name == "error":
            if self.errors_fail:
                self.fail(ten_env, f"Received error data: {json.dumps(payload)}")
                return
        elif message.name == "tts_audio_start":
            request_id = payload.get("request_id")
            if self.current is not None:
                self.fail(ten_env, f"tts_audio_start of {request_id} while {self.current} plays")
                return
            if not self._metadata_ok(ten_env, payload, "tts_audio_start"):
                return
            self.current, self.current_bytes = request_id, 0
            self.started.append(str(request_id))
            await self.on_start_of(ten_env, str(request_id))
            return
        elif message.name == "tts_audio_end":
            if not self._end_ok(ten_env, payload):
                return
            request_id = str(payload["request_id"])
            self.completed.append(
                Completed(
                    request_id,
                    payload["reason"],
                    self.current_bytes,
                    payload["request_total_audio_duration_ms"],
                )
            )
            self.current = None
            await self.on_end_of(ten_env, request_id)
            return
        await self.on_other(ten_env, message)

    def _metadata_ok(self, ten_env: AsyncTenEnvTester, payload: dict[str, Any], what: str) -> bool:
        request_id = payload.get("request_id")
        if request_id not in self.metadata:
            self.fail(ten_env, f"{what} for an unknown request id {request_id}")
            return False
        want = self.metadata[str(request_id)]
        got = payload.get("metadata")
        if not isinstance(got, dict):
            self.fail(ten_env, f"Missing metadata in {what} response")
            return False
        if self.exact_metadata:
            expected = {
                "session_id": want.get("session_id", ""),
                "turn_id": want.get("turn_id", -1),
            }
            ok = got == expected
        else:
            ok = all(got.get(key) == want.get(key) for key in ("session_id", "turn_id"))
        if not ok:
            self.fail(ten_env, f"Metadata mismatch in {what}. Expected: {want}, Received: {got}")
        return ok

    def _end_ok(self, ten_env: AsyncTenEnvTester, payload: dict[str, Any]) -> bool:
        request_id = payload.get("request_id")
        if request_id != self.current:
            self.fail(ten_env, f"tts_audio_end of {request_id} without its tts_audio_start")
            return False
        if not self._metadata_ok(ten_env, payload, "tts_audio_end"):
            return False
        expected = self.reasons.get(str(request_id))
        if expected is not None and payload.get("reason") != expected:
            self.fail(
                ten_env,
                f"Reason mismatch in tts_audio_end of {request_id}. Expected: {expected}, "
                f"Received: {payload.get('reason')}",
            )
            return False
        reported = int(payload.get("request_total_audio_duration_ms", 0))
        actual = self.pcm_ms(self.current_bytes)
        if reported > 0 and actual > 0 and abs(reported - actual) > AUDIO_DURATION_TOLERANCE_MS:
            self.fail(
                ten_env,
                f"Audio duration mismatch. PCM calculated: {actual}ms, Reported: {reported}ms",
            )
            return False
        return True

    def pcm_ms(self, nbytes: int) -> int:
        if nbytes == 0 or self.sample_rate == 0:
            return 0
        return int(nbytes / (self.sample_rate * 2) * 1000)

    # Hooks.
    async def on_frame(self, ten_env: AsyncTenEnvTester, request_id: str, frame: Received) -> None:
        pass

    async def on_start_of(self, ten_env: AsyncTenEnvTester, request_id: str) -> None:
        pass

    async def on_end_of(self, ten_env: AsyncTenEnvTester, request_id: str) -> None:
        pass

    async def on_other(self, ten_env: AsyncTenEnvTester, message: Received) -> None:
        pass


class SendAndWait(RecordingTester):
    """Sends ``inputs`` (request id, text, end flag), each id ``then`` after the previous id
    ended when ``sequential``; stops once ``until_ends`` ``tts_audio_end`` arrived."""

    def __init__(
        self,
        inputs: list[tuple[str, str, bool]],
        until_ends: int | None = None,
        sequential: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.inputs = inputs
        self.until_ends = until_ends if until_ends is not None else sum(e for *_, e in inputs)
        self.sequential = sequential
        self.meta = metadata or {"session_id": "s", "turn_id": 1}
        self._next = 0

    async def _send_some(self, ten_env: AsyncTenEnvTester) -> None:
        while self._next < len(self.inputs):
            request_id, text, end = self.inputs[self._next]
            self._next += 1
            await ten_env.send_data(text_input(request_id, text, end, self.meta))
            if self.sequential and end:
                return

    async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
        await self._send_some(ten_env)

    async def on_message(self, ten_env: AsyncTenEnvTester, message: Received) -> None:
        if message.name != "tts_audio_end" or self.stopping:
            return
        if len(self.ends()) >= self.until_ends:
            self.succeed(ten_env)
        elif self.sequential:
            await self._send_some(ten_env)


class ScriptTester(RecordingTester):
    """Runs ``script`` (an async method of the subclass) from ``on_start``, as a task; the
    test succeeds when it returns and fails with its exception."""

    WAIT_S = 30.0

    def __init__(self) -> None:
        super().__init__()
        self._changed: Any = None

    async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
        import asyncio

        self._changed = asyncio.Event()
        asyncio.get_running_loop().create_task(self._run_script(ten_env))

    async def _run_script(self, ten_env: AsyncTenEnvTester) -> None:
        try:
            await self.script(ten_env)
        except Exception as exc:
            self.fail(ten_env, f"{type(exc).__name__}: {exc}")
        else:
            self.succeed(ten_env)

    async def script(self, ten_env: AsyncTenEnvTester) -> None:
        raise NotImplementedError

    async def on_message(self, ten_env: AsyncTenEnvTester, message: Received) -> None:
        if self._changed is not None:
            self._changed.set()

    async def wait_for(self, predicate: Any, within_s: float | None = None) -> None:
        """Until ``predicate()`` holds; ``AssertionError`` after ``within_s``."""
        import asyncio

        deadline = time.monotonic() + (within_s or self.WAIT_S)
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("timed out waiting")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                continue

    def ended(self, request_id: str) -> bool:
        return any(e["request_id"] == request_id for e in self.ends())

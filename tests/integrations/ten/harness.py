"""A test harness in the guarder's image: one extension instance per run, messages in, recorded
messages out, and the guarder's shared assertions (contract spec 2.1, 2.2)."""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import re
import time
from dataclasses import dataclass, field
from typing import Any

from deepgram_tts2_python.extension import DeepgramTTS2Extension
from ten_runtime import AsyncTenEnv, AudioFrame, Cmd, CmdResult, Data, StatusCode

CONFIG_DIR = pathlib.Path(__file__).resolve().parents[3] / (
    "integrations/ten/deepgram_tts2_python/tests/configs"
)
AUDIO_DURATION_TOLERANCE_MS = 50
HELLO = "hello world, hello agora, hello shanghai, nice to meet you!"
_PLACEHOLDER = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)(\|([^}]*))?\}")


def resolve_placeholders(value: Any) -> Any:
    """TEN's ``${env:VAR}`` / ``${env:VAR|default}`` resolution (spec 1.14)."""
    if isinstance(value, dict):
        return {k: resolve_placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_placeholders(v) for v in value]
    if isinstance(value, str):

        def sub(match: re.Match[str]) -> str:
            name, has_default, default = match.group(1), match.group(2), match.group(3)
            if name in os.environ:
                return os.environ[name]
            if has_default is not None:
                return default or ""
            raise SystemExit(f"Environment variable {name} is not found")  # the runtime exits

        return _PLACEHOLDER.sub(sub, value)
    return value


def load_config(name: str, base_url: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A guarder config file, placeholders resolved, pointed at ``base_url`` (the emulator)."""
    config: dict[str, Any] = json.loads((CONFIG_DIR / name).read_text())
    config = resolve_placeholders(config)
    if base_url is not None:
        config.setdefault("params", {})["base_url"] = base_url
    for key, value in overrides.items():
        config[key] = value
    return config


@dataclass
class Event:
    """One outbound message: ``kind`` is ``data``, ``audio`` or ``result``."""

    at: float
    kind: str
    name: str
    payload: dict[str, Any] = field(default_factory=dict)
    audio: bytes = b""
    sample_rate: int = 0
    frame_metadata: dict[str, Any] = field(default_factory=dict)


class Tester:
    """Runs one extension like TEN's ``AsyncExtensionTester`` with ``set_test_mode_single``."""

    def __init__(self, properties: dict[str, Any]) -> None:
        self.events: list[Event] = []
        self._changed = asyncio.Event()
        self.env = AsyncTenEnv(properties, self._record)
        self.extension = DeepgramTTS2Extension("deepgram_tts2_python")
        self._dispatched: list[asyncio.Task[Any]] = []

    def _record(self, message: Data | AudioFrame | CmdResult) -> None:
        now = time.monotonic()
        if isinstance(message, AudioFrame):
            metadata, _ = message.get_property_to_json("metadata")
            self.events.append(
                Event(
                    now,
                    "audio",
                    message.get_name(),
                    audio=message.get_buf(),
                    sample_rate=message.get_sample_rate(),
                    frame_metadata=json.loads(metadata or "{}"),
                )
            )
        elif isinstance(message, CmdResult):
            payload, _ = message.get_property_to_json("")
            self.events.append(
                Event(
                    now, "result", str(int(message.get_status_code())), json.loads(payload or "{}")
                )
            )
        else:
            payload, _ = message.get_property_to_json("")
            self.events.append(Event(now, "data", message.get_name(), json.loads(payload)))
        self._changed.set()

    async def start(self) -> None:
        await self.extension.on_init(self.env)
        await self.extension.on_start(self.env)

    async def stop(self) -> None:
        for task in self._dispatched:
            if not task.done():
                task.cancel()
        await asyncio.gather(*self._dispatched, return_exceptions=True)
        await self.extension.on_stop(self.env)
        await self.extension.on_deinit(self.env)

    def _dispatch(self, coro: Any) -> asyncio.Task[Any]:
        # The runtime schedules every on_data as its own coroutine (spec 1.3).
        task = asyncio.create_task(coro)
        self._dispatched.append(task)
        return task

    def send_text(
        self, request_id: str, text: str, end: bool, metadata: dict[str, Any] | None = None
    ) -> asyncio.Task[Any]:
        data = Data.create("tts_text_input")
        data.set_property_string("text", text)
        data.set_property_string("request_id", request_id)
        data.set_property_bool("text_input_end", end)
        data.set_property_from_json("metadata", json.dumps(metadata or {}))
        return self._dispatch(self.extension.on_data(self.env, data))

    def send_flush(self, flush_id: str, metadata: dict[str, Any]) -> asyncio.Task[Any]:
        data = Data.create("tts_flush")
        data.set_property_string("flush_id", flush_id)
        data.set_property_from_json("metadata", json.dumps(metadata))
        return self._dispatch(self.extension.on_data(self.env, data))

    async def cmd(self, name: str, properties: dict[str, Any]) -> Event:
        cmd = Cmd.create(name)
        cmd.set_property_from_json(None, json.dumps(properties))
        before = len(self.events)
        await self.extension.on_cmd(self.env, cmd)
        return next(e for e in self.events[before:] if e.kind == "result")

    async def wait_for(self, predicate: Any, within_s: float) -> None:
        """Wait until ``predicate(self)`` holds; fail the test after ``within_s``."""
        async with asyncio.timeout(within_s):
            while not predicate(self):
                self._changed.clear()
                await self._changed.wait()

    async def quiet(self, seconds: float) -> list[Event]:
        """Wait ``seconds`` and return what arrived meanwhile."""
        before = len(self.events)
        await asyncio.sleep(seconds)
        return self.events[before:]

    # -- views --------------------------------------------------------------------------------

    def data(self, name: str) -> list[dict[str, Any]]:
        return [e.payload for e in self.events if e.kind == "data" and e.name == name]

    def ends(self) -> list[dict[str, Any]]:
        return self.data("tts_audio_end")

    def errors(self) -> list[dict[str, Any]]:
        return self.data("error")

    def frames(self) -> list[Event]:
        return [e for e in self.events if e.kind == "audio"]

    def ended(self, request_id: str) -> bool:
        return any(e["request_id"] == request_id for e in self.ends())


def check_requests(
    tester: Tester,
    expected: list[tuple[str, dict[str, Any]]],
    reason: int | None = 1,
    exact_metadata: bool = False,
) -> None:
    """The guarder's sequence, metadata and duration checks over the whole run (spec 2.2)."""
    current: str | None = None
    done: list[str] = []
    received = 0
    first_rate = 0
    for event in tester.events:
        if event.kind == "audio":
            assert current is not None, "pcm_frame outside of a request"
            received += len(event.audio)
            first_rate = first_rate or event.sample_rate
        elif event.kind == "data" and event.name == "tts_audio_start":
            assert current is None, f"tts_audio_start of {event.payload['request_id']} overlaps"
            current = event.payload["request_id"]
            received, first_rate = 0, 0
            _check_metadata(event.payload, expected, exact_metadata)
        elif event.kind == "data" and event.name == "tts_audio_end":
            assert event.payload["request_id"] == current, "tts_audio_end without its start"
            _check_metadata(event.payload, expected, exact_metadata)
            if reason is not None:
                assert event.payload["reason"] == reason
            reported = event.payload["request_total_audio_duration_ms"]
            if received and reported:
                actual = int(received / (first_rate * 2) * 1000)
                assert abs(reported - actual) <= AUDIO_DURATION_TOLERANCE_MS
            done.append(current)
            current = None
    assert done == [rid for rid, _ in expected]


def _check_metadata(
    payload: dict[str, Any], expected: list[tuple[str, dict[str, Any]]], exact: bool
) -> None:
    want = dict(expected)[payload["request_id"]]
    got = payload["metadata"]
    if exact:
        assert got == want
    else:
        for key in ("session_id", "turn_id"):
            assert got.get(key) == want.get(key)


def dump_files(directory: pathlib.Path) -> list[pathlib.Path]:
    return [p for p in directory.iterdir() if p.is_file()] if directory.exists() else []


__all__ = ["HELLO", "StatusCode", "Tester", "check_requests", "dump_files", "load_config"]

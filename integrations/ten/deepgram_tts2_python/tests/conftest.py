"""Fixtures of the extension's tests, in TEN's form (like upstream TTS extensions).

* a ``FakeApp`` runs for the whole session (the TEN runtime binds its addon manager to an app),
  created in its own thread;
* the vendor is the local Deepgram emulator of ``deepgram_tts2`` (``deepgram_tts2.emulator``,
  the server behind ``dgtts serve``), started on a free loopback port in a background thread;
  ``DEEPGRAM_API_KEY`` is set to a test key and ``DEEPGRAM_TTS2_TEST_URL`` (read by the config
  files' ``base_url`` placeholder) to the emulator's URL;
* every test runs in a fresh working directory, so relative ``dump_path``s start empty.

Importing this package's parent registers the addon (``deepgram_tts2_python/__init__.py``).
"""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

import pytest
from ten_runtime import App, TenEnv

from deepgram_tts2.emulator.config import EmulatorConfig, FaultPlan, Pacing
from deepgram_tts2.emulator.server import Emulator

from .support import TEST_KEY, URL_VARIABLE

# Deepgram-like pacing (first audio after ~0.2 s, audio much faster than real time), quicker
# than Deepgram so the suite stays short; interruption tests see frames still in flight.
DEFAULT_PACING = Pacing(first_audio_ms=150, per_char_ms=0.2, chunk_ms=40, realtime_factor=16.0)


class FakeApp(App):
    """An app in a thread; ``on_init`` releases the session fixture."""

    def __init__(self) -> None:
        super().__init__()
        self.event: threading.Event | None = None

    def on_configure(self, ten_env: TenEnv) -> None:
        console = {
            "matchers": [{"level": "debug"}],
            "formatter": {"type": "plain", "colored": False},
            "emitter": {"type": "console", "config": {"stream": "stdout"}},
        }
        ten_env.init_property_from_json(json.dumps({"ten": {"log": {"handlers": [console]}}}))
        ten_env.on_configure_done()

    def on_init(self, ten_env: TenEnv) -> None:
        assert self.event is not None
        self.event.set()
        ten_env.on_init_done()


@pytest.fixture(scope="session", autouse=True)
def fake_app() -> Iterator[FakeApp]:
    """The app is created in the thread that runs it, as TEN's guarder does: the runtime binds
    an app to the thread that created it and aborts when another thread runs it."""
    event = threading.Event()
    made: list[FakeApp] = []

    def run() -> None:
        app = FakeApp()
        app.event = event
        made.append(app)
        app.run(False)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    event.wait()
    yield made[0]
    made[0].close()
    thread.join(timeout=30)


class EmulatorHost:
    """Emulators on an asyncio loop of their own thread (the testers block their caller)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.started: list[Emulator] = []

    def _call(self, coroutine: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(timeout=30)

    def start(self, **overrides: Any) -> Emulator:
        """An emulator on 127.0.0.1 and a free port; ``overrides`` go to EmulatorConfig."""
        settings: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": 0,
            "api_keys": (TEST_KEY,),
            "pacing": DEFAULT_PACING,
            "voice_engine": "tone",
        }
        settings.update(overrides)
        emulator = Emulator(EmulatorConfig.model_validate(settings))
        self._call(emulator.start())
        self.started.append(emulator)
        return emulator

    def set_faults(self, emulator: Emulator, plan: dict[str, Any]) -> None:
        self.loop.call_soon_threadsafe(emulator.set_faults, FaultPlan.model_validate(plan))

    def stop(self, emulator: Emulator) -> None:
        self._call(emulator.stop())
        self.started.remove(emulator)

    def close(self) -> None:
        for emulator in list(self.started):
            self.stop(emulator)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture(scope="session")
def emulators() -> Iterator[EmulatorHost]:
    host = EmulatorHost()
    yield host
    host.close()


@pytest.fixture(scope="session", autouse=True)
def vendor(emulators: EmulatorHost) -> Iterator[Emulator]:
    """The session's emulator, and the environment the config files read."""
    emulator = emulators.start()
    saved = {name: os.environ.get(name) for name in ("DEEPGRAM_API_KEY", URL_VARIABLE)}
    os.environ["DEEPGRAM_API_KEY"] = TEST_KEY
    os.environ[URL_VARIABLE] = emulator.ws_url
    yield emulator
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def emulator_factory(emulators: EmulatorHost) -> Iterator[Callable[..., Emulator]]:
    """Emulators with their own settings (faults, keys, pacing), stopped after the test."""
    mine: list[Emulator] = []

    def make(**overrides: Any) -> Emulator:
        emulator = emulators.start(**overrides)
        mine.append(emulator)
        return emulator

    yield make
    for emulator in mine:
        emulators.stop(emulator)


@pytest.fixture(autouse=True)
def fresh_cwd(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> pathlib.Path:
    """Relative dump paths of the config files resolve under a new folder per test."""
    monkeypatch.chdir(tmp_path)
    return tmp_path

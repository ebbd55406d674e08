"""TEN extension tests: the real runtime when installed, else the stand-in; the emulator."""

from __future__ import annotations

import importlib.util
import pathlib
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
if (
    importlib.util.find_spec("ten_runtime") is None
    or importlib.util.find_spec("ten_ai_base") is None
):
    sys.path.insert(0, str(HERE / "standin"))  # the real packages are not on PyPI
sys.path.insert(0, str(ROOT / "integrations" / "ten"))

from deepgram_tts2.emulator.server import Emulator  # noqa: E402
from tests.conftest import TEST_KEY, EmulatorFactory  # noqa: E402
from tests.integrations.ten.harness import Tester, load_config  # noqa: E402

TesterFactory = Callable[..., Awaitable[Tester]]


@pytest.fixture(autouse=True)
def _guarder_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    """Like the guarder: the key in the environment, relative dump paths under a fresh cwd."""
    monkeypatch.setenv("DEEPGRAM_API_KEY", TEST_KEY)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
async def ten_emulator(emulator_factory: EmulatorFactory) -> Emulator:
    return await emulator_factory()


@pytest.fixture
async def tester_factory(ten_emulator: Emulator) -> AsyncIterator[TesterFactory]:
    """Start a fresh extension with a guarder config file (pointed at the emulator)."""
    started: list[Tester] = []

    async def make(config: str, emulator: Emulator | None = None, **overrides: Any) -> Tester:
        target = emulator or ten_emulator
        tester = Tester(load_config(config, target.ws_url, **overrides))
        await tester.start()
        started.append(tester)
        return tester

    yield make
    for tester in started:
        await tester.stop()

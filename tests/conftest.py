"""Shared fixtures: an in-process emulator on an ephemeral loopback port."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, settings

from deepgram_tts2.emulator.config import EmulatorConfig, Pacing
from deepgram_tts2.emulator.server import Emulator

if sys.version_info >= (3, 11):
    from asyncio import timeout
else:  # the same context manager before 3.11 (aio-libs' backport)
    from async_timeout import timeout

# Property tests check behaviour, not speed: no per-example deadline (a loaded 2-core CI
# machine would turn them flaky), and a fixed derandomised run so CI is repeatable.
settings.register_profile(
    "ci", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci")

TEST_KEY = "test-key-0123456789abcdef"

EmulatorFactory = Callable[..., Awaitable[Emulator]]
T = TypeVar("T")


@pytest.fixture
async def emulator_factory() -> AsyncIterator[EmulatorFactory]:
    """Start emulators with config overrides; all are stopped at teardown.

    Defaults: port 0 (ephemeral), key ``TEST_KEY``, instant pacing, tone voice.
    """
    started: list[Emulator] = []

    async def make(**overrides: object) -> Emulator:
        settings: dict[str, object] = {
            "port": 0,
            "api_keys": (TEST_KEY,),
            "pacing": Pacing.instant(),
            "voice_engine": "tone",
        }
        settings.update(overrides)
        emulator = Emulator(EmulatorConfig.model_validate(settings))
        await emulator.start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        await emulator.stop()


@pytest.fixture
async def emulator(emulator_factory: EmulatorFactory) -> Emulator:
    """One emulator with the default test settings."""
    return await emulator_factory()


async def eventually(predicate: Callable[[], bool], within_s: float = 5.0) -> None:
    """Wait until ``predicate()`` holds (state owned by another task); fail after ``within_s``.

    A guard against a hang, not a timing assertion: ``within_s`` is far above any expected wait.
    """

    loop = asyncio.get_running_loop()
    give_up = loop.time() + within_s
    while not predicate():  # polling state that has no event to wait on
        if loop.time() > give_up:
            raise AssertionError(f"condition not reached within {within_s} s")
        await asyncio.sleep(0.01)  # (no task of its own: callers count tasks)


async def within(awaitable: Awaitable[T], seconds: float) -> T:
    """``await awaitable``, failing the test after ``seconds`` (``asyncio.timeout`` is 3.11+)."""
    return await asyncio.wait_for(awaitable, seconds)


__all__ = ["TEST_KEY", "EmulatorFactory", "eventually", "timeout", "within"]

"""The API key never appears in logs, reprs, errors, events, state or metrics hooks."""

from __future__ import annotations

import io
import logging
from typing import Any

import httpx
import pytest

from deepgram_tts2 import AuthError, DeepgramTTS, MetricsHooks, TTSOptions
from deepgram_tts2.emulator.server import Emulator
from deepgram_tts2.observability.logs import configure_json_logging
from tests.client.conftest import ClientFactory, speak
from tests.conftest import EmulatorFactory

SECRET = "dg-secret-7f3a9c2e51b84d06a1c3e5f7091b2d4c"


class Everything(MetricsHooks):
    """Records every hook call's arguments as text."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("on_"):
            seen = object.__getattribute__(self, "seen")
            return lambda *args: seen.append(f"{name}{args!r}")
        return object.__getattribute__(self, name)


async def test_no_path_leaks_the_key(
    emulator_factory: EmulatorFactory,
    client_factory: ClientFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    json_stream = io.StringIO()
    handler = configure_json_logging(logging.DEBUG, json_stream)
    outputs: list[str] = []
    try:
        good: Emulator = await emulator_factory(api_keys=(SECRET,))
        bad: Emulator = await emulator_factory(api_keys=("another-key",))
        hooks = Everything()
        ok_client = await client_factory(good, hooks=hooks, api_key=SECRET, metrics_port=0)
        outcome = await speak(ok_client, "Hello there.")
        outputs += [repr(e) for e in outcome.events]
        outputs += [
            repr(ok_client),
            repr(ok_client.options),
            str(ok_client.options.model_dump()),
            repr(ok_client.state),
        ]
        outputs.append(repr(await ok_client.synthesize("Hi.")))
        failing = await client_factory(bad, hooks=hooks, api_key=SECRET)
        failed = await speak(failing, "Hello there.")
        assert failed.error is not None
        exception = failed.error.exception
        outputs += [repr(e) for e in failed.events]
        outputs += [str(exception), repr(exception), str(exception.__dict__)]
        rest_only = DeepgramTTS(
            TTSOptions.create(api_key=SECRET, base_url=bad.ws_url, transport="rest")
        )
        async with rest_only:
            with pytest.raises(AuthError) as info:
                await rest_only.synthesize("Hi.")
        outputs += [str(info.value), repr(info.value)]
        outputs += hooks.seen
        async with httpx.AsyncClient() as http:
            for url in (
                f"{ok_client.metrics_url}/metrics",
                f"{good.http_url}/metrics",
                f"{ok_client.metrics_url}/readyz",
            ):
                outputs.append((await http.get(url)).text)
    finally:
        logging.getLogger("deepgram_tts2").removeHandler(handler)
    outputs.append(caplog.text)
    outputs.append(json_stream.getvalue())
    blob = "\n".join(outputs)
    assert "Hello" in blob or "ttfb" in blob  # the scan has real material
    assert len(caplog.records) > 5
    assert SECRET not in blob
    assert SECRET[:12] not in blob

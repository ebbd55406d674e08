"""Helpers for the emulator's Flux ``/v2/speak`` over real loopback sockets."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from websockets.asyncio.client import ClientConnection, connect

from deepgram_tts2.emulator.server import Emulator
from deepgram_tts2.emulator.v2.options import EmulatorV2Options
from tests.conftest import TEST_KEY, EmulatorFactory
from tests.emulator.conftest import Transcript, collect, send

__all__ = ["FluxFactory", "Transcript", "collect", "flux_session", "send", "speech_ids"]

MODEL = "flux-alexis-en"
FluxFactory = Callable[..., Awaitable[Emulator]]


@pytest.fixture
async def flux_factory(emulator_factory: EmulatorFactory) -> FluxFactory:
    """Start an emulator (test defaults: instant pacing, tone voice) with v2 options.

    Keyword arguments that are :class:`EmulatorV2Options` fields go to the v2 options, the rest
    to ``EmulatorConfig``.
    """

    async def make(**overrides: object) -> Emulator:
        fields = EmulatorV2Options.model_fields
        v2 = {k: v for k, v in overrides.items() if k in fields}
        config = {k: v for k, v in overrides.items() if k not in fields}
        return await emulator_factory(**config, flux=EmulatorV2Options.model_validate(v2))

    return make


@pytest.fixture
async def flux(flux_factory: FluxFactory) -> Emulator:
    """An emulator with the default v2 options."""
    return await flux_factory()


def v2_url(emulator: Emulator, query: str = f"model={MODEL}") -> str:
    return f"ws://{emulator.host}:{emulator.port}/v2/speak" + (f"?{query}" if query else "")


@asynccontextmanager
async def flux_session(
    emulator: Emulator, query: str = f"model={MODEL}", key: str = TEST_KEY, **kwargs: object
) -> AsyncIterator[ClientConnection]:
    """A raw WebSocket to ``/v2/speak`` with ``Authorization: Token KEY``."""
    headers = {"Authorization": f"Token {key}"}
    async with connect(v2_url(emulator, query), additional_headers=headers, **kwargs) as ws:  # type: ignore[arg-type]
        yield ws


def speech_ids(transcript: Transcript, kind: str) -> list[str]:
    """``speech_id`` of every ``kind`` message (inside ``metadata`` for SpeechInterrupted)."""
    out = []
    for m in transcript.messages:
        if m["type"] == kind:
            meta = m.get("metadata")
            out.append(str(meta["speech_id"] if isinstance(meta, dict) else m["speech_id"]))
    return out


def by_type(transcript: Transcript, kind: str) -> list[dict[str, object]]:
    return [m for m in transcript.messages if m["type"] == kind]


def msg(kind: str, **fields: object) -> str:
    return json.dumps({"type": kind, **fields})

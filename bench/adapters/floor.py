"""The floor: a minimal raw ``websockets`` client (nothing is cheaper). On ``/v1/speak`` plain
(one ``Flush`` at the end of the reply) and segmenting (also at the first sentence end); on
``/v2/speak`` (Flux) ``Speak`` per token and ``Flush`` at the end, since the server segments."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from bench.adapters.onesocket import OneSocketClient, Wire
from bench.core import FLUX_MODEL, MODEL, SAMPLE_RATE, Endpoint, Sizing


class RawWire:
    """A ``websockets`` connection."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def speak(self, text: str) -> None:
        await self.ws.send(json.dumps({"type": "Speak", "text": text}))

    async def flush(self) -> None:
        await self.ws.send('{"type": "Flush"}')

    async def clear(self) -> None:
        await self.ws.send('{"type": "Clear"}')

    async def messages(self) -> AsyncIterator[bytes | str | None]:
        async for message in self.ws:
            yield message if isinstance(message, bytes) else message_type(message)

    def close_reason(self) -> str:
        code = self.ws.close_code
        return f"closed {code} {self.ws.close_reason or ''}".strip() if code else "connection lost"

    async def close(self) -> None:
        await self.ws.close()


class FluxWire(RawWire):
    """The same socket on ``/v2/speak``: ``Interrupt`` instead of ``Clear``; a turn ends with
    ``SpeechMetadata`` (reported as the end of its flush), ``Flushed`` is only informative."""

    async def clear(self) -> None:
        await self.ws.send('{"type": "Interrupt"}')

    async def messages(self) -> AsyncIterator[bytes | str | None]:
        async for message in self.ws:
            if isinstance(message, bytes):
                yield message
            else:
                kind = message_type(message)
                yield {"SpeechMetadata": "Flushed", "Flushed": None}.get(kind or "", kind)


def message_type(text: str) -> str | None:
    """The ``type`` of a JSON message (None when it is not one)."""
    try:
        message: Any = json.loads(text)
    except ValueError:
        return None
    kind = message.get("type") if isinstance(message, dict) else None
    return kind if isinstance(kind, str) else None


class FloorClient(OneSocketClient):
    """A raw ``websockets`` socket (``websockets.connect`` with its defaults)."""

    def __init__(
        self, endpoint: Endpoint, sizing: Sizing, *, segmenting: bool = False, flux: bool = False
    ) -> None:
        super().__init__(segmenting=segmenting)
        self.name = "floor, segmenting (raw websockets)" if segmenting else "floor (raw websockets)"
        self.flux = flux
        base, model = endpoint.ws_url, MODEL
        if flux:
            self.name = "floor (raw websockets, /v2/speak)"
            base, model = base.replace("/v1/speak", "/v2/speak"), FLUX_MODEL
        self.url = f"{base}?model={model}&encoding=linear16&sample_rate={SAMPLE_RATE}"
        self.key = endpoint.key

    async def connect(self) -> Wire:
        ws = await websockets.connect(
            self.url, additional_headers={"Authorization": f"Token {self.key}"}
        )
        return FluxWire(ws) if self.flux else RawWire(ws)

"""The official deepgram-sdk (``AsyncDeepgramClient().speak.v1.connect``), used as its docs
show: ``send_text`` per token, ``send_flush`` at the end of the reply, the socket's async
iterator for audio and messages, a turn ended on a message whose ``type`` is ``Flushed`` (not
``isinstance(message, SpeakV1Flushed)``, which the SDK's union also matches for ``Cleared``), and
``send_clear`` to interrupt. Pointed at the emulator with ``DeepgramClientEnvironment``."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from bench.adapters.onesocket import OneSocketClient, Wire
from bench.core import MODEL, SAMPLE_RATE, Endpoint, Sizing


class SdkWire:
    """An ``AsyncV1SocketClient`` inside its ``connect()`` context."""

    def __init__(self, context: Any, socket: Any) -> None:
        self.context = context
        self.socket = socket

    async def speak(self, text: str) -> None:
        from deepgram.speak.v1 import SpeakV1Text

        await self.socket.send_text(SpeakV1Text(type="Speak", text=text))

    async def flush(self) -> None:
        await self.socket.send_flush()

    async def clear(self) -> None:
        await self.socket.send_clear()

    async def messages(self) -> AsyncIterator[bytes | str | None]:
        async for message in self.socket:
            if isinstance(message, bytes):
                yield message
            else:
                kind = getattr(message, "type", None)
                yield kind if isinstance(kind, str) else None

    def close_reason(self) -> str:
        ws = getattr(self.socket, "_websocket", None)
        code = getattr(ws, "close_code", None)
        return f"closed {code} {getattr(ws, 'close_reason', '') or ''}".strip() if code else "lost"

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.context.__aexit__(None, None, None)


class SdkClient(OneSocketClient):
    """One ``speak.v1`` socket of the SDK."""

    name = "deepgram-sdk"

    def __init__(self, endpoint: Endpoint, sizing: Sizing) -> None:
        super().__init__()
        from deepgram import AsyncDeepgramClient
        from deepgram.environment import DeepgramClientEnvironment

        environment = DeepgramClientEnvironment(
            base=endpoint.http_base,
            production=endpoint.http_base.replace("http://", "ws://"),
            agent=endpoint.http_base.replace("http://", "ws://"),
            agent_rest=endpoint.http_base,
        )
        self.client = AsyncDeepgramClient(api_key=endpoint.key, environment=environment)

    async def connect(self) -> Wire:
        context = self.client.speak.v1.connect(
            model=MODEL, encoding="linear16", sample_rate=SAMPLE_RATE
        )
        socket = await context.__aenter__()
        return SdkWire(context, socket)

"""Helpers for talking to the emulator over a raw WebSocket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from deepgram_tts2.emulator.server import Emulator
from tests.conftest import TEST_KEY


@dataclass
class Transcript:
    """Everything a session received, in order."""

    frames: list[str | bytes] = field(default_factory=list)
    close_code: int | None = None
    close_reason: str = ""

    @property
    def audio(self) -> bytes:
        return b"".join(f for f in self.frames if isinstance(f, bytes))

    @property
    def messages(self) -> list[dict[str, object]]:
        return [json.loads(f) for f in self.frames if isinstance(f, str)]

    def types(self) -> list[str]:
        """Message types in order, with audio runs collapsed to one "audio"."""
        out: list[str] = []
        for frame in self.frames:
            kind = "audio" if isinstance(frame, bytes) else str(json.loads(frame)["type"])
            if not (kind == "audio" and out and out[-1] == "audio"):
                out.append(kind)
        return out


@asynccontextmanager
async def session(
    emulator: Emulator, query: str = "", key: str = TEST_KEY
) -> AsyncIterator[ClientConnection]:
    url = emulator.ws_url + (f"?{query}" if query else "")
    async with connect(url, additional_headers={"Authorization": f"Token {key}"}) as ws:
        yield ws


async def send(ws: ClientConnection, *messages: dict[str, object] | bytes) -> None:
    for message in messages:
        await ws.send(message if isinstance(message, bytes) else json.dumps(message))


async def collect(
    ws: ClientConnection,
    until: str | None = None,
    count: int = 1,
    transcript: Transcript | None = None,
) -> Transcript:
    """Receive until ``count`` messages of type ``until`` arrived, or the socket closed."""
    transcript = transcript or Transcript()
    seen = 0
    try:
        while True:
            frame = await ws.recv()
            transcript.frames.append(frame)
            if until and isinstance(frame, str) and _type_of(frame) == until:
                seen += 1
                if seen >= count:
                    return transcript
    except ConnectionClosed as exc:
        rcvd = exc.rcvd
        transcript.close_code = rcvd.code if rcvd else 1006
        transcript.close_reason = rcvd.reason if rcvd else ""
    return transcript


def _type_of(frame: str) -> object:
    try:
        return json.loads(frame).get("type")
    except ValueError:
        return None


SPEAK = {"type": "Speak", "text": "Hello from the emulator."}
FLUSH = {"type": "Flush"}
CLEAR = {"type": "Clear"}
CLOSE = {"type": "Close"}


# -- raw HTTP over a loopback socket (for requests no client library sends) -----------------


@dataclass
class RawConnection:
    """A TCP connection to the emulator that writes bytes exactly as given."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def status(self) -> int:
        """The status code of the response's first line (0 if the server closed instead)."""
        line = await self.reader.readline()
        return int(line.split()[1]) if line.startswith(b"HTTP/") else 0

    def close(self) -> None:
        self.writer.close()


async def raw_connect(emulator: Emulator) -> RawConnection:
    reader, writer = await asyncio.open_connection(emulator.host, emulator.port)
    return RawConnection(reader, writer)


def rest_head(body_length: int, key: str = TEST_KEY, query: str = "") -> bytes:
    """Request line and headers of a REST ``POST /v1/speak`` whose body is sent separately."""
    path = "/v1/speak" + (f"?{query}" if query else "")
    return (
        f"POST {path} HTTP/1.1\r\nHost: emulator\r\nAuthorization: Token {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {body_length}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()

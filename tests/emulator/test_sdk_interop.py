"""The official deepgram-sdk, pointed at the emulator, works as it would against Deepgram."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from deepgram import AsyncDeepgramClient, DeepgramClient
from deepgram.environment import DeepgramClientEnvironment
from deepgram.speak.v1 import SpeakV1Text

from deepgram_tts2.emulator.codecs import decode_pcm
from deepgram_tts2.emulator.server import Emulator
from deepgram_tts2.protocol.audio import Encoding
from tests.conftest import TEST_KEY, EmulatorFactory

# deepgram-sdk 7.16 imports websockets' legacy names, which websockets 17 marks deprecated.
pytestmark = [
    pytest.mark.filterwarnings("ignore:websockets.*is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:websockets.legacy is deprecated:DeprecationWarning"),
]


def _environment(emulator: Emulator) -> DeepgramClientEnvironment:
    return DeepgramClientEnvironment(
        base=emulator.http_url,
        production=f"ws://{emulator.host}:{emulator.port}",
        agent=f"ws://{emulator.host}:{emulator.port}",
        agent_rest=emulator.http_url,
    )


def _speak_over_sdk_socket(emulator: Emulator) -> tuple[bytes, list[object]]:
    """Speak, Flush, then Speak, Clear with the SDK's (sync) WebSocket client."""
    client = DeepgramClient(api_key=TEST_KEY, environment=_environment(emulator))
    audio = bytearray()
    messages: list[object] = []
    with client.speak.v1.connect(
        model="aura-2-thalia-en", encoding="linear16", sample_rate=16000
    ) as socket:
        messages.append(socket.recv())  # Metadata
        socket.send_text(SpeakV1Text(type="Speak", text="Hello from the emulator."))
        socket.send_flush()
        while True:
            message = socket.recv()
            if isinstance(message, bytes):
                audio += message
                continue
            messages.append(message)
            if message.type == "Flushed":
                break
        socket.send_clear()
        messages.append(socket.recv())
        socket.send_close()
    return bytes(audio), messages


async def test_sdk_websocket_client_receives_audio_flushed_and_cleared(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory(voice_engine="espeak")
    audio, messages = await asyncio.to_thread(_speak_over_sdk_socket, emulator)
    types = [getattr(m, "type", None) for m in messages]
    assert types == ["Metadata", "Flushed", "Cleared"]
    # The SDK's union parsing turns Cleared into a Flushed-typed object; `.type` is right.
    assert getattr(messages[1], "sequence_id", None) == 0
    samples = decode_pcm(audio, Encoding.LINEAR16)
    assert 0.8 < len(samples) / 16000 < 4.0
    assert float((samples.astype("float64") ** 2).mean()) ** 0.5 > 500


async def test_sdk_rest_generate_streams_audio(emulator: Emulator) -> None:
    async with httpx.AsyncClient() as http:  # ours, so the test can close it
        client = AsyncDeepgramClient(
            api_key=TEST_KEY, environment=_environment(emulator), httpx_client=http
        )
        chunks = [
            chunk
            async for chunk in client.speak.v1.audio.generate(
                text="Hello, world.",
                model="aura-2-thalia-en",
                encoding="linear16",
                container="none",
                sample_rate=24000,
            )
        ]
    audio = b"".join(chunks)
    assert len(audio) == len("Hello, world.") * 1200 * 2  # the tone voice: 50 ms per char

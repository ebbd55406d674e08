"""The official deepgram-sdk's v2 speak clients, pointed at the emulator, work unchanged."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from deepgram import AsyncDeepgramClient, DeepgramClient
from deepgram.core.api_error import ApiError
from deepgram.environment import DeepgramClientEnvironment
from deepgram.speak.v2 import (
    SpeakV2Configure,
    SpeakV2Interrupt,
    SpeakV2InterruptPlaybackOffset,
    SpeakV2Speak,
)
from websockets.exceptions import InvalidStatus

from deepgram_tts2.emulator.codecs import decode_pcm
from deepgram_tts2.emulator.server import Emulator
from deepgram_tts2.protocol.audio import Encoding
from tests.conftest import TEST_KEY, within
from tests.emulator.v2.conftest import FluxFactory

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


def _turn_then_barge_in(emulator: Emulator) -> tuple[bytes, list[object]]:
    """Configure, a full turn, then a second turn interrupted with an offset, then Close."""
    client = DeepgramClient(api_key=TEST_KEY, environment=_environment(emulator))
    audio = bytearray()
    messages: list[object] = []
    with client.speak.v2.connect(
        model="flux-alexis-en", encoding="linear16", sample_rate=16000, tag="interop"
    ) as socket:
        messages.append(socket.recv())  # Connected
        socket.send_configure(SpeakV2Configure(speed=1.05))
        socket.send_speak(SpeakV2Speak(text="Hello from the emulator."))
        socket.send_flush()
        while True:
            message = socket.recv()
            if isinstance(message, bytes):
                audio += message
                continue
            messages.append(message)
            if getattr(message, "type", None) == "SpeechMetadata":
                break
        socket.send_speak(SpeakV2Speak(text="A second turn that is cut short. And more."))
        while not isinstance(message := socket.recv(), bytes):
            messages.append(message)  # SpeechStarted
        offset = SpeakV2InterruptPlaybackOffset(value=5000)
        socket.send_interrupt(SpeakV2Interrupt(playback_offset=offset))
        while getattr(message := socket.recv(), "type", None) != "SpeechInterrupted":
            pass
        messages.append(message)
        socket.send_close()
        messages.append(socket.recv())  # SessionMetadata
    return bytes(audio), messages


async def test_sdk_websocket_client_speaks_flux(flux_factory: FluxFactory) -> None:
    emulator = await flux_factory(voice_engine="espeak")
    audio, messages = await within(asyncio.to_thread(_turn_then_barge_in, emulator), 60)
    types = [getattr(m, "type", None) for m in messages]
    assert types == [
        "Connected",
        "ConfigureSuccess",
        "SpeechStarted",
        "Flushed",
        "SpeechMetadata",
        "SpeechStarted",
        "SpeechInterrupted",
        "SessionMetadata",
    ]
    connected, success, started, flushed, meta = messages[:5]
    assert connected.model_name == "alexis"  # type: ignore[attr-defined]
    assert len(connected.model_uuids) == 2  # type: ignore[attr-defined]
    assert success.applied.speed == 1.05  # type: ignore[attr-defined]
    assert flushed.speech_id == started.speech_id == meta.speech_id  # type: ignore[attr-defined]
    assert meta.audio_duration_ms == len(audio) * 1000 // 32000  # type: ignore[attr-defined]
    interrupted = messages[6]
    assert interrupted.audio_played_ms == 5000  # type: ignore[attr-defined]
    assert interrupted.metadata.speech_id == messages[5].speech_id  # type: ignore[attr-defined]
    assert interrupted.text_spoken + interrupted.text_remaining == (  # type: ignore[attr-defined]
        "A second turn that is cut short. And more."
    )
    totals = messages[7]
    assert totals.total_input_character_count > 0  # type: ignore[attr-defined]
    samples = decode_pcm(audio, Encoding.LINEAR16)
    assert 0.5 < len(samples) / 16000 < 4.0
    assert float((samples.astype("float64") ** 2).mean()) ** 0.5 > 300


async def test_sdk_async_socket_client(flux: Emulator) -> None:
    client = AsyncDeepgramClient(api_key=TEST_KEY, environment=_environment(flux))
    types: list[str] = []
    audio = 0
    async with client.speak.v2.connect(
        model="flux-kit-en", encoding="mulaw", sample_rate=8000
    ) as socket:
        await socket.send_speak(SpeakV2Speak(text="Async hello."))
        await socket.send_flush()
        await socket.send_close()
        async for message in socket:
            if isinstance(message, bytes):
                audio += len(message)
            else:
                types.append(message.type)
    assert types == ["Connected", "SpeechStarted", "Flushed", "SpeechMetadata", "SessionMetadata"]
    assert audio == len("Async hello.") * 400  # tone voice: 50 ms of 8 kHz G.711 per character


def _bad_key(emulator: Emulator) -> int:
    client = DeepgramClient(api_key="wrong", environment=_environment(emulator))
    try:
        with client.speak.v2.connect(model="flux-alexis-en"):
            return 0
    except InvalidStatus as exc:
        # deepgram-sdk 7.17's sync client catches the legacy InvalidStatusCode only, so with
        # websockets >= 14 the handshake error escapes unmapped (an SDK quirk, docs/flux.md).
        return exc.response.status_code


async def test_sdk_sees_invalid_credentials(flux: Emulator) -> None:
    assert await within(asyncio.to_thread(_bad_key, flux), 30) == 401
    client = AsyncDeepgramClient(api_key="wrong", environment=_environment(flux))
    with pytest.raises(ApiError) as info:
        async with client.speak.v2.connect(model="flux-alexis-en"):
            pass
    assert info.value.status_code == 401
    assert info.value.body == "Websocket initialized with invalid credentials."


async def test_sdk_rest_generate_streams_audio(flux: Emulator) -> None:
    async with httpx.AsyncClient() as http:
        client = AsyncDeepgramClient(
            api_key=TEST_KEY, environment=_environment(flux), httpx_client=http
        )
        chunks = [
            chunk
            async for chunk in client.speak.v2.audio.generate(
                text="Hello, world.",
                model="flux-alexis-en",
                encoding="linear16",
                container="none",
                sample_rate=24000,
                tag=["a", "b"],
                mip_opt_out=True,
            )
        ]
    assert len(b"".join(chunks)) == len("Hello, world.") * 2400

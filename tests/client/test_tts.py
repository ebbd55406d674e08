"""DeepgramTTS end to end against the emulator: the happy paths and reuse."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from deepgram_tts2 import ConfigurationError, DeepgramTTS, TTSOptions
from deepgram_tts2.client.events import AudioStart, EndReason, Transport
from deepgram_tts2.emulator.server import Emulator
from tests.client.conftest import ClientFactory, drain, speak, tone_bytes
from tests.conftest import TEST_KEY, EmulatorFactory


async def test_one_request_yields_the_grammar_and_exact_audio(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    client = await client_factory(emulator)
    text = "Hello from the emulator. How are you today?"
    outcome = await speak(client, text, request_id="r1")
    assert outcome.kinds == ["AudioStart", "Metric", "AudioChunk", "AudioEnd"]
    end = outcome.end
    assert end.reason is EndReason.COMPLETED
    assert end.request_id == "r1"
    assert end.transport is Transport.WEBSOCKET
    # Two sentences flushed separately; the tone voice gives 50 ms per non-blank character.
    expected = tone_bytes("Hello from the emulator.") + tone_bytes("How are you today?")
    assert len(outcome.audio) == expected
    assert end.audio_ms == pytest.approx(expected / 48)
    start = outcome.events[0]
    assert isinstance(start, AudioStart)
    assert start.format.sample_rate == 24000


async def test_real_speech_at_the_requested_rate(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(voice_engine="espeak")
    client = await client_factory(emulator, sample_rate=16000)
    outcome = await speak(client, "Hello from the emulator.")
    assert 0.8 < outcome.end.audio_ms / 1000 < 4.0


async def test_streamed_tokens_are_spoken_in_order(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    client = await client_factory(emulator)
    stream = client.stream()
    tokens = ["Well", ",", " here", " is", " the", " first", " part", ".", " And", " more", "."]
    for token in tokens:
        await stream.push(token)
    await stream.end()
    outcome = await drain(stream)
    outcome.check_grammar()
    # Flushes fall at "Well, here is the first part." and at the end.
    assert len(outcome.audio) == tone_bytes("Well, here is the first part.") + tone_bytes(
        "And more."
    )


async def test_empty_request_completes_without_audio(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    client = await client_factory(emulator)
    stream = client.stream()
    await stream.push("   ")
    await stream.end()
    outcome = await drain(stream)
    assert outcome.kinds == ["AudioEnd"]
    assert outcome.end.reason is EndReason.COMPLETED
    assert outcome.end.audio_bytes == 0


async def test_requests_reuse_one_prewarmed_socket(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    client = await client_factory(emulator)
    assert emulator.total_connections == 1  # prewarmed before any request
    for i in range(5):
        outcome = await speak(client, f"Request number {i}.")
        assert outcome.end.reason is EndReason.COMPLETED
    assert emulator.total_connections == 1


async def test_concurrent_streams_use_the_pool(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    client = await client_factory(emulator, limits={"pool_size": 3})
    texts = [f"Stream {name} speaks." for name in "abcdef"]
    outcomes = await asyncio.gather(*(speak(client, t) for t in texts))
    for text, outcome in zip(texts, outcomes, strict=True):
        assert len(outcome.audio) == tone_bytes(text)
    assert 1 < emulator.total_connections <= 3


async def test_speak_and_synthesize_helpers(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    client = await client_factory(emulator)
    events = [e async for e in client.speak("One shot.")]
    assert type(events[-1]).__name__ == "AudioEnd"
    assert len(await client.synthesize("One shot.")) == tone_bytes("One shot.")
    assert len(await client.synthesize_pcm("One shot.")) == tone_bytes("One shot.")


async def test_leaving_speak_early_closes_its_stream_at_once(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    client = await client_factory(emulator)
    for events in (client.speak("Left after the first event."), client.synthesize_events("Too.")):
        async with contextlib.aclosing(events):
            async for _ in events:
                break  # the caller stops listening after one event
        assert client.state.open_streams == 0  # no stream outlives the generator


async def test_push_after_end_and_bad_types_are_clear_errors(
    emulator: Emulator, client_factory: ClientFactory
) -> None:
    client = await client_factory(emulator)
    stream = client.stream()
    with pytest.raises(TypeError, match="str"):
        await stream.push(b"bytes")  # type: ignore[arg-type]
    await stream.push("Hi.")
    await stream.end()
    with pytest.raises(Exception, match="after end"):
        await stream.push("more")
    await drain(stream)


def test_options_fail_clearly_without_leaking_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEEPGRAM_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="no Deepgram API key"):
        DeepgramTTS(TTSOptions())
    with pytest.raises(ConfigurationError, match="sample_rate") as info:
        TTSOptions.create(api_key="secret-key-123", encoding="mulaw", sample_rate=48000)
    assert "secret-key-123" not in str(info.value)
    with pytest.raises(ConfigurationError, match="base_url"):
        TTSOptions.create(api_key="k", base_url="ftp://x")
    options = TTSOptions.create(api_key="secret-key-123")
    assert "secret-key-123" not in repr(options)
    assert "secret-key-123" not in str(options.model_dump())


async def test_closed_client_refuses_new_streams(emulator: Emulator) -> None:
    client = DeepgramTTS(TTSOptions.create(api_key=TEST_KEY, base_url=emulator.ws_url))
    async with client:
        pass
    with pytest.raises(Exception, match="closed"):
        client.stream()

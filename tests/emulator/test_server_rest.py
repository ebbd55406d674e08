"""The emulator's REST API (spec section 3)."""

from __future__ import annotations

import io
import struct

import httpx
import numpy as np
import pytest
import soundfile

from deepgram_tts2.emulator.codecs import decode_pcm
from deepgram_tts2.emulator.server import Emulator
from deepgram_tts2.protocol.audio import Encoding
from tests.conftest import TEST_KEY, EmulatorFactory

AUTH = {"Authorization": f"Token {TEST_KEY}"}


async def post(
    emulator: Emulator,
    query: str = "",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(
            f"{emulator.http_url}/v1/speak" + (f"?{query}" if query else ""),
            content=body if body is not None else b'{"text": "Hello, world."}',
            headers={"Content-Type": "application/json", **AUTH, **(headers or {})},
        )


async def test_linear16_wav_with_deepgrams_headers(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory(voice_engine="espeak")
    response = await post(emulator, "model=aura-2-thalia-en&encoding=linear16&sample_rate=24000")
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/wav"
    assert response.headers["dg-request-id"]
    assert response.headers["dg-model-name"] == "aura-2-thalia-en"
    assert response.headers["dg-model-uuid"]
    assert response.headers["dg-char-count"] == "13"
    assert response.headers["transfer-encoding"] == "chunked"
    body = response.content
    assert struct.unpack("<I", body[4:8])[0] == 0x7FFF0024
    samples = decode_pcm(body[44:], Encoding.LINEAR16)
    assert 0.4 < len(samples) / 24000 < 3
    assert np.sqrt(np.mean(samples.astype(np.float64) ** 2)) > 500


@pytest.mark.parametrize(
    ("query", "content_type", "bytes_per_second"),
    [
        ("encoding=linear16&container=none&sample_rate=16000", "audio/l16;rate=16000", 32000),
        ("encoding=mulaw&container=none", "audio/mulaw;rate=8000", 8000),
        ("encoding=alaw&container=none&sample_rate=16000", "audio/alaw;rate=16000", 16000),
    ],
)
async def test_raw_pcm_outputs(
    emulator: Emulator, query: str, content_type: str, bytes_per_second: int
) -> None:
    response = await post(emulator, query)
    assert response.headers["content-type"] == content_type
    tone_seconds = len("Hello, world.") * 0.05
    assert len(response.content) == pytest.approx(tone_seconds * bytes_per_second, rel=0.02)


@pytest.mark.parametrize(
    ("query", "content_type", "fmt"),
    [
        ("encoding=mp3", "audio/mpeg", "MP3"),
        ("", "audio/mpeg", "MP3"),
        ("encoding=flac&sample_rate=16000", "audio/flac", "FLAC"),
        ("encoding=opus", "audio/ogg;codecs=opus", "OGG"),
    ],
)
async def test_compressed_outputs_decode(
    emulator: Emulator, query: str, content_type: str, fmt: str
) -> None:
    response = await post(emulator, query)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert soundfile.info(io.BytesIO(response.content)).format == fmt


async def test_text_plain_body(emulator: Emulator) -> None:
    response = await post(
        emulator, "encoding=linear16&container=none", b"Plain text.", {"Content-Type": "text/plain"}
    )
    assert response.status_code == 200
    assert response.headers["dg-char-count"] == "11"


@pytest.mark.parametrize(
    ("query", "body", "headers", "status", "err_code"),
    [
        ("", b"x", {"Content-Type": "audio/wav"}, 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("", b'{"text": "' + b"a" * 2001 + b'"}', {}, 413, "Payload Too Large"),
        ("", b'{"text": "   "}', {}, 400, "Bad Request"),
        ("", b'{"nope": 1}', {}, 400, "PAYLOAD_ERROR"),
        ("encoding=mp3&sample_rate=16000", None, {}, 400, "INVALID_QUERY_PARAMETER"),
        ("model=aura-nobody-en", None, {}, 400, "Bad Request"),
        ("encoding=aac", None, {}, 400, "INVALID_QUERY_PARAMETER"),
        ("", None, {"Authorization": "Token wrong"}, 401, "INVALID_AUTH"),
    ],
)
async def test_errors_are_deepgram_shaped(
    emulator: Emulator,
    query: str,
    body: bytes | None,
    headers: dict[str, str],
    status: int,
    err_code: str,
) -> None:
    response = await post(emulator, query, body, headers)
    assert response.status_code == status
    payload = response.json()
    assert payload["err_code"] == err_code
    assert payload["request_id"] == response.headers["dg-request-id"]
    assert response.headers["dg-error"] == payload["err_msg"]

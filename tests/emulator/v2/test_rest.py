"""The emulator's ``POST /v2/speak`` (flux §5) over real loopback HTTP."""

from __future__ import annotations

import struct

import httpx
import pytest

from deepgram_tts2.emulator.server import Emulator
from tests.conftest import TEST_KEY
from tests.emulator.v2.conftest import MODEL, FluxFactory

AUTH = {"Authorization": f"Token {TEST_KEY}"}


async def post(emulator: Emulator, query: str, **kwargs: object) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.post(f"{emulator.http_url}/v2/speak?{query}", **kwargs)  # type: ignore[arg-type]


async def test_raw_linear16_body_and_headers(flux: Emulator) -> None:
    response = await post(
        flux,
        f"model={MODEL}&encoding=linear16&container=none&sample_rate=24000",
        json={"text": "Hello, world."},
        headers=AUTH,
    )
    assert response.status_code == 200
    assert len(response.content) == len("Hello, world.") * 2400  # the tone voice
    headers = response.headers
    assert headers["content-type"] == "audio/l16;rate=24000"
    assert headers["dg-model-name"] == MODEL
    assert headers["dg-char-count"] == "13"
    assert headers["dg-pronunciations-applied"] == "0"
    assert headers["dg-breaks-applied"] == "0"
    assert headers["dg-request-id"]
    assert headers["transfer-encoding"] == "chunked"


async def test_defaults_to_mp3_and_wav_for_pcm(flux: Emulator) -> None:
    mp3 = await post(flux, f"model={MODEL}", json={"text": "Hi."}, headers=AUTH)
    assert mp3.headers["content-type"] == "audio/mpeg"
    assert mp3.content[:3] == b"ID3" or mp3.content[0] == 0xFF
    wav = await post(
        flux,
        f"model={MODEL}&encoding=linear16&sample_rate=44100",
        json={"text": "Hi."},
        headers=AUTH,
    )
    assert wav.headers["content-type"] == "audio/wav"
    assert wav.content[:4] == b"RIFF"
    assert struct.unpack("<I", wav.content[24:28])[0] == 44100


async def test_pauses_become_silence(flux: Emulator) -> None:
    query = f"model={MODEL}&encoding=linear16&container=none&sample_rate=24000"
    plain = await post(flux, query, json={"text": "Hi. There."}, headers=AUTH)
    paused = await post(flux, query, json={"text": "Hi. {pause:500ms}There."}, headers=AUTH)
    assert paused.status_code == 200
    assert len(paused.content) - len(plain.content) == pytest.approx(500 * 48 - 2400, abs=4)
    assert paused.headers["dg-breaks-applied"] == "1"


@pytest.mark.parametrize(
    ("query", "body", "headers", "status", "code"),
    [
        (f"model={MODEL}", {"text": "Hi"}, {}, 401, "INVALID_AUTH"),
        ("model=aura-2-thalia-en", {"text": "Hi"}, AUTH, 400, "Bad Request"),
        (f"model={MODEL}&foo=1", {"text": "Hi"}, AUTH, 400, "INVALID_QUERY_PARAMETER"),
        (f"model={MODEL}&expressivity=9", {"text": "Hi"}, AUTH, 400, "EXPRESSIVITY_OUT_OF_RANGE"),
        (f"model={MODEL}", {"text": "Hi", "url": "http://x"}, AUTH, 400, "PAYLOAD_ERROR"),
        (f"model={MODEL}", {"text": " "}, AUTH, 400, "Bad Request"),
        (
            f"model={MODEL}&speed=1.2",
            {"text": "a {pause:500ms} b"},
            AUTH,
            400,
            "PAUSE_SPEED_CAP_EXCEEDED",
        ),
        (f"model={MODEL}", {"text": "a {pause:550ms} b"}, AUTH, 400, "BREAK_INCREMENT_INVALID"),
        (f"model={MODEL}&encoding=aac", {"text": "Hi"}, AUTH, 400, "INVALID_QUERY_PARAMETER"),
    ],
)
async def test_rejections(
    flux: Emulator,
    query: str,
    body: dict[str, object],
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    response = await post(flux, query, json=body, headers=headers)
    assert response.status_code == status
    assert response.json()["err_code"] == code
    assert response.headers["dg-error"] == response.json()["err_msg"]


async def test_text_plain_is_an_option(flux_factory: FluxFactory) -> None:
    strict = await flux_factory()
    refused = await post(
        strict, f"model={MODEL}", content=b"Hi.", headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert refused.status_code == 415
    lenient = await flux_factory(rest_lenient_body=True)
    ok = await post(
        lenient, f"model={MODEL}", content=b"Hi.", headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert ok.status_code == 200


async def test_callback_gets_the_json_acknowledgement(flux: Emulator) -> None:
    response = await post(
        flux, f"model={MODEL}&callback=http://127.0.0.1:9/cb", json={"text": "Hi."}, headers=AUTH
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"request_id": response.headers["dg-request-id"]}

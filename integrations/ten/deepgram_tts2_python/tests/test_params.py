"""The upstream extension's params tests: known keys lifted out of ``params``, the rest passed
through to Deepgram's query; audio at 16, 24 and 48 kHz."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from deepgram_tts2.protocol.v1.url import build_url
from deepgram_tts2_python.config import DeepgramTTS2Config

from .support import HELLO, SendAndWait, load_config, run_tester, with_params


def test_params_passthrough() -> None:
    config = DeepgramTTS2Config(
        params={
            "api_key": "super-secret-key-12345",
            "base_url": "wss://api.deepgram.com/v1/speak",
            "model": "aura-2-thalia-en",
            "encoding": "linear16",
            "sample_rate": 24000,
            "bit_rate": 64000,
            "container": "none",
        }
    )
    config.update_params()
    options = config.to_options()
    url = build_url(options.websocket_url, options.speak_params())
    assert url.startswith("wss://api.deepgram.com/v1/speak?")
    assert parse_qs(urlsplit(url).query) == {
        "model": ["aura-2-thalia-en"],
        "encoding": ["linear16"],
        "sample_rate": ["24000"],
        "bit_rate": ["64000"],
        "container": ["none"],
    }
    shown = config.to_str()
    assert "super-secret-key-12345" not in shown
    assert "aura-2-thalia-en" in shown


@pytest.mark.parametrize("rate", [16000, 24000, 48000])
def test_sample_rate(rate: int) -> None:
    config = with_params(load_config("property_basic_audio_setting1.json"), sample_rate=rate)
    tester = SendAndWait([("r", HELLO, True)])
    run_tester(tester, config)
    assert tester.frames()
    assert {f.sample_rate for f in tester.frames()} == {rate}
    assert tester.ends()[0]["reason"] == 1

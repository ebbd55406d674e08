"""``TTSOptions``: what is refused when the options are built, with messages that quote nothing
the user gave (values may be secrets)."""

from __future__ import annotations

import pytest

from deepgram_tts2 import ConfigurationError, TTSOptions

KEY = "opt-test-Key-0123456789abcdef"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ws://127.0.0.1:99999/v1/speak", "port"),
        ("wss://h:abc/v1/speak", "port"),
        ("ws://127.0.0.1:0/v1/speak", "port"),
        ("wss://:443/v1/speak", "host name"),
        ("wss://user:pw-Secret-77@h/v1/speak", "credentials"),
        ("wss://h/v1/speak?token=tok-Secret-77", "query"),
        ("wss://h/v1/speak#frag", "query"),
    ],
)
def test_unusable_base_urls_are_refused_without_quoting_them(url: str, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem) as info:
        TTSOptions.create(api_key=KEY, base_url=url)
    assert "Secret-77" not in str(info.value)
    assert url not in str(info.value)


@pytest.mark.parametrize("url", ["ws://127.0.0.1:8787", "wss://api.deepgram.com/v1/speak"])
def test_usable_base_urls_are_taken(url: str) -> None:
    assert TTSOptions.create(api_key=KEY, base_url=url).websocket_url.startswith("ws")


def test_flux_takes_only_tag_as_extra_query() -> None:
    options = TTSOptions.create(api_key=KEY, model="flux-alexis-en", extra_query={"tag": "t1"})
    assert options.flux_params().tags == ("t1",)
    with pytest.raises(ConfigurationError, match="only 'tag' for Flux"):
        TTSOptions.create(api_key=KEY, model="flux-alexis-en", extra_query={"priority": "high"})
    aura = TTSOptions.create(api_key=KEY, extra_query={"priority": "high"})  # Aura passes it on
    assert ("priority", "high") in aura.speak_params().extra


def test_a_bad_model_is_refused_without_quoting_it() -> None:
    with pytest.raises(ConfigurationError, match="model is neither") as info:
        TTSOptions.create(api_key=KEY, model=KEY)
    assert KEY not in str(info.value)


def test_a_space_inside_a_key_is_named_as_a_space() -> None:
    with pytest.raises(ConfigurationError, match="a space at position 3"):
        TTSOptions.create(api_key="abc def")
    assert TTSOptions.create(api_key=f" \t{KEY}\r\n").require_key() == KEY

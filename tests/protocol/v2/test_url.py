"""Flux query rules: building and validating ``/v2/speak`` parameters (flux §1.3, §5.1)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from deepgram_tts2.protocol.audio import Container, Encoding
from deepgram_tts2.protocol.v2.models import (
    RETIRED_MODELS,
    VOICES,
    is_flux_model,
    is_known_model,
    voice_name,
)
from deepgram_tts2.protocol.v2.url import (
    FluxParams,
    QueryError,
    QueryRules,
    Transport,
    build_url,
    check_speed,
    parse_query,
)

WS, REST = Transport.WEBSOCKET, Transport.REST


def q(text: str) -> list[tuple[str, str]]:
    return parse_qsl(text, keep_blank_values=True)


def test_the_catalog_has_the_36_ga_voices() -> None:
    assert len(VOICES) == 36
    assert is_known_model("flux-alexis-en")
    assert is_known_model("flux-kit-en")
    assert not is_known_model("flux-renee-en")  # removed at GA
    assert "flux-renee-en" in RETIRED_MODELS
    assert is_flux_model("flux-renee-en")
    assert not is_flux_model("aura-2-thalia-en")
    assert voice_name("flux-alexis-en") == "alexis"
    assert {v.gender for v in VOICES.values()} == {"F", "M"}


def test_a_full_parameter_set_round_trips() -> None:
    params = FluxParams(
        model="flux-haley-en",
        encoding=Encoding.MULAW,
        sample_rate=8000,
        speed=1.05,
        expressivity=-1,
        mip_opt_out=True,
        tags=("a", "b"),
    )
    url = build_url("wss://api.deepgram.com/v1", params)
    parts = urlsplit(url)
    assert parts.path == "/v2/speak"
    items = q(parts.query)
    assert ("mip_opt_out", "true") in items
    assert [v for k, v in items if k == "tag"] == ["a", "b"]
    assert parse_query(items, WS) == params


def test_defaults() -> None:
    params = parse_query(q("model=flux-alexis-en"), WS)
    assert isinstance(params, FluxParams)
    assert params.effective_encoding(WS) is Encoding.LINEAR16
    assert params.effective_sample_rate(WS) == 24000
    assert params.effective_container(WS) is Container.NONE
    assert params.effective_encoding(REST) is Encoding.MP3
    g711 = parse_query(q("model=flux-alexis-en&encoding=alaw"), WS)
    assert isinstance(g711, FluxParams)
    assert g711.effective_sample_rate(WS) == 8000
    assert g711.effective_sample_rate(WS, g711_default=16000) == 16000
    wav = parse_query(q("model=flux-alexis-en&encoding=linear16"), REST)
    assert isinstance(wav, FluxParams)
    assert wav.effective_container(REST) is Container.WAV


@pytest.mark.parametrize(
    ("query", "code", "fragment"),
    [
        ("", "Bad Request", "`model`"),
        ("model=aura-2-thalia-en", "Bad Request", "/v1/speak"),
        ("model=flux-nobody-en", "Bad Request", "No such model"),
        ("model=flux-alexis-en&foo=1", "INVALID_QUERY_PARAMETER", "`foo`"),
        ("model=flux-alexis-en&container=none", "INVALID_QUERY_PARAMETER", "streaming"),
        ("model=flux-alexis-en&bit_rate=48000", "INVALID_QUERY_PARAMETER", "streaming"),
        ("model=flux-alexis-en&callback=http://x", "INVALID_QUERY_PARAMETER", "streaming"),
        ("model=flux-alexis-en&priority=low", "INVALID_QUERY_PARAMETER", "streaming"),
        ("model=flux-alexis-en&callback_method=POST", "INVALID_QUERY_PARAMETER", "streaming"),
        ("model=flux-alexis-en&encoding=mp3", "INVALID_QUERY_PARAMETER", "streaming"),
        ("model=flux-alexis-en&encoding=wav", "INVALID_QUERY_PARAMETER", "encoding"),
        ("model=flux-alexis-en&sample_rate=24000.0", "INVALID_QUERY_PARAMETER", "sample_rate"),
        ("model=flux-alexis-en&sample_rate=22050", "INVALID_QUERY_PARAMETER", "44100"),
        (
            "model=flux-alexis-en&encoding=mulaw&sample_rate=24000",
            "INVALID_QUERY_PARAMETER",
            "8000",
        ),
        ("model=flux-alexis-en&speed=fast", "INVALID_QUERY_PARAMETER", "speed"),
        ("model=flux-alexis-en&speed=1.55", "SPEED_OUT_OF_RANGE", "between 0.5 and 1.5"),
        ("model=flux-alexis-en&speed=0.45", "SPEED_OUT_OF_RANGE", "between"),
        ("model=flux-alexis-en&speed=1.07", "SPEED_INCREMENT_INVALID", "0.05"),
        ("model=flux-alexis-en&expressivity=3", "EXPRESSIVITY_OUT_OF_RANGE", "-2"),
        ("model=flux-alexis-en&expressivity=1.5", "EXPRESSIVITY_INCREMENT_INVALID", "integer"),
        ("model=flux-alexis-en&mip_opt_out=yes", "INVALID_QUERY_PARAMETER", "true"),
    ],
)
def test_rejections_use_deepgrams_400(query: str, code: str, fragment: str) -> None:
    result = parse_query(q(query), WS)
    assert isinstance(result, QueryError), result
    assert result.status == 400
    assert result.err_code == code
    assert fragment in result.err_msg


@pytest.mark.parametrize("speed", ["1", "1.0", "1.00", "0.5", "1.5", "0.95", "1.05", "1.15"])
def test_any_decimal_on_the_grid_is_accepted(speed: str) -> None:
    result = parse_query(q(f"model=flux-alexis-en&speed={speed}"), WS)
    assert isinstance(result, FluxParams)
    assert result.speed == pytest.approx(float(speed))


def test_44100_is_a_flux_rate_and_legacy_speed_range_is_an_option() -> None:
    assert isinstance(parse_query(q("model=flux-alexis-en&sample_rate=44100"), WS), FluxParams)
    legacy = QueryRules(speed_range=(0.85, 1.15))
    refused = parse_query(q("model=flux-alexis-en&speed=1.2"), WS, legacy)
    assert isinstance(refused, QueryError)
    assert refused.err_code == "SPEED_OUT_OF_RANGE"
    assert check_speed(1.2) is None


def test_options_for_unknown_models_speed_support_and_g711_default() -> None:
    lax = QueryRules(require_known_model=False)
    assert isinstance(parse_query(q("model=flux-renee-en"), WS, lax), FluxParams)
    no_speed = parse_query(
        q("model=flux-alexis-en&speed=1.0"), WS, QueryRules(runtime_speed_supported=False)
    )
    assert isinstance(no_speed, QueryError)
    assert no_speed.err_code == "SPEED_NOT_SUPPORTED"
    strict = QueryRules(g711_default_sample_rate=None)
    missing = parse_query(q("model=flux-alexis-en&encoding=mulaw"), WS, strict)
    assert isinstance(missing, QueryError)
    assert isinstance(
        parse_query(q("model=flux-alexis-en&encoding=mulaw"), REST, strict), FluxParams
    )


@pytest.mark.parametrize(
    ("query", "ok"),
    [
        ("encoding=mp3&bit_rate=8000", True),
        ("encoding=mp3&bit_rate=12000", False),
        ("encoding=mp3&sample_rate=24000", False),
        ("encoding=opus&container=ogg&bit_rate=12000", True),
        ("encoding=opus&bit_rate=1000", False),
        ("encoding=linear16&container=none&sample_rate=44100", True),
        ("encoding=linear16&container=ogg", False),
        ("encoding=flac&sample_rate=22050", True),
        ("encoding=flac&bit_rate=1000", False),
        ("callback=http://localhost/x&callback_method=PUT&priority=low", True),
        ("callback_method=GET", False),
        ("priority=high", False),
        ("tag=a&tag=b&expressivity=2", True),
    ],
)
def test_rest_parameters(query: str, ok: bool) -> None:
    result = parse_query(q(f"model=flux-alexis-en&{query}"), REST)
    assert isinstance(result, FluxParams) is ok, result

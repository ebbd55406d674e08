"""Query parameters: building URLs and validating parameter sets as Deepgram does."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from deepgram_tts2.protocol.audio import Container, Encoding
from deepgram_tts2.protocol.v1.url import (
    Api,
    QueryError,
    SpeakParams,
    build_url,
    format_extra,
    parse_query,
)


def test_build_url_adds_path_and_stable_query() -> None:
    params = SpeakParams(
        model="aura-2-thalia-en",
        encoding=Encoding.LINEAR16,
        sample_rate=24000,
        speed=1,
        mip_opt_out=False,
        extra=(("tag", "x"),),
    )
    url = build_url("ws://127.0.0.1:9/", params)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("ws", "127.0.0.1:9", "/v1/speak")
    assert parse_qsl(parts.query) == [
        ("model", "aura-2-thalia-en"),
        ("encoding", "linear16"),
        ("sample_rate", "24000"),
        ("speed", "1.0"),
        ("mip_opt_out", "false"),
        ("tag", "x"),
    ]


def test_build_url_keeps_an_explicit_path() -> None:
    assert urlsplit(build_url("wss://h/custom/speak", SpeakParams())).path == "/custom/speak"


def test_format_extra_lowercases_booleans_and_rejects_collisions() -> None:
    assert format_extra({"b": True, "a": 1}) == (("a", "1"), ("b", "true"))
    with pytest.raises(ValueError, match="own option"):
        format_extra({"model": "x"})
    with pytest.raises(ValueError, match="scalar"):
        format_extra({"x": [1]})  # type: ignore[dict-item]


def test_parse_query_round_trips_built_params() -> None:
    params = SpeakParams(
        model="aura-2-thalia-en", encoding=Encoding.MULAW, sample_rate=8000, mip_opt_out=True
    )
    assert parse_query(params.to_query(), Api.WEBSOCKET) == params


def test_websocket_defaults() -> None:
    parsed = parse_query([], Api.WEBSOCKET)
    assert isinstance(parsed, SpeakParams)
    assert parsed.model == "aura-asteria-en"
    assert parsed.effective_encoding(Api.WEBSOCKET) is Encoding.LINEAR16
    assert parsed.effective_sample_rate(Api.WEBSOCKET) == 24000
    assert parsed.effective_container(Api.WEBSOCKET) is Container.NONE


def test_rest_defaults_to_mp3() -> None:
    parsed = parse_query([("model", "aura-2-thalia-en")], Api.REST)
    assert isinstance(parsed, SpeakParams)
    assert parsed.effective_encoding(Api.REST) is Encoding.MP3
    assert parsed.effective_sample_rate(Api.REST) == 22050
    mulaw = parse_query([("encoding", "mulaw")], Api.REST)
    assert isinstance(mulaw, SpeakParams)
    assert mulaw.effective_container(Api.REST) is Container.WAV
    assert mulaw.effective_sample_rate(Api.REST) == 8000


def test_unknown_params_pass_through_and_lenient_ws_bit_rate() -> None:
    parsed = parse_query([("tag", "a"), ("bit_rate", "48000")], Api.WEBSOCKET)
    assert isinstance(parsed, SpeakParams)
    assert parsed.extra == (("tag", "a"),)
    assert parsed.bit_rate == 48000


@pytest.mark.parametrize(
    ("items", "api", "fragment"),
    [
        ([("model", "aura-nobody-en")], Api.WEBSOCKET, "No such model/version combination"),
        ([("encoding", "wav")], Api.WEBSOCKET, "unknown variant `wav`"),
        ([("encoding", "mp3")], Api.WEBSOCKET, "not supported for streaming"),
        ([("encoding", "mulaw"), ("sample_rate", "24000")], Api.WEBSOCKET, "must be [8000, 16000]"),
        ([("sample_rate", "0")], Api.WEBSOCKET, "`sample_rate` must be"),
        ([("sample_rate", "abc")], Api.WEBSOCKET, "invalid digit"),
        ([("container", "wav")], Api.WEBSOCKET, "invalid when streaming"),
        ([("encoding", "mp3"), ("container", "wav")], Api.REST, "not applicable"),
        ([("encoding", "opus"), ("container", "wav")], Api.REST, "`container=wav` is invalid"),
        ([("encoding", "mp3"), ("sample_rate", "24000")], Api.REST, "not applicable"),
        ([("encoding", "mp3"), ("bit_rate", "64000")], Api.REST, "must be [32000, 48000]"),
        ([("encoding", "opus"), ("bit_rate", "100")], Api.REST, "must be [4000..650000]"),
        ([("encoding", "linear16"), ("bit_rate", "48000")], Api.REST, "not applicable"),
        ([("speed", "2.0")], Api.WEBSOCKET, "`speed` must be between"),
        ([("speed", "fast")], Api.WEBSOCKET, "invalid float"),
        ([("mip_opt_out", "yes")], Api.WEBSOCKET, "`true` or `false`"),
    ],
)
def test_invalid_params_get_deepgrams_error(
    items: list[tuple[str, str]], api: Api, fragment: str
) -> None:
    result = parse_query(items, api)
    assert isinstance(result, QueryError)
    assert result.status == 400
    assert fragment in result.err_msg


def test_unknown_model_accepted_when_not_required() -> None:
    parsed = parse_query(
        [("model", "aura-2-newvoice-en")], Api.WEBSOCKET, require_known_model=False
    )
    assert isinstance(parsed, SpeakParams)
    assert parsed.model == "aura-2-newvoice-en"

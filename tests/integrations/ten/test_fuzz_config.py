"""Property tests of the TEN extension's configuration (``deepgram_tts2_python/config.py``,
issue #11.13): properties come from graph files, environment variables and ``update_configs``
commands, so any JSON may arrive.

* ``from_properties`` (a dict or its JSON text) gives a config or a ``ConfigError``, nothing else;
  ``update_params`` and ``merge_properties`` likewise; ``to_options`` gives ``TTSOptions`` or a
  ``ConfigurationError``.
* A key-like secret planted where secrets live (``api_key`` at the top or under ``params``, the
  user info or query of ``base_url``, pass-through ``params``) never shows, in any 8 characters,
  in ``to_str()``, ``repr``/``str``, the options built from it, or any error and its chain.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepgram_tts2 import TTSOptions
from deepgram_tts2.exceptions import ConfigurationError

config_module = pytest.importorskip("deepgram_tts2_python.config")
ConfigError = config_module.ConfigError
DeepgramTTS2Config = config_module.DeepgramTTS2Config
merge_properties = config_module.merge_properties

SECRET = "Pz5Lq8Wn2Xv7Rk4Tj1Hm6Bc9Ds3Gf0Ya"


def leaked(text: str, secret: str = SECRET, window: int = 8) -> list[str]:
    return [
        secret[i : i + window]
        for i in range(len(secret) - window + 1)
        if secret[i : i + window] in text
    ]


def attempt(
    call: Any, *args: Any, errors: tuple[type[BaseException], ...] = (Exception,)
) -> tuple[Any, BaseException | None]:
    """``(call(*args), None)``, or ``(None, the exception)`` when it raises one of ``errors``."""
    try:
        return call(*args), None
    except errors as exc:
        return None, exc


def chain_text(exc: BaseException) -> str:
    parts: list[str] = []
    todo: list[BaseException | None] = [exc]
    seen: set[int] = set()
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        parts += [str(item), repr(item)]
        todo += [item.__cause__, item.__context__]
    return "\n".join(parts)


# Values that carry no secret (they may be shown in clear: model, encoding, modelled params).
plain_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(),
    st.text(max_size=12),
)
plain_values = st.recursive(
    plain_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
secret_values = st.sampled_from(
    [SECRET, SECRET + "\n", " " + SECRET, SECRET + "\x00", SECRET + "é", [SECRET], {"k": SECRET}]
)
key_values = secret_values | plain_values | st.just("")
urls = st.one_of(
    st.sampled_from(
        [
            "wss://api.deepgram.com/v1/speak",
            "ws://127.0.0.1:8787/v1/speak",
            "http://localhost:1",
            "ftp://x/",
            "not a url",
            "ws://[::1",
            "${env:DEEPGRAM_TTS2_TEST_URL|wss://api.deepgram.com/v1/speak}",
        ]
    ),
    st.builds(
        lambda scheme, cred, host, query: f"{scheme}://{cred}@{host}/v1/speak{query}",
        st.sampled_from(["ws", "wss", "https"]),
        st.sampled_from([f"user:{SECRET}", f":{SECRET}", SECRET]),
        st.sampled_from(["h", "127.0.0.1:9", "[::1]:8787"]),
        st.sampled_from(["", f"?token={SECRET}", f"?a=1#{SECRET}"]),
    ),
    st.builds(
        lambda host, query: f"wss://{host}/v1/speak?{query}",
        st.sampled_from(["h", "h:1"]),
        st.sampled_from([f"api_key={SECRET}", f"tag={SECRET}"]),
    ),
    plain_values,
)
modelled = {
    "model": st.sampled_from(["aura-2-thalia-en", "flux-alexis-en", "x"]) | plain_values,
    "encoding": st.sampled_from(["linear16", "mulaw", "alaw", "mp3"]) | plain_values,
    "sample_rate": st.sampled_from([8000, 16000, 24000, 48000, 22050, "24000", True])
    | plain_values,
    "speed": st.sampled_from([0.7, 1.0, 1.5, 2.0, "1.0"]) | plain_values,
    "mip_opt_out": st.booleans() | plain_values,
    "container": st.sampled_from(["none", "wav"]) | plain_values,
    "bit_rate": st.sampled_from([48000, 0, -1]) | plain_values,
}
passthrough_names = st.sampled_from(["tag", "callback", "token", "priority"]) | st.text(
    alphabet="abcdefgh_", min_size=1, max_size=6
)


@st.composite
def params(draw: st.DrawFn) -> Any:
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        out["api_key"] = draw(key_values)
    if draw(st.booleans()):
        out["base_url"] = draw(urls)
    for name in draw(st.lists(st.sampled_from(sorted(modelled)), max_size=3)):
        out[name] = draw(modelled[name])
    extra = draw(st.dictionaries(passthrough_names, secret_values | plain_values, max_size=3))
    out.update({k: v for k, v in extra.items() if k not in out})
    return out if draw(st.integers(0, 9)) else draw(plain_values)  # now and then not an object


@st.composite
def properties(draw: st.DrawFn) -> Any:
    top: dict[str, Any] = {}
    if draw(st.booleans()):
        top["params"] = draw(params())
    if draw(st.booleans()):
        top["api_key"] = draw(key_values)
    if draw(st.booleans()):
        top["base_url"] = draw(urls)
    optional = {
        "dump": st.booleans() | plain_values,
        "dump_path": st.sampled_from(["/tmp", "./dump/", ""]) | plain_values,
        "metrics_port": st.sampled_from([None, 0, 9464, 70000, -1, True, "9464"]) | plain_values,
        "metrics_host": st.sampled_from(["127.0.0.1", "::1"]) | plain_values,
        "model": modelled["model"],
        "sample_rate": modelled["sample_rate"],
        "unknown": plain_values,
    }
    for name in draw(st.lists(st.sampled_from(sorted(optional)), max_size=3)):
        top[name] = draw(optional[name])
    shape = draw(st.integers(0, 9))
    if shape == 0:
        return draw(plain_values)  # not an object at all
    if shape == 1:
        return json.dumps(top)  # the JSON text TEN hands over
    if shape == 2:
        return draw(st.sampled_from(["", "{", "null", "[]", '{"params": 1}']))
    return top


def _shown(config: Any) -> str:
    return "\n".join(
        [config.to_str(), config.to_str(sensitive_handling=False), repr(config), str(config)]
    )


def _check_options(config: Any) -> None:
    options, error = attempt(config.to_options)
    if error is not None:
        assert isinstance(error, ConfigurationError), chain_text(error)
        assert not leaked(chain_text(error)), chain_text(error)
        return
    assert isinstance(options, TTSOptions)
    if config.key.strip():
        assert options.require_key() == config.key.strip()
    # The library refuses a base_url with user info or a query (tests/test_options.py), shows
    # extra_query in clear (query parameters are no secret to it); the key must never show.
    quiet = options.model_copy(update={"base_url": "", "extra_query": {}})
    shown = "\n".join([repr(quiet), str(quiet.model_dump()), quiet.model_dump_json()])
    assert not leaked(shown), shown


@given(props=properties())
@settings(max_examples=200)
def test_any_properties_give_a_config_or_a_config_error(props: Any) -> None:
    config, error = attempt(DeepgramTTS2Config.from_properties, props)
    if error is not None:
        assert isinstance(error, ConfigError), chain_text(error)
        assert str(error)
        assert not leaked(chain_text(error)), chain_text(error)
        return
    assert not leaked(_shown(config)), _shown(config)
    _check_options(config)


@given(props=properties())
@settings(max_examples=120)
def test_update_params_lifts_or_refuses_without_showing_secrets(props: Any) -> None:
    """The upstream pattern: validate the tree, then lift the known keys out of ``params``."""
    tree = props if isinstance(props, dict) else {}
    config, error = attempt(DeepgramTTS2Config.model_validate, tree)
    if error is not None:  # pydantic's own ValidationError: not this module's API
        assert not leaked(chain_text(error)), chain_text(error)
        return
    _, error = attempt(config.update_params)
    if error is not None:
        assert isinstance(error, ConfigError), chain_text(error)
        assert not leaked(chain_text(error)), chain_text(error)
        return
    assert not any(k in config.params for k in config_module.KNOWN_PARAMS)
    assert not leaked(_shown(config)), _shown(config)


@given(base=properties(), update=properties())
@settings(max_examples=120)
def test_merge_properties_merges_or_refuses(base: Any, update: Any) -> None:
    if not isinstance(base, dict) or not isinstance(update, dict):
        return  # the extension refuses a non-object first ("the configs must be a JSON object")
    merged, error = attempt(merge_properties, base, update)
    if error is not None:
        assert isinstance(error, ConfigError), chain_text(error)
        assert not leaked(chain_text(error))
        return
    assert isinstance(merged["params"], dict)
    for key, value in update.items():
        if key != "params":
            assert merged[key] == value or value != value  # NaN is never equal to itself
    new_params = update.get("params", {})
    for key, value in new_params.items():
        assert merged["params"][key] == value or value != value
    config, error = attempt(DeepgramTTS2Config.from_properties, merged)
    if error is not None:
        assert isinstance(error, ConfigError), chain_text(error)
        assert not leaked(chain_text(error))
        return
    assert not leaked(_shown(config))
    _check_options(config)


def test_the_planted_secret_reaches_the_options() -> None:
    """The strategies above do plant the secret where it is used (the scan has teeth)."""
    config = DeepgramTTS2Config.from_properties(
        {"params": {"api_key": SECRET, "base_url": f"wss://u:{SECRET}@h/v1/speak", "tag": SECRET}}
    )
    assert config.key == SECRET
    assert SECRET in config.base_url
    assert config.params["tag"] == SECRET
    assert not leaked(_shown(config))
    with pytest.raises(ConfigurationError) as info:  # the library refuses URL credentials
        config.to_options()
    assert not leaked(str(info.value))
    config.base_url = "wss://h/v1/speak"
    assert config.to_options().require_key() == SECRET

"""What the client takes from outside: the API key (#11.1), any option value (#11.13), text
that cannot be encoded (#11.5, client side), and a server's error body.

* A key read from a file (trailing ``\\n``, ``\\r\\n``) or with surrounding spaces is stripped
  and works; NUL, any other control character or a non-ASCII character is a
  ``ConfigurationError`` when the options are built, naming the problem and the position, never
  the key: through ``TTSOptions(...)``, ``TTSOptions.create(...)`` and ``$DEEPGRAM_API_KEY``
  here, and through ``dgtts speak --api-key`` / ``$DEEPGRAM_API_KEY`` (exit 0 or 2, no key in
  the output) in ``tests/test_secrets.py::test_no_command_line_path_shows_the_key``.
* ``TTSOptions.create`` with arbitrary JSON-ish values in every field raises nothing but
  ``ConfigurationError``, whose message (and exception chain) shows no value; options that are
  accepted never show the key and yield usable derived values (URLs, formats, query
  parameters). Accepted URLs (``base_url``, ``fleet.redis_url``) must be usable and must not be
  shown with their credentials (a URL with user info or a query is refused).
* Text with a lone surrogate is an ``InputError`` from ``push()``, ``speak()`` (also its long,
  spread path), ``synthesize()`` and ``synthesize_pcm()`` before anything is sent: the emulator
  parses no Speak and no REST body; the client goes on working.
* A deeply nested JSON error body from a server is a typed error (not a RecursionError).
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from deepgram_tts2 import DeepgramTTS, TTSOptions
from deepgram_tts2.client.events import AudioChunk, Error
from deepgram_tts2.client.stream import check_text
from deepgram_tts2.emulator.server import Emulator
from deepgram_tts2.exceptions import ConfigurationError, InputError
from deepgram_tts2.protocol.v1 import rest as v1_rest
from deepgram_tts2.protocol.v1 import server_session as v1_server
from deepgram_tts2.protocol.v1.messages import Speak as V1Speak
from deepgram_tts2.protocol.v1.url import build_url as v1_build_url
from deepgram_tts2.protocol.v2 import rest as v2_rest
from deepgram_tts2.protocol.v2 import server_session as v2_server
from deepgram_tts2.protocol.v2.messages import Speak as V2Speak
from deepgram_tts2.protocol.v2.url import build_url as v2_build_url
from tests.client.conftest import ClientFactory, speak
from tests.conftest import EmulatorFactory

KEY = "c4Jw9TqX2LzR7bN1vK8mY3pH6sD0fG5aQeUiWoZt"  # 40 letters and digits
VALUE_SECRET = "Hn3Ve8QkL1xZ6tPw9RbM4cYs"  # planted in option values


def leaked(text: str, secret: str = KEY, window: int = 8) -> list[str]:
    """The ``window``-character pieces of ``secret`` that occur in ``text``."""
    return [
        secret[i : i + window]
        for i in range(len(secret) - window + 1)
        if secret[i : i + window] in text
    ]


def attempt(call: Any, *args: Any, **kwargs: Any) -> tuple[Any, BaseException | None]:
    """``(call(...), None)``, or ``(None, the exception)`` when it raises."""
    try:
        return call(*args, **kwargs), None
    except Exception as exc:
        return None, exc


def chain_text(exc: BaseException) -> str:
    """str and repr of ``exc`` and of every exception in its cause/context chain."""
    parts: list[str] = []
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        parts += [str(item), repr(item), str(getattr(item, "__dict__", ""))]
        todo += [item.__cause__, item.__context__]
    return "\n".join(parts)


@pytest.fixture(scope="module", autouse=True)
def no_key_in_environment() -> Iterator[None]:
    """Nothing here may read a developer's real key."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("DEEPGRAM_API_KEY", raising=False)
        yield


# ---------------------------------------------------------------------------------------------
# Key hygiene (#11.1)

DECORATED = {
    "newline": KEY + "\n",
    "crlf": KEY + "\r\n",
    "spaces": f"  {KEY}  ",
    "tab-and-newline": f"\t{KEY}\n",
}


def _build(how: str, key: str) -> TTSOptions:
    if how == "init":
        return TTSOptions(api_key=key)
    if how == "create":
        return TTSOptions.create(api_key=key)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DEEPGRAM_API_KEY", key)
        return TTSOptions()


HOW = ["init", "create", "env"]


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("key", list(DECORATED.values()), ids=list(DECORATED))
def test_surrounding_whitespace_is_stripped(how: str, key: str) -> None:
    options = _build(how, key)
    assert options.require_key() == KEY
    assert not leaked(repr(options))


# (key, what the message calls the character, its position in the key)
REFUSED = {
    "nul": (KEY[:5] + "\x00" + KEY[5:], "a control character", 5),
    "soh": (KEY[:9] + "\x01" + KEY[9:], "a control character", 9),
    "escape": (KEY[:3] + "\x1b[0m" + KEY[3:], "a control character", 3),
    "del": (KEY + "\x7f", "a control character", 40),
    "inner-newline": (KEY[:20] + "\n" + KEY[20:], "a control character", 20),
    "inner-tab": (KEY[:7] + "\t" + KEY[7:], "a control character", 7),
    "e-acute": (KEY[:11] + "é" + KEY[11:], "a non-ASCII character", 11),
    "zero-width-space": (KEY[:2] + "\u200b" + KEY[2:], "a non-ASCII character", 2),
    "nbsp-inside": (KEY[:30] + "\u00a0" + KEY[30:], "a non-ASCII character", 30),
    "cyrillic": ("ключ" + KEY, "a non-ASCII character", 0),
    "emoji": (KEY + "🔑", "a non-ASCII character", 40),
    "c1-control": (KEY[:4] + "\x85" + KEY[4:], "a non-ASCII character", 4),
}


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("case", list(REFUSED))
def test_unusable_keys_are_refused_by_position_never_shown(how: str, case: str) -> None:
    key, kind, position = REFUSED[case]
    if how == "env" and "\x00" in key:
        pytest.skip("an environment variable cannot hold NUL")
    with pytest.raises(ConfigurationError) as info:
        _build(how, key)
    message = str(info.value)
    assert message.startswith("invalid options: api_key: ")
    assert f"contains {kind} at position {position}" in message
    assert not leaked(chain_text(info.value))


@pytest.mark.parametrize(
    "around",
    ["\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\u00a0", "\u3000", "\u2028"],
    ids=["VT", "FF", "FS", "US", "NEL", "NBSP", "ideographic-space", "line-separator"],
)
@pytest.mark.parametrize("where", ["before", "after"])
def test_only_ascii_spaces_and_line_ends_are_stripped(around: str, where: str) -> None:
    key = around + KEY if where == "before" else KEY + around
    with pytest.raises(ConfigurationError) as info:
        TTSOptions(api_key=key)
    assert not leaked(chain_text(info.value))


def test_a_refused_key_is_refused_even_with_leading_whitespace() -> None:
    with pytest.raises(ConfigurationError) as info:
        TTSOptions(api_key="  " + KEY[:5] + "\x00" + KEY[5:])
    assert "a control character" in str(info.value)
    assert not leaked(chain_text(info.value))


async def test_a_key_read_from_a_file_works_end_to_end(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory, tmp_path: pathlib.Path
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")  # what `echo $KEY > key` leaves
    emulator = await emulator_factory(api_keys=(KEY,))
    for transport in ("websocket", "rest"):
        client = await client_factory(
            emulator, api_key=key_file.read_text(), transport=transport, limits={"prewarm": 0}
        )
        outcome = await speak(client, "Hello there.")
        assert outcome.error is None, outcome.error
        assert outcome.audio


# ---------------------------------------------------------------------------------------------
# Every option field with arbitrary values (#11.13)

SECRET_LEAVES = st.sampled_from(
    [VALUE_SECRET, f"{VALUE_SECRET}\n", f"ws://{VALUE_SECRET}", f"Token {VALUE_SECRET}"]
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=16),
    SECRET_LEAVES,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", max_size=10), inner, max_size=3
        )
    ),
    max_leaves=8,
)
NUMBERS = st.one_of(
    st.integers(-5, 70_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, 2, 4, 0.5, 1.0, 1.05, 1.5, 8000, 16000, 24000, 48000, 22050, "5", "x"]),
)


def _section(model: type[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts of a nested model's own field names (and strangers) with plausible values."""
    names = list(getattr(model, "model_fields", None) or model.__dataclass_fields__)
    return st.dictionaries(
        st.sampled_from(names) | st.text(alphabet="abcxyz_", max_size=6),
        NUMBERS | json_values,
        max_size=4,
    )


def _fleet() -> st.SearchStrategy[Any]:
    from deepgram_tts2.fleet.options import CacheOptions, GovernorOptions

    urls = st.sampled_from(
        [
            f"redis://:{VALUE_SECRET}@127.0.0.1:6379/0",
            f"rediss://user:{VALUE_SECRET}@cache:6380/1",
            f"http://{VALUE_SECRET}@x",
            f"unix:///tmp/redis.sock?password={VALUE_SECRET}",
        ]
    )
    return st.fixed_dictionaries(
        {},
        optional={
            "redis_url": urls | json_values,
            "project": st.sampled_from(["p", "a.b:c-d", "", "x" * 101, VALUE_SECRET]) | json_values,
            "governor": _section(GovernorOptions)
            | st.fixed_dictionaries({"backend": st.sampled_from(["local", "redis", "x"])}),
            "cache": _section(CacheOptions),
            "op_timeout_s": NUMBERS,
        },
    )


MODELS = st.sampled_from(
    ["aura-2-thalia-en", "aura-asteria-en", "aura-2-nobody-de", "flux-alexis-en", "flux-x-en"]
)


def _field_values() -> dict[str, st.SearchStrategy[Any]]:
    from deepgram_tts2.options import BreakerOptions, Limits, RetryOptions, Timeouts
    from deepgram_tts2.protocol.v1.segmenter import SegmenterPolicy

    return {
        "api_key": st.one_of(
            json_values,
            st.sampled_from([KEY, KEY + "\n", " ", "", KEY + "\x00", KEY + "é"]),
        ),
        "base_url": st.one_of(
            json_values,
            st.sampled_from(
                [
                    "wss://api.deepgram.com/v1/speak",
                    "ws://127.0.0.1:8787",
                    "http://localhost:1/",
                    "https://h/v2/speak/",
                    "ftp://h/",
                    "ws://",
                    "ws://[::1",
                    f"ws://h/{VALUE_SECRET}",
                    f"wss://u:{VALUE_SECRET}@h/v1/speak",
                ]
            ),
        ),
        # model strings that are not model ids: test_a_bad_model_is_refused_without_its_value
        "model": MODELS | json_values.filter(lambda v: not isinstance(v, str)),
        "encoding": st.sampled_from(["linear16", "mulaw", "alaw", "mp3", "LINEAR16"]) | json_values,
        "sample_rate": NUMBERS | json_values,
        "speed": NUMBERS | json_values,
        "expressivity": st.integers(-3, 3) | NUMBERS | json_values,
        "mip_opt_out": st.sampled_from([True, False, "true", "no", 2]) | json_values,
        "container": st.sampled_from(["none", "wav", None]) | json_values,
        "bit_rate": NUMBERS | json_values,
        "extra_query": st.dictionaries(
            st.sampled_from(["tag", "model", "speed", "callback", "x"])
            | st.text(alphabet="abcxyz_", max_size=6),
            json_values,
            max_size=3,
        )
        | json_values,
        "transport": st.sampled_from(["auto", "websocket", "rest", "grpc"]) | json_values,
        "metrics_port": NUMBERS | json_values,
        "metrics_host": json_values,
        "permessage_deflate": json_values,
        "timeouts": _section(Timeouts) | json_values,
        "retry": _section(RetryOptions) | json_values,
        "breaker": _section(BreakerOptions) | json_values,
        "limits": _section(Limits) | json_values,
        "segmenter": _section(SegmenterPolicy) | json_values,
        "fleet": _fleet() | json_values,
        "not_a_field": json_values,
    }


FIELD_VALUES = _field_values()


@st.composite
def option_kwargs(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(sorted(FIELD_VALUES)), min_size=1, max_size=4))
    return {name: draw(FIELD_VALUES[name]) for name in names}


def _check_accepted(options: TTSOptions) -> None:
    """Accepted options never show the key, and everything derived from them works."""
    key = options.api_key.get_secret_value() if options.api_key is not None else ""
    shown = "\n".join(
        [repr(options), str(options), str(options.model_dump()), options.model_dump_json()]
    )
    assert not leaked(shown)
    if len(key) >= 8:
        assert not leaked(shown, key)
    assert key == key.strip()
    assert urlsplit(options.websocket_url).scheme in ("ws", "wss")
    assert urlsplit(options.rest_url).scheme in ("http", "https")
    assert options.pcm_format.sample_rate > 0
    policy = options.segmenter_policy()
    assert 1 <= policy.max_speak_chars <= options.limits.max_speak_chars
    if options.generation == "v2":
        v2_build_url(options.websocket_url, options.flux_params())
        v2_build_url(options.rest_url, options.flux_params(rest=True))
    else:
        v1_build_url(options.websocket_url, options.speak_params())


@given(kwargs=option_kwargs())
@settings(max_examples=200)
def test_any_option_values_give_options_or_a_configuration_error(kwargs: dict[str, Any]) -> None:
    kwargs.setdefault("api_key", KEY)
    options, error = attempt(TTSOptions.create, **kwargs)
    if error is not None:
        text = chain_text(error)
        assert isinstance(error, ConfigurationError), text
        assert str(error).startswith("invalid options: ")
        assert not leaked(text), text
        assert not leaked(text, VALUE_SECRET), text
        return
    _check_accepted(options)


@given(
    model=st.sampled_from([VALUE_SECRET, f"aura-{VALUE_SECRET}", f"{VALUE_SECRET}-en", KEY]),
)
def test_a_bad_model_is_refused_without_its_value(model: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        TTSOptions.create(api_key=KEY, model=model)
    assert not leaked(chain_text(info.value), model)


@given(
    host=st.sampled_from(["127.0.0.1", "localhost", "api.deepgram.com", "[::1]"]),
    port=st.sampled_from(["", "8787", "443"])
    | st.integers(-1, 200_000).map(str)
    | st.text(max_size=5),
    scheme=st.sampled_from(["ws", "wss", "http", "https"]),
)
@example(host="127.0.0.1", port="99999", scheme="ws")
@example(host="h", port="abc", scheme="wss")
def test_an_accepted_base_url_has_a_usable_port(host: str, port: str, scheme: str) -> None:
    url = f"{scheme}://{host}{':' + port if port else ''}/v1/speak"
    options, error = attempt(TTSOptions.create, api_key=KEY, base_url=url)
    if error is not None:
        assert isinstance(error, ConfigurationError)
        assert "base_url" in str(error)
        return
    for endpoint in (options.websocket_url, options.rest_url):
        assert urlsplit(endpoint).port != -1  # .port raises ValueError for a port no socket has


@pytest.mark.parametrize(
    "url",
    [
        f"wss://user:{VALUE_SECRET}@h/v1/speak",
        f"wss://{VALUE_SECRET}@h/v1/speak",
        f"wss://h/v1/speak?token={VALUE_SECRET}",
    ],
    ids=["password", "user", "query"],
)
def test_options_never_show_url_credentials(url: str) -> None:
    """Credentials in ``base_url`` are refused (without quoting them), so nothing can show them."""
    with pytest.raises(ConfigurationError, match="base_url must not carry") as info:
        TTSOptions.create(api_key=KEY, base_url=url, limits={"prewarm": 0})
    assert not leaked(chain_text(info.value), VALUE_SECRET)


@pytest.mark.parametrize(
    "url",
    [
        f"redis://:{VALUE_SECRET}@127.0.0.1:99999999/0",
        f"redis://:{VALUE_SECRET}@127.0.0.1:abc/0",
        f"rediss://:{VALUE_SECRET}@[::1/0",
    ],
    ids=["port-range", "port-text", "ipv6"],
)
def test_an_accepted_redis_url_can_be_parsed(url: str) -> None:
    fleet = {"redis_url": url, "governor": {"backend": "redis"}}
    options, error = attempt(TTSOptions.create, api_key=KEY, fleet=fleet)
    if error is not None:
        assert isinstance(error, ConfigurationError)
        assert not leaked(chain_text(error), VALUE_SECRET)
        return
    assert options.fleet.redis_url is not None
    parts = urlsplit(options.fleet.redis_url.get_secret_value())
    assert parts.port != -1  # .port raises ValueError where redis-py's parse_url does
    assert parts.hostname


@pytest.fixture
async def nested_error_server() -> Any:
    """A server answering every request with 503 and a deeply nested JSON body."""
    from aiohttp import web

    async def answer(_request: web.Request) -> web.Response:
        return web.Response(status=503, body=b"[" * 100_000, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"ws://127.0.0.1:{port}/v1/speak"
    await runner.cleanup()


@pytest.mark.parametrize("transport", ["websocket", "rest"])
async def test_a_deeply_nested_error_body_is_a_typed_error(
    nested_error_server: str, transport: str
) -> None:
    options = TTSOptions.create(
        api_key=KEY,
        base_url=nested_error_server,
        transport=transport,
        retry={"max_attempts": 1},
        timeouts={"connect_s": 1.0},
    )
    async with DeepgramTTS(options) as client:
        events = [e async for e in client.speak("Hello.")]
    errors = [e for e in events if isinstance(e, Error)]
    assert errors
    assert type(errors[0].exception).__name__ in ("ConnectError", "ServerError")


# ---------------------------------------------------------------------------------------------
# Text that cannot be encoded (#11.5, client side)

LONE = ["\ud800", "\udfff", "a\ud83d", "\ude00b", "Hello \udc80 world."]


@given(
    before=st.text(max_size=10),
    lone=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    after=st.text(max_size=10),
)
def test_check_text_refuses_every_lone_surrogate(before: str, lone: str, after: str) -> None:
    text = before + lone + after
    with pytest.raises(InputError) as info:
        check_text(text)
    assert f"at position {len(before)}" in str(info.value)
    assert text not in str(info.value)


@given(text=st.text())
def test_check_text_accepts_encodable_text(text: str) -> None:
    assert check_text(text) is text


class Wire:
    """What the emulator parsed: Speak texts (v1, v2) and REST bodies."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.speaks: list[str] = []
        self.bodies: list[bytes] = []
        for module in (v1_server, v2_server):
            original = module.parse_client

            def record(frame: Any, original: Any = original) -> Any:
                message = original(frame)
                if isinstance(message, V1Speak | V2Speak):
                    self.speaks.append(message.text)
                return message

            monkeypatch.setattr(module, "parse_client", record)
        for rest in (v1_rest, v2_rest):
            parse = rest.parse_request_body

            def body(
                content_type: Any, data: bytes, *args: Any, parse: Any = parse, **kwargs: Any
            ) -> Any:
                self.bodies.append(data)
                return parse(content_type, data, *args, **kwargs)

            monkeypatch.setattr(rest, "parse_request_body", body)


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Wire:
    return Wire(monkeypatch)


@pytest.mark.parametrize("model", ["aura-2-thalia-en", "flux-alexis-en"])
@pytest.mark.parametrize("transport", ["websocket", "rest"])
async def test_unencodable_text_is_refused_before_anything_is_sent(
    emulator: Emulator,
    client_factory: ClientFactory,
    wire: Wire,
    model: str,
    transport: str,
) -> None:
    client = await client_factory(emulator, model=model, transport=transport)
    for text in LONE:
        stream = client.stream()
        with pytest.raises(InputError):
            await stream.push(text)
        await stream.aclose()
        with pytest.raises(InputError):
            async for _ in client.speak(text):
                pass
        with pytest.raises(InputError):
            await client.synthesize(text)
    with pytest.raises(InputError):  # a long text takes the spread path of speak()
        async for _ in client.speak("Long text. " * 300 + "\ud800"):
            pass
    with pytest.raises(InputError):
        await client.synthesize_pcm("x\ud800")
    assert wire.speaks == []
    assert wire.bodies == []
    # ... and the client is still fine: the same text without the surrogate is spoken.
    events = [e async for e in client.speak("Hello world.")]
    assert any(isinstance(e, AudioChunk) for e in events)
    assert wire.speaks or wire.bodies
    assert all(s.encode() for s in wire.speaks)


async def test_a_stream_refuses_a_surrogate_mid_request_and_goes_on(
    emulator: Emulator, client_factory: ClientFactory, wire: Wire
) -> None:
    client = await client_factory(emulator)
    stream = client.stream()
    await stream.push("Hello ")
    with pytest.raises(InputError):
        await stream.push("wor\udc00ld")
    await stream.push("world.")
    await stream.end()
    audio = b"".join([e.data async for e in stream if isinstance(e, AudioChunk)])
    await stream.aclose()
    assert audio
    assert "".join(wire.speaks) == "Hello world."


def test_no_key_is_read_from_this_environment() -> None:
    assert "DEEPGRAM_API_KEY" not in os.environ
    with pytest.raises(ConfigurationError):
        DeepgramTTS(TTSOptions())

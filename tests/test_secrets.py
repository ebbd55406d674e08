"""The secrets scan (issue #11.3): no path shows the API key or the Redis password.

Every path is driven with a distinctive random key (40 letters and digits) while the root logger
and every third-party logger (websockets, httpx, httpcore, aiohttp, aiohttp.access, asyncio,
redis, hpack, urllib3, ...) log at DEBUG into a handler on the root logger, caplog and the
library's JSON handler; subprocesses log the same way to their stderr. Then everything is
scanned for the key, or for any 8 characters of it:

* the library: websocket, auto and rest, Aura and Flux, the happy path and every failure class
  (AUTH 401, RATE_LIMIT 429, TRANSIENT close 1011 / refused port / connect and stall timeouts,
  INPUT 400, the breaker's CircuitOpenError): events, the str/repr of every exception and of its
  ``__cause__``/``__context__`` chain, reprs of options, clients, states, streams, pools,
  governors and caches, metrics hooks, the client's /metrics, /healthz, /readyz;
* the emulator: its logs, its /metrics, its error bodies and headers, ``dgtts serve``'s output;
* the CLI: ``dgtts speak`` (``--api-key`` and ``$DEEPGRAM_API_KEY``), ``dgtts doctor``,
  ``dgtts bench`` (a short run), each with failures: stdout and stderr;
* the TEN extension on the stand-in runtime: its logs, the messages it sends, its dump files;
* the fleet: a ``redis_url`` with a password (right, wrong, unreachable): reprs, logs, errors,
  the Prometheus exposition.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import pathlib
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from deepgram_tts2 import DeepgramTTS, MetricsHooks, TTSOptions
from deepgram_tts2.client.events import AudioChunk, AudioEnd, Error
from deepgram_tts2.emulator.server import Emulator
from deepgram_tts2.exceptions import ConfigurationError, DeepgramTTSError
from deepgram_tts2.observability.logs import REDACTED, configure_json_logging
from tests.cli.support import environment
from tests.client.conftest import options_for
from tests.conftest import EmulatorFactory, within

ROOT = pathlib.Path(__file__).resolve().parents[1]
ALPHABET = string.ascii_letters + string.digits
KEY = "".join(secrets.choice(ALPHABET) for _ in range(40))
OTHER_KEY = "the-other-projects-key-" + "".join(secrets.choice(ALPHABET) for _ in range(16))
REDIS_PASSWORD = "".join(secrets.choice(ALPHABET) for _ in range(32))
WRONG_REDIS_PASSWORD = "".join(secrets.choice(ALPHABET) for _ in range(32))
THIRD_PARTY = (
    "websockets",
    "websockets.client",
    "websockets.server",
    "httpx",
    "httpcore",
    "h11",
    "h2",
    "hpack",
    "aiohttp",
    "aiohttp.access",
    "aiohttp.client",
    "aiohttp.internal",
    "aiohttp.server",
    "aiohttp.web",
    "aiohttp.websocket",
    "asyncio",
    "redis",
    "urllib3",
    "prometheus_client",
    "opentelemetry",
    "deepgram_tts2",
)
# Logging for a subprocess: everything at DEBUG to stderr, then the real entry point.
DEBUG_PRELUDE = (
    "import logging, runpy, sys\n"
    "logging.basicConfig(level=logging.DEBUG, stream=sys.stderr,\n"
    "                    format='%(name)s %(levelname)s %(message)s')\n"
    f"for name in {THIRD_PARTY!r}:\n"
    "    logging.getLogger(name).setLevel(logging.DEBUG)\n"
)
DEBUG_DGTTS = [
    sys.executable,
    "-c",
    DEBUG_PRELUDE
    + "sys.argv = ['dgtts', *sys.argv[1:]]\n"
    + "runpy.run_module('deepgram_tts2.cli', run_name='__main__')\n",
]


def leaked(text: str, secret: str = KEY, window: int = 8) -> list[str]:
    """The ``window``-character pieces of ``secret`` that occur in ``text``."""
    return [
        secret[i : i + window]
        for i in range(len(secret) - window + 1)
        if secret[i : i + window] in text
    ]


def chain_text(exc: BaseException) -> str:
    """str, repr and attributes of ``exc`` and of every exception in its cause/context chain."""
    parts: list[str] = []
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        parts += [type(item).__name__, str(item), repr(item), repr(vars(item))]
        todo += [item.__cause__, item.__context__]
    return "\n".join(parts)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Capture:
    """Everything a path produced, labelled; the logs are added when the capture ends."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []
        self.exceptions = 0
        self.logs: Callable[[], list[tuple[str, str]]] = list
        self.record_names: Callable[[], set[str]] = set

    def add(self, label: str, value: object) -> None:
        self.items.append((label, value if isinstance(value, str) else repr(value)))

    def exception(self, label: str, exc: BaseException) -> None:
        self.exceptions += 1
        self.add(label, chain_text(exc))

    def text(self) -> str:
        return "\n".join(value for _, value in self.items)

    def leaks(self, *secrets_: str) -> list[str]:
        """Labels of the items that show any 8 characters of any of ``secrets_``."""
        found = []
        for label, value in self.items:
            for secret in secrets_:
                pieces = leaked(value, secret)
                if pieces:
                    at = value.find(pieces[0])
                    found.append(f"{label}: ...{value[max(0, at - 120) : at + 60]!r}...")
        return found


@pytest.fixture
def capture(caplog: pytest.LogCaptureFixture) -> Iterator[Capture]:
    """Root and every third-party logger at DEBUG into a root handler, caplog and the library's
    JSON handler; call :func:`finish` before scanning (it adds the logs)."""
    caplog.set_level(logging.DEBUG)
    names = set(THIRD_PARTY) | set(logging.Logger.manager.loggerDict)
    saved = {name: logging.getLogger(name).level for name in names}
    root = logging.getLogger()
    saved_root = root.level
    root.setLevel(logging.DEBUG)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root.addHandler(handler)
    # The JSON handler's RedactingFilter rewrites each record it sees, and the handlers of
    # "deepgram_tts2" run before the root's: a plain handler placed first there sees the
    # library's records as they were logged (what a user's own handler would print).
    raw_stream = io.StringIO()
    raw_handler = logging.StreamHandler(raw_stream)
    raw_handler.setLevel(logging.DEBUG)
    raw_handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    library = logging.getLogger("deepgram_tts2")
    library.addHandler(raw_handler)
    json_stream = io.StringIO()
    json_handler = configure_json_logging(logging.DEBUG, json_stream)
    cap = Capture()
    cap.logs = lambda: [
        ("root handler", stream.getvalue()),
        ("library records as logged", raw_stream.getvalue()),
        ("caplog", caplog.text),
        ("caplog records", "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)),
        ("json logs", json_stream.getvalue()),
    ]
    cap.record_names = lambda: {r.name for r in caplog.records}
    try:
        yield cap
    finally:
        root.removeHandler(handler)
        library.removeHandler(raw_handler)
        library.removeHandler(json_handler)
        root.setLevel(saved_root)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def finish(cap: Capture) -> None:
    for label, text in cap.logs():
        cap.add(label, text)


class Everything(MetricsHooks):
    """Records every hook call's arguments as text."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("on_"):
            seen = object.__getattribute__(self, "seen")
            return lambda *args, **kwargs: seen.append(f"{name}{args!r}{kwargs!r}")
        return object.__getattribute__(self, name)


def test_the_capture_sees_every_logger_at_debug(capture: Capture) -> None:
    """The scan has teeth: DEBUG records of third-party loggers reach it, and a piece of the
    key is found wherever it hides."""
    for name in THIRD_PARTY:
        logging.getLogger(name).debug("probe from %s", name)
    finish(capture)
    text = capture.text()
    assert all(f"probe from {name}" in text for name in THIRD_PARTY)
    assert text.count("probe from deepgram_tts2") >= 4  # raw, json, root handler, caplog
    assert leaked(f"xx{KEY[17:25]}yy")
    assert not leaked(KEY[17:24])
    probe = Capture()
    probe.add("planted", f"... {KEY[3:12]} ...")
    assert probe.leaks(KEY)


# ---------------------------------------------------------------------------------------------
# The library and the emulator


async def _speak(cap: Capture, label: str, client: DeepgramTTS, text: str) -> list[Any]:
    """One stream through ``client``; events, stream, errors and their chains captured."""
    stream = client.stream(f"rq-{label}")
    cap.add(f"{label} stream", repr(stream))
    try:
        await stream.push(text)
        await stream.end()
        events = [event async for event in stream]
    finally:
        await stream.aclose()
    cap.add(f"{label} stream after", repr(stream))
    for event in events:
        cap.add(f"{label} event", repr(event))
        if isinstance(event, Error):
            cap.exception(f"{label} error", event.exception)
    return events


async def _scenario(cap: Capture, label: str, client: DeepgramTTS, runs: int = 1) -> list[Any]:
    events: list[Any] = []
    for i in range(runs):
        events += await _speak(cap, f"{label}#{i}", client, "Hello there, how are you?")
    for name, call in (
        ("synthesize", client.synthesize),
        ("synthesize_pcm", client.synthesize_pcm),
    ):
        try:
            cap.add(f"{label} {name}", repr((await call("Hi."))[:16]))
        except DeepgramTTSError as exc:
            cap.exception(f"{label} {name} raised", exc)
            events.append(exc)
    for name, thing in (
        ("client", client),
        ("state", client.state),
        ("options", client.options),
        ("options str", str(client.options)),
        ("options dump", client.options.model_dump()),
        ("options json", client.options.model_dump_json()),
        ("pool", client.pool),
        ("pool snapshot", client.pool.snapshot()),
        ("rest", client.rest),
        ("breaker", client.breaker),
        ("governor", client.governor),
        ("cache", client.cache),
        ("hooks", client.hooks),
        ("vars", vars(client)),
    ):
        cap.add(f"{label} {name}", repr(thing))
    if client.metrics_url is not None:
        async with httpx.AsyncClient() as http:
            for path in ("/metrics", "/healthz", "/readyz"):
                response = await http.get(client.metrics_url + path)
                cap.add(
                    f"{label} {path}", f"{response.status_code} {response.headers} {response.text}"
                )
    return events


async def _emulator_answers(cap: Capture, good: Emulator, bad: Emulator) -> None:
    """The emulator's error bodies and headers, REST and handshake, v1 and v2."""
    token = {"Authorization": f"Token {KEY}"}
    requests = [
        ("POST", f"{bad.http_url}/v1/speak", token, {"text": "Hi."}),
        ("POST", f"{bad.http_url}/v2/speak?model=flux-alexis-en", token, {"text": "Hi."}),
        ("POST", f"{good.http_url}/v1/speak?model=aura-2-nobody-en", token, {"text": "Hi."}),
        ("POST", f"{good.http_url}/v1/speak?encoding=nope", token, {"text": "Hi."}),
        ("POST", f"{good.http_url}/v1/speak", {"Authorization": f"Bearer {KEY}x"}, {"text": "Hi"}),
        ("POST", f"{good.http_url}/v1/speak", {"Authorization": KEY}, {"text": "Hi."}),
        ("POST", f"{good.http_url}/v1/speak", token, {"nope": KEY}),
        ("GET", f"{bad.http_url}/v1/speak", {**token, "Upgrade": "websocket"}, None),
        ("GET", f"{good.http_url}/metrics", {}, None),
        ("GET", f"{bad.http_url}/metrics", {}, None),
    ]
    async with httpx.AsyncClient() as http:
        for method, url, headers, body in requests:
            response = await http.request(method, url, headers=headers, json=body)
            cap.add(
                f"emulator {method} {url}",
                f"{response.status_code} {dict(response.headers)} {response.text}",
            )


async def test_no_library_or_emulator_path_shows_the_key(
    emulator_factory: EmulatorFactory, capture: Capture
) -> None:
    cap = capture
    good = await emulator_factory(api_keys=(KEY,))
    bad = await emulator_factory(api_keys=(OTHER_KEY,))
    limited = await emulator_factory(
        api_keys=(KEY,), faults={"faults": [{"kind": "reject_handshake", "status": 429}]}
    )
    closing = await emulator_factory(
        api_keys=(KEY,),
        faults={
            "faults": [{"kind": "close", "code": 1011, "reason": "NET-0000", "api": "websocket"}]
        },
    )
    slow = await emulator_factory(
        api_keys=(KEY,), faults={"faults": [{"kind": "delay_handshake", "delay_ms": 1500}]}
    )
    stalling = await emulator_factory(
        api_keys=(KEY,),
        faults={
            "faults": [
                {"kind": "stall", "duration_ms": 1500, "after_audio_bytes": 4800, "api": "any"}
            ]
        },
    )
    refused = f"ws://127.0.0.1:{free_port()}/v1/speak"
    fast = {"connect_s": 0.4, "first_audio_s": 0.6, "stall_s": 0.4, "flush_s": 1.0, "rest_s": 2}
    flux = "flux-alexis-en"
    plans: list[tuple[str, Emulator | str, dict[str, Any], int]] = [
        ("ws ok", good, {"transport": "websocket", "metrics_port": 0}, 1),
        ("auto ok", good, {"metrics_port": 0}, 1),
        ("rest ok", good, {"transport": "rest"}, 1),
        ("flux ws ok", good, {"model": flux, "transport": "websocket", "metrics_port": 0}, 1),
        ("flux rest ok", good, {"model": flux, "transport": "rest"}, 1),
        ("ws 401", bad, {"transport": "websocket", "metrics_port": 0}, 3),  # then breaker open
        ("auto 401", bad, {}, 2),
        ("rest 401", bad, {"transport": "rest"}, 1),
        ("flux 401", bad, {"model": flux}, 2),
        ("ws 429", limited, {"transport": "websocket"}, 1),
        ("rest 429", limited, {"transport": "rest"}, 1),
        ("ws 1011", closing, {"transport": "websocket", "metrics_port": 0}, 2),
        ("ws refused", refused, {"transport": "websocket"}, 1),
        ("auto refused", refused, {}, 1),
        ("flux refused", refused.replace("v1", "v2"), {"model": flux}, 1),
        ("ws connect timeout", slow, {"transport": "websocket", "timeouts": fast}, 1),
        ("rest timeout", slow, {"transport": "rest", "timeouts": fast}, 1),
        ("ws stall", stalling, {"transport": "websocket", "timeouts": fast}, 1),
        ("ws 400", good, {"transport": "websocket", "model": "aura-2-nobody-en"}, 1),
        ("rest 400", good, {"transport": "rest", "model": "aura-2-nobody-en"}, 1),
        ("flux 400", good, {"model": "flux-nobody-en"}, 1),
    ]
    clients: list[DeepgramTTS] = []
    hooks = Everything()
    try:
        for _, target, overrides, _ in plans:
            settings = {"api_key": KEY, "limits": {"prewarm": 1}, **overrides}
            if isinstance(target, str):
                options = options_for(good, **settings).model_copy(update={"base_url": target})
            else:
                options = options_for(target, **settings)
            client = DeepgramTTS(options, hooks=hooks)
            clients.append(client)
            await client.start()
        results = await within(
            asyncio.gather(
                *(
                    _scenario(cap, label, client, runs)
                    for (label, _, _, runs), client in zip(plans, clients, strict=True)
                )
            ),
            45,
        )
        await _emulator_answers(cap, good, bad)
    finally:
        for client in clients:
            await client.aclose()
        for emulator in (good, bad, limited, closing, slow, stalling):
            await emulator.stop()
    cap.add("hooks", "\n".join(hooks.seen))
    finish(cap)

    outcomes = {label: events for (label, *_), events in zip(plans, results, strict=True)}
    classes = {
        e.error_class.value
        for events in outcomes.values()
        for e in events
        if isinstance(e, Error | DeepgramTTSError)
    }
    assert {"auth", "rate_limit", "transient", "input"} <= classes, classes
    for label in ("ws ok", "auto ok", "rest ok", "flux ws ok", "flux rest ok"):
        assert any(isinstance(e, AudioChunk) for e in outcomes[label]), label
        assert not any(isinstance(e, Error | DeepgramTTSError) for e in outcomes[label]), label
    seen = {
        label: {type(e.exception if isinstance(e, Error) else e).__name__ for e in events}
        for label, events in outcomes.items()
    }
    expected = {
        "401": "AuthError",
        "429": "RateLimitError",
        "1011": "ServerError",  # 1011 NET-0000, then the breaker: CircuitOpenError
        "refused": "ConnectError",
        "timeout": "PhaseTimeoutError",
        "stall": "PhaseTimeoutError",
        "400": "InputError",
    }
    for label, events in outcomes.items():
        assert any(isinstance(e, AudioEnd) for e in events), label
        wanted = [kind for suffix, kind in expected.items() if label.endswith(suffix)]
        assert set(wanted) <= seen[label], (label, seen[label])
    assert "CircuitOpenError" in seen["ws 1011"] | seen["ws refused"]
    names = capture.record_names()
    assert {"deepgram_tts2.wire", "httpx", "httpcore.http11"} <= names, names
    text = cap.text()
    assert "> Authorization: Token " + REDACTED in text  # websockets' DEBUG header line
    assert "deepgram_tts2_requests_total" in text
    assert "deepgram_tts2_emulator_" in text
    assert cap.exceptions > 20
    assert not cap.leaks(KEY), "\n".join(cap.leaks(KEY))


# ---------------------------------------------------------------------------------------------
# The command line


async def _run(
    cap: Capture, label: str, *args: str, env: dict[str, str] | None = None
) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *DEBUG_DGTTS,
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment(env),
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    code = process.returncode
    assert code is not None
    cap.add(f"{label} stdout", out.decode(errors="replace"))
    cap.add(f"{label} stderr", err.decode(errors="replace"))
    return code, out.decode(errors="replace") + err.decode(errors="replace")


async def _serve(port: int) -> tuple[asyncio.subprocess.Process, bytes]:
    """``dgtts serve`` accepting KEY, logging at DEBUG, and what it said until it listened."""
    process = await asyncio.create_subprocess_exec(
        *DEBUG_DGTTS,
        "serve",
        "--port",
        str(port),
        "--api-key",
        KEY,
        "--voice-engine",
        "tone",
        "--instant",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment(),
    )
    assert process.stderr is not None
    seen = b""
    while b"listening" not in seen:
        line = await asyncio.wait_for(process.stderr.readline(), 30)
        assert line, seen.decode(errors="replace")
        seen += line
    return process, seen


async def test_no_command_line_path_shows_the_key(
    emulator_factory: EmulatorFactory, capture: Capture, tmp_path: pathlib.Path
) -> None:
    cap = capture
    good = await emulator_factory(api_keys=(KEY,))
    bad = await emulator_factory(api_keys=(OTHER_KEY,))
    refused = f"ws://127.0.0.1:{free_port()}/v1/speak"
    port = free_port()
    served = f"ws://127.0.0.1:{port}/v1/speak"
    serve, banner = await _serve(port)
    out = str(tmp_path / "out.wav")
    speak = ("speak", "Hello there.", "-o", out, "--json")
    env_key = "DEEPGRAM_API_KEY"
    # label: (arguments, environment, exit code); keys with "\n", "\r\n", a control or a
    # non-ASCII character are #11.1's (stripped and working, or exit 2 naming the position)
    runs: dict[str, tuple[tuple[str, ...], dict[str, str] | None, int]] = {
        "speak --api-key": ((*speak, "--url", good.ws_url, "--api-key", KEY + "\n"), None, 0),
        "speak env rest 401": (
            (*speak, "--url", bad.ws_url, "--transport", "rest"),
            {env_key: KEY + "\r\n"},
            3,
        ),
        "speak refused": ((*speak, "--url", refused, "--api-key", KEY), None, 4),
        "speak served 401": ((*speak, "--url", served, "--api-key", OTHER_KEY), None, 3),
        "speak control key": ((*speak, "--url", good.ws_url, "--api-key", KEY + "\x01"), None, 2),
        "speak non-ASCII key": (
            (*speak, "--url", good.ws_url),
            {env_key: KEY[:7] + "é" + KEY[7:]},
            2,
        ),
        "doctor served": (("doctor", "--url", served, "--api-key", KEY), None, 0),
        "doctor 401": (("doctor", "--url", bad.ws_url), {env_key: KEY}, 3),
        "bench": (("bench", "--url", good.ws_url, "--requests", "3", "--json"), {env_key: KEY}, 0),
        "bench 401": (("bench", "--url", bad.ws_url, "--api-key", KEY, "--requests", "1"), None, 3),
    }
    try:
        results = await asyncio.gather(
            *(_run(cap, label, *args, env=env) for label, (args, env, _) in runs.items())
        )
    finally:
        if serve.returncode is None:
            serve.send_signal(signal.SIGTERM)
        serve_out, serve_err = await asyncio.wait_for(serve.communicate(), 30)
        cap.add("serve banner", banner.decode(errors="replace"))
        cap.add("serve stdout", serve_out.decode(errors="replace"))
        cap.add("serve stderr", serve_err.decode(errors="replace"))
        await good.stop()
        await bad.stop()
    finish(cap)
    for (label, (_, _, expected)), (code, output) in zip(runs.items(), results, strict=True):
        assert code == expected, (label, code, output[-3000:])
        if expected == 2:
            assert "api_key: contains" in output, output[-2000:]
            assert "at position" in output, output[-2000:]
    text = cap.text()
    assert "DEBUG" in text  # the subprocesses logged at DEBUG
    assert "deepgram_tts2.wire" in text
    assert "ttfb" in text  # --json, bench
    assert not cap.leaks(KEY), "\n".join(cap.leaks(KEY))


# ---------------------------------------------------------------------------------------------
# The TEN extension (stand-in runtime, in a subprocess as its own tests run)

STANDIN = ROOT / "tests" / "integrations" / "ten" / "standin"
TEN_DIR = ROOT / "integrations" / "ten"
TEN_SCRIPT = (
    DEBUG_PRELUDE
    + """
import json, os, pathlib, socket, threading

KEY = sys.argv[1]
from deepgram_tts2_python.tests.conftest import EmulatorHost, FakeApp
from deepgram_tts2_python.tests.support import RecordingTester, run_tester_error, text_input


class OneRequest(RecordingTester):
    def __init__(self, request_id):
        super().__init__()
        self.request_id = request_id

    async def on_start(self, ten_env):
        meta = {"session_id": "s", "turn_id": 1}
        await ten_env.send_data(text_input(self.request_id, "Hello there, friend.", True, meta))

    async def on_message(self, ten_env, message):
        if self.stopping:
            return
        fatal = message.name == "error" and message.payload.get("code") == -1000
        if message.name == "tts_audio_end" or fatal:
            self.succeed(ten_env)


# The app is created in the thread that runs it (the runtime binds an app to its thread).
started = threading.Event()
apps = []


def run_app():
    app = FakeApp()
    app.event = started
    apps.append(app)
    app.run(False)


thread = threading.Thread(target=run_app, daemon=True)
thread.start()
started.wait()
app = apps[0]
host = EmulatorHost()
good = host.start(api_keys=(KEY,))
bad = host.start(api_keys=("another-projects-key-000000",))
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    refused = s.getsockname()[1]
dump = pathlib.Path("dump").resolve()
cases = {
    "ok": {
        "dump": True,
        "dump_path": str(dump),
        "params": {"api_key": KEY, "base_url": good.ws_url},
    },
    "ok-env": {
        "metrics_port": 0,
        "params": {"api_key": "${env:DEEPGRAM_API_KEY|}", "base_url": good.ws_url, "tag": KEY},
    },
    "auth": {
        "dump": True,
        "dump_path": str(dump),
        "params": {"api_key": KEY, "base_url": bad.ws_url},
    },
    "refused": {"params": {"api_key": KEY, "base_url": f"ws://127.0.0.1:{refused}/v1/speak"}},
    "control-key": {"params": {"api_key": KEY + "\\x01", "base_url": good.ws_url}},
    # a value TEN's schema takes but the library refuses (a string would abort the runtime)
    "bad-speed": {"params": {"api_key": KEY, "base_url": good.ws_url, "speed": 3.0}},
    "url-credentials": {"params": {"api_key": KEY, "base_url": f"ws://u:{KEY}@127.0.0.1:{refused}/v1/speak"}},
}
for name, config in cases.items():
    tester = OneRequest("req-" + name)
    error = run_tester_error(tester, config)
    received = [{"name": m.name, "payload": m.payload} for m in tester.received if m.kind == "data"]
    frames = sum(len(m.audio) for m in tester.received if m.kind == "audio")
    print(json.dumps({"case": name, "tester_error": error, "received": received, "audio": frames}))
    sys.stdout.flush()
host.close()
app.close()
thread.join(timeout=10)
"""
)


def test_the_ten_extension_never_shows_the_key(capture: Capture, tmp_path: pathlib.Path) -> None:
    if not (STANDIN / "ten_runtime").is_dir() or not (TEN_DIR / "deepgram_tts2_python").is_dir():
        pytest.skip("the TEN extension or its stand-in runtime is missing")
    cap = capture
    env = environment(
        {
            "PYTHONPATH": os.pathsep.join([str(STANDIN), str(TEN_DIR), str(ROOT)]),
            "DEEPGRAM_API_KEY": KEY + "\n",
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", TEN_SCRIPT, KEY],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    cap.add("ten stdout", result.stdout)
    cap.add("ten stderr", result.stderr)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    cases = {
        line["case"]: line
        for line in map(
            json.loads, (x for x in result.stdout.splitlines() if x.startswith('{"case"'))
        )
    }
    assert set(cases) == {
        "ok",
        "ok-env",
        "auth",
        "refused",
        "control-key",
        "bad-speed",
        "url-credentials",
    }, result.stdout[-3000:]
    for name in ("ok", "ok-env"):
        assert cases[name]["audio"] > 0, cases[name]
        assert cases[name]["tester_error"] is None
    auth_errors = [m for m in cases["auth"]["received"] if m["name"] == "error"]
    assert auth_errors
    assert auth_errors[0]["payload"]["vendor_info"]["code"] == "401"
    assert any(m["name"] == "error" for m in cases["control-key"]["received"])
    dump = tmp_path / "dump"
    dumps = sorted(dump.iterdir()) if dump.is_dir() else []
    assert dumps, "the ok case wrote no dump"
    for path in dumps:
        cap.add(f"dump name {path.name}", path.name)
        cap.add(f"dump bytes {path.name}", path.read_bytes().decode("latin-1"))
    finish(cap)
    assert "config: " in result.stdout + result.stderr  # the extension logged its config
    assert not cap.leaks(KEY), "\n".join(cap.leaks(KEY))


# ---------------------------------------------------------------------------------------------
# The fleet's Redis URL


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A private redis-server requiring REDIS_PASSWORD; its URL."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is missing (scripts/system-deps installs it)")
    from tests.fleet.conftest import RedisServer

    with tempfile.TemporaryDirectory(prefix="dgtts-secrets-redis-") as tmp:
        server = RedisServer(free_port(), pathlib.Path(tmp), password=REDIS_PASSWORD)
        server.start()
        try:
            yield server.url
        finally:
            server.stop()
            log = pathlib.Path(tmp) / "redis.log"
            if log.exists():  # redis-server's own log: not ours, but it must not echo it either
                assert not leaked(log.read_text(errors="replace"), REDIS_PASSWORD)


async def test_no_fleet_path_shows_the_redis_password(
    emulator_factory: EmulatorFactory, capture: Capture, redis_url: str
) -> None:
    cap = capture
    assert REDIS_PASSWORD in redis_url
    good = await emulator_factory(api_keys=(KEY,))
    wrong = redis_url.replace(REDIS_PASSWORD, WRONG_REDIS_PASSWORD)
    unreachable = f"redis://:{WRONG_REDIS_PASSWORD}@127.0.0.1:{free_port()}/0"
    fleets = {
        "redis": redis_url,
        "wrong password": wrong,
        "unreachable": unreachable,
        "user and password": redis_url.replace("://:", "://default:"),
        "password in query": f"redis://127.0.0.1:{redis_url.rsplit(':', 1)[1].split('/')[0]}/0"
        f"?password={REDIS_PASSWORD}",
    }
    clients = []
    try:
        for label, url in fleets.items():
            fleet = {
                "redis_url": url,
                "project": "secrets-scan",
                "connect_timeout_s": 0.3,
                "op_timeout_s": 0.5,
                "governor": {"backend": "redis", "probe_initial_s": 0.05, "probe_max_s": 0.2},
                "cache": {"backend": "redis", "max_chars": 40, "phrases": ["Welcome back."]},
            }
            options = options_for(good, api_key=KEY, metrics_port=0, fleet=fleet)
            client = DeepgramTTS(options)
            clients.append((label, client))
            await client.start()
        results = await within(
            asyncio.gather(*(_scenario(cap, f"fleet {label}", c, 2) for label, c in clients)), 45
        )
        for label, client in clients:
            cap.add(f"fleet {label} fleet options", repr(client.options.fleet))
            cap.add(f"fleet {label} fleet dump", client.options.fleet.model_dump())
            cap.add(f"fleet {label} fleet json", client.options.fleet.model_dump_json())
    finally:
        for _, client in clients:
            await client.aclose()
        await good.stop()
    for bad in (f"http://:{REDIS_PASSWORD}@x", f"redis://:{REDIS_PASSWORD}@h:99999999/0"):
        try:
            TTSOptions.create(
                api_key=KEY, fleet={"redis_url": bad, "governor": {"backend": "redis"}}
            )
        except ConfigurationError as exc:
            cap.exception(f"fleet options {bad[:4]}", exc)
    finish(cap)
    for (label, _), events in zip(clients, results, strict=True):
        assert any(isinstance(e, AudioChunk) for e in events), label  # degraded, never failed
    governors = {label: repr(client.governor) for label, client in clients}
    assert governors["redis"].endswith(", redis)"), governors  # Redis really was used
    assert all(governors[k].endswith("degraded)") for k in ("wrong password", "unreachable"))
    text = cap.text()
    assert "***@127.0.0.1" in text  # redacted URLs were shown: the scan saw them
    assert "AuthenticationError" in text  # the wrong password was reported (redacted)
    assert "deepgram_tts2_fleet" in text  # the fleet's Prometheus metrics
    secrets_ = (REDIS_PASSWORD, WRONG_REDIS_PASSWORD, KEY)
    assert not cap.leaks(*secrets_), "\n".join(cap.leaks(*secrets_))

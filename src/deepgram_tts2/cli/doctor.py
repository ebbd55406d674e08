"""``dgtts doctor``: check an endpoint step by step and say what is wrong in plain words.

Steps: the options, DNS, TCP connect, WebSocket handshake with the key, a short streamed
synthesis (TTFB), and a short REST synthesis. Each prints one line on stdout; the exit code is
the first failure's. Without a key and ``--url`` it checks an embedded emulator (the ``cli``
extra), started only once the options are valid.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from deepgram_tts2 import DeepgramTTS, TTSOptions
from deepgram_tts2.cli.exit_codes import ExitCode, exit_code_for, exit_code_for_class
from deepgram_tts2.cli.extras import require_emulator
from deepgram_tts2.cli.messages import clean, describe, os_cause
from deepgram_tts2.client.events import AudioChunk, AudioEnd, Error, Metric
from deepgram_tts2.compat import TimeoutErrors
from deepgram_tts2.exceptions import DeepgramTTSError
from deepgram_tts2.options import API_KEY_ENV, DEFAULT_URL
from deepgram_tts2.protocol.v1.models import DEFAULT_CLIENT_MODEL

PROBE_TEXT = "Doctor check."
_PLACEHOLDER_URL = "ws://127.0.0.1/v1/speak"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``doctor`` subcommand."""
    parser = sub.add_parser(
        "doctor",
        help="check an endpoint: DNS, connect, auth, a short synthesis, TTFB",
        description="Diagnose connectivity to Deepgram (or an emulator) step by step; "
        "exits with the first failure's code (docs/cli.md).",
    )
    parser.add_argument(
        "--url",
        default=None,
        help=f"endpoint (default: {DEFAULT_URL} with a key, else the embedded emulator)",
    )
    parser.add_argument(
        "--api-key", default=None, help=f"API key (default: ${API_KEY_ENV}); never printed"
    )
    parser.add_argument(
        "--model", default=None, help="voice model to try (default: the client's default)"
    )
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per step (default: 5)")
    parser.set_defaults(run=run)


FLUX_CHECK_MODEL = "flux-alexis-en"  # the voice the doctor checks Flux with


@dataclass
class Step:
    """One line of the report."""

    name: str
    ok: bool
    detail: str
    code: ExitCode = ExitCode.OK


def run(args: argparse.Namespace) -> int:
    """Run the checks; returns the first failure's exit code (0 when all pass)."""
    steps = asyncio.run(_diagnose(args))
    failed = [s for s in steps if not s.ok]
    if failed:
        _say(f"doctor: {len(failed)} check(s) failed; first: {failed[0].name}")
        return failed[0].code
    _say("doctor: all checks passed")
    return ExitCode.OK


def _say(text: str) -> None:
    print(text, flush=True)


def _record(steps: list[Step], step: Step, hidden: tuple[str, ...]) -> bool:
    steps.append(step)
    mark = "ok  " if step.ok else "FAIL"
    _say(f"{mark} {step.name}: {clean(step.detail, hidden)}")
    return step.ok


async def _diagnose(args: argparse.Namespace) -> list[Step]:
    api_key: str | None = args.api_key or os.environ.get(API_KEY_ENV) or None
    steps: list[Step] = []
    embedded = args.url is None and not api_key
    key = api_key or secrets.token_hex(16)
    hidden = (key,)
    if args.url is not None and not api_key:
        _record(
            steps,
            Step(
                "api key", False, f"no key: pass --api-key or set {API_KEY_ENV}", ExitCode.BAD_INPUT
            ),
            hidden,
        )
        return steps
    try:
        url = _PLACEHOLDER_URL if embedded else args.url or DEFAULT_URL
        options = TTSOptions.create(**_option_args(args, key, url))
    except DeepgramTTSError as exc:
        _record(steps, Step("options", False, exc.message, exit_code_for(exc)), hidden)
        return steps
    async with contextlib.AsyncExitStack() as stack:
        if embedded:
            require_emulator("dgtts doctor without a key or --url (the embedded emulator)")
            from deepgram_tts2.emulator.config import EmulatorConfig
            from deepgram_tts2.emulator.server import Emulator

            emulator = Emulator(EmulatorConfig(port=0, api_keys=(key,)))
            await stack.enter_async_context(emulator)
            _say(f"doctor: no {API_KEY_ENV} and no --url: checking the embedded emulator")
            options = TTSOptions.create(**_option_args(args, key, emulator.ws_url))
        for check in (_check_dns, _check_tcp):
            if not _record(steps, await check(options, args.timeout), hidden):
                return steps
        tts = DeepgramTTS(options)
        try:
            await asyncio.wait_for(tts.start(), args.timeout * 2)
        except DeepgramTTSError as exc:
            detail = describe(exc, options.websocket_url)
            _record(steps, Step("websocket", False, detail, exit_code_for(exc)), hidden)
            await tts.aclose()
            return steps
        except TimeoutErrors:
            detail = f"no connection within {args.timeout * 2:g} s"
            _record(steps, Step("websocket", False, detail, ExitCode.UNREACHABLE), hidden)
            await tts.aclose()
            return steps
        stack.push_async_callback(tts.aclose)
        name = "synthesis (websocket)"
        if _record(steps, await _check_synthesis(tts, name, args.timeout), hidden):
            rest_args = {**_option_args(args, key, options.base_url), "transport": "rest"}
            rest = DeepgramTTS(TTSOptions.create(**rest_args))
            stack.push_async_callback(rest.aclose)
            _record(steps, await _check_synthesis(rest, "synthesis (rest)", args.timeout), hidden)
            _record(steps, await _check_other_api(args, key, options, stack), hidden)
    return steps


async def _check_other_api(
    args: argparse.Namespace, key: str, options: TTSOptions, stack: contextlib.AsyncExitStack
) -> Step:
    """The other streaming API too (Flux /v2/speak for an Aura model, and the other way round).

    Informational: a project without access to it still passes the doctor.
    """
    flux = options.generation == "v1"
    model = FLUX_CHECK_MODEL if flux else DEFAULT_CLIENT_MODEL
    name = "flux /v2/speak" if flux else "aura /v1/speak"
    other = {**_option_args(args, key, options.base_url), "model": model}
    tts = DeepgramTTS(TTSOptions.create(**other))
    stack.push_async_callback(tts.aclose)
    step = await _check_synthesis(tts, f"{name} ({model})", args.timeout)
    if step.ok:
        return step
    return Step(step.name, True, f"not available (informational): {step.detail}")


def _option_args(args: argparse.Namespace, api_key: str, url: str) -> dict[str, object]:
    kwargs: dict[str, object] = {"api_key": api_key, "base_url": url}
    if args.model:
        kwargs["model"] = args.model
    timeout = float(args.timeout)
    kwargs["timeouts"] = {"connect_s": timeout, "first_audio_s": timeout, "stall_s": timeout}
    kwargs["retry"] = {"max_attempts": 1}
    kwargs["transport"] = "websocket"
    return kwargs


def _host_port(options: TTSOptions) -> tuple[str, int]:
    parts = urlsplit(options.websocket_url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "wss" else 80)


async def _check_dns(options: TTSOptions, limit_s: float) -> Step:
    host, port = _host_port(options)
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(host, port), limit_s)
    except TimeoutErrors:
        return Step("dns", False, f"cannot resolve {host}: timed out", ExitCode.UNREACHABLE)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return Step("dns", False, f"cannot resolve {host}: {reason}", ExitCode.UNREACHABLE)
    addresses = sorted({str(info[4][0]) for info in infos})
    return Step("dns", True, f"{host} -> {', '.join(addresses[:3])}")


async def _check_tcp(options: TTSOptions, limit_s: float) -> Step:
    host, port = _host_port(options)
    started = time.perf_counter()
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), limit_s)
    except TimeoutErrors:
        detail = f"cannot connect to {host}:{port}: timed out"
        return Step("connect", False, detail, ExitCode.UNREACHABLE)
    except OSError as exc:
        detail = f"cannot connect to {host}:{port}: {os_cause(exc) or exc}"
        return Step("connect", False, detail, ExitCode.UNREACHABLE)
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return Step(
        "connect", True, f"{host}:{port} in {(time.perf_counter() - started) * 1000:.0f} ms"
    )


async def _synthesis(tts: DeepgramTTS, name: str) -> Step:
    """One short request through the stream API; the step reports audio, TTFB or the failure."""
    started = time.perf_counter()
    stream = tts.stream()
    ttfb: float | None = None
    audio = 0
    try:
        await stream.push(PROBE_TEXT)
        await stream.end()
        async for event in stream:
            if isinstance(event, Metric) and event.name == "ttfb":
                ttfb = event.value
            elif isinstance(event, AudioChunk):
                audio += len(event.data)
            elif isinstance(event, Error):
                code = exit_code_for_class(event.error_class)
                return Step(name, False, _explain(event, tts.options), code)
            elif isinstance(event, AudioEnd):
                if event.audio_bytes == 0:
                    return Step(name, False, "the request produced no audio", ExitCode.INTERNAL)
                elapsed = (time.perf_counter() - started) * 1000
                return Step(
                    name,
                    True,
                    f"{event.audio_ms:.0f} ms of audio ({audio} bytes), "
                    f"ttfb {ttfb or 0:.0f} ms, {elapsed:.0f} ms in all",
                )
    finally:
        await stream.aclose()
    return Step(name, False, "the stream ended without AudioEnd", ExitCode.INTERNAL)


async def _check_synthesis(tts: DeepgramTTS, name: str, limit_s: float) -> Step:
    """:func:`_synthesis` with a deadline; a raised library error becomes a failed step."""
    try:
        step = await asyncio.wait_for(_synthesis(tts, name), limit_s * 3)
    except TimeoutErrors:
        return Step(name, False, f"no answer within {limit_s * 3:g} s", ExitCode.UNREACHABLE)
    except DeepgramTTSError as exc:
        return Step(name, False, describe(exc), exit_code_for(exc))
    return step


def _explain(event: Error, options: TTSOptions) -> str:
    hints = {
        "auth": "the API key was rejected: check DEEPGRAM_API_KEY and the project's access",
        "input": "the request was refused as invalid: check model, encoding and sample rate",
        "rate_limit": "rate limited: too many concurrent requests for this project",
        "transient": "the service failed or timed out: try again, or check the network",
    }
    hint = hints.get(event.error_class.value, "unexpected failure")
    url = options.rest_url if options.transport == "rest" else options.websocket_url
    return f"{hint} ({describe(event.exception, url)})"

"""``dgtts doctor``: check an endpoint step by step and say what is wrong in plain words.

Steps: DNS, TCP connect, WebSocket handshake with the key, a short streamed synthesis (TTFB),
and a short REST synthesis. Each prints one line; the exit code is the first failure's.
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

from rich.console import Console

from deepgram_tts2.cli.exit_codes import ExitCode, exit_code_for, exit_code_for_class, one_line
from deepgram_tts2.client.events import AudioEnd, Error, Metric
from deepgram_tts2.client.tts import DeepgramTTS
from deepgram_tts2.exceptions import DeepgramTTSError
from deepgram_tts2.options import API_KEY_ENV, DEFAULT_URL, TTSOptions

PROBE_TEXT = "Doctor check."


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``doctor`` subcommand."""
    parser = sub.add_parser(
        "doctor",
        help="check an endpoint: DNS, connect, auth, a short synthesis, TTFB",
        description="Diagnose connectivity to Deepgram (or an emulator) step by step.",
    )
    parser.add_argument("--url", default=None, help=f"endpoint (default {DEFAULT_URL})")
    parser.add_argument("--api-key", default=None, help=f"API key (default ${API_KEY_ENV})")
    parser.add_argument("--model", default=None, help="voice model to try")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per step (5)")
    parser.set_defaults(run=run)


@dataclass
class Step:
    """One line of the report."""

    name: str
    ok: bool
    detail: str
    code: ExitCode = ExitCode.OK


def run(args: argparse.Namespace) -> int:
    """Run the checks; returns the first failure's exit code (0 when all pass)."""
    console = Console(highlight=False, soft_wrap=True)
    steps = asyncio.run(_diagnose(args, console))
    failed = [s for s in steps if not s.ok]
    if failed:
        console.print(f"doctor: {len(failed)} check(s) failed; first: {failed[0].name}")
        return failed[0].code
    console.print("doctor: all checks passed")
    return ExitCode.OK


async def _diagnose(args: argparse.Namespace, console: Console) -> list[Step]:
    api_key = args.api_key or os.environ.get(API_KEY_ENV)
    steps: list[Step] = []

    def record(step: Step) -> bool:
        steps.append(step)
        mark = "[green]ok[/green]  " if step.ok else "[red]FAIL[/red]"
        console.print(f"{mark} {step.name}: {step.detail}")
        return step.ok

    async with contextlib.AsyncExitStack() as stack:
        url = args.url or (DEFAULT_URL if api_key else None)
        if url is None:
            from deepgram_tts2.emulator.config import EmulatorConfig
            from deepgram_tts2.emulator.server import Emulator

            api_key = secrets.token_hex(16)
            emulator = Emulator(EmulatorConfig(port=0, api_keys=(api_key,)))
            await stack.enter_async_context(emulator)
            url = emulator.ws_url
            console.print(f"doctor: no {API_KEY_ENV} and no --url: checking the embedded emulator")
        if not api_key:
            record(
                Step(
                    "api key",
                    False,
                    f"no key: pass --api-key or set {API_KEY_ENV}",
                    ExitCode.BAD_INPUT,
                )
            )
            return steps
        try:
            options = TTSOptions.create(**_option_args(args, api_key, url))
        except DeepgramTTSError as exc:
            record(Step("options", False, one_line(exc), exit_code_for(exc)))
            return steps
        for check in (_check_dns, _check_tcp):
            if not record(await check(options, args.timeout)):
                return steps
        tts = DeepgramTTS(options)
        try:
            await asyncio.wait_for(tts.start(), args.timeout * 2)
        except (DeepgramTTSError, TimeoutError) as exc:
            record(Step("websocket", False, one_line(exc), exit_code_for(exc)))
            return steps
        stack.push_async_callback(tts.aclose)
        if record(await _check_stream(tts)):
            record(await _check_rest(tts, args.timeout))
    return steps


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
    except (OSError, TimeoutError) as exc:
        return Step("dns", False, f"cannot resolve {host}: {exc}", ExitCode.UNREACHABLE)
    addresses = sorted({str(info[4][0]) for info in infos})
    return Step("dns", True, f"{host} -> {', '.join(addresses[:3])}")


async def _check_tcp(options: TTSOptions, limit_s: float) -> Step:
    host, port = _host_port(options)
    started = time.perf_counter()
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), limit_s)
    except (OSError, TimeoutError) as exc:
        detail = f"cannot connect to {host}:{port}: {exc or 'timed out'}"
        return Step("connect", False, detail, ExitCode.UNREACHABLE)
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return Step(
        "connect", True, f"{host}:{port} in {(time.perf_counter() - started) * 1000:.0f} ms"
    )


async def _check_stream(tts: DeepgramTTS) -> Step:
    ttfb: float | None = None
    async for event in tts.speak(PROBE_TEXT):
        if isinstance(event, Metric) and event.name == "ttfb":
            ttfb = event.value
        elif isinstance(event, Error):
            code = exit_code_for_class(event.error_class)
            return Step("synthesis (websocket)", False, _explain(event), code)
        elif isinstance(event, AudioEnd):
            detail = f"{event.audio_ms:.0f} ms of audio, ttfb {ttfb or 0:.0f} ms"
            return Step("synthesis (websocket)", True, detail)
    return Step(
        "synthesis (websocket)", False, "the stream ended without AudioEnd", ExitCode.INTERNAL
    )


async def _check_rest(tts: DeepgramTTS, limit_s: float) -> Step:
    started = time.perf_counter()
    try:
        audio = await asyncio.wait_for(tts.synthesize(PROBE_TEXT), limit_s * 2)
    except (DeepgramTTSError, TimeoutError) as exc:
        return Step("synthesis (rest)", False, one_line(exc), exit_code_for(exc))
    elapsed = (time.perf_counter() - started) * 1000
    return Step("synthesis (rest)", True, f"{len(audio)} bytes in {elapsed:.0f} ms")


def _explain(event: Error) -> str:
    hints = {
        "auth": "the API key was rejected: check DEEPGRAM_API_KEY and the project's access",
        "input": "the request was refused as invalid: check model, encoding and sample rate",
        "rate_limit": "rate limited: too many concurrent requests for this project",
        "transient": "the service failed or timed out: try again, or check the network",
    }
    hint = hints.get(event.error_class.value, "unexpected failure")
    return f"{hint} ({one_line(event.exception)})"

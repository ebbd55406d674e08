"""``dgtts speak``: text in, audio file out, over the streaming client.

With no API key and no ``--url`` it starts the emulator in this process (real offline speech)
and says so in one line; with ``DEEPGRAM_API_KEY`` set it talks to Deepgram.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

from rich.console import Console

from deepgram_tts2.cli.exit_codes import ExitCode, exit_code_for, exit_code_for_class, one_line
from deepgram_tts2.cli.output import AudioSink, OutputFormat
from deepgram_tts2.client.events import AudioChunk, AudioEnd, AudioStart, EndReason, Error, Metric
from deepgram_tts2.client.tts import DeepgramTTS
from deepgram_tts2.exceptions import DeepgramTTSError
from deepgram_tts2.options import API_KEY_ENV, TTSOptions
from deepgram_tts2.protocol.v1.models import DEFAULT_CLIENT_MODEL


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``speak`` subcommand."""
    parser = sub.add_parser(
        "speak",
        help="synthesise text to an audio file (the main job)",
        description="Synthesise TEXT (or lines from stdin, streamed as they arrive) to audio. "
        f"Without ${API_KEY_ENV} and --url, an embedded emulator speaks offline.",
    )
    parser.add_argument("text", nargs="?", help="text to speak; '-' reads stdin line by line")
    parser.add_argument("--stdin", action="store_true", help="read text from stdin line by line")
    parser.add_argument("-o", "--output", default="out.wav", help="output file, '-' = stdout")
    parser.add_argument(
        "--format",
        choices=["wav", "raw"],
        default=None,
        help="output format (default: from the file name, else wav)",
    )
    parser.add_argument("--model", default=DEFAULT_CLIENT_MODEL, help="Aura voice model")
    parser.add_argument("--encoding", choices=["linear16", "mulaw", "alaw"], default="linear16")
    parser.add_argument("--sample-rate", type=int, default=None, help="Hz (default per encoding)")
    parser.add_argument("--url", default=None, help="endpoint, e.g. ws://127.0.0.1:8787/v1/speak")
    parser.add_argument("--api-key", default=None, help=f"API key (default ${API_KEY_ENV})")
    parser.add_argument("--transport", choices=["auto", "websocket", "rest"], default="auto")
    parser.add_argument("--json", action="store_true", help="print one JSON object of results")
    parser.set_defaults(run=run)


@dataclass
class SpeakResult:
    """What one ``speak`` run produced."""

    request_id: str = ""
    ttfb_ms: float | None = None
    audio_ms: float = 0.0
    bytes: int = 0
    transport: str | None = None
    error: Error | None = None
    reason: EndReason | None = None


def run(args: argparse.Namespace) -> int:
    """Run ``dgtts speak``; returns the exit code."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    from_stdin = args.stdin or args.text == "-"
    if not from_stdin and (args.text is None or not args.text.strip()):
        err.print("dgtts speak: nothing to say: give TEXT, or '-' / --stdin to read stdin")
        return ExitCode.BAD_INPUT
    try:
        return asyncio.run(_speak(args, from_stdin, err))
    except DeepgramTTSError as exc:
        err.print(f"dgtts speak: {one_line(exc)}")
        return exit_code_for(exc)


def _output_format(args: argparse.Namespace) -> OutputFormat:
    if args.format == "raw":
        return "raw"
    if args.format == "wav":
        return "wav"
    return "raw" if args.output.endswith((".raw", ".pcm", ".ulaw", ".alaw")) else "wav"


async def _speak(args: argparse.Namespace, from_stdin: bool, err: Console) -> int:
    api_key = args.api_key or os.environ.get(API_KEY_ENV)
    async with contextlib.AsyncExitStack() as stack:
        url = args.url
        if url is None and not api_key:
            from deepgram_tts2.emulator.config import EmulatorConfig
            from deepgram_tts2.emulator.server import Emulator

            api_key = secrets.token_hex(16)
            emulator = Emulator(EmulatorConfig(port=0, api_keys=(api_key,)))
            await stack.enter_async_context(emulator)
            url = emulator.ws_url
            err.print(
                f"dgtts: no {API_KEY_ENV}: speaking offline with the embedded emulator at {url}"
            )
        options = TTSOptions.create(
            api_key=api_key,
            base_url=url or "wss://api.deepgram.com/v1/speak",
            model=args.model,
            encoding=args.encoding,
            sample_rate=args.sample_rate,
            transport=args.transport,
        )
        tts = await stack.enter_async_context(DeepgramTTS(options))
        sink = stack.enter_context(AudioSink(args.output, options.pcm_format, _output_format(args)))
        result = await _run_stream(tts, _text_source(args, from_stdin), sink, args, err)
    return _report(result, args, options.model, err)


async def _text_source(args: argparse.Namespace, from_stdin: bool) -> AsyncIterator[str]:
    if not from_stdin:
        yield args.text
        return
    while True:
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            return
        yield line


async def _run_stream(
    tts: DeepgramTTS,
    texts: AsyncIterator[str],
    sink: AudioSink,
    args: argparse.Namespace,
    err: Console,
) -> SpeakResult:
    stream = tts.stream()
    result = SpeakResult(request_id=stream.request_id)

    async def produce() -> None:
        async for text in texts:
            await stream.push(text)
        await stream.end()

    producer = asyncio.create_task(produce())
    show = err.is_terminal and not args.json and args.output != "-"
    status = err.status("speaking…") if show else contextlib.nullcontext()
    try:
        with status as live:
            async for event in stream:
                _apply(event, result, sink)
                if live is not None:
                    ttfb = f", ttfb {result.ttfb_ms:.0f} ms" if result.ttfb_ms is not None else ""
                    live.update(f"speaking… {sink.bytes_written / 1024:.0f} KiB{ttfb}")
    finally:
        if not producer.done():
            producer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await producer
        await stream.aclose()
    return result


def _apply(event: object, result: SpeakResult, sink: AudioSink) -> None:
    if isinstance(event, AudioChunk):
        sink.write(event.data)
    elif isinstance(event, AudioStart):
        result.transport = event.transport.value
    elif isinstance(event, Metric) and event.name == "ttfb":
        result.ttfb_ms = event.value
    elif isinstance(event, Error):
        result.error = event
    elif isinstance(event, AudioEnd):
        result.reason = event.reason
        result.audio_ms = event.audio_ms
        result.bytes = event.audio_bytes
        if event.transport is not None:
            result.transport = event.transport.value


def _report(result: SpeakResult, args: argparse.Namespace, model: str, err: Console) -> int:
    if args.json:
        print(
            json.dumps(
                {
                    "request_id": result.request_id,
                    "ttfb_ms": None if result.ttfb_ms is None else round(result.ttfb_ms, 1),
                    "audio_ms": round(result.audio_ms, 1),
                    "bytes": result.bytes,
                    "transport": result.transport,
                    "model": model,
                    "output": args.output,
                    "error": None if result.error is None else result.error.message,
                }
            )
        )
    if result.error is not None:
        err.print(f"dgtts speak: {one_line(result.error.exception)}")
        return exit_code_for_class(result.error.error_class)
    if not args.json:
        ttfb = "n/a" if result.ttfb_ms is None else f"{result.ttfb_ms:.0f} ms"
        err.print(
            f"ttfb {ttfb}, audio {result.audio_ms / 1000:.2f} s ({result.bytes} bytes) "
            f"via {result.transport or '-'} -> {args.output}"
        )
    return ExitCode.OK

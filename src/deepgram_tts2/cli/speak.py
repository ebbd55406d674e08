"""``dgtts speak``: text in, audio file out, over the streaming client.

With no API key and no ``--url`` it starts the emulator in this process (real offline speech)
and says so in one line; with ``DEEPGRAM_API_KEY`` set it talks to Deepgram.

Order of work, so that a mistake costs nothing: the arguments, then the options (validated with
a placeholder endpoint), then the output (a temporary file beside the target is created), then
the emulator extra; only then does the embedded emulator start and the client connect. The
behaviour on every outcome (exit codes, what is left on disk) is in docs/cli.md.
"""

from __future__ import annotations

import argparse
import asyncio
import codecs
import contextlib
import json
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from deepgram_tts2 import DeepgramTTS, SpeakStream, TTSOptions
from deepgram_tts2.cli.exit_codes import ExitCode, exit_code_for, exit_code_for_class
from deepgram_tts2.cli.extras import require_emulator
from deepgram_tts2.cli.interrupts import (
    arm_sigterm,
    exit_code_for_signal,
    install_signal_handlers,
    remove_signal_handlers,
    signal_of,
)
from deepgram_tts2.cli.messages import clean, failure_lines
from deepgram_tts2.cli.output import (
    AudioSink,
    OutputClosedError,
    OutputError,
    OutputFormat,
    quiet_broken_stdout,
)
from deepgram_tts2.cli.progress import ProgressLine, estimate
from deepgram_tts2.client.events import (
    AudioChunk,
    AudioEnd,
    AudioStart,
    EndReason,
    Error,
    Metric,
    SpeakEvent,
    Transport,
)
from deepgram_tts2.client.spread import SpreadStream
from deepgram_tts2.exceptions import DeepgramTTSError
from deepgram_tts2.options import API_KEY_ENV, DEFAULT_URL
from deepgram_tts2.protocol.audio import ENCODING_RULES, Encoding
from deepgram_tts2.protocol.v1.models import DEFAULT_CLIENT_MODEL

PROG = "dgtts speak"
ENCODINGS = ("linear16", "mulaw", "alaw")
RAW_SUFFIXES = (".raw", ".pcm", ".ulaw", ".alaw")
_PLACEHOLDER_URL = "ws://127.0.0.1/v1/speak"  # validates options before the emulator exists


def _rates_help() -> str:
    parts = []
    for name in ENCODINGS:
        rules = ENCODING_RULES[Encoding(name)]
        allowed = "/".join(str(rate) for rate in rules.sample_rates)
        parts.append(f"{name} {rules.default_sample_rate} (allowed {allowed})")
    return "sample rate in Hz; default per encoding: " + ", ".join(parts)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``speak`` subcommand."""
    parser = sub.add_parser(
        "speak",
        help="synthesise text to an audio file (the main job)",
        description="Synthesise TEXT (or lines from stdin, streamed as they arrive) to audio. "
        f"Without ${API_KEY_ENV} and --url, an embedded emulator speaks offline. "
        "Exit codes and what a failed or interrupted run leaves: docs/cli.md.",
    )
    _input_and_output(parser)
    _voice_and_format(parser)
    _endpoint(parser)
    parser.set_defaults(run=run)


def _input_and_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "text", nargs="?", help="text to speak; '-' reads stdin line by line (like --stdin)"
    )
    parser.add_argument(
        "--stdin",
        action="store_true",
        help="read the text from stdin, streamed line by line (default: off; not with TEXT)",
    )
    parser.add_argument(
        "-o",
        "--output",
        default="out.wav",
        help="output file, '-' = stdout (default: out.wav); written to a temporary file "
        "beside it and renamed when complete",
    )
    parser.add_argument(
        "--format",
        choices=["wav", "raw"],
        default=None,
        help=f"output format (default: raw for {'/'.join(RAW_SUFFIXES)} file names, else wav)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object of results: on stdout, or on stderr when the audio goes "
        "to stdout (default: off)",
    )


def _voice_and_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        default=DEFAULT_CLIENT_MODEL,
        help=(
            "voice: an Aura model (aura-2-*, /v1/speak) or a Flux one (flux-*, /v2/speak) "
            f"(default: {DEFAULT_CLIENT_MODEL})"
        ),
    )
    parser.add_argument(
        "--encoding",
        choices=list(ENCODINGS),
        default="linear16",
        help="audio encoding: linear16 = 16-bit PCM, mulaw/alaw = 8-bit G.711 (default: linear16)",
    )
    parser.add_argument("--sample-rate", type=int, default=None, help=_rates_help())


def _endpoint(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url",
        default=None,
        help=f"endpoint, e.g. ws://127.0.0.1:8787/v1/speak (default: {DEFAULT_URL} with a key, "
        "else the embedded emulator)",
    )
    parser.add_argument(
        "--api-key", default=None, help=f"API key (default: ${API_KEY_ENV}); never printed"
    )
    parser.add_argument(
        "--transport",
        choices=["auto", "websocket", "rest"],
        default="auto",
        help="auto = WebSocket, REST when the socket is unavailable (default: auto)",
    )


@dataclass
class SpeakResult:
    """What one ``speak`` run produced."""

    request_id: str = ""
    ttfb_ms: float | None = None
    transport: str | None = None
    error: Error | None = None
    end: AudioEnd | None = None
    output_error: OutputError | None = None
    chars: int = 0
    signal: int | None = None


@dataclass
class _RunState:
    """Shared with the signal handler."""

    signal: int | None = None
    stream: SpeakStream | SpreadStream | None = None
    stream_over: bool = False
    tasks: set[asyncio.Future[None]] = field(default_factory=set)


def eprint(text: str) -> None:
    """One line on stderr, as given (no markup)."""
    with contextlib.suppress(OSError, ValueError):
        print(text, file=sys.stderr, flush=True)


def _output_format(args: argparse.Namespace) -> OutputFormat:
    if args.format == "raw":
        return "raw"
    if args.format == "wav":
        return "wav"
    return "raw" if args.output.endswith(RAW_SUFFIXES) else "wav"


def _option_args(args: argparse.Namespace, api_key: str, url: str) -> dict[str, object]:
    return {
        "api_key": api_key,
        "base_url": url,
        "model": args.model,
        "encoding": args.encoding,
        "sample_rate": args.sample_rate,
        "transport": args.transport,
    }


def run(args: argparse.Namespace) -> int:
    """Run ``dgtts speak``; returns the exit code."""
    from_stdin = args.stdin or args.text == "-"
    if args.stdin and args.text not in (None, "-"):
        eprint(f"{PROG}: give TEXT or --stdin, not both")
        return ExitCode.BAD_INPUT
    if not from_stdin and (args.text is None or not args.text.strip()):
        eprint(f"{PROG}: nothing to say: give TEXT, or '-' / --stdin to read stdin")
        return ExitCode.BAD_INPUT
    api_key: str | None = args.api_key or os.environ.get(API_KEY_ENV) or None
    if args.url is not None and not api_key:
        eprint(f"{PROG}: --url needs --api-key or ${API_KEY_ENV}")
        return ExitCode.BAD_INPUT
    embedded = args.url is None and not api_key
    key = api_key or secrets.token_hex(16)
    hidden = (key,)
    try:
        options = TTSOptions.create(
            **_option_args(args, key, _PLACEHOLDER_URL if embedded else args.url or DEFAULT_URL)
        )
    except DeepgramTTSError as exc:
        eprint(f"{PROG}: {clean(exc.message, hidden)}")
        return exit_code_for(exc)
    try:
        sink = AudioSink.open(args.output, options.pcm_format, _output_format(args))
    except OutputError as exc:
        eprint(f"{PROG}: {exc}")
        return ExitCode.BAD_INPUT
    try:
        if embedded:
            require_emulator()
        return asyncio.run(_speak(args, options, key, embedded, sink, from_stdin))
    except DeepgramTTSError as exc:
        eprint(f"{PROG}: {clean(exc.message, hidden)}")
        return exit_code_for(exc)
    except KeyboardInterrupt as exc:  # SIGINT/SIGTERM before or after the event loop
        signum = signal_of(exc)
        name = signal.Signals(signum).name
        if sink.committed:
            eprint(f"{PROG}: interrupted by {name} while closing (the audio was complete)")
        elif sink.bytes_written == 0:
            eprint(f"{PROG}: interrupted by {name} before any audio: {_not_written(args)}")
        else:
            eprint(f"{PROG}: interrupted by {name}: {_not_written(args)}")
        return exit_code_for_signal(signum)
    finally:
        sink.discard()  # a no-op after a commit; otherwise the temporary file goes


async def _speak(
    args: argparse.Namespace,
    options: TTSOptions,
    key: str,
    embedded: bool,
    sink: AudioSink,
    from_stdin: bool,
) -> int:
    """Start the emulator if needed, connect, stream, then settle the output (commit or discard)
    and report while the signal handlers still guard it; returns the exit code."""
    loop = asyncio.get_running_loop()
    state = _RunState()
    installed = _guard_signals(loop, state)
    result = SpeakResult()
    hidden = (key,)
    try:
        async with contextlib.AsyncExitStack() as stack:
            options, tts = await _open_client(stack, args, key, embedded)
            texts = _stdin_lines(loop) if from_stdin else _one(args.text)
            # A whole text longer than one socket's character budget is spread over several
            # sockets at once, audio in order (library: DeepgramTTS.long_stream).
            spread = not from_stdin and _long(args.text, options)
            await _run_stream(tts, texts, sink, args, state, result, spread=spread)
            result.signal = state.signal
            # Settled before the client and the emulator close: a signal from here on is
            # ignored (state.stream_over), so a complete file is never lost to a late Ctrl-C.
            return _finish(result, args, options, sink, hidden)
    except asyncio.CancelledError:
        if state.signal is None:
            raise
        result.signal = state.signal
        return _finish(result, args, options, sink, hidden)
    finally:
        remove_signal_handlers(loop, installed)
        arm_sigterm()  # asyncio reset SIGTERM to the default action


def _guard_signals(loop: asyncio.AbstractEventLoop, state: _RunState) -> list[int]:
    """SIGINT/SIGTERM interrupt the running stream (or cancel the run before one exists); a
    signal once the audio is complete is ignored. Returns the signals handled."""
    main = asyncio.current_task()

    def on_signal(signum: int) -> None:
        if state.stream_over:
            return  # the audio is complete: finish normally
        if state.signal is None:
            state.signal = signum
        if state.stream is not None:
            task = loop.create_task(state.stream.interrupt())
            state.tasks.add(task)
            task.add_done_callback(state.tasks.discard)
        elif main is not None:
            main.cancel()

    return install_signal_handlers(loop, on_signal)


async def _open_client(
    stack: contextlib.AsyncExitStack, args: argparse.Namespace, key: str, embedded: bool
) -> tuple[TTSOptions, DeepgramTTS]:
    """The client's options and the started client (on the embedded emulator without a key);
    both are closed with ``stack``."""
    url = args.url or DEFAULT_URL
    if embedded:
        from deepgram_tts2.emulator.config import EmulatorConfig
        from deepgram_tts2.emulator.server import Emulator

        emulator = Emulator(EmulatorConfig(port=0, api_keys=(key,)))
        await stack.enter_async_context(emulator)
        url = emulator.ws_url
    options = TTSOptions.create(**_option_args(args, key, url))
    if embedded:
        at = options.websocket_url
        eprint(f"dgtts: no {API_KEY_ENV}: speaking offline with the embedded emulator at {at}")
    return options, await stack.enter_async_context(DeepgramTTS(options))


async def _one(text: str) -> AsyncIterator[str]:
    yield text


def _long(text: str, options: TTSOptions) -> bool:
    return options.generation == "v1" and len(text) > options.limits.chars_per_window


async def _stdin_lines(loop: asyncio.AbstractEventLoop) -> AsyncIterator[str]:
    """Lines of stdin as they arrive. A daemon thread reads the descriptor, so a run that ends
    (a signal, an error) never waits for more input."""
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def put(item: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody listens
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def read() -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending = ""
        try:
            while True:
                try:
                    data = os.read(0, 65536)
                except OSError:
                    data = b""
                if not data:
                    break
                pending += decoder.decode(data)
                *lines, pending = pending.split("\n")
                for line in lines:
                    put(line + "\n")
            pending += decoder.decode(b"", final=True)
            if pending:
                put(pending)
        finally:
            put(None)

    threading.Thread(target=read, name="dgtts-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line


async def _run_stream(
    tts: DeepgramTTS,
    texts: AsyncIterator[str],
    sink: AudioSink,
    args: argparse.Namespace,
    state: _RunState,
    result: SpeakResult,
    *,
    spread: bool = False,
) -> None:
    stream: SpeakStream | SpreadStream = tts.long_stream() if spread else tts.stream()
    state.stream = stream
    result.request_id = stream.request_id

    async def produce() -> None:
        async for text in texts:
            if text.strip():
                result.chars += len(text.strip())
            await stream.push(text)
        await stream.end()

    if state.signal is not None:  # a signal arrived while connecting
        await stream.interrupt()
    producer = asyncio.create_task(produce())

    def stop_if_failed(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:  # re-raised below
            state.tasks.add(asyncio.ensure_future(stream.interrupt()))  # do not wait forever

    producer.add_done_callback(stop_if_failed)
    try:
        await _consume(stream, sink, args, result)
    finally:
        state.stream_over = True
        if not producer.done():
            producer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await producer
        await stream.aclose()


@dataclass
class _Verdict:
    """What a run comes to: the exit code, the lines to print, the error for ``--json``."""

    code: int = ExitCode.OK
    lines: list[str] = field(default_factory=list)
    error_text: str | None = None


async def _consume(
    stream: SpeakStream | SpreadStream,
    sink: AudioSink,
    args: argparse.Namespace,
    result: SpeakResult,
) -> None:
    """Write the audio as it comes, keep the rest of the events in ``result``."""
    first_audio_at: float | None = None
    write: Callable[[bytes], object] = sink.write
    with ProgressLine(enabled=sys.stderr.isatty() and not args.json) as line:
        async for event in stream:
            if isinstance(event, AudioChunk):
                try:
                    if sink.may_block:
                        await asyncio.to_thread(write, event.data)
                    else:
                        write(event.data)
                except OutputError as exc:
                    result.output_error = exc
                    break
                now = time.monotonic()
                if first_audio_at is None:
                    first_audio_at = now
                line.update(
                    estimate(
                        audio_s=sink.audio_s,
                        chars=result.chars,
                        audio_elapsed_s=now - first_audio_at,
                    )
                )
            else:
                _note(event, result)


def _note(event: SpeakEvent, result: SpeakResult) -> None:
    """Keep what the report needs of a non-audio event."""
    if isinstance(event, AudioStart):
        result.transport = event.transport.value
    elif isinstance(event, Metric) and event.name == "ttfb":
        result.ttfb_ms = event.value
    elif isinstance(event, Error):
        result.error = event
    elif isinstance(event, AudioEnd):
        result.end = event
        if event.transport is not None:
            result.transport = event.transport.value


def _finish(
    result: SpeakResult,
    args: argparse.Namespace,
    options: TTSOptions,
    sink: AudioSink,
    hidden: tuple[str, ...],
) -> int:
    """Commit or discard the output, say what happened, and return the exit code."""
    if isinstance(result.output_error, OutputClosedError):
        sink.discard()
        quiet_broken_stdout()
        return ExitCode.BROKEN_PIPE
    if result.signal is not None:
        verdict = _after_signal(result, args, sink)
    elif result.output_error is not None:
        sink.discard()
        text = str(result.output_error)
        verdict = _Verdict(ExitCode.BAD_INPUT, [f"{PROG}: {text}"], text)
    elif result.error is not None:
        sink.discard()
        verdict = _after_error(result, options, hidden)
    elif result.chars == 0:
        sink.discard()
        text = "nothing to say: standard input had no text"
        verdict = _Verdict(ExitCode.BAD_INPUT, [f"{PROG}: {text}; {_not_written(args)}"], text)
    else:
        committed = _after_success(result, sink)
        if committed is None:
            return ExitCode.BROKEN_PIPE
        verdict = committed
    if args.json:
        _print_json(result, args, options, sink, verdict.error_text)
    elif verdict.code == ExitCode.OK:
        ttfb = "n/a" if result.ttfb_ms is None else f"{result.ttfb_ms:.0f} ms"
        verdict.lines.append(
            f"wrote {_written(sink, args)}; ttfb {ttfb} via {result.transport or '-'}"
        )
    for text in verdict.lines:
        eprint(text)
    return verdict.code


def _after_signal(result: SpeakResult, args: argparse.Namespace, sink: AudioSink) -> _Verdict:
    """SIGINT/SIGTERM: keep (and finalise) what was received, or say nothing was written."""
    assert result.signal is not None
    name = signal.Signals(result.signal).name
    verdict = _Verdict(exit_code_for_signal(result.signal))
    if result.output_error is not None:
        sink.discard()
        verdict.error_text = str(result.output_error)
        verdict.lines.append(
            f"{PROG}: interrupted by {name}; {verdict.error_text}; {_not_written(args)}"
        )
    elif sink.bytes_written > 0:  # keep what was received, finalised at the target
        try:
            sink.commit()
            verdict.lines.append(f"{PROG}: interrupted by {name}: wrote {_written(sink, args)}")
        except OutputError as exc:
            verdict.error_text = str(exc)
            verdict.lines.append(f"{PROG}: interrupted by {name}; {exc}")
    else:
        sink.discard()
        verdict.lines.append(
            f"{PROG}: interrupted by {name} before any audio: {_not_written(args)}"
        )
    return verdict


def _after_error(result: SpeakResult, options: TTSOptions, hidden: tuple[str, ...]) -> _Verdict:
    """The request failed: what failed and where first, then what the fallback did."""
    assert result.error is not None
    end = result.end
    fell_back = options.transport == "auto" and end is not None and end.transport is Transport.REST
    explained = failure_lines(
        result.error.exception,
        websocket_url=options.websocket_url,
        rest_url=options.rest_url,
        fell_back=fell_back,
        rest_only=options.transport == "rest",
        secrets=hidden,
    )
    return _Verdict(
        exit_code_for_class(result.error.error_class),
        [f"{PROG}: {text}" for text in explained],
        "; ".join(explained),
    )


def _after_success(result: SpeakResult, sink: AudioSink) -> _Verdict | None:
    """Commit the output (None: stdout went away)."""
    try:
        sink.commit()
    except OutputClosedError:
        quiet_broken_stdout()
        return None
    except OutputError as exc:
        return _Verdict(ExitCode.BAD_INPUT, [f"{PROG}: {exc}"], str(exc))
    verdict = _Verdict()
    if result.end is not None and result.end.reason is not EndReason.COMPLETED:
        verdict.error_text = f"the request ended: {result.end.reason.value}"
    return verdict


def _written(sink: AudioSink, args: argparse.Namespace) -> str:
    where = "stdout" if args.output == "-" else args.output
    return f"{sink.audio_s:.2f} s of audio ({sink.bytes_written} bytes) to {where}"


def _not_written(args: argparse.Namespace) -> str:
    if args.output == "-":
        return "nothing more was written to stdout"
    return f"{args.output} was not written"


def _print_json(
    result: SpeakResult,
    args: argparse.Namespace,
    options: TTSOptions,
    sink: AudioSink,
    error: str | None,
) -> None:
    report = {
        "request_id": result.request_id,
        "ttfb_ms": None if result.ttfb_ms is None else round(result.ttfb_ms, 1),
        "audio_ms": round(sink.audio_s * 1000.0, 1),
        "bytes": sink.bytes_written,
        "transport": result.transport,
        "model": options.model,
        "output": args.output,
        "interrupted": None if result.signal is None else signal.Signals(result.signal).name,
        "error": error,
    }
    stream = sys.stderr if args.output == "-" else sys.stdout
    with contextlib.suppress(OSError, ValueError):
        print(json.dumps(report), file=stream, flush=True)

"""``dgtts bench``: a load generator through the public client API.

By default it starts the emulator in a *separate process* (``dgtts serve``, tone voice) so the
client's CPU and memory are measured apart from the server's; ``--url`` targets any endpoint.

The report goes to stdout (a text table, or one JSON object with ``--json``); the progress line
and every message go to stderr. The exit code is 0 unless more than ``--max-error-rate`` of the
requests failed (default 0: any failed request fails the run); then it is the exit code of the
most common failure class (3 auth, 5 rate limited, 4 unreachable, 2 input, 1 internal). SIGINT
or SIGTERM stops starting requests, lets the running ones finish, prints the report of what ran
and exits 130 or 143.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from deepgram_tts2 import DeepgramTTS, TTSOptions
from deepgram_tts2.cli.exit_codes import ExitCode, exit_code_for, exit_code_for_class
from deepgram_tts2.cli.extras import require_emulator
from deepgram_tts2.cli.interrupts import arm_sigterm, exit_code_for_signal, signal_of
from deepgram_tts2.cli.messages import clean
from deepgram_tts2.exceptions import DeepgramTTSError
from deepgram_tts2.loadtest.report import build_report, render_table, verdict
from deepgram_tts2.loadtest.runner import CountingHooks, run_load
from deepgram_tts2.loadtest.workload import Corpus, Workload
from deepgram_tts2.options import API_KEY_ENV
from deepgram_tts2.protocol.errors import ErrorClass

PROG = "dgtts bench"
PACING_PRESETS = {
    "instant": ["--instant"],
    "fast": ["--first-audio-ms", "20", "--per-char-ms", "0", "--realtime-factor", "0"],
    "realistic": ["--first-audio-ms", "200", "--per-char-ms", "0.4", "--realtime-factor", "4"],
    "realtime": ["--first-audio-ms", "200", "--per-char-ms", "0.4", "--realtime-factor", "1"],
}
DEFAULT_REQUESTS = 100


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {text}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be 0..65535, not {value}")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``bench`` subcommand."""
    parser = sub.add_parser(
        "bench",
        help="load-test an endpoint (the emulator in a separate process by default)",
        description="Drive requests through the public client API and report TTFB, "
        "first-token-to-audio, real-time factor, gaps, interrupt latency, errors, CPU, memory "
        "and event-loop lag. The report goes to stdout; see docs/bench.md.",
    )
    parser.add_argument(
        "--url", default=None, help="endpoint (default: a spawned emulator, see --pacing)"
    )
    parser.add_argument(
        "--api-key", default=None, help=f"API key (default: ${API_KEY_ENV}); never printed"
    )
    parser.add_argument(
        "--concurrency", type=_positive_int, default=4, help="closed-loop workers (default: 4)"
    )
    parser.add_argument(
        "--requests",
        type=_positive_int,
        default=None,
        help=f"stop after N requests (default: {DEFAULT_REQUESTS} unless --duration is given)",
    )
    parser.add_argument(
        "--duration", type=_positive_float, default=None, help="stop after S seconds (default: off)"
    )
    parser.add_argument(
        "--rate",
        type=_positive_float,
        default=None,
        help="open loop: arrivals per second instead of closed-loop workers (default: off)",
    )
    parser.add_argument(
        "--corpus",
        choices=[c.value for c in Corpus],
        default="short",
        help="short replies, long paragraphs, or tokens (an LLM-like word stream) (default: short)",
    )
    parser.add_argument(
        "--tokens-per-s",
        type=_positive_float,
        default=30.0,
        help="token rate of --corpus tokens (default: 30)",
    )
    parser.add_argument(
        "--interrupt-after-ms",
        type=_positive_float,
        default=None,
        help="interrupt each request this long after it started (default: off)",
    )
    parser.add_argument(
        "--pacing",
        choices=list(PACING_PRESETS),
        default="realistic",
        help="emulator pacing preset, spawned emulator only (default: realistic)",
    )
    parser.add_argument(
        "--pool-size",
        type=_positive_int,
        default=None,
        help="client sockets (default: the concurrency, at most 64)",
    )
    parser.add_argument(
        "--metrics-port",
        type=_port,
        default=None,
        help="serve the client's /metrics on this port during the run (default: off)",
    )
    parser.add_argument(
        "--max-error-rate",
        type=_fraction,
        default=0.0,
        help="fail (non-zero exit) when more than this fraction of the requests failed "
        "(default: 0, any failure)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the report as one JSON object (default: off)"
    )
    parser.set_defaults(run=run)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmulatorStartError(Exception):
    """The spawned emulator did not start; the message carries its last words."""


@contextlib.contextmanager
def spawned_emulator(key: str, pacing: str, concurrency: int) -> Iterator[str]:
    """Run ``dgtts serve`` in a child process; yields its WebSocket URL."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "deepgram_tts2.cli",
        "serve",
        "--port",
        str(port),
        "--api-key",
        key,
        "--voice-engine",
        "tone",
        "--max-concurrent-ws",
        str(max(45, concurrency * 2)),
        "--flushes-per-window",
        "100000",
        "--chars-per-window",
        "100000000",
        *PACING_PRESETS[pacing],
    ]
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    tail: collections.deque[str] = collections.deque(maxlen=20)
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        if "listening" not in line:
            tail.append(line.strip())
            tail.extend(process.stderr.read().splitlines()[-5:])
            words = " / ".join(t for t in tail if t) or f"exit code {process.wait()}"
            raise EmulatorStartError(f"the spawned emulator did not start: {words}")
        # Keep reading its stderr so a chatty child never blocks on a full pipe.
        threading.Thread(
            target=lambda: tail.extend(process.stderr or ()),
            name="dgtts-bench-emulator",
            daemon=True,
        ).start()
        yield f"ws://127.0.0.1:{port}/v1/speak"
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def run(args: argparse.Namespace) -> int:
    """Run the benchmark; returns the exit code."""
    if args.requests is None and args.duration is None:
        args.requests = DEFAULT_REQUESTS
    key: str | None = args.api_key or os.environ.get(API_KEY_ENV) or None
    if args.url is not None and not key:
        _say(f"{PROG}: --url needs --api-key or ${API_KEY_ENV}")
        return ExitCode.BAD_INPUT
    spawned = args.url is None
    bench_key = key if key and not spawned else secrets.token_hex(16)
    hidden = (bench_key,)
    try:
        _options(args, bench_key, args.url or "ws://127.0.0.1/v1/speak")  # validate first
    except DeepgramTTSError as exc:
        _say(f"{PROG}: {clean(exc.message, hidden)}")
        return exit_code_for(exc)
    received: list[int] = []
    try:
        if spawned:
            require_emulator(f"{PROG} without --url (the spawned emulator)")
            with spawned_emulator(bench_key, args.pacing, args.concurrency) as url:
                report = asyncio.run(_bench(args, url, bench_key, received))
                arm_sigterm()  # the event loop reset it; the emulator must still be stopped
        else:
            report = asyncio.run(_bench(args, args.url, bench_key, received))
    except EmulatorStartError as exc:
        _say(f"{PROG}: {clean(str(exc), hidden)}")
        return ExitCode.INTERNAL
    except DeepgramTTSError as exc:
        _say(f"{PROG}: {clean(exc.message, hidden)}")
        return exit_code_for(exc)
    except KeyboardInterrupt as exc:
        signum = received[0] if received else signal_of(exc)
        _say(f"{PROG}: interrupted by {signal.Signals(signum).name} before a report")
        return exit_code_for_signal(signum)
    except asyncio.CancelledError:  # a second signal cancelled the run
        signum = received[0] if received else signal.SIGINT
        _say(f"{PROG}: interrupted by {signal.Signals(signum).name} before a report")
        return exit_code_for_signal(signum)
    report["config"]["max_error_rate"] = args.max_error_rate
    report["error_examples"] = {
        cls: clean(text, hidden) for cls, text in report.get("error_examples", {}).items()
    }
    _print_report(report, args)
    if received:
        name = signal.Signals(received[0]).name
        _say(f"{PROG}: interrupted by {name}: reported the {report['requests']} requests that ran")
        return exit_code_for_signal(received[0])
    judged = verdict(report, args.max_error_rate)
    if not judged.failed:
        return ExitCode.OK
    cls = judged.dominant_class or "internal"
    example = report.get("error_examples", {}).get(cls)
    _say(
        f"{PROG}: {report['errors']} of {report['requests']} requests failed "
        f"({judged.error_rate:.1%}, more than --max-error-rate {args.max_error_rate:g}); "
        f"most failures: {cls}" + (f" ({clean(example, hidden)})" if example else "")
    )
    try:
        return exit_code_for_class(ErrorClass(cls))
    except ValueError:
        return ExitCode.INTERNAL


def _say(text: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(text, file=sys.stderr, flush=True)


def _print_report(report: dict[str, Any], args: argparse.Namespace) -> None:
    config = report.get("config", {})
    title = (
        f"dgtts bench: {report['requests']} requests, {report['errors']} failed, "
        f"{report['elapsed_s']:g} s, concurrency {config.get('concurrency')}, "
        f"{config.get('endpoint')}"
    )
    text = json.dumps(report) + "\n" if args.json else render_table(report, title)
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        from deepgram_tts2.cli.output import quiet_broken_stdout

        quiet_broken_stdout()


def _options(args: argparse.Namespace, key: str, url: str) -> TTSOptions:
    pool = args.pool_size or min(max(args.concurrency, 1), 64)
    spawned = args.url is None
    return TTSOptions.create(
        api_key=key,
        base_url=url,
        metrics_port=args.metrics_port,
        limits={
            "pool_size": pool,
            "prewarm": min(pool, 8),
            "max_queued_requests": max(64, args.concurrency * 4),
            # The spawned emulator's budgets are lifted so the load is not paced; a real
            # endpoint keeps Deepgram's.
            **({"flushes_per_window": 100000, "chars_per_window": 100000000} if spawned else {}),
        },
    )


async def _bench(
    args: argparse.Namespace, url: str, key: str, received: list[int]
) -> dict[str, Any]:
    options = _options(args, key, url)
    hooks = CountingHooks()
    workload = Workload(Corpus(args.corpus), args.tokens_per_s)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    main = asyncio.current_task()

    def on_signal(signum: int) -> None:
        if not received:
            received.append(signum)
            stop.set()  # no new requests; the running ones finish
        elif main is not None:
            main.cancel()

    installed: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, on_signal, signum)
            installed.append(signum)
    try:
        async with DeepgramTTS(options, hooks=hooks) as tts:
            with _status(enabled=sys.stderr.isatty()) as show:
                results, totals = await run_load(
                    tts,
                    workload,
                    concurrency=args.concurrency,
                    requests=args.requests,
                    duration_s=args.duration,
                    rate_per_s=args.rate,
                    interrupt_after_ms=args.interrupt_after_ms,
                    on_progress=lambda done: show(f"benchmarking… {done} requests"),
                    stop=stop,
                )
    finally:
        for installed_signal in installed:
            loop.remove_signal_handler(installed_signal)
    totals.reconnects = hooks.reconnects
    report = build_report(results, totals, args.concurrency)
    spawned = args.url is None
    report["config"] = {
        "concurrency": args.concurrency,
        "rate": args.rate,
        "corpus": args.corpus,
        "tokens_per_s": args.tokens_per_s,
        "pacing": args.pacing if spawned else None,
        "endpoint": "spawned emulator" if spawned else "given url",
    }
    return report


@contextlib.contextmanager
def _status(enabled: bool) -> Iterator[Callable[[str], None]]:
    """A transient rich status line on a terminal's stderr; a no-op elsewhere or without rich."""
    if enabled:
        try:
            from rich.console import Console
        except ImportError:
            enabled = False
    if not enabled:
        yield lambda _text: None
        return
    console = Console(stderr=True, highlight=False)
    with console.status("benchmarking…") as live:
        yield lambda text: live.update(text)

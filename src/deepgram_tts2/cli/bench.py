"""``dgtts bench``: a load generator through the public client API.

By default it starts the emulator in a *separate process* (``dgtts serve``, tone voice) so the
client's CPU and memory are measured apart from the server's; ``--url`` targets any endpoint.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

from rich.console import Console

from deepgram_tts2.cli.exit_codes import ExitCode, exit_code_for, one_line
from deepgram_tts2.client.tts import DeepgramTTS
from deepgram_tts2.exceptions import DeepgramTTSError
from deepgram_tts2.loadtest.report import build_report
from deepgram_tts2.loadtest.runner import CountingHooks, run_load
from deepgram_tts2.loadtest.workload import Corpus, Workload
from deepgram_tts2.options import API_KEY_ENV, TTSOptions

PACING_PRESETS = {
    "instant": ["--instant"],
    "fast": ["--first-audio-ms", "20", "--per-char-ms", "0", "--realtime-factor", "0"],
    "realistic": ["--first-audio-ms", "200", "--per-char-ms", "0.4", "--realtime-factor", "4"],
    "realtime": ["--first-audio-ms", "200", "--per-char-ms", "0.4", "--realtime-factor", "1"],
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``bench`` subcommand."""
    parser = sub.add_parser(
        "bench",
        help="load-test an endpoint (the emulator in a separate process by default)",
        description="Drive requests through the public client API and report TTFB, "
        "first-token-to-audio, real-time factor, gaps, interrupt latency, errors, CPU, memory "
        "and event-loop lag.",
    )
    parser.add_argument("--url", default=None, help="endpoint (default: a spawned emulator)")
    parser.add_argument("--api-key", default=None, help=f"API key (default ${API_KEY_ENV})")
    parser.add_argument("--concurrency", type=int, default=4, help="closed-loop workers (4)")
    parser.add_argument("--requests", type=int, default=None, help="stop after N requests")
    parser.add_argument("--duration", type=float, default=None, help="stop after S seconds")
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="open loop: arrivals per second instead of closed-loop workers",
    )
    parser.add_argument("--corpus", choices=[c.value for c in Corpus], default="short")
    parser.add_argument(
        "--tokens-per-s", type=float, default=30.0, help="token rate of --corpus tokens (30)"
    )
    parser.add_argument(
        "--interrupt-after-ms",
        type=float,
        default=None,
        help="interrupt each request this long after it started",
    )
    parser.add_argument(
        "--pacing",
        choices=list(PACING_PRESETS),
        default="realistic",
        help="emulator pacing preset (spawned emulator only)",
    )
    parser.add_argument("--pool-size", type=int, default=None, help="client sockets")
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        help="serve the client's /metrics on this port during the run",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(run=run)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        if "listening" not in line:
            raise RuntimeError(f"the emulator did not start: {line.strip()}")
        yield f"ws://127.0.0.1:{port}/v1/speak"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        if process.stderr is not None:
            process.stderr.close()


def run(args: argparse.Namespace) -> int:
    """Run the benchmark; returns the exit code."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if args.requests is None and args.duration is None:
        args.requests = 100
    key = args.api_key or os.environ.get(API_KEY_ENV)
    try:
        if args.url is not None:
            if not key:
                err.print(f"dgtts bench: --url needs --api-key or ${API_KEY_ENV}")
                return ExitCode.BAD_INPUT
            report = asyncio.run(_bench(args, args.url, key, err))
        else:
            key = secrets.token_hex(16)
            with spawned_emulator(key, args.pacing, args.concurrency) as url:
                report = asyncio.run(_bench(args, url, key, err))
    except DeepgramTTSError as exc:
        err.print(f"dgtts bench: {one_line(exc)}")
        return exit_code_for(exc)
    if args.json:
        print(json.dumps(report))
    else:
        _print(report, err)
    return ExitCode.OK


async def _bench(args: argparse.Namespace, url: str, key: str, err: Console) -> dict[str, object]:
    pool = args.pool_size or min(max(args.concurrency, 1), 64)
    spawned = args.url is None
    options = TTSOptions.create(
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
    hooks = CountingHooks()
    workload = Workload(Corpus(args.corpus), args.tokens_per_s)
    show = err.is_terminal and not args.json
    async with DeepgramTTS(options, hooks=hooks) as tts:
        status = err.status("benchmarking…") if show else contextlib.nullcontext()
        with status as live:

            def progress(done: int) -> None:
                if live is not None:
                    live.update(f"benchmarking… {done} requests")

            results, totals = await run_load(
                tts,
                workload,
                concurrency=args.concurrency,
                requests=args.requests,
                duration_s=args.duration,
                rate_per_s=args.rate,
                interrupt_after_ms=args.interrupt_after_ms,
                on_progress=progress,
            )
    totals.reconnects = hooks.reconnects
    report = build_report(results, totals, args.concurrency)
    report["config"] = {
        "concurrency": args.concurrency,
        "rate": args.rate,
        "corpus": args.corpus,
        "tokens_per_s": args.tokens_per_s,
        "pacing": args.pacing if spawned else None,
        "endpoint": "spawned emulator" if spawned else "given url",
    }
    return report


def _print(report: dict[str, object], console: Console) -> None:
    from rich.table import Table

    table = Table(title="dgtts bench")
    table.add_column("measure")
    table.add_column("value")
    for key, value in report.items():
        table.add_row(key, json.dumps(value) if isinstance(value, dict) else str(value))
    console.print(table)

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
import contextlib
import json
import os
import secrets
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any

from deepgram_tts2 import DeepgramTTS, TTSOptions
from deepgram_tts2.cli.exit_codes import ExitCode, exit_code_for, exit_code_for_class
from deepgram_tts2.cli.extras import require_emulator
from deepgram_tts2.cli.interrupts import (
    arm_sigterm,
    exit_code_for_signal,
    install_signal_handlers,
    remove_signal_handlers,
    signal_of,
)
from deepgram_tts2.cli.messages import clean
from deepgram_tts2.exceptions import DeepgramTTSError
from deepgram_tts2.loadtest.emulator import (
    LIFTED_CHARS_PER_WINDOW,
    LIFTED_FLUSHES_PER_WINDOW,
    PACING_PRESETS,
    Budgets,
    EmulatorStartError,
    ServerConditions,
    SynthesisReading,
    spawned_emulator,
)
from deepgram_tts2.loadtest.report import build_report, render_table, verdict
from deepgram_tts2.loadtest.runner import CountingHooks, run_load
from deepgram_tts2.loadtest.workload import Corpus, Workload
from deepgram_tts2.options import API_KEY_ENV
from deepgram_tts2.protocol.errors import ErrorClass

PROG = "dgtts bench"
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
    _add_load_arguments(parser)
    _add_workload_arguments(parser)
    _add_emulator_arguments(parser)
    _add_client_arguments(parser)
    parser.set_defaults(run=run)


def _add_load_arguments(parser: argparse.ArgumentParser) -> None:
    """Where to send requests and how many."""
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


def _add_workload_arguments(parser: argparse.ArgumentParser) -> None:
    """What each request says and when it is interrupted."""
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


def _add_emulator_arguments(parser: argparse.ArgumentParser) -> None:
    """Conditions of the spawned emulator."""
    parser.add_argument(
        "--pacing",
        choices=list(PACING_PRESETS),
        default="realistic",
        help="emulator pacing preset, spawned emulator only; realtime also plays every stream "
        "out at 1x (default: realistic)",
    )
    parser.add_argument(
        "--budgets",
        choices=[b.value for b in Budgets],
        default=Budgets.DEEPGRAM.value,
        help="spawned emulator: Deepgram's per-connection budgets (20 Flushes and 2400 "
        "characters per 60 s) or lifted ones (client budgets lifted too) (default: deepgram)",
    )
    parser.add_argument(
        "--permessage-deflate",
        choices=["on", "off"],
        default="off",
        help="spawned emulator: accept permessage-deflate (default: off)",
    )
    parser.add_argument(
        "--synthesis-start",
        choices=[r.value for r in SynthesisReading],
        default=SynthesisReading.FLUSH.value,
        help="spawned emulator: audio only on Flush, or synthesis at sentence ends once "
        "--synthesis-start-chars are buffered (default: flush)",
    )
    parser.add_argument(
        "--synthesis-start-chars",
        type=_positive_int,
        default=None,
        help="spawned emulator: N of --synthesis-start sentence (default: the emulator's)",
    )
    parser.add_argument(
        "--emulator-workers",
        type=_positive_int,
        default=1,
        help="spawned emulator: processes behind one port (dgtts serve --workers) (default: 1)",
    )


def _add_client_arguments(parser: argparse.ArgumentParser) -> None:
    """The client, its metrics and the verdict."""
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
            with spawned_emulator(bench_key, _conditions(args)) as served:
                report = asyncio.run(_bench(args, served.ws_url, bench_key, received))
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
    return _conclude(report, args, received, hidden)


def _conclude(
    report: dict[str, Any], args: argparse.Namespace, received: list[int], hidden: tuple[str, ...]
) -> int:
    """Print the report and decide the exit code: the signal's, or the error verdict's."""
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


def _conditions(args: argparse.Namespace) -> ServerConditions:
    """The spawned emulator's conditions from the options."""
    return ServerConditions(
        pacing=args.pacing,
        permessage_deflate=args.permessage_deflate == "on",
        budgets=Budgets(args.budgets),
        synthesis=SynthesisReading(args.synthesis_start),
        synthesis_chars=args.synthesis_start_chars,
        workers=args.emulator_workers,
        max_concurrent_ws=max(45, args.concurrency * 2),
        max_concurrent_rest=max(15, args.concurrency * 2),
    )


def _options(args: argparse.Namespace, key: str, url: str) -> TTSOptions:
    pool = args.pool_size or min(max(args.concurrency, 1), 64)
    spawned = args.url is None
    lifted = spawned and args.budgets == Budgets.LIFTED.value
    conditions = _conditions(args)
    # Against the spawned emulator the client's governor knows the emulator's plan; against a
    # real endpoint it keeps its defaults (set fleet.governor to your plan's numbers).
    governor = {
        "websocket_limit": conditions.max_concurrent_ws,
        "rest_limit": conditions.max_concurrent_rest,
    }
    return TTSOptions.create(
        api_key=key,
        base_url=url,
        metrics_port=args.metrics_port,
        fleet={"governor": governor} if spawned else {},
        limits={
            "pool_size": pool,
            "prewarm": min(pool, 8),
            "max_queued_requests": max(64, args.concurrency * 4),
            # Lifted budgets (spawned emulator only) lift the client's accounting too; otherwise
            # the client keeps Deepgram's, as against a real endpoint.
            **(
                {
                    "flushes_per_window": LIFTED_FLUSHES_PER_WINDOW,
                    "chars_per_window": LIFTED_CHARS_PER_WINDOW,
                }
                if lifted
                else {}
            ),
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

    installed = install_signal_handlers(loop, on_signal)
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
                    playout=args.url is None and PACING_PRESETS[args.pacing].playout,
                )
    finally:
        remove_signal_handlers(loop, installed)
    totals.reconnects = hooks.reconnects
    report = build_report(results, totals, args.concurrency)
    spawned = args.url is None
    report["config"] = {
        "concurrency": args.concurrency,
        "rate": args.rate,
        "corpus": args.corpus,
        "tokens_per_s": args.tokens_per_s,
        "pacing": args.pacing if spawned else None,
        "server": _conditions(args).describe() if spawned else None,
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

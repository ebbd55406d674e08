"""``dgtts serve``: run the local Aura emulator until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from rich.console import Console

from deepgram_tts2.cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from deepgram_tts2.emulator.config import EmulatorConfig


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` subcommand."""
    from deepgram_tts2.emulator.cli_options import add_serve_arguments

    parser = sub.add_parser(
        "serve",
        help="run the local Deepgram Aura emulator (WebSocket and REST /v1/speak)",
        description="Serve Deepgram's /v1/speak protocol locally with offline speech and "
        "fault injection. See docs/emulator.md.",
    )
    add_serve_arguments(parser)
    parser.add_argument(
        "--workers",
        type=_workers,
        default=1,
        help="emulator processes sharing the port with SO_REUSEPORT (1); runtime faults and "
        "switches then reach only the worker that took the control request",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the emulator in the foreground; returns the exit code."""
    from pydantic import ValidationError

    from deepgram_tts2.emulator.cli_options import config_from_args

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        config = config_from_args(args)
    except (ValueError, ValidationError, OSError) as exc:
        err.print(f"dgtts serve: {' '.join(str(exc).split())}")
        return ExitCode.BAD_INPUT
    if args.workers > 1:
        return _run_workers(args, config, err)
    return _run_one(args, config, err)


def _listening(err: Console, host: str, port: int, workers: int) -> None:
    where = f"ws://{host}:{port}/v1/speak and http://{host}:{port}/v1/speak"
    extra = f" with {workers} workers" if workers > 1 else ""
    err.print(f"dgtts serve: listening on {where}{extra} (Ctrl-C to stop)")


def _run_one(args: argparse.Namespace, config: EmulatorConfig, err: Console) -> int:
    from deepgram_tts2.emulator.server import Emulator, serve

    def ready(emulator: Emulator) -> None:
        _listening(err, emulator.host, emulator.port, 1)

    try:
        asyncio.run(serve(config, ready=ready, metrics_port=args.metrics_port))
    except OSError as exc:
        err.print(f"dgtts serve: cannot listen on {config.host}:{config.port}: {exc.strerror}")
        return ExitCode.UNREACHABLE
    return ExitCode.OK


def _run_workers(args: argparse.Namespace, config: EmulatorConfig, err: Console) -> int:
    from deepgram_tts2.emulator.workers import WorkerStartError, run_workers

    if args.metrics_port is not None:
        err.print("dgtts serve: --metrics-port serves one process; it needs --workers 1")
        return ExitCode.BAD_INPUT

    def ready(served: EmulatorConfig) -> None:
        _listening(err, served.host, served.port, args.workers)

    try:
        code = run_workers(config, args.workers, ready)
    except (OSError, WorkerStartError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        err.print(f"dgtts serve: cannot listen on {config.host}:{config.port}: {detail}")
        return ExitCode.UNREACHABLE
    return ExitCode.OK if code == 0 else ExitCode.INTERNAL

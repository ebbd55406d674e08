"""``dgtts serve``: run the local Aura emulator until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio

from rich.console import Console

from deepgram_tts2.cli.exit_codes import ExitCode


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` subcommand."""
    from deepgram_tts2.emulator.server import add_serve_arguments

    parser = sub.add_parser(
        "serve",
        help="run the local Deepgram Aura emulator (WebSocket and REST /v1/speak)",
        description="Serve Deepgram's /v1/speak protocol locally with offline speech and "
        "fault injection. See docs/emulator.md.",
    )
    add_serve_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the emulator in the foreground; returns the exit code."""
    from pydantic import ValidationError

    from deepgram_tts2.emulator.server import Emulator, config_from_args, serve

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        config = config_from_args(args)
    except (ValueError, ValidationError, OSError) as exc:
        err.print(f"dgtts serve: {' '.join(str(exc).split())}")
        return ExitCode.BAD_INPUT

    def ready(emulator: Emulator) -> None:
        err.print(
            f"dgtts serve: listening on {emulator.ws_url} and {emulator.http_url}/v1/speak "
            "(Ctrl-C to stop)"
        )

    try:
        asyncio.run(serve(config, ready=ready, metrics_port=args.metrics_port))
    except OSError as exc:
        err.print(f"dgtts serve: cannot listen on {config.host}:{config.port}: {exc.strerror}")
        return ExitCode.UNREACHABLE
    return ExitCode.OK

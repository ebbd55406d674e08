"""The ``dgtts`` command line: ``speak`` (the main job), ``serve``, ``doctor``, ``bench``.

Exit codes (stable, for scripts)::

    0  success
    1  internal error (a bug: please report it)
    2  bad input or bad configuration (usage, text, options, 400-class answers)
    3  authentication failed (401/402/403)
    4  endpoint unreachable or failing (after the retry, breaker and timeout policy)
    5  rate limited (429 and the like, after retries)
    130 interrupted by Ctrl-C
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from deepgram_tts2 import __version__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``dgtts`` with every subcommand."""
    from deepgram_tts2.cli import bench, doctor, serve, speak

    parser = argparse.ArgumentParser(
        prog="dgtts",
        description="Streaming text-to-speech on Deepgram Aura (or its local emulator).",
    )
    parser.add_argument("--version", action="version", version=f"dgtts {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    speak.register(sub)
    serve.register(sub)
    doctor.register(sub)
    bench.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``dgtts`` console script; exits with the documented code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.run(args)
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)

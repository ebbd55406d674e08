"""The ``dgtts`` command line: ``speak`` (the main job), ``serve``, ``doctor``, ``bench``.

Exit codes (stable, for scripts; docs/cli.md has every case)::

    0    success
    1    internal error (a bug: please report it); the spawned bench emulator did not start
    2    bad input or configuration: usage, blank TEXT, empty stdin, TEXT with --stdin, invalid
         options, --url without a key, an output that cannot be written (missing folder, a
         folder, no permission, /dev/full, disk full), a missing optional dependency
         ("pip install 'deepgram-tts2[cli]'"), 400-class answers
    3    authentication failed (401/402/403)
    4    endpoint unreachable or failing (after the retry, breaker and fallback policy)
    5    rate limited (429 and the like, after retries)
    130  interrupted by SIGINT (Ctrl-C)
    141  ``speak -o -``: the reader of standard output went away (broken pipe); prints nothing
    143  terminated by SIGTERM

Behaviour of ``dgtts speak``:

* Checks run before anything connects or the embedded emulator starts: the arguments, the
  options, the output (its folder exists, it is not a folder, a file can be created there).
* A file is written to ``.NAME.XXXXXXXX.part`` beside it and renamed over it once complete
  (WAV sizes fixed, fsynced): a failed run never creates, truncates or changes the output file.
  Devices and FIFOs are written in place; stdout is refused when it is a terminal.
* SIGINT/SIGTERM stop the request, finalise the audio received so far at the target path (a
  valid WAV), say how many seconds were written and exit 130/143; with no audio yet, no file.
* ``--json`` prints one object on stdout, or on stderr when the audio goes to stdout.
* Failures name the endpoint the user gave and the cause first, then what the REST fallback did.
* On a terminal a transient progress line shows seconds written, percent done and time left.

``dgtts bench`` prints its report on stdout and exits with the code of the most common failure
class when more than ``--max-error-rate`` of its requests failed (default 0: any failure).

Without the ``cli`` extra (rich and the emulator's numpy, soxr, soundfile, lameenc,
espeakng-loader), ``speak``/``doctor`` with a key or ``--url`` and ``bench --url`` work; the
commands that need the emulator exit 2 naming the extra.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from deepgram_tts2 import __version__
from deepgram_tts2.cli.exit_codes import ExitCode
from deepgram_tts2.cli.extras import MissingExtraError, missing_module
from deepgram_tts2.cli.interrupts import Terminated, arm_sigterm


def _register_serve(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``serve`` needs the emulator extra even to list its options; without it, a stand-in
    that says what to install."""
    try:
        from deepgram_tts2.cli import serve

        serve.register(sub)
    except ImportError as exc:
        module = missing_module(exc)
        if module is None:
            raise
        parser = sub.add_parser(
            "serve",
            help="run the local Deepgram Aura emulator (needs the 'cli' extra)",
            description="Serve Deepgram's /v1/speak protocol locally. Not installed: "
            "pip install 'deepgram-tts2[cli]'.",
        )

        def unavailable(_args: argparse.Namespace, module: str = module) -> int:
            raise MissingExtraError("dgtts serve", module)

        parser.set_defaults(run=unavailable, takes_any_arguments=True)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``dgtts`` with every subcommand."""
    from deepgram_tts2.cli import bench, doctor, speak

    parser = argparse.ArgumentParser(
        prog="dgtts",
        description="Streaming text-to-speech on Deepgram Aura (or its local emulator). "
        "Exit codes: 0 ok, 1 internal error, 2 bad input/configuration/output, 3 auth, "
        "4 unreachable, 5 rate limited, 130 SIGINT, 141 broken pipe, 143 SIGTERM "
        "(docs/cli.md).",
    )
    parser.add_argument("--version", action="version", version=f"dgtts {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    speak.register(sub)
    _register_serve(sub)
    doctor.register(sub)
    bench.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``dgtts`` console script; exits with the documented code."""
    try:
        arm_sigterm()
        parser = build_parser()
        args, unknown = parser.parse_known_args(argv)
        if unknown and not getattr(args, "takes_any_arguments", False):
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        code = args.run(args)
    except MissingExtraError as exc:
        print(f"dgtts: {exc}", file=sys.stderr)
        code = ExitCode.BAD_INPUT
    except Terminated:
        print("dgtts: terminated", file=sys.stderr)
        code = ExitCode.TERMINATED
    except KeyboardInterrupt:
        print("dgtts: interrupted", file=sys.stderr)
        code = ExitCode.INTERRUPTED
    sys.exit(int(code))

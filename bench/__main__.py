"""``python -m bench``: run the side-by-side comparison and write BENCHMARKS.md.

A full run (no ``--only``, no ``--quick``) rewrites ``BENCHMARKS.md`` and ``bench/latest.json``;
any other run prints its Markdown to stdout and writes nothing unless ``--json`` or ``--out`` is
given, so a partial or shortened run never mixes into the published figures. ``--render-only``
rewrites ``BENCHMARKS.md`` from ``bench/latest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import json
import logging
import os
import pathlib
import platform
import sys
import time
from typing import Any

from bench import report
from bench.adapters import REGISTRY, missing, preload
from bench.drive import scenario_run
from bench.scenarios import Context, registry

ROOT = pathlib.Path(__file__).resolve().parents[1]
LATEST = ROOT / "bench" / "latest.json"
MARKDOWN = ROOT / "BENCHMARKS.md"
DISTRIBUTIONS = (
    "deepgram-tts2",
    "websockets",
    "aiohttp",
    "deepgram-sdk",
    "livekit-agents",
    "livekit-plugins-deepgram",
    "pipecat-ai",
)


def versions() -> dict[str, str]:
    """Installed versions of every measured library."""
    out = {}
    for dist in DISTRIBUTIONS:
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def load_average() -> float | None:
    """The 1-minute load average (None where the platform has none)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    keys = [s.key for s in registry()]
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short variants (seconds each)")
    parser.add_argument("--only", default=None, help=f"comma-separated scenarios of {keys}")
    parser.add_argument("--skip", default="", help="comma-separated scenarios to leave out")
    parser.add_argument(
        "--clients",
        default=None,
        help=f"comma-separated client keys of {[s.key for s in REGISTRY]} (default: all)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a scenario parameter (rounds, streams, turns, duration_s, levels...)",
    )
    parser.add_argument("--json", type=pathlib.Path, default=None, help="write the JSON here")
    parser.add_argument("--out", type=pathlib.Path, default=None, help="write the Markdown here")
    parser.add_argument(
        "--render-only", action="store_true", help="rewrite BENCHMARKS.md from bench/latest.json"
    )
    args = parser.parse_args(argv)
    chosen = keys if args.only is None else args.only.split(",")
    unknown = (set(chosen) | set(filter(None, args.skip.split(",")))) - set(keys)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    args.scenarios = [k for k in chosen if k not in args.skip.split(",")]
    args.full = args.only is None and not args.skip and not args.quick and not args.set
    args.full = args.full and args.clients is None
    return args


def configure_logging() -> pathlib.Path:
    """Standard logging at INFO into a file (LiveKit's worker logs at INFO; our library's and
    the SDK's loggers go to the same place), Pipecat's loguru at its deployed level."""
    from bench.adapters.pipecat import LOG_PATH
    from bench.adapters.pipecat import configure_logging as pipecat_logging

    pipecat_logging()
    path = LOG_PATH.with_name("python.log")
    logging.basicConfig(filename=path, filemode="w", level=logging.INFO, force=True)
    return path


def client_notes() -> list[str]:
    """What the report says about how clients run, from what this process configured."""
    from bench.adapters.pipecat import _LOGGING, LOG_PATH, log_lines

    return [
        f"Pipecat logs through loguru at {_LOGGING.get('level', 'DEBUG')} (PIPECAT_LOG_LEVEL; "
        "DEBUG is Pipecat Cloud's default) into a file, as a platform collects a bot's "
        f"output; it wrote {log_lines()} lines in this run ({LOG_PATH}). Pipecat deploys one "
        "bot per process; here N bots share one process and one event loop.",
        "LiveKit's worker logs at INFO; standard logging (LiveKit, the SDK, ours) goes to a "
        "file at INFO. Each LiveKit instance stands for one job (LiveKit runs a job per "
        "process, each with its own HTTP session); all instances share one aiohttp session "
        "with an unlimited connector (limit=0, limit_per_host=0, keepalive 120 s), so no "
        "connection cap applies that a fleet of job processes would not have.",
        "The upstream TEN deepgram_tts extension cannot run without the TEN runtime "
        "(ten_runtime and ten_ai_base are not on PyPI); it is not measured.",
    ]


def without_key(text: str, key: str) -> str:
    """``text`` with the run's API key masked: a peer's error may quote its request headers
    (deepgram-sdk's ApiError does), and nothing written may show a key, even the emulator's."""
    return text.replace(key, "***")


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.render_only:
        MARKDOWN.write_text(report.render(json.loads(LATEST.read_text())))
        return 0
    configure_logging()
    preload()
    options = dict(item.split("=", 1) for item in args.set)
    clients = args.clients.split(",") if args.clients else None
    ctx = Context(quick=args.quick, clients=clients, options=options)
    started = time.monotonic()
    data: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": "bash bench/run.sh"
        if args.full
        else "python -m bench " + " ".join(argv or sys.argv[1:]),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "versions": versions(),
        "clients": [
            {"key": s.key, "name": s.name, "feeding": s.feeding, "interrupting": s.interrupting}
            for s in ctx.specs()
            if not missing(s)
        ],
        "load": {"start": load_average()},
        "scenarios": {},
    }
    for scenario in registry():
        if scenario.key not in args.scenarios:
            continue
        print(f"bench: {scenario.key} ...", file=sys.stderr, flush=True)
        t0 = time.monotonic()
        section: dict[str, Any]
        try:
            section = asyncio.run(scenario_run(scenario.run(ctx)))
        except Exception as exc:  # a scenario that breaks must not lose the others
            section = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        section["elapsed_s"] = round(time.monotonic() - t0, 1)
        data["scenarios"][scenario.key] = section
        data["load"][scenario.key] = load_average()
        print(f"bench: {scenario.key} took {section['elapsed_s']} s", file=sys.stderr, flush=True)
    data["elapsed_min"] = round((time.monotonic() - started) / 60.0, 1)
    data["client_notes"] = client_notes()
    text = without_key(report.render(data), ctx.key)
    json_path = args.json or (LATEST if args.full else None)
    out_path = args.out or (MARKDOWN if args.full else None)
    if json_path is not None:
        json_path.write_text(without_key(json.dumps(data, indent=2), ctx.key) + "\n")
    if out_path is not None:
        out_path.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

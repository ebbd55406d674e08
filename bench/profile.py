"""``python -m bench.profile``: where one client spends its CPU per audio chunk.

Runs N real-time slots of one client (the real-time scenario's load: replies played out at 1x,
the emulator in a separate process at 4x real time) for a while, then prints this process's CPU
per chunk and, with ``--cprofile``, the top functions by own time. For a sampling profile
without cProfile's overhead run it under py-spy::

    .venv-bench/bin/py-spy record -o ours.svg -- .venv-bench/bin/python -m bench.profile
    .venv-bench/bin/py-spy top -- .venv-bench/bin/python -m bench.profile --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import time

from bench.adapters import by_key, preload
from bench.drive import scenario_run
from bench.scenarios import Context
from bench.scenarios.realtime import one_level
from deepgram_tts2.loadtest.emulator import ServerConditions


async def measure(key: str, streams: int, seconds: float, workers: int) -> dict[str, object]:
    ctx = Context()
    conditions = ServerConditions(
        pacing="realtime", workers=workers, max_concurrent_ws=2 * streams + 50
    )
    with ctx.emulator(conditions) as served:
        return await one_level(by_key(key), served, streams, seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--client", default="ours", help="client key (ours, floor, ...)")
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window")
    parser.add_argument("--workers", type=int, default=2, help="emulator processes")
    parser.add_argument("--cprofile", action="store_true", help="print the top functions")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    preload()
    profiler = cProfile.Profile() if args.cprofile else None
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    level = asyncio.run(
        scenario_run(measure(args.client, args.streams, args.seconds, args.workers))
    )
    if profiler is not None:
        profiler.disable()
    print(f"{args.client}: {args.streams} real-time streams, {time.perf_counter() - started:.0f} s")
    for name in ("chunks", "client_cpu_cores", "cpu_us_per_chunk", "emulator_cpu_cores"):
        print(f"  {name}: {level.get(name)}")
    print(f"  loop lag ms: {level.get('loop_lag_ms')}")
    print(f"  turns with underruns: {level.get('turns_with_underruns')}")
    if profiler is not None:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime")
        stats.print_stats(args.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Real-time streams: how many one process sustains, what each chunk costs, and how many the
emulator itself can serve.

A *slot* is one conversation speaking without pause: a reply is handed over, its audio arrives
(the server generates at 4x real time) and is played out at 1x, and the next reply starts when
the last one has played. N slots are N real-time streams. After a warm-up (slots start
staggered over one reply), the run is measured over a window: this process's CPU time over the
audio chunks delivered in the window (**CPU per chunk**; the emulator runs in other processes),
event-loop lag, and underruns (a chunk more than 40 ms late against its stream's playout
clock, :mod:`deepgram_tts2.loadtest.playout`). A level is **sustained** when the loop lag p99 is
under 20 ms and no stream had an underrun; the ramp stops at the first level that is not.

The emulator's capacity is the floor's ramp (the cheapest client) with one and with two
emulator processes behind one port (``dgtts serve --workers``), with the emulator's CPU. The
floor and ours take turns at each level on the same emulator, so every comparison is with the
same server under the same machine load.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from typing import Any

from bench.adapters import by_key, missing
from bench.core import AdapterSpec, Client, TurnRecord, now
from bench.drive import close_clients, loop_lag, open_clients, run_turn
from bench.scenarios import Context, Served
from bench.scenarios.texts import REPLIES
from deepgram_tts2.loadtest.emulator import ServerConditions
from deepgram_tts2.loadtest.report import percentiles

TEXT = REPLIES[1]
LAG_P99_LIMIT_MS = 20.0
COST_AT = 100


def sustained(level: dict[str, Any]) -> bool:
    """Loop lag p99 under 20 ms, no turn with an underrun, no error (a level that could not
    start is not sustained)."""
    if "skipped" in level:
        return False
    lag = level["loop_lag_ms"]["p99"]
    return (
        lag is not None
        and lag < LAG_P99_LIMIT_MS
        and level["turns_with_underruns"] == 0
        and level["errors"] == 0
    )


async def run(ctx: Context) -> dict[str, Any]:
    levels = [int(v) for v in ctx.options.get("levels", "").split(",") if v] or (
        [20, 40] if ctx.quick else [50, 100, 200, 300, 400, 600]
    )
    window_s = ctx.number("window_s", 10.0, 3.0)
    rounds = ctx.count("rounds", 2, 1)
    keys = [k for k in ("floor", "ours") if ctx.clients is None or k in ctx.clients]
    runs: list[dict[str, Any]] = []
    conditions = []
    for workers in (1, 2):
        cond = ServerConditions(
            pacing="realtime", workers=workers, max_concurrent_ws=2 * max(levels) + 50
        )
        conditions.append(cond.describe())
        runs += await ramps([by_key(k) for k in keys], ctx, cond, levels, window_s, rounds)
    return {
        "command": "python -m bench --only realtime",
        "conditions": sorted(set(conditions)),
        "window_s": window_s,
        "rounds": rounds,
        "text": TEXT,
        "lag_p99_limit_ms": LAG_P99_LIMIT_MS,
        "runs": runs,
        "cost": cost_at(runs, COST_AT),
    }


async def ramps(
    specs: list[AdapterSpec],
    ctx: Context,
    cond: ServerConditions,
    levels: list[int],
    window_s: float,
    rounds: int,
) -> list[dict[str, Any]]:
    """Every client's ramp on one emulator, the clients taking turns at each level, ``rounds``
    windows each in the order A B B A ... (so a drift of the machine's speed weighs on both
    alike), the windows of a client combined (:func:`combined`); a client's ramp stops at its
    first level not sustained."""
    out: dict[str, dict[str, Any]] = {}
    ramping = []
    for spec in specs:
        why = missing(spec)
        out[spec.name] = {"client": spec.name, "workers": cond.workers}
        if why:
            out[spec.name]["skipped"] = why
        else:
            out[spec.name]["levels"] = []
            ramping.append(spec)
    with ctx.emulator(cond) as served:
        for n in levels:
            windows: dict[str, list[dict[str, Any]]] = {spec.name: [] for spec in ramping}
            for round_ in range(rounds):
                for spec in ramping if round_ % 2 == 0 else ramping[::-1]:
                    windows[spec.name].append(await one_level(spec, served, n, window_s))
            for spec in ramping:
                out[spec.name]["levels"].append(combined(windows[spec.name]))
            ramping = [s for s in ramping if sustained(out[s.name]["levels"][-1])]
            if not ramping:
                break
    for run_ in out.values():
        measured = run_.get("levels", [])
        run_["sustained"] = max((lv["streams"] for lv in measured if sustained(lv)), default=0)
    return [out[spec.name] for spec in specs]


def combined(windows: list[dict[str, Any]]) -> dict[str, Any]:
    """One level's measured windows as one: CPU per chunk over all their chunks; the worst
    loop lag; underruns and errors added up. A level is sustained only if every window was."""
    if len(windows) == 1 or any("skipped" in w for w in windows):
        return next((w for w in windows if "skipped" in w), windows[0])
    worst = max(windows, key=lambda w: w["loop_lag_ms"]["p99"] or 0.0)
    cpu = sum(w["cpu_s"] for w in windows)
    chunks = sum(w["chunks"] for w in windows)
    span = sum(w["window_s"] for w in windows)
    out = {
        **worst,
        "windows": len(windows),
        "cpu_s": round(cpu, 4),
        "window_s": round(span, 3),
        "client_cpu_cores": round(cpu / span, 3),
        "cpu_us_per_chunk": round(cpu * 1e6 / chunks, 1) if chunks else None,
        "emulator_cpu_cores": round(
            sum(w["emulator_cpu_cores"] for w in windows) / len(windows), 3
        ),
    }
    for key in ("turns", "chunks", "underruns", "turns_with_underruns", "errors"):
        out[key] = sum(w[key] for w in windows)
    out["first_error"] = next((w["first_error"] for w in windows if w["first_error"]), None)
    return out


def cost_at(runs: list[dict[str, Any]], streams: int) -> dict[str, Any]:
    """CPU per chunk of the floor and ours at ``streams``, with the same number of emulator
    processes (the most that has both), and their ratio."""
    floor, ours = by_key("floor").name, by_key("ours").name
    found: dict[int, dict[str, float]] = {}
    for run_ in runs:
        for level in run_.get("levels", []):
            if level["streams"] == streams and level.get("cpu_us_per_chunk"):
                found.setdefault(run_["workers"], {})[run_["client"]] = level["cpu_us_per_chunk"]
    both = [w for w, by in found.items() if floor in by and ours in by]
    out: dict[str, Any] = {"streams": streams, "workers": max(both) if both else None}
    if both:
        by = found[max(both)]
        out.update({floor: by[floor], ours: by[ours], "ratio": round(by[ours] / by[floor], 2)})
    else:
        out["ratio"] = None
    return out


async def one_level(spec: AdapterSpec, served: Served, n: int, window_s: float) -> dict[str, Any]:
    """N real-time slots: warm up, then measure over ``window_s``."""
    opened = await open_clients(spec, served.endpoint, n)
    if opened.skipped:
        return {"streams": n, "skipped": opened.skipped}
    slots = opened.clients * n if spec.pooled else opened.clients
    records: list[TurnRecord] = []
    stop = asyncio.Event()
    reply_s = len(TEXT) * 0.05  # tone voice: 50 ms per character
    start = now()
    tasks = [
        asyncio.create_task(_slot(c, start + i * reply_s / n, stop, records))
        for i, c in enumerate(slots)
    ]
    lag: list[float] = []
    try:
        await asyncio.sleep(reply_s + 1.0)  # every slot has started and settled
        gc.collect()
        w0, cpu0, emulator0 = now(), time.process_time(), served.emulator.cpu_s()
        async with loop_lag(lag):
            await asyncio.sleep(window_s)
        w1, cpu1, emulator1 = now(), time.process_time(), served.emulator.cpu_s()
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await close_clients(opened.clients)
    inside = [r for r in records if r.started is not None and w0 <= r.started < w1]
    chunks = sum(1 for r in records for t, _ in r.chunks if w0 <= t < w1)
    cpu = cpu1 - cpu0
    return {
        "streams": n,
        "turns": len(inside),
        "chunks": chunks,
        "cpu_s": round(cpu, 4),
        "window_s": round(w1 - w0, 3),
        "client_cpu_cores": round(cpu / (w1 - w0), 3),
        "cpu_us_per_chunk": round(cpu * 1e6 / chunks, 1) if chunks else None,
        "emulator_cpu_cores": round((emulator1 - emulator0) / (w1 - w0), 3),
        "loop_lag_ms": percentiles(lag),
        "underruns": sum(r.playout.underruns for r in inside),
        "turns_with_underruns": sum(1 for r in inside if r.playout.underruns),
        "stall_ms": percentiles(
            [r.playout.stall_s * 1000.0 for r in inside if r.playout.underruns]
        ),
        "errors": sum(1 for r in inside if r.error),
        "first_error": next((r.error for r in inside if r.error), None),
    }


async def _slot(client: Client, start: float, stop: asyncio.Event, out: list[TurnRecord]) -> None:
    await asyncio.sleep(max(0.0, start - now()))
    index = 0
    while not stop.is_set():
        record = await run_turn(client, TEXT, index=index)
        out.append(record)
        index += 1
        ends = record.playout.ends_at
        await asyncio.sleep(max(0.05, (ends - now()) if ends is not None else 0.5))

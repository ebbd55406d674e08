"""N concurrent streams per client: a paragraph each, all at once.

A pooled client (ours) runs as one instance sized for N streams (``pool_size`` and ``prewarm``
N, as a deployment for N streams is configured); every other client runs N instances (N
sockets, N LiveKit jobs each prewarmed, N Pipecat bots), as N conversations would. Clients run
one after another against the same emulator, which runs several worker processes so that it is
not what limits the row (its own capacity is measured in the real-time scenario).
"""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

from bench.core import AdapterSpec
from bench.drive import close_clients, loop_lag, open_clients, run_turn, turn_summary
from bench.scenarios import Context, Served
from bench.scenarios.texts import PARAGRAPH
from deepgram_tts2.loadtest.emulator import ServerConditions
from deepgram_tts2.loadtest.report import percentiles
from deepgram_tts2.loadtest.runner import rss_mb


async def run(ctx: Context) -> dict[str, Any]:
    n = ctx.count("streams", 200, 20)
    workers = ctx.count("workers", 2, 1)
    conditions = ServerConditions(
        pacing="realistic",
        workers=workers,
        max_concurrent_ws=2 * n + 50,
        max_concurrent_rest=2 * n + 50,
    )
    clients: dict[str, Any] = {}
    with ctx.emulator(conditions) as served:
        for spec in ctx.specs():
            clients[spec.name] = await one_client(spec, served, n)
    return {
        "command": "python -m bench --only concurrency",
        "conditions": [conditions.describe()],
        "streams": n,
        "text": PARAGRAPH,
        "clients": clients,
    }


async def one_client(spec: AdapterSpec, served: Served, n: int) -> dict[str, Any]:
    """Open the instances, run N streams at once, measure this process and the emulator."""
    gc.collect()
    rss_before_open = rss_mb()
    opened = await open_clients(spec, served.endpoint, n)
    if opened.skipped:
        return {"skipped": opened.skipped}
    targets = opened.clients * n if spec.pooled else opened.clients
    try:
        gc.collect()
        rss0, cpu0 = rss_mb(), time.process_time()
        emulator0 = served.emulator.cpu_s()
        lag: list[float] = []
        started = time.perf_counter()
        async with loop_lag(lag):
            records = await asyncio.gather(
                *(run_turn(client, PARAGRAPH, index=i) for i, client in enumerate(targets))
            )
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu0
        emulator_cpu = served.emulator.cpu_s() - emulator0
        rss_run = rss_mb() - rss0
    finally:
        await close_clients(opened.clients)
    chunks = sum(len(r.chunks) for r in records)
    return {
        **turn_summary(records),
        "streams": n,
        "instances": len(opened.clients),
        "elapsed_s": round(elapsed, 2),
        "cpu_ms_per_stream": round(cpu * 1000.0 / n, 2),
        "cpu_us_per_chunk": round(cpu * 1e6 / chunks, 1) if chunks else None,
        "rss_open_mb_per_stream": round((rss0 - rss_before_open) / n, 3),
        "rss_run_mb_per_stream": round(rss_run / n, 3),
        "loop_lag_ms": percentiles(lag),
        "emulator_cpu_s": round(emulator_cpu, 2),
    }

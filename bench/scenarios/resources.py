"""Sequential requests: memory, tasks and file descriptors before and after many short turns on
one instance. The server answers instantly and its budgets are lifted (10,000 requests on one
socket are far past Deepgram's 20 Flushes per minute): this row is about leaks, not latency."""

from __future__ import annotations

import asyncio
import gc
import os
import time
from typing import Any

from bench.drive import close_clients, open_clients, run_turn
from bench.scenarios import Context
from deepgram_tts2.loadtest.emulator import Budgets, ServerConditions
from deepgram_tts2.loadtest.runner import rss_mb


def open_fds() -> int:
    """File descriptors (sockets included) this process holds (-1 without /proc)."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return -1


async def run(ctx: Context) -> dict[str, Any]:
    n = ctx.count("requests", 10_000, 200)
    conditions = ServerConditions(pacing="instant", budgets=Budgets.LIFTED)
    clients: dict[str, Any] = {}
    with ctx.emulator(conditions) as served:
        for spec in ctx.specs():
            opened = await open_clients(spec, served.endpoint, 1, lifted_budgets=True)
            if opened.skipped:
                clients[spec.name] = {"skipped": opened.skipped}
                continue
            client = opened.clients[0]
            try:
                for i in range(20):
                    await run_turn(client, "Warm up.", index=i)
                gc.collect()
                rss0, tasks0, fds0 = rss_mb(), len(asyncio.all_tasks()), open_fds()
                errors = 0
                started = time.perf_counter()
                for i in range(n):
                    record = await run_turn(client, f"Request {i}.", index=i, timeout_s=10.0)
                    errors += record.error is not None
                elapsed = time.perf_counter() - started
                gc.collect()
                await asyncio.sleep(0.2)
                clients[spec.name] = {
                    "requests": n,
                    "errors": errors,
                    "elapsed_s": round(elapsed, 2),
                    "rss_growth_mb": round(rss_mb() - rss0, 2),
                    "tasks_before": tasks0,
                    "tasks_after": len(asyncio.all_tasks()),
                    "open_fds_before": fds0,
                    "open_fds_after": open_fds(),
                }
            finally:
                await close_clients(opened.clients)
    return {
        "command": "python -m bench --only sequential",
        "conditions": [conditions.describe()],
        "requests": n,
        "clients": clients,
    }

"""Runs a workload through the public client API and measures each request."""

from __future__ import annotations

import asyncio
import contextlib
import resource
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from deepgram_tts2 import DeepgramTTS, MetricsHooks
from deepgram_tts2.client.events import AudioChunk, AudioEnd, Error, Metric
from deepgram_tts2.loadtest.playout import Playout
from deepgram_tts2.loadtest.workload import Workload


@dataclass
class RequestResult:
    """What one request measured (milliseconds)."""

    ttfb_ms: float | None = None
    first_token_ms: float | None = None
    audio_ms: float = 0.0
    wall_ms: float = 0.0
    max_gap_ms: float = 0.0
    interrupt_ms: float | None = None
    error_class: str | None = None
    error_message: str | None = None
    reason: str = ""
    chunks: int = 0
    underruns: int = 0
    stall_ms: float = 0.0


@dataclass
class RunTotals:
    """Process-level measurements around a run."""

    started: float = 0.0
    elapsed_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_mb: float = 0.0
    rss_growth_mb: float = 0.0
    loop_lag_ms: list[float] = field(default_factory=list)
    reconnects: int = 0


class CountingHooks(MetricsHooks):
    """Counts reconnects for the report."""

    def __init__(self) -> None:
        self.reconnects = 0

    def on_reconnect(self, reason: str) -> None:
        self.reconnects += 1


def rss_mb() -> float:
    """Current resident set size in MiB (Linux /proc), or the peak where /proc is absent."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure_loop_lag(samples: list[float], period_s: float = 0.01) -> None:
    """Record how late the event loop wakes up (until cancelled)."""
    loop = asyncio.get_running_loop()
    while True:
        due = loop.time() + period_s
        await asyncio.sleep(period_s)
        samples.append(max(0.0, (loop.time() - due) * 1000.0))


async def run_one(
    tts: DeepgramTTS,
    workload: Workload,
    index: int,
    interrupt_after_ms: float | None = None,
    *,
    playout: bool = False,
) -> RequestResult:
    """One request: feed its text, consume its events, measure.

    Every audio chunk goes through a :class:`~deepgram_tts2.loadtest.playout.Playout` clock
    (underruns are counted whether or not the audio is played out); with ``playout`` the request
    also lasts until its audio has played at 1x, as a real-time stream does.
    """
    result = RequestResult()
    stream = tts.stream()
    started = time.perf_counter()
    feeder = asyncio.create_task(workload.feed(stream, workload.text(index)))
    clock = Playout()
    rate = tts.options.pcm_format.sample_rate
    width = 1 if tts.options.encoding != "linear16" else 2
    interrupt_at: float | None = None
    try:
        async for event in stream:
            now = time.perf_counter()
            if isinstance(event, Metric) and event.name == "ttfb":
                result.ttfb_ms = event.value
                first_push = feeder.result() if feeder.done() else started
                result.first_token_ms = (now - first_push) * 1000.0
            elif isinstance(event, AudioChunk):
                clock.feed(now, len(event.data) / (rate * width))
                if (
                    interrupt_after_ms is not None
                    and interrupt_at is None
                    and ((now - started) * 1000.0 >= interrupt_after_ms)
                ):
                    interrupt_at = time.perf_counter()
                    await stream.interrupt()
            elif isinstance(event, Error):
                result.error_class = event.error_class.value
                result.error_message = event.message
            elif isinstance(event, AudioEnd):
                result.audio_ms = event.audio_ms
                result.reason = event.reason.value
                if interrupt_at is not None:
                    result.interrupt_ms = (time.perf_counter() - interrupt_at) * 1000.0
    finally:
        if not feeder.done():
            feeder.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await feeder
        await stream.aclose()
    result.max_gap_ms = clock.max_gap_s * 1000.0
    result.chunks = clock.chunks
    result.underruns = clock.underruns
    result.stall_ms = clock.stall_s * 1000.0
    result.wall_ms = (time.perf_counter() - started) * 1000.0  # delivery, without the playout
    if playout and clock.ends_at is not None and result.reason != "interrupted":
        await asyncio.sleep(max(0.0, clock.ends_at - time.perf_counter()))
    return result


async def _drive(
    more: Callable[[], int | None],
    record: Callable[[int], Coroutine[Any, Any, None]],
    concurrency: int,
    rate_per_s: float | None,
) -> None:
    """Start requests until ``more()`` says stop: ``concurrency`` closed-loop workers, or one
    arrival every ``1 / rate_per_s`` seconds (open loop); returns when all have finished."""
    if rate_per_s is None:

        async def worker() -> None:
            while (index := more()) is not None:
                await record(index)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return
    pending: set[asyncio.Task[None]] = set()
    while (index := more()) is not None:
        task = asyncio.create_task(record(index))
        pending.add(task)
        task.add_done_callback(pending.discard)
        await asyncio.sleep(1.0 / rate_per_s)
    await asyncio.gather(*pending)


async def run_load(
    tts: DeepgramTTS,
    workload: Workload,
    *,
    concurrency: int,
    requests: int | None,
    duration_s: float | None,
    rate_per_s: float | None = None,
    interrupt_after_ms: float | None = None,
    on_progress: Callable[[int], None] | None = None,
    stop: asyncio.Event | None = None,
    playout: bool = False,
) -> tuple[list[RequestResult], RunTotals]:
    """Closed loop (``concurrency`` workers) or open loop (``rate_per_s`` arrivals).

    With ``playout`` each request lasts until its audio has played at 1x (real-time streams).

    Stops starting requests after ``requests`` requests, ``duration_s`` seconds or once ``stop``
    is set, whichever comes first; requests already running finish and are measured.
    """
    totals = RunTotals(started=time.perf_counter())
    results: list[RequestResult] = []
    counter = iter(range(10**9))
    deadline = None if duration_s is None else totals.started + duration_s
    rss_before = rss_mb()
    cpu_before = time.process_time()
    lag_task = asyncio.create_task(measure_loop_lag(totals.loop_lag_ms))

    def more() -> int | None:
        index = next(counter)
        if requests is not None and index >= requests:
            return None
        if deadline is not None and time.perf_counter() >= deadline:
            return None
        if stop is not None and stop.is_set():
            return None
        return index

    async def record(index: int) -> None:
        results.append(await run_one(tts, workload, index, interrupt_after_ms, playout=playout))
        if on_progress is not None:
            on_progress(len(results))

    try:
        await _drive(more, record, concurrency, rate_per_s)
    finally:
        lag_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await lag_task
    totals.elapsed_s = time.perf_counter() - totals.started
    totals.cpu_s = time.process_time() - cpu_before
    totals.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    totals.rss_growth_mb = rss_mb() - rss_before
    return results, totals

"""The ``dgtts bench`` report: percentiles and totals, as a table or one JSON object."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from deepgram_tts2.loadtest.runner import RequestResult, RunTotals


def percentiles(values: list[float]) -> dict[str, float | None]:
    """p50/p90/p99/max of ``values`` (None when there are none)."""
    if not values:
        return {"p50": None, "p90": None, "p99": None, "max": None}
    array = np.asarray(values, dtype=np.float64)
    return {
        "p50": round(float(np.percentile(array, 50)), 2),
        "p90": round(float(np.percentile(array, 90)), 2),
        "p99": round(float(np.percentile(array, 99)), 2),
        "max": round(float(array.max()), 2),
    }


def build_report(
    results: list[RequestResult], totals: RunTotals, concurrency: int
) -> dict[str, Any]:
    """Everything the issue lists, computed from the measured requests."""
    audio_s = sum(r.audio_ms for r in results) / 1000.0
    completed = [r for r in results if r.reason == "completed"]
    rtf = [r.audio_ms / r.wall_ms for r in completed if r.wall_ms > 0 and r.audio_ms > 0]
    return {
        "requests": len(results),
        "outcomes": dict(Counter(r.reason for r in results)),
        "errors_by_class": dict(Counter(r.error_class for r in results if r.error_class)),
        "elapsed_s": round(totals.elapsed_s, 3),
        "ttfb_ms": percentiles([r.ttfb_ms for r in results if r.ttfb_ms is not None]),
        "first_token_to_audio_ms": percentiles(
            [r.first_token_ms for r in results if r.first_token_ms is not None]
        ),
        "audio_realtime_factor": percentiles(rtf),
        "inter_chunk_gap_ms": percentiles([r.max_gap_ms for r in results if r.max_gap_ms]),
        "interrupt_to_end_ms": percentiles(
            [r.interrupt_ms for r in results if r.interrupt_ms is not None]
        ),
        "reconnects": totals.reconnects,
        "audio_s": round(audio_s, 3),
        "cpu_s": round(totals.cpu_s, 3),
        "cpu_s_per_audio_minute": round(totals.cpu_s / (audio_s / 60.0), 4) if audio_s else None,
        "peak_rss_mb": round(totals.peak_rss_mb, 1),
        "rss_growth_mb": round(totals.rss_growth_mb, 2),
        "rss_per_stream_mb": round(totals.rss_growth_mb / max(concurrency, 1), 3),
        "event_loop_lag_ms": percentiles(totals.loop_lag_ms),
    }

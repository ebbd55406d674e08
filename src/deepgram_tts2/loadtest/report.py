"""The ``dgtts bench`` report: percentiles and totals, as one JSON object or a text table.

Pure functions (no numpy: the client install has no numpy): :func:`build_report` computes the
report, :func:`render_table` lays it out in aligned columns (distributions as p50/p90/p99/max
columns, nested values flattened to ``outcomes.completed``-style rows) and :func:`verdict`
decides whether the run failed its error budget and which failure class dominated.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from deepgram_tts2.loadtest.runner import RequestResult, RunTotals

PERCENTILES = ("p50", "p90", "p99", "max")
# Ties between failure classes go to the first of these (the most actionable one).
CLASS_PRIORITY = ("auth", "input", "rate_limit", "transient", "internal", "cancelled")


def percentile(ordered: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) of sorted values, interpolated linearly between the two
    nearest ranks (numpy's default method)."""
    if not ordered:
        raise ValueError("percentile of no values")
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def percentiles(values: Sequence[float]) -> dict[str, float | None]:
    """p50/p90/p99/max of ``values`` (None when there are none)."""
    if not values:
        return dict.fromkeys(PERCENTILES)
    ordered = sorted(float(v) for v in values)
    return {
        "p50": round(percentile(ordered, 50), 2),
        "p90": round(percentile(ordered, 90), 2),
        "p99": round(percentile(ordered, 99), 2),
        "max": round(ordered[-1], 2),
    }


def build_report(
    results: list[RequestResult], totals: RunTotals, concurrency: int
) -> dict[str, Any]:
    """Everything the issue lists, computed from the measured requests.

    ``errors`` counts requests that ended with an error (``outcomes.error``); ``error_rate`` is
    ``errors / requests`` (0 when no request ran). Interrupted requests are not errors.
    ``error_examples`` holds the first message of each failure class. ``underruns`` counts
    chunks that reached the consumer more than 40 ms after their playout time
    (:mod:`~deepgram_tts2.loadtest.playout`); ``stall_ms`` is the silence per stream that had
    any; ``cpu_us_per_chunk`` is this process's CPU time over the audio chunks delivered.
    """
    audio_s = sum(r.audio_ms for r in results) / 1000.0
    chunks = sum(r.chunks for r in results)
    completed = [r for r in results if r.reason == "completed"]
    errors = sum(1 for r in results if r.reason == "error")
    rtf = [r.audio_ms / r.wall_ms for r in completed if r.wall_ms > 0 and r.audio_ms > 0]
    return {
        "requests": len(results),
        "errors": errors,
        "error_rate": round(errors / len(results), 4) if results else 0.0,
        "outcomes": dict(Counter(r.reason for r in results)),
        "errors_by_class": dict(Counter(r.error_class for r in results if r.error_class)),
        "error_examples": _examples(results),
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
        "stall_ms": percentiles([r.stall_ms for r in results if r.underruns]),
        "underruns": sum(r.underruns for r in results),
        "streams_with_underruns": sum(1 for r in results if r.underruns),
        "reconnects": totals.reconnects,
        "audio_s": round(audio_s, 3),
        "chunks": chunks,
        "cpu_s": round(totals.cpu_s, 3),
        "cpu_s_per_audio_minute": round(totals.cpu_s / (audio_s / 60.0), 4) if audio_s else None,
        "cpu_us_per_chunk": round(totals.cpu_s * 1e6 / chunks, 1) if chunks else None,
        "peak_rss_mb": round(totals.peak_rss_mb, 1),
        "rss_growth_mb": round(totals.rss_growth_mb, 2),
        "rss_per_stream_mb": round(totals.rss_growth_mb / max(concurrency, 1), 3),
        "event_loop_lag_ms": percentiles(totals.loop_lag_ms),
    }


def _examples(results: list[RequestResult]) -> dict[str, str]:
    """The first message of each failure class, in one line."""
    examples: dict[str, str] = {}
    for r in results:
        if r.error_class and r.error_message and r.error_class not in examples:
            examples[r.error_class] = " ".join(r.error_message.split())
    return examples


@dataclass(frozen=True)
class Verdict:
    """Whether a run passed its error budget.

    Attributes:
        failed: more than ``max_error_rate`` of the requests ended with an error.
        error_rate: the measured rate.
        dominant_class: the most common failure class (ties: :data:`CLASS_PRIORITY` order), or
            None without failures.
    """

    failed: bool
    error_rate: float
    dominant_class: str | None


def verdict(report: Mapping[str, Any], max_error_rate: float) -> Verdict:
    """Judge ``report`` against ``max_error_rate`` (0 = any failed request fails the run)."""
    requests = int(report.get("requests", 0))
    errors = int(report.get("errors", 0))
    rate = errors / requests if requests else 0.0
    by_class: Mapping[str, int] = report.get("errors_by_class", {})
    dominant: str | None = None
    if by_class:

        def key(name: str) -> tuple[int, int]:
            rank = CLASS_PRIORITY.index(name) if name in CLASS_PRIORITY else len(CLASS_PRIORITY)
            return (-by_class[name], rank)

        dominant = min(by_class, key=key)
    elif errors:
        dominant = "internal"
    return Verdict(errors > 0 and rate > max_error_rate, rate, dominant)


def _is_distribution(value: object) -> bool:
    return isinstance(value, Mapping) and set(value) == set(PERCENTILES)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}" if abs(value) >= 1e6 or value == int(value) else f"{value:.4g}"
    return str(value)


def flatten(report: Mapping[str, Any], prefix: str = "") -> list[tuple[str, object]]:
    """Scalar rows of ``report``: nested mappings become ``parent.child`` rows; an empty one a
    single ``-`` row; distributions are left out (see :func:`distributions`)."""
    rows: list[tuple[str, object]] = []
    for key, value in report.items():
        name = f"{prefix}{key}"
        if _is_distribution(value):
            continue
        if isinstance(value, Mapping):
            if not value:
                rows.append((name, None))
            else:
                rows.extend(flatten(value, f"{name}."))
        elif isinstance(value, list | tuple):
            rows.append((name, ", ".join(_cell(v) for v in value) or None))
        else:
            rows.append((name, value))
    return rows


def distributions(report: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """The ``{p50, p90, p99, max}`` entries of ``report``, in order."""
    return [(k, v) for k, v in report.items() if _is_distribution(v)]


def render_table(report: Mapping[str, Any], title: str = "dgtts bench") -> str:
    """The report as aligned plain-text columns (what ``dgtts bench`` prints on stdout)."""
    lines = [title, ""]
    dists = distributions(report)
    if dists:
        width = max(len("distribution"), *(len(name) for name, _ in dists))
        cells = {name: [_cell(d[p]) for p in PERCENTILES] for name, d in dists}
        col = max(8, *(len(c) for row in cells.values() for c in row))
        header = "distribution".ljust(width) + "".join(p.rjust(col + 2) for p in PERCENTILES)
        lines.append(header)
        for name, _ in dists:
            lines.append(name.ljust(width) + "".join(c.rjust(col + 2) for c in cells[name]))
        lines.append("")
    rows = flatten(report)
    if rows:
        width = max(len("measure"), *(len(name) for name, _ in rows))
        lines.append("measure".ljust(width) + "  value")
        for name, value in rows:
            lines.append(f"{name.ljust(width)}  {_cell(value)}")
    return "\n".join(lines).rstrip() + "\n"

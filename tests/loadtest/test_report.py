"""The pure parts of the ``dgtts bench`` report: percentiles, the verdict and the table."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepgram_tts2.loadtest.report import (
    build_report,
    flatten,
    percentile,
    percentiles,
    render_table,
    verdict,
)
from deepgram_tts2.loadtest.runner import RequestResult, RunTotals


@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=50),
    st.sampled_from([0, 1, 50, 90, 99, 100]),
)
def test_percentile_matches_numpy(values: list[float], q: int) -> None:
    assert percentile(sorted(values), q) == pytest.approx(
        float(np.percentile(values, q)), rel=1e-9, abs=1e-6
    )


def test_no_values_give_no_percentiles() -> None:
    assert percentiles([]) == {"p50": None, "p90": None, "p99": None, "max": None}


def results(*outcomes: tuple[str, str | None]) -> list[RequestResult]:
    return [
        RequestResult(
            reason=r,
            error_class=c,
            error_message=None if c is None else f"{c}  failure\n{i}",
            audio_ms=100.0,
            wall_ms=50.0,
        )
        for i, (r, c) in enumerate(outcomes)
    ]


def test_the_report_counts_errors_but_not_interruptions() -> None:
    report = build_report(
        results(("completed", None), ("interrupted", None), ("error", "auth"), ("error", "auth")),
        RunTotals(),
        concurrency=2,
    )
    assert report["errors"] == 2
    assert report["error_rate"] == 0.5
    assert report["errors_by_class"] == {"auth": 2}
    assert report["error_examples"] == {"auth": "auth failure 2"}  # the first, in one line


def test_the_verdict_uses_the_threshold_and_the_most_common_class() -> None:
    report = {"requests": 4, "errors": 3, "errors_by_class": {"transient": 1, "auth": 2}}
    judged = verdict(report, 0.0)
    assert judged.failed
    assert judged.dominant_class == "auth"
    assert not verdict(report, 0.75).failed
    assert verdict(report, 0.7).failed
    assert not verdict({"requests": 5, "errors": 0, "errors_by_class": {}}, 0.0).failed


def test_ties_go_to_the_most_actionable_class() -> None:
    report = {"requests": 2, "errors": 2, "errors_by_class": {"transient": 1, "rate_limit": 1}}
    assert verdict(report, 0.0).dominant_class == "rate_limit"


def test_nested_values_become_rows() -> None:
    report = {
        "requests": 3,
        "outcomes": {"completed": 2, "error": 1},
        "errors_by_class": {},
        "config": {"rate": None, "corpus": "short"},
        "ttfb_ms": {"p50": 1.0, "p90": 2.0, "p99": 3.0, "max": 4.0},
    }
    assert flatten(report) == [
        ("requests", 3),
        ("outcomes.completed", 2),
        ("outcomes.error", 1),
        ("errors_by_class", None),
        ("config.rate", None),
        ("config.corpus", "short"),
    ]


def test_the_table_has_one_column_per_percentile_and_no_json() -> None:
    report = build_report(results(("completed", None)) * 3, RunTotals(), concurrency=1)
    report["config"] = {"concurrency": 1, "pacing": None}
    text = render_table(report)
    assert "{" not in text
    lines = text.splitlines()
    dist = lines.index(next(line for line in lines if line.startswith("distribution")))
    widths = {len(line) for line in lines[dist : dist + 7]}
    assert len(widths) == 1  # aligned
    assert lines[dist + 1].split()[0] == "ttfb_ms"
    assert "config.pacing" in text
    row = next(line for line in lines if line.startswith("interrupt_to_end_ms"))
    assert row.split()[1:] == ["-", "-", "-", "-"]

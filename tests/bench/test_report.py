"""BENCHMARKS.md rendering: every section states its conditions and command; tables are whole."""

from __future__ import annotations

from typing import Any

from bench import report

DIST = {"p50": 100.0, "p90": 110.0, "p99": 120.0, "max": 130.0}


def turns(first: float = 100.0, **extra: Any) -> dict[str, Any]:
    return {
        "turns": 3,
        "first_audio_ms": {k: v * first / 100.0 for k, v in DIST.items()},
        "underruns": 0,
        "turns_with_underruns": 0,
        "stall_ms": 0.0,
        "max_gap_ms": 5.0,
        "errors": 0,
        "first_error": None,
        **extra,
    }


def interrupt_row(**extra: Any) -> dict[str, Any]:
    return {
        "rounds": 2,
        "to_quiet_ms": DIST,
        "to_next_audio_ms": DIST,
        "a_chunks_after_interrupt": 3,
        "stale_in_b": 3,
        "rounds_with_stale": 1,
        "b_errors": 0,
        "first_b_error": None,
        "failed_rounds": 0,
        "interrupting": "Clear | then go",
        **extra,
    }


def level(streams: int, lag: float = 2.0, underruns: int = 0) -> dict[str, Any]:
    return {
        "streams": streams,
        "turns": 10,
        "chunks": 1000,
        "client_cpu_cores": 0.1,
        "cpu_us_per_chunk": 50.0 if streams else None,
        "emulator_cpu_cores": 0.2,
        "loop_lag_ms": {**DIST, "p99": lag},
        "underruns": underruns,
        "turns_with_underruns": underruns,
        "stall_ms": DIST,
        "errors": 0,
        "first_error": None,
    }


def data() -> dict[str, Any]:
    c = ["conditions of the row"]
    clients = {report.FLOOR: turns(100), report.OURS: turns(20), "peer": {"skipped": "absent"}}
    return {
        "when": "2026-12-02 00:00 UTC",
        "machine": {"cpus": 2, "platform": "Linux", "python": "3.11.7"},
        "versions": {"deepgram-tts2": "0.2.0"},
        "elapsed_min": 12.5,
        "load": {"start": 0.2, "warm": 0.4},
        "clients": [{"name": report.OURS, "feeding": "push", "interrupting": "interrupt()"}],
        "client_notes": ["a note"],
        "scenarios": {
            "warm": {
                "command": "python -m bench --only warm",
                "conditions": c,
                "rounds": 3,
                "clients": clients,
            },
            "tokens": {
                "command": "cmd tokens",
                "conditions": c,
                "rounds": 2,
                "tokens_per_s": 30.0,
                "synthesis_chars": 100,
                "readings": {"flush": clients, "sentence": clients},
            },
            "conversation": {
                "command": "cmd conv",
                "conditions": c,
                "turns": 30,
                "duration_s": 180.0,
                "tokens_per_s": 30.0,
                "chars_per_minute": 1500,
                "clients": {
                    report.OURS: turns(
                        first_third_first_audio_ms=DIST,
                        last_third_first_audio_ms=DIST,
                        reported={"warnings": {"EXCESSIVE_FLUSH": 2}, "reconnects": 0},
                    )
                },
            },
            "interrupts": {
                "command": "cmd int",
                "conditions": c,
                "rounds": 2,
                "interval_s": 8.0,
                "clients": {
                    report.OURS: interrupt_row(),
                    "pipecat": interrupt_row(stale_labelled_as_b=1, stale_labelled_as_a=2),
                },
            },
            "concurrency": {
                "command": "cmd conc",
                "conditions": c,
                "streams": 200,
                "clients": {
                    report.FLOOR: turns(
                        cpu_ms_per_stream=5.0,
                        rss_open_mb_per_stream=0.01,
                        rss_run_mb_per_stream=0.02,
                        loop_lag_ms=DIST,
                        emulator_cpu_s=3.0,
                    ),
                    report.OURS: turns(
                        cpu_ms_per_stream=6.0,
                        rss_open_mb_per_stream=0.01,
                        rss_run_mb_per_stream=0.02,
                        loop_lag_ms=DIST,
                        emulator_cpu_s=3.0,
                    ),
                },
            },
            "realtime": {
                "command": "cmd rt",
                "conditions": c,
                "window_s": 10.0,
                "lag_p99_limit_ms": 20.0,
                "runs": [
                    {
                        "client": report.FLOOR,
                        "workers": 2,
                        "levels": [level(100), level(200, 30)],
                        "sustained": 100,
                    },
                    {"client": "gone", "workers": 1, "skipped": "not installed"},
                ],
                "cost": {
                    "streams": 100,
                    "workers": 2,
                    report.FLOOR: 50.0,
                    report.OURS: 65.0,
                    "ratio": 1.3,
                },
            },
            "longtext": {
                "command": "cmd long",
                "conditions": c,
                "chars": 10000,
                "budgets": {
                    "deepgram": {
                        report.FLOOR: {
                            "chars_per_s": None,
                            "elapsed_s": 30.0,
                            "audio_s": 20.0,
                            "error": "closed 1008 DATA-0001",
                        }
                    },
                    "lifted": {},
                },
            },
            "sequential": {
                "command": "cmd seq",
                "conditions": c,
                "requests": 10,
                "clients": {
                    report.OURS: {
                        "requests": 10,
                        "errors": 0,
                        "elapsed_s": 1.0,
                        "rss_growth_mb": 0.0,
                        "tasks_before": 2,
                        "tasks_after": 2,
                        "open_fds_before": 9,
                        "open_fds_after": 9,
                    }
                },
            },
            "broken": {"error": "RuntimeError: boom"},
            "unknown": {"value": 1},
        },
    }


def tables(text: str) -> list[list[str]]:
    """Each Markdown table as its lines."""
    out: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            out.append(current)
            current = []
    return out + ([current] if current else [])


def cells(line: str) -> int:
    return line.replace("\\|", "").count("|") - 1


def test_every_section_has_its_conditions_and_its_command() -> None:
    text = report.render(data())
    for command in (
        "python -m bench --only warm",
        "cmd tokens",
        "cmd conv",
        "cmd int",
        "cmd conc",
        "cmd rt",
        "cmd long",
        "cmd seq",
    ):
        assert f"Reproduce: `{command}`" in text
    assert text.count("* conditions of the row") == 8
    assert "Did not run: RuntimeError: boom" in text
    assert '"value": 1' in text  # a section without a renderer is shown as JSON


def test_every_table_row_has_as_many_cells_as_its_header() -> None:
    for lines in tables(report.render(data())):
        widths = {cells(line) for line in lines}
        assert len(widths) == 1, lines


def test_ratios_are_to_the_floor_and_skipped_clients_say_why() -> None:
    text = report.render(data())
    row = next(line for line in text.splitlines() if line.startswith(f"| {report.OURS} | 20.0"))
    assert "| 0.20x |" in row
    assert "skipped: absent" in text
    assert "skipped: not installed" in text


def test_the_realtime_section_states_the_cost_ratio_and_the_sustained_level() -> None:
    text = report.render(data())
    assert "(2 emulator process(es)): floor 50.0 µs, deepgram_tts2 65.0 µs (ratio 1.30" in text
    assert f"* {report.FLOOR}, 2 emulator process(es): 100 streams" in text
    rows = [line for line in text.splitlines() if line.startswith(f"| {report.FLOOR} | 2 |")]
    assert [r.split("|")[11].strip() for r in rows] == ["yes", "no"]


def test_pipecat_labels_and_counters_are_spelled_out() -> None:
    text = report.render(data())
    assert "3 (context id: 1 B's, 2 A's, 0 none)" in text
    assert "warnings 2, reconnects 0" in text
    assert "Clear \\| then go" in text  # a pipe inside a cell is escaped


def test_the_header_states_the_machine_the_load_and_the_duration() -> None:
    text = report.render(data())
    assert "2 CPUs" in text
    assert "12.5 minutes" in text
    assert "0.20 to 0.40" in text
    assert "permessage-deflate is **off**" in text


def test_cells() -> None:
    assert report.fmt(None) == "—"
    assert report.fmt(1.234) == "1.2"
    assert report.fmt(3) == "3"
    assert report.ratio(2.0, 0.0) == "—"
    assert report.ratio(1.0, 4.0) == "0.25x"


def test_the_runs_key_is_masked_in_what_is_written() -> None:
    from bench.__main__ import without_key

    key = "0123456789abcdef0123456789abcdef"
    quoted = f"ApiError: headers: {{'Authorization': 'Token {key}'}}"
    assert without_key(quoted, key) == "ApiError: headers: {'Authorization': 'Token ***'}"


def _level(streams: int, cpu: float, lag_p99: float = 2.0) -> dict[str, Any]:
    return {
        "streams": streams,
        "cpu_us_per_chunk": cpu,
        "loop_lag_ms": {"p99": lag_p99},
        "turns_with_underruns": 0,
        "errors": 0,
    }


def test_cpu_ratios_pair_levels_measured_side_by_side_and_both_sustained() -> None:
    section = {
        "lag_p99_limit_ms": 20.0,
        "runs": [
            {
                "client": report.FLOOR,
                "workers": 1,
                "levels": [_level(100, 70.0), _level(200, 50.0)],
            },
            {
                "client": report.OURS,
                "workers": 1,
                "levels": [_level(100, 98.0), _level(200, 90.0, 30)],
            },
            {"client": report.FLOOR, "workers": 2, "levels": [_level(100, 100.0)]},
            {"client": report.OURS, "workers": 2, "levels": [_level(100, 103.0)]},
        ],
    }
    # 200 streams on 1 process is not sustained by ours (lag): it is not a pair.
    assert sorted(report.cpu_ratios(section)) == [1.03, 1.4]
    spread = report._ratio_spread(section)
    assert "Over all 2 levels both sustained" in spread
    assert "ratio 1.03 to 1.40" in spread
    assert "1 of them above 1.3" in spread

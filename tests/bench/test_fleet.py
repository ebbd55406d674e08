"""The fleet scenario: its script, its figures, its section of BENCHMARKS.md, and one real short
run (a real ``redis-server``, a real emulator, 4 real worker processes; floor and ours only)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from bench.scenarios import Context, fleet
from bench.scenarios.texts import REPLIES

from bench import report

DIST = {"p50": 100.0, "p90": 110.0, "p99": 120.0, "max": 130.0}


def test_the_script_staggers_agents_and_repeats_short_phrases_whole() -> None:
    script = fleet.schedule(4, 6, 10, 5.0, repeated_share=0.3)
    assert script == fleet.schedule(4, 6, 10, 5.0, repeated_share=0.3)  # every row the same
    assert len(script) == 4
    assert all(len(agents) == 6 for agents in script)
    turns = [t for agents in script for agent in agents for t in agent]
    repeated = [t for t in turns if t["repeated"]]
    assert 0.2 < len(repeated) / len(turns) < 0.4
    assert all(t["text"] in fleet.PHRASES and t["tokens_per_s"] == 0 for t in repeated)
    replies = [t for t in turns if not t["repeated"]]
    assert all(t["text"] in REPLIES and t["tokens_per_s"] == fleet.TOKENS_PER_S for t in replies)
    starts = sorted(agent[0]["at"] for agents in script for agent in agents)
    assert len(set(starts)) == 24
    assert starts[-1] - starts[0] < 5.0
    for agents in script:
        for agent in agents:
            assert [t["at"] for t in agent] == sorted(t["at"] for t in agent)
    assert not fleet.schedule(4, 6, 10, 5.0)[0][0][0]["repeated"]  # no phrases by default


def test_only_the_phrases_are_short_enough_for_the_cache() -> None:
    assert max(len(t) for t in fleet.PHRASES) <= fleet.CACHE_MAX_CHARS
    assert min(len(t) for t in REPLIES) > fleet.CACHE_MAX_CHARS


def worker_result(turns: list[dict[str, Any]], open_error: str | None = None) -> dict[str, Any]:
    return {
        "worker": 0,
        "agents": [{"open_error": open_error, "turns": turns}],
        "client_reported": {"throttled": 2},
    }


def turn(ms: float | None, error: str | None = None, **extra: Any) -> dict[str, Any]:
    row = {"agent": 0, "repeated": False, "first_audio_ms": ms, "error": error}
    return {**row, "transport": "websocket", **extra}


def test_the_figures_count_failed_turns_transports_and_cache_hits() -> None:
    results = [
        worker_result([turn(200.0), turn(None, "HTTP 429")], open_error="HTTP 429"),
        worker_result(
            [
                turn(2.0, repeated=True, transport="cache"),
                turn(210.0, repeated=True),
                turn(300.0, transport="rest"),
            ]
        ),
    ]
    figures = fleet.summarize(results)
    assert figures["processes"] == 2
    assert figures["agents"] == 2
    assert figures["turns"] == 5
    assert figures["failed_turns"] == 1
    assert figures["first_error"] == "HTTP 429"
    assert figures["agents_not_opened"] == 1
    assert figures["transports"] == {"websocket": 3, "cache": 1, "rest": 1}
    assert figures["throttled"] == 4
    assert figures["repeated_turns"] == 2
    assert figures["cache_hits"] == 1
    assert figures["hit_rate"] == 0.5
    assert figures["first_audio_hits_ms"]["p50"] == 2.0
    assert figures["first_audio_repeated_ms"]["max"] == 210.0
    assert figures["first_audio_replies_ms"]["max"] == 300.0
    assert "hit_rate" not in fleet.summarize([worker_result([turn(1.0)])])


def row(**extra: Any) -> dict[str, Any]:
    return {
        "processes": 4,
        "agents": 24,
        "turns": 120,
        "failed_turns": 0,
        "first_error": None,
        "first_audio_ms": DIST,
        "agents_not_opened": 0,
        "first_open_error": None,
        "transports": {"websocket": 120},
        "throttled": None,
        "handshake_429s": 0,
        "peak_sessions": 15,
        **extra,
    }


def cache_row(hits: int, **extra: Any) -> dict[str, Any]:
    return row(
        repeated_turns=36,
        cache_hits=hits,
        hit_rate=round(hits / 36, 3),
        first_audio_hits_ms=DIST if hits else dict.fromkeys(DIST),
        first_audio_repeated_ms={**DIST, "p50": 210.0},
        first_audio_replies_ms=DIST,
        **extra,
    )


def section() -> dict[str, Any]:
    return {
        "command": "python -m bench --only fleet",
        "conditions": ["pacing realistic; 15 concurrent sockets per key"],
        "project_limit": 15,
        "processes": 4,
        "agents_per_process": 6,
        "turns_per_agent": 5,
        "interval_s": 5.0,
        "turn_timeout_s": 15.0,
        "tokens_per_s": 30.0,
        "repeated_share": 0.3,
        "cache_max_chars": 48,
        "phrases": list(fleet.PHRASES),
        "clients": {
            fleet.GOVERNOR: row(throttled=40),
            fleet.NO_GOVERNOR: row(handshake_429s=130, transports={"websocket": 100, "rest": 20}),
            report.FLOOR: row(
                handshake_429s=45,
                failed_turns=45,
                agents_not_opened=9,
                first_error="InvalidStatus: HTTP 429",
            ),
            "deepgram-sdk": row(handshake_429s=45, failed_turns=36, first_error="ApiError " * 40),
            "pipecat DeepgramTTSService": {"skipped": "pipecat is not installed"},
        },
        "cache": {fleet.CACHE: cache_row(30), fleet.NO_CACHE: cache_row(0)},
    }


def test_the_fleet_section_states_its_conditions_and_every_row() -> None:
    lines = report.render_fleet(section())
    text = "\n".join(lines)
    assert lines[0] == "## A fleet: 4 processes over a project limit of 15"
    assert "Reproduce: `python -m bench --only fleet`" in text
    assert "pacing realistic; 15 concurrent sockets per key" in text
    assert "24 conversations" in text
    assert "one instance per agent" in text
    assert "every 5 s" in text
    assert "30 tokens/s" in text
    assert "within 15 s" in text
    rows = {line.split(" | ")[0].lstrip("| "): line for line in lines if line.startswith("| ")}
    assert rows[fleet.GOVERNOR].startswith("| deepgram_tts2 + Redis governor | 0 | 0 of 120 |")
    assert "| 130 | 0 of 120 |" in rows[fleet.NO_GOVERNOR]
    assert "| 20 |" in rows[fleet.NO_GOVERNOR]  # turns over REST
    assert "| 45 | 45 of 120 |" in rows[report.FLOOR]
    assert rows[report.FLOOR].endswith("| InvalidStatus: HTTP 429 |")
    assert "skipped: pipecat is not installed" in rows["pipecat DeepgramTTSService"]
    long_error = rows["deepgram-sdk"].split(" | ")[-1]
    assert long_error.startswith("ApiError ApiError")
    assert long_error.endswith("… |")
    assert len(long_error) <= 125
    assert "### 30 % repeated phrases: the Redis phrase cache" in text
    assert "| 36 | 30 | 83 % | 100.0 | 210.0 | 100.0 | 0 | 0 of 120 |" in rows[fleet.CACHE]
    assert "| 36 | 0 | 0 % | — | 210.0 |" in rows[fleet.NO_CACHE]
    widths = {line.count(" | ") for line in lines if line.startswith("| ")}
    assert widths == {9}  # every row has every column


def test_the_headline_gives_429s_and_failed_turns_per_row_and_the_cache() -> None:
    lines = report.headlines({"fleet": section()})
    assert lines[0].startswith("* A fleet of 4 processes x 6 agents over a project limit of 15")
    assert "deepgram_tts2 + Redis governor 0 / 0" in lines[0]
    assert "deepgram_tts2, no governor 130 / 0" in lines[0]
    assert "floor (raw websockets) 45 / 45" in lines[0]
    assert "pipecat" not in lines[0]
    assert "hit 83 % of them" in lines[1]
    assert "on hits 100.0 ms, the same phrases without the cache 210.0 ms" in lines[1]
    assert report.headlines({"fleet": {}}) == []


def test_the_section_is_rendered_in_the_report() -> None:
    data = {
        "when": "now",
        "machine": {"cpus": 2, "platform": "Linux", "python": "3.11"},
        "versions": {},
        "scenarios": {"fleet": section()},
    }
    text = report.render(data)
    assert "## A fleet: 4 processes over a project limit of 15" in text
    assert "```json" not in text


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is missing")
@pytest.mark.timeout(150)  # a hang guard: the run takes about a minute
async def test_a_short_real_run_keeps_the_governed_fleet_within_the_limit() -> None:
    ctx = Context(
        quick=True, clients=["floor", "ours"], options={"turns": "1", "interval_s": "1.5"}
    )
    result = await fleet.run(ctx)
    clients, cache = result["clients"], result["cache"]
    assert list(clients) == [fleet.GOVERNOR, fleet.NO_GOVERNOR, report.FLOOR]
    governed = clients[fleet.GOVERNOR]
    assert governed["turns"] == 24
    assert governed["processes"] == 4
    assert governed["handshake_429s"] == 0
    assert governed["failed_turns"] == 0
    assert governed["peak_sessions"] <= fleet.PROJECT_LIMIT
    # 24 prewarmed sockets against 15: the ungoverned fleet is refused
    assert clients[fleet.NO_GOVERNOR]["handshake_429s"] > 0
    floor = clients[report.FLOOR]
    assert floor["handshake_429s"] > 0
    assert floor["failed_turns"] > 0
    assert cache[fleet.CACHE]["handshake_429s"] == 0
    assert cache[fleet.CACHE]["failed_turns"] == 0
    assert cache[fleet.NO_CACHE]["cache_hits"] == 0
    assert cache[fleet.CACHE]["transports"].get("cache", 0) == cache[fleet.CACHE]["cache_hits"]

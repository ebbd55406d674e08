"""BENCHMARKS.md from the JSON of a run (pure: ``render(data) -> str``).

Every section states its conditions and the command that reproduces it; every figure comes
from the same run, side by side. Renderers are keyed by scenario; a scenario without one is
shown as JSON.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import Any

FLOOR = "floor (raw websockets)"
OURS = "deepgram_tts2"


def fmt(value: Any, digits: int = 1) -> str:
    """A table cell: numbers rounded, None as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value).replace("|", "\\|")


def ratio(value: float | None, base: float | None) -> str:
    """``value / base`` as ``1.23x`` (a dash when either is missing or the base is 0)."""
    if value is None or not base:
        return "—"
    return f"{value / base:.2f}x"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(fmt(c) for c in r) + " |" for r in rows]
    return lines


def p(dist: Mapping[str, Any] | None, key: str) -> float | None:
    """A percentile of a ``{p50, p90, p99, max}`` distribution (None when absent)."""
    if not isinstance(dist, Mapping):
        return None
    value = dist.get(key)
    return float(value) if isinstance(value, int | float) else None


def _skipped(name: str, row: Mapping[str, Any], width: int) -> list[Any] | None:
    if "skipped" in row:
        return [name, *(["—"] * (width - 2)), f"skipped: {row['skipped']}"]
    return None


def per_client(
    clients: Mapping[str, Mapping[str, Any]], cell: Callable[[Mapping[str, Any]], str]
) -> str:
    """``name cell(row)`` for every client that ran, comma-separated (a headline's list)."""
    return ", ".join(f"{name} {cell(row)}" for name, row in clients.items() if "skipped" not in row)


def client_rows(
    clients: Mapping[str, Mapping[str, Any]],
    width: int,
    cells: Callable[[str, Mapping[str, Any]], list[Any]],
) -> list[list[Any]]:
    """One table row per client: ``cells(name, row)``, or a row saying why it was skipped."""
    return [_skipped(name, row, width) or cells(name, row) for name, row in clients.items()]


def _head(section: Mapping[str, Any], title: str, intro: str = "") -> list[str]:
    lines = [f"## {title}", ""]
    if intro:
        lines += [intro, ""]
    lines += ["Conditions:", ""]
    lines += [f"* {c}" for c in section.get("conditions", [])]
    lines += ["", f"Reproduce: `{section.get('command', '')}`", ""]
    return lines


def _first_audio_table(clients: Mapping[str, Any]) -> list[str]:
    floor = clients.get(FLOOR, {}).get("first_audio_ms")

    def cells(name: str, row: Mapping[str, Any]) -> list[Any]:
        dist = row.get("first_audio_ms")
        return [
            name,
            p(dist, "p50"),
            p(dist, "p99"),
            ratio(p(dist, "p50"), p(floor, "p50")),
            ratio(p(dist, "p99"), p(floor, "p99")),
            row.get("underruns"),
            row.get("errors"),
            row.get("first_error") or "",
        ]

    rows = client_rows(clients, 8, cells)
    headers = ["client", "p50 ms", "p99 ms", "p50 / floor", "p99 / floor", "underruns", "errors"]
    return table([*headers, "first error"], rows)


def render_warm(s: Mapping[str, Any]) -> list[str]:
    intro = (
        f"Time from handing a whole sentence over to its first audio chunk, on an open "
        f"connection, {s['rounds']} rounds per client round-robin."
    )
    return [*_head(s, "Warm single request", intro), *_first_audio_table(s["clients"])]


def render_tokens(s: Mapping[str, Any]) -> list[str]:
    intro = (
        f"First token to first audio for a paragraph streamed word by word at "
        f"{s['tokens_per_s']:g} tokens/s, {s['rounds']} rounds per client, under both readings "
        "of when Deepgram starts synthesis (docs do not say; aura §2.5.1). Each client gets the "
        "tokens as its framework passes them (see *Clients*). Underruns count chunks more than "
        "40 ms late against the stream's playout clock."
    )
    lines = _head(s, "LLM token stream", intro)
    names = {
        "flush": "Reading 1: audio only on Flush (the emulator's default)",
        "sentence": f"Reading 2: synthesis starts at sentence ends once "
        f"{s['synthesis_chars']} characters are buffered",
    }
    for reading, clients in s["readings"].items():
        lines += [f"### {names.get(reading, reading)}", "", *_first_audio_table(clients), ""]
    return lines


def render_conversation(s: Mapping[str, Any]) -> list[str]:
    intro = (
        f"Every client holds one conversation with its defaults: {s['turns']} replies in "
        f"{s['duration_s']:g} s, each streamed at {s['tokens_per_s']:g} tokens/s (about "
        f"{s['chars_per_minute']} characters per minute), all clients at once, staggered. A turn "
        "that has not ended before the next reply is due is abandoned (an error)."
    )

    def cells(name: str, row: Mapping[str, Any]) -> list[Any]:
        return [
            name,
            p(row["first_third_first_audio_ms"], "p50"),
            p(row["last_third_first_audio_ms"], "p50"),
            p(row["first_audio_ms"], "p99"),
            p(row["first_audio_ms"], "max"),
            row["underruns"],
            row["errors"],
            _reported(row.get("reported", {})),
            row.get("first_error") or "",
        ]

    rows = client_rows(s["clients"], 9, cells)
    headers = [
        "client",
        "first third p50 ms",
        "last third p50 ms",
        "p99 ms",
        "max ms",
        "underruns",
        "turns failed",
        "client reported",
        "first failure",
    ]
    return [*_head(s, "A conversation under Deepgram's budgets", intro), *table(headers, rows)]


def _reported(counted: Mapping[str, Any]) -> str:
    parts = []
    for key, value in counted.items():
        if isinstance(value, Mapping):
            value = sum(value.values()) if value else 0
        parts.append(f"{key} {value}")
    return ", ".join(parts)


def render_interrupts(s: Mapping[str, Any]) -> list[str]:
    intro = (
        f"{s['rounds']} rounds per client, one every {s['interval_s']:g} s: turn A is "
        "interrupted at its first audio chunk and turn B starts at once. Turns are told apart by "
        "their audio (disjoint alphabets, tone voice), whatever the client labels them. "
        "*quiet*: interrupt until the last chunk of A the application received (or until the "
        "interrupt call returned); *next audio*: until B's first own chunk; *A after*: chunks of "
        "A received after the interrupt; *stale in B*: those received as B's audio (and apart, "
        "audio of the two rounds before that reached B; each round has its own alphabets)."
    )

    def cells(name: str, row: Mapping[str, Any]) -> list[Any]:
        stale = str(row["stale_in_b"])
        if "stale_labelled_as_b" in row:
            as_a = row.get("stale_labelled_as_a", 0)
            none = row.get("stale_unlabelled", 0)
            other = row["stale_in_b"] - row["stale_labelled_as_b"] - as_a - none
            stale += f" (context id: {row['stale_labelled_as_b']} B's, {as_a} A's, {none} none"
            stale += f", {other} other)" if other else ")"
        if row.get("earlier_rounds_in_b"):
            stale += f"; {row['earlier_rounds_in_b']} of earlier rounds"
        return [
            name,
            p(row["to_quiet_ms"], "p50"),
            p(row["to_quiet_ms"], "p99"),
            p(row["to_next_audio_ms"], "p50"),
            p(row["to_next_audio_ms"], "p99"),
            row["a_chunks_after_interrupt"],
            stale,
            row["b_errors"] + row["failed_rounds"],
            row.get("interrupting", ""),
        ]

    rows = client_rows(s["clients"], 10, cells)
    headers = [
        "client",
        "quiet p50 ms",
        "quiet p99 ms",
        "next audio p50 ms",
        "next audio p99 ms",
        "A after",
        "stale in B",
        "failed",
        "interrupt is",
    ]
    return [*_head(s, "Interrupts: one definition for every client", intro), *table(headers, rows)]


def render_concurrency(s: Mapping[str, Any]) -> list[str]:
    intro = (
        f"{s['streams']} streams at once per client, a paragraph each. ours: one client sized "
        f"for {s['streams']} streams (pool_size and prewarm {s['streams']}); every other client: "
        f"{s['streams']} instances (sockets, LiveKit jobs each prewarmed, Pipecat bots). Clients "
        "run one after another on the same emulator. CPU is this process's; the emulator's is "
        "shown apart."
    )
    floor = s["clients"].get(FLOOR, {})

    def cells(name: str, row: Mapping[str, Any]) -> list[Any]:
        return [
            name,
            p(row["first_audio_ms"], "p50"),
            p(row["first_audio_ms"], "p99"),
            row["cpu_ms_per_stream"],
            ratio(row["cpu_ms_per_stream"], floor.get("cpu_ms_per_stream")),
            round((row["rss_open_mb_per_stream"] + row["rss_run_mb_per_stream"]) * 1024),
            p(row["loop_lag_ms"], "p99"),
            row["underruns"],
            row["errors"],
            row["emulator_cpu_s"],
            row.get("first_error") or "",
        ]

    rows = client_rows(s["clients"], 11, cells)
    headers = [
        "client",
        "first audio p50 ms",
        "p99 ms",
        "CPU ms / stream",
        "CPU / floor",
        "RSS KB / stream",
        "loop lag p99 ms",
        "underruns",
        "errors",
        "emulator CPU s",
        "first error",
    ]
    return [*_head(s, f"{s['streams']} concurrent streams", intro), *table(headers, rows)]


def render_fleet(s: Mapping[str, Any]) -> list[str]:
    n, limit = s["processes"], s["project_limit"]
    agents = s["agents_per_process"]
    intro = (
        f"{n} worker processes (real OS processes, started together), {agents} agents each: "
        f"{n * agents} conversations against one emulator whose project allows {limit} "
        "concurrent sockets (one key, so the key is the project; past the limit the handshake "
        f"gets Deepgram's 429). Every agent speaks {s['turns_per_agent']} replies, one every "
        f"{s['interval_s']:g} s (give or take a tenth), streamed at {s['tokens_per_s']:g} "
        "tokens/s, the agents staggered over the first interval; a turn not ended within "
        f"{s['turn_timeout_s']:g} s fails. deepgram_tts2: one client per process sized for its "
        f"{agents} agents (pool_size and prewarm {agents}); with the Redis governor the "
        f"processes share one budget of {limit} (websocket_limit {limit}), without it each "
        "process has its in-process default (45). Every peer as its users deploy it: one "
        "instance per agent, opened when its conversation starts and closed when it ends. Rows "
        "run one after another. *429s*: refusals the emulator counted over the row (its "
        "/metrics: WebSocket handshakes and REST requests); *peak sockets*: the emulator's "
        "open sessions, sampled every 100 ms; *agents not connected at start*: opens that "
        "failed (LiveKit's prewarm does not say); *waited*: our client's acquires that found "
        "the budget full and queued (each a 429 avoided)."
    )

    def cells(name: str, row: Mapping[str, Any]) -> list[Any]:
        return [
            name,
            row["handshake_429s"],
            f"{row['failed_turns']} of {row['turns']}",
            p(row["first_audio_ms"], "p50"),
            p(row["first_audio_ms"], "p99"),
            row["peak_sessions"],
            row["agents_not_opened"],
            row["transports"].get("rest", 0),
            row.get("throttled"),
            _clip(row.get("first_error") or row.get("first_open_error") or ""),
        ]

    rows = client_rows(s["clients"], 10, cells)
    headers = [
        "client",
        "429s",
        "failed turns",
        "first audio p50 ms",
        "p99 ms",
        "peak sockets",
        "agents not connected at start",
        "turns over REST",
        "waited",
        "first failure",
    ]
    lines = [*_head(s, f"A fleet: {n} processes over a project limit of {limit}", intro)]
    return [*lines, *table(headers, rows), "", *_fleet_cache(s)]


def _clip(text: str, limit: int = 120) -> str:
    """A failure message cut for a table cell (some libraries put every header in theirs)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fleet_cache(s: Mapping[str, Any]) -> list[str]:
    if not s.get("cache"):
        return []
    phrases = ", ".join(f'"{t}"' for t in s["phrases"][:2])
    intro = (
        f"The same fleet and schedule; {s['repeated_share'] * 100:g} % of the turns are one of "
        f"{len(s['phrases'])} short phrases ({phrases}, ...), handed over whole as an agent "
        "speaks a canned phrase; the other turns are replies streamed as above, longer than "
        f"the cache's max_chars ({s['cache_max_chars']}), so only the phrases are looked up. "
        "Both rows with the Redis governor; with the cache its entries are shared by every "
        "process (a phrase is synthesised once for the fleet). *Hit rate*: hits over the "
        "repeated-phrase turns."
    )

    def cells(name: str, row: Mapping[str, Any]) -> list[Any]:
        return [
            name,
            row["repeated_turns"],
            row["cache_hits"],
            f"{row['hit_rate'] * 100:.0f} %",
            p(row["first_audio_hits_ms"], "p50"),
            p(row["first_audio_repeated_ms"], "p50"),
            p(row["first_audio_replies_ms"], "p50"),
            row["handshake_429s"],
            f"{row['failed_turns']} of {row['turns']}",
            _clip(row.get("first_error") or ""),
        ]

    rows = client_rows(s["cache"], 10, cells)
    headers = [
        "client",
        "repeated turns",
        "hits",
        "hit rate",
        "first audio on hits p50 ms",
        "all repeated phrases p50 ms",
        "replies p50 ms",
        "429s",
        "failed turns",
        "first failure",
    ]
    title = f"### {s['repeated_share'] * 100:g} % repeated phrases: the Redis phrase cache"
    return [title, "", intro, "", *table(headers, rows)]


def render_realtime(s: Mapping[str, Any]) -> list[str]:
    intro = (
        "N conversations speaking without pause (the server generates at 4x, each stream is "
        "played out at 1x, the next reply starts when the last has played), measured over a "
        f"{s['window_s']:g} s window after a warm-up. *Sustained*: loop lag p99 under "
        f"{s['lag_p99_limit_ms']:g} ms, no underrun, no error. CPU per chunk: this process's CPU "
        "time over the audio chunks delivered (the emulator runs in other processes). The "
        "floor's ramps with 1 and 2 emulator processes are the emulator's own capacity."
    )
    lines = _head(s, "Real-time streams: capacity and cost per chunk", intro)
    cost = s["cost"]
    lines += [
        f"**CPU per audio chunk at {cost['streams']} real-time streams** "
        f"({fmt(cost.get('workers'))} emulator process(es)): floor "
        f"{fmt(cost.get(FLOOR))} µs, deepgram_tts2 {fmt(cost.get(OURS))} µs "
        f"(ratio {fmt(cost.get('ratio'), 2)}; the target is at most 1.3). "
        f"{_ratio_spread(s)}",
        "",
    ]
    rows = _realtime_rows(s)
    headers = [
        "client",
        "emulator processes",
        "streams",
        "client CPU cores",
        "CPU µs / chunk",
        "CPU / floor",
        "emulator CPU cores",
        "loop lag p99 ms",
        "turns with underruns",
        "errors",
        "sustained",
        "first error",
    ]
    lines += table(headers, rows)
    lines += ["", "Largest sustained level:", ""]
    lines += [
        f"* {r['client']}, {r['workers']} emulator process(es): {r.get('sustained', '—')} streams"
        for r in s["runs"]
        if "skipped" not in r
    ]
    return lines


def floor_cpu_per_chunk(s: Mapping[str, Any]) -> dict[tuple[Any, Any], float]:
    """The floor's CPU µs per chunk by (emulator processes, streams)."""
    return {
        (run_["workers"], level["streams"]): level["cpu_us_per_chunk"]
        for run_ in s["runs"]
        if run_["client"] == FLOOR and "skipped" not in run_
        for level in run_["levels"]
        if "skipped" not in level and level.get("cpu_us_per_chunk")
    }


def cpu_ratios(s: Mapping[str, Any], client: str = OURS) -> list[float]:
    """``client``'s CPU per chunk over the floor's at every level both sustained, with the same
    number of emulator processes and streams (the pairs measured side by side)."""
    floor = floor_cpu_per_chunk(s)
    limit = s["lag_p99_limit_ms"]
    sustained_floor = {
        (run_["workers"], level["streams"])
        for run_ in s["runs"]
        if run_["client"] == FLOOR and "skipped" not in run_
        for level in run_["levels"]
        if "skipped" not in level and _sustained(level, limit)
    }
    out = []
    for run_ in s["runs"]:
        if run_["client"] != client or "skipped" in run_:
            continue
        for level in run_["levels"]:
            key = (run_["workers"], level["streams"])
            if "skipped" in level or not _sustained(level, limit) or key not in sustained_floor:
                continue
            if level.get("cpu_us_per_chunk") and floor.get(key):
                out.append(round(level["cpu_us_per_chunk"] / floor[key], 2))
    return out


def _ratio_spread(s: Mapping[str, Any]) -> str:
    """The CPU ratio over every level measured side by side, so no single pair stands alone."""
    ratios = sorted(cpu_ratios(s))
    if not ratios:
        return ""
    median = statistics.median(ratios)
    over = sum(1 for r in ratios if r > 1.3)
    return (
        f"Over all {len(ratios)} levels both sustained (1 and 2 emulator processes): ratio "
        f"{ratios[0]:.2f} to {ratios[-1]:.2f}, median {median:.2f}; {over} of them above 1.3."
    )


def _realtime_rows(s: Mapping[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    floor = floor_cpu_per_chunk(s)
    for run_ in s["runs"]:
        if "skipped" in run_:
            rows.append(
                [run_["client"], run_["workers"], *["—"] * 9, f"skipped: {run_['skipped']}"]
            )
            continue
        for level in run_["levels"]:
            if "skipped" in level:
                rows.append(
                    [
                        run_["client"],
                        run_["workers"],
                        level["streams"],
                        *["—"] * 8,
                        level["skipped"],
                    ]
                )
                continue
            base = floor.get((run_["workers"], level["streams"]))
            rows.append(
                [
                    run_["client"],
                    run_["workers"],
                    level["streams"],
                    level["client_cpu_cores"],
                    level["cpu_us_per_chunk"],
                    ratio(level["cpu_us_per_chunk"], base),
                    level["emulator_cpu_cores"],
                    p(level["loop_lag_ms"], "p99"),
                    level["turns_with_underruns"],
                    level["errors"],
                    "yes" if _sustained(level, s["lag_p99_limit_ms"]) else "no",
                    level.get("first_error") or "",
                ]
            )
    return rows


def _sustained(level: Mapping[str, Any], limit: float) -> bool:
    lag = p(level.get("loop_lag_ms"), "p99")
    return (
        lag is not None
        and lag < limit
        and level.get("turns_with_underruns") == 0
        and level.get("errors") == 0
    )


def render_longtext(s: Mapping[str, Any]) -> list[str]:
    intro = (
        f"A {s['chars']}-character text, handed over at once; characters per second from then "
        "to its last audio chunk (a dash when it did not complete). Ours: `speak()` spreads a "
        "text longer than one socket's character budget over its pooled sockets (4 by "
        "default; with budgets lifted no text is over budget, so one socket), `synthesize()` "
        "sends REST pieces in parallel, `stream` is one socket as a token stream uses it. The "
        "paced floor is the most one raw socket can do under the budget (a Speak and a Flush "
        "of 400 characters every 11 s); the plain floor sends it all at once."
    )
    lines = _head(s, "A long text", intro)
    titles = {"deepgram": "Deepgram's budgets", "lifted": "Budgets lifted (raw throughput)"}
    for budgets, rows_ in s["budgets"].items():

        def cells(name: str, row: Mapping[str, Any]) -> list[Any]:
            return [name, row["chars_per_s"], row["elapsed_s"], row["audio_s"], row["error"] or ""]

        rows = client_rows(rows_, 5, cells)
        lines += [f"### {titles.get(budgets, budgets)}", ""]
        lines += table(["client", "chars / s", "elapsed s", "audio s", "error"], rows)
        lines += [""]
    return lines


def render_sequential(s: Mapping[str, Any]) -> list[str]:
    intro = f"{s['requests']} short requests one after another on one instance of each client."

    def cells(name: str, row: Mapping[str, Any]) -> list[Any]:
        return [
            name,
            row["elapsed_s"],
            row["errors"],
            row["rss_growth_mb"],
            f"{row['tasks_before']} → {row['tasks_after']}",
            f"{row['open_fds_before']} → {row['open_fds_after']}",
        ]

    rows = client_rows(s["clients"], 6, cells)
    headers = ["client", "elapsed s", "errors", "RSS growth MB", "tasks", "open fds"]
    return [*_head(s, "Sequential requests: leaks", intro), *table(headers, rows)]


def render_flux(s: Mapping[str, Any]) -> list[str]:
    intro = (
        "Flux TTS on the emulator's `/v2/speak` (turns; the server starts synthesis at sentence "
        f"and clause ends while text streams in). Token stream at {s['tokens_per_s']:g} tokens/s, "
        f"{s['rounds']} rounds per client, first token to first audio; then the interrupt rounds "
        "of the Aura row, same definitions."
    )
    global FLOOR
    saved, FLOOR = FLOOR, "floor (raw websockets, /v2/speak)"
    try:
        lines = [*_head(s, "Flux (/v2/speak)", intro), "### Token stream", ""]
        lines += [*_first_audio_table(s["tokens"]), "", "### Interrupts", ""]
        lines += render_interrupts({**s["interrupts"], "conditions": []})[
            -len(s["interrupts"]["clients"]) - 2 :
        ]
    finally:
        FLOOR = saved
    if "spoken" in s:
        lines += ["", "### text_spoken after an interrupt at a known position", ""]
        lines += render_spoken(s["spoken"])
    return lines


def _heard_cell(example: Mapping[str, Any] | None) -> str:
    if not example:
        return "—"
    got = example.get("got")
    said = "nothing" if got is None else f'"{got}"'
    error = f" ({example['error']})" if example.get("error") else ""
    return f'at {example["position_ms"]} ms: {said}{error}; truth "{example["truth"]}"'


def render_spoken(s: Mapping[str, Any]) -> list[str]:
    """Flux: what each client learns of the text heard after an interrupt at a known position
    (:mod:`bench.scenarios.flux_spoken`)."""
    intro = (
        f"{s['rounds']} rounds per client, each one session: turn 1 played out fully, then the "
        f'one-segment turn 2 "{s["text"]}", interrupted once the application has X ms of its '
        f"audio, the listener having played exactly X ms (X over the rounds: "
        f"{', '.join(str(x) for x in s['positions_ms'])} ms). Truth: the words of turn 2 whose "
        "audio ended by X (tone voice timing); *matched*: the client's heard text equals it word "
        "for word. Pacing realistic (4x real time): turn 2 is still being generated at X, so "
        "the position is defined."
    )

    def cells(name: str, row: Mapping[str, Any]) -> list[Any]:
        return [
            name,
            row.get("how"),
            f"{row.get('matched')} / {row.get('rounds')}",
            _heard_cell(row.get("example")),
            row.get("first_error") or "",
        ]

    rows = client_rows(s["clients"], 5, cells)
    headers = ["client", "how it learns what was heard", "matched", "example", "first error"]
    return [intro, "", *table(headers, rows)]


RENDERERS: dict[str, Callable[[Mapping[str, Any]], list[str]]] = {
    "warm": render_warm,
    "tokens": render_tokens,
    "conversation": render_conversation,
    "interrupts": render_interrupts,
    "concurrency": render_concurrency,
    "fleet": render_fleet,
    "realtime": render_realtime,
    "longtext": render_longtext,
    "sequential": render_sequential,
    "flux": render_flux,
}


def _p50(section: Mapping[str, Any] | None, *path: str) -> float | None:
    node: Any = section
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return p(node, "p50") if isinstance(node, Mapping) else None


def headlines(scenarios: Mapping[str, Any]) -> list[str]:
    """The figures a reader looks for first, each with the reading and conditions it assumes."""
    out = [
        *_token_headlines(scenarios.get("tokens", {})),
        *_conversation_headline(scenarios.get("conversation", {})),
        *_interrupt_headline(scenarios.get("interrupts", {})),
        *_spoken_headline(scenarios.get("flux", {}).get("spoken", {})),
        *_realtime_headlines(scenarios.get("realtime", {})),
        *_longtext_headlines(scenarios.get("longtext", {})),
        *_concurrency_headline(scenarios.get("concurrency", {})),
        *_fleet_headline(scenarios.get("fleet", {})),
    ]
    return [f"* {line}" for line in out]


def _token_headlines(section: Mapping[str, Any]) -> list[str]:
    out = []
    readings = section.get("readings", {})
    for reading, label in (
        ("flush", "audio only on Flush"),
        ("sentence", "synthesis at sentence ends once N characters are buffered"),
    ):
        clients = readings.get(reading)
        if clients:
            ours = _p50(clients, OURS, "first_audio_ms")
            floor = _p50(clients, FLOOR, "first_audio_ms")
            seg = _p50(clients, "floor, segmenting (raw websockets)", "first_audio_ms")
            out.append(
                f"LLM token stream, first token to first audio p50 (reading: {label}; realistic "
                f"pacing): deepgram_tts2 {fmt(ours)} ms, floor {fmt(floor)} ms "
                f"({ratio(ours, floor)}), segmenting floor {fmt(seg)} ms."
            )
    return out


def _conversation_headline(section: Mapping[str, Any]) -> list[str]:
    conversation = section.get("clients", {}).get(OURS)
    if not conversation or "skipped" in conversation:
        return []
    return [
        "A conversation under Deepgram's budgets (reading: audio only on Flush), "
        f"deepgram_tts2 with its defaults: first audio p50 "
        f"{fmt(_p50(conversation, 'first_third_first_audio_ms'))} ms in the first third of "
        f"the turns, {fmt(_p50(conversation, 'last_third_first_audio_ms'))} ms in the last, "
        f"{conversation.get('errors')} failed turns."
    ]


def _interrupt_headline(section: Mapping[str, Any]) -> list[str]:
    interrupts = section.get("clients", {})
    if not interrupts:
        return []
    stale = per_client(interrupts, lambda row: str(row.get("stale_in_b")))
    return [f"Interrupts (fast pacing): stale chunks heard in the next turn: {stale}."]


def _spoken_headline(spoken: Mapping[str, Any]) -> list[str]:
    clients = spoken.get("clients", {})
    if not clients:
        return []
    matched = per_client(clients, lambda row: f"{row.get('matched')}/{row.get('rounds')}")
    return [
        "Flux, text heard after an interrupt at a known position (realistic pacing), rounds "
        f"matching the emulator's ground truth word for word: {matched}."
    ]


def _realtime_headlines(realtime: Mapping[str, Any]) -> list[str]:
    cost = realtime.get("cost", {})
    if not cost:
        return []
    sustained = ", ".join(
        f"{r['client']} with {r['workers']} emulator process(es) {r.get('sustained')}"
        for r in realtime.get("runs", [])
        if "skipped" not in r
    )
    return [
        f"CPU per audio chunk at {cost.get('streams')} real-time streams "
        f"({fmt(cost.get('workers'))} emulator process(es)): deepgram_tts2 "
        f"{fmt(cost.get(OURS))} µs, floor {fmt(cost.get(FLOOR))} µs (ratio "
        f"{fmt(cost.get('ratio'), 2)}; the target is 1.3 at most). {_ratio_spread(realtime)}",
        f"Largest number of real-time streams sustained: {sustained}.",
    ]


def _longtext_headlines(longtext: Mapping[str, Any]) -> list[str]:
    out = []
    for budgets, label in (("deepgram", "Deepgram's budgets"), ("lifted", "budgets lifted")):
        rows = longtext.get("budgets", {}).get(budgets)
        if rows:
            cells = per_client(
                rows,
                lambda row: (
                    f"{fmt(row.get('chars_per_s'))}"
                    + (f" ({row['error'][:40]})" if row.get("error") else "")
                ),
            )
            out.append(
                f"A {longtext.get('chars')}-character text, characters per second ({label}, "
                f"realistic pacing): {cells}."
            )
    return out


def _concurrency_headline(concurrency: Mapping[str, Any]) -> list[str]:
    rows = concurrency.get("clients", {})
    if not rows:
        return []
    cpu = per_client(rows, lambda row: fmt(row.get("cpu_ms_per_stream")))
    return [
        f"{concurrency.get('streams')} concurrent streams, client CPU ms per stream "
        f"(realistic pacing, audio only on Flush): {cpu}."
    ]


def _fleet_headline(fleet: Mapping[str, Any]) -> list[str]:
    rows = fleet.get("clients", {})
    if not rows:
        return []
    cells = per_client(rows, lambda row: f"{row.get('handshake_429s')} / {row.get('failed_turns')}")
    out = [
        f"A fleet of {fleet.get('processes')} processes x {fleet.get('agents_per_process')} "
        f"agents over a project limit of {fleet.get('project_limit')} (realistic pacing), "
        f"handshake 429s / failed turns of {fleet.get('turns_per_agent')} turns per agent: "
        f"{cells}."
    ]
    cache = fleet.get("cache", {})
    on = next((r for r in cache.values() if r.get("cache_hits")), None)
    off = next((r for r in cache.values() if "skipped" not in r and not r.get("cache_hits")), None)
    if on is not None and off is not None:
        out.append(
            f"The same fleet with {fleet.get('repeated_share', 0) * 100:g} % repeated phrases: "
            f"the Redis phrase cache hit {on['hit_rate'] * 100:.0f} % of them; first audio "
            f"p50 on hits {fmt(p(on['first_audio_hits_ms'], 'p50'))} ms, the same phrases "
            f"without the cache {fmt(p(off['first_audio_repeated_ms'], 'p50'))} ms."
        )
    return out


def render(data: Mapping[str, Any]) -> str:
    """The whole of BENCHMARKS.md."""
    m = data["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m bench` (do not edit by hand). Regenerate everything with:",
        "",
        f"```sh\n{data.get('command', 'bash bench/run.sh')}\n```",
        "",
        f"Run {data['when']} on {m['cpus']} CPUs, {m['platform']}, Python {m['python']}; "
        f"the whole run took {fmt(data.get('elapsed_min'))} minutes. Load average "
        f"(1 min) {_loads(data)}. Absolute figures are this machine's; the ratios are what "
        "carries over. All figures of a table come from the same run, side by side.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in data["versions"].items()) + ".",
        "",
        "Common conditions: every client talks to `dgtts serve` in separate processes (tone "
        "voice). permessage-deflate is **off** in every row (the emulator answers without the "
        "extension, so no client compresses); Deepgram's per-connection budgets (20 Flushes and "
        "2400 characters per 60 s) are **on** unless a row says otherwise; each row names its "
        "pacing and its reading of when synthesis starts.",
        "",
        "## Headlines",
        "",
        *headlines(data.get("scenarios", {})),
        "",
        "## Clients",
        "",
        *table(
            ["client", "text reaches the server as", "interrupt is"],
            [[c["name"], c["feeding"], c["interrupting"]] for c in data.get("clients", [])],
        ),
        "",
        *[f"* {note}" for note in data.get("client_notes", [])],
        "",
    ]
    for key, section in data.get("scenarios", {}).items():
        renderer = RENDERERS.get(key)
        if "error" in section:
            lines += [f"## {key}", "", f"Did not run: {section['error']}", ""]
        elif renderer is None:
            lines += [f"## {key}", "", f"```json\n{json.dumps(section, indent=2)}\n```", ""]
        else:
            lines += [*renderer(section), ""]
    if data.get("notes"):
        lines += ["## Notes", "", *[f"* {note}" for note in data["notes"]], ""]
    return "\n".join(lines).rstrip() + "\n"


def _loads(data: Mapping[str, Any]) -> str:
    loads = data.get("load", {})
    if not loads:
        return "not recorded"
    values = [v for v in loads.values() if isinstance(v, int | float)]
    return (
        f"{min(values):.2f} to {max(values):.2f} over the run (before, between and after scenarios)"
    )

"""A fleet: 4 worker processes whose agents together want more streams than the project allows.

One emulator with a project limit of 15 concurrent sockets (one key, so the key is the project;
past the limit the handshake gets Deepgram's 429), one private ``redis-server``, and per row 4
real worker processes (``python -m bench.fleet_worker``) started together, each running 6
agents: every agent holds a conversation of replies streamed at 30 tokens/s, the agents
staggered over the first interval. Rows run one after another on the same emulator:

* ``deepgram_tts2 + Redis governor``: one client per process, sized for its 6 agents
  (``pool_size`` and ``prewarm`` 6), every process on one Redis governor with the project's
  limit (``websocket_limit`` 15);
* ``deepgram_tts2, no governor``: the same client with its defaults (an in-process governor of
  45 sockets per process);
* every peer as its users deploy it: one instance per agent, opened when the conversation
  starts (LiveKit's prewarm, Pipecat's pipeline start, a socket), closed when it ends.

The second part speaks a workload with 30 % repeated short phrases (handed over whole, as an
agent speaks a canned phrase), ours with the Redis phrase cache shared by the 4 processes and
without it: hit rate, and first audio on hits and on the other turns.

Handshake 429s are counted by the emulator (``/metrics``, rejections by status, the difference
over each row), so every client is counted the same way whatever it reports.
"""

from __future__ import annotations

import asyncio
import json
import pathlib
import random
import re
import secrets
import sys
import tempfile
import urllib.request
from collections.abc import Sequence
from typing import Any

from bench.adapters import by_key, missing
from bench.scenarios import Context, Served
from bench.scenarios.texts import REPLIES
from deepgram_tts2.loadtest.emulator import ServerConditions
from deepgram_tts2.loadtest.redis_server import redis_server
from deepgram_tts2.loadtest.report import percentiles

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROJECT_LIMIT = 15
TOKENS_PER_S = 30.0
REPEATED_SHARE = 0.3
CACHE_MAX_CHARS = 48  # every phrase fits, no reply does: only the phrases are cacheable
PHRASES = (
    "One moment, please.",
    "Let me check that for you.",
    "Sorry, could you repeat that?",
    "Sure, I can do that.",
    "Thanks for waiting.",
    "Is there anything else?",
)
GOVERNOR = "deepgram_tts2 + Redis governor"
NO_GOVERNOR = "deepgram_tts2, no governor"
CACHE = "deepgram_tts2 + Redis governor + phrase cache"
NO_CACHE = "deepgram_tts2 + Redis governor, no cache"
_REJECTIONS = re.compile(r'^deepgram_tts2_emulator_rejections_total\{status="429"\} (\S+)$', re.M)
_SESSIONS = re.compile(r"^deepgram_tts2_emulator_sessions (\S+)$", re.M)


def schedule(
    workers: int,
    agents: int,
    turns: int,
    interval_s: float,
    repeated_share: float = 0.0,
    seed: int = 14,
) -> list[list[list[dict[str, Any]]]]:
    """Per worker, per agent, its turns: ``at`` (seconds from the start), ``text``,
    ``tokens_per_s`` (0: handed over whole) and ``repeated`` (a canned phrase).

    Agents start staggered over one interval; each then speaks every ``interval_s`` (give or
    take a tenth of it). The same seed gives every row the same script.
    """
    rng = random.Random(seed)
    total = workers * agents
    out: list[list[list[dict[str, Any]]]] = []
    for w in range(workers):
        per_agent = []
        for a in range(agents):
            start = 0.5 + interval_s * (w + a * workers) / total
            script = []
            for k in range(turns):
                repeated = rng.random() < repeated_share
                jitter = rng.uniform(-0.1, 0.1) * interval_s if k else 0.0
                text = rng.choice(PHRASES) if repeated else rng.choice(REPLIES)
                script.append(
                    {
                        "at": round(start + k * interval_s + jitter, 3),
                        "text": text,
                        "tokens_per_s": 0.0 if repeated else TOKENS_PER_S,
                        "repeated": repeated,
                    }
                )
            per_agent.append(script)
        out.append(per_agent)
    return out


def fleet_options(url: str, project: str, cache: bool = False) -> dict[str, Any]:
    """Our fleet options for a row with the Redis governor (and the phrase cache)."""
    return {
        "redis_url": url,
        "project": project,
        "governor": {
            "backend": "redis",
            "websocket_limit": PROJECT_LIMIT,
            "rest_limit": PROJECT_LIMIT,
        },
        "cache": {"backend": "redis", "max_chars": CACHE_MAX_CHARS}
        if cache
        else {"backend": "off"},
    }


def scrape(http_base: str) -> tuple[float, float]:
    """The emulator's 429 rejections so far and its open sessions now."""
    with urllib.request.urlopen(f"{http_base}/metrics", timeout=5) as response:
        text = response.read().decode()
    rejected = _REJECTIONS.search(text)
    sessions = _SESSIONS.search(text)
    return (
        float(rejected.group(1)) if rejected else 0.0,
        float(sessions.group(1)) if sessions else 0.0,
    )


async def _sample_sessions(http_base: str, peak: list[float]) -> None:
    while True:
        _, sessions = await asyncio.to_thread(scrape, http_base)
        peak[0] = max(peak[0], sessions)
        await asyncio.sleep(0.1)


async def _spawn(args: dict[str, Any], log: pathlib.Path) -> asyncio.subprocess.Process:
    with log.open("w") as stderr:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.fleet_worker",
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    assert proc.stdin is not None
    proc.stdin.write((json.dumps(args) + "\n").encode())
    await proc.stdin.drain()
    return proc


async def _line(proc: asyncio.subprocess.Process, prefix: str, log: pathlib.Path) -> str:
    """The worker's next stdout line starting with ``prefix`` (its log tail if it died)."""
    assert proc.stdout is not None
    while True:
        raw = await asyncio.wait_for(proc.stdout.readline(), 300)  # a hang guard
        if not raw:
            await proc.wait()
            tail = (await asyncio.to_thread(log.read_text))[-600:].strip()
            raise RuntimeError(f"a fleet worker exited ({proc.returncode}): {tail}")
        line = raw.decode().strip()
        if line.startswith(prefix):
            return line[len(prefix) :].strip()


async def run_workers(scripts: Sequence[Any], base: dict[str, Any]) -> list[dict[str, Any]]:
    """Start one worker per script, wait until all are ready, say GO, collect the results."""
    log_dir = pathlib.Path(base["log_dir"])
    logs = [log_dir / f"worker-{w}.stderr" for w in range(len(scripts))]
    procs = [
        await _spawn({**base, "worker": w, "script": s}, logs[w]) for w, s in enumerate(scripts)
    ]
    try:
        for proc, log in zip(procs, logs, strict=True):
            await _line(proc, "READY", log)
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(b"GO\n")
            await proc.stdin.drain()
        lines = [await _line(proc, "RESULT", log) for proc, log in zip(procs, logs, strict=True)]
        return [json.loads(line) for line in lines]
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
            await proc.wait()


async def run_row(
    served: Served, name: str, client: str, scripts: Sequence[Any], **extra: Any
) -> dict[str, Any]:
    """One row: every worker at once; the emulator's 429s and peak sessions over the row."""
    spec = by_key(client)
    why = missing(spec)
    if why is not None:
        return {"skipped": why}
    endpoint = served.endpoint
    base = {
        "client": client,
        "name": name,
        "endpoint": {
            "ws_url": endpoint.ws_url,
            "http_base": endpoint.http_base,
            "key": endpoint.key,
        },
        **extra,
    }
    rejected0, _ = await asyncio.to_thread(scrape, endpoint.http_base)
    peak = [0.0]
    sampler = asyncio.create_task(_sample_sessions(endpoint.http_base, peak))
    try:
        results = await run_workers(scripts, base)
    finally:
        sampler.cancel()
    await asyncio.sleep(0.5)  # let the last closes land before the final count
    rejected1, _ = await asyncio.to_thread(scrape, endpoint.http_base)
    return {
        **summarize(results),
        "handshake_429s": round(rejected1 - rejected0),
        "peak_sessions": round(peak[0]),
    }


def summarize(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Turn figures over every worker's records."""
    agents = [agent for r in results for agent in r["agents"]]
    turns = [t for agent in agents for t in agent["turns"]]
    errors = [t["error"] for t in turns if t["error"]]
    transports: dict[str, int] = {}
    for t in turns:
        if t["transport"]:
            transports[t["transport"]] = transports.get(t["transport"], 0) + 1
    open_errors = [a["open_error"] for a in agents if a["open_error"]]
    throttled = sum(r["client_reported"].get("throttled", 0) for r in results)
    return {
        "processes": len(results),
        "agents": len(agents),
        "turns": len(turns),
        "failed_turns": len(errors),
        "first_error": errors[0] if errors else None,
        "first_audio_ms": percentiles(_first(turns)),
        "agents_not_opened": len(open_errors),
        "first_open_error": open_errors[0] if open_errors else None,
        "transports": transports,
        "throttled": throttled if any(r["client_reported"] for r in results) else None,
        **cache_figures(turns),
    }


def _first(turns: Sequence[dict[str, Any]]) -> list[float]:
    return [t["first_audio_ms"] for t in turns if t["first_audio_ms"] is not None]


def cache_figures(turns: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Hit rate over the repeated-phrase turns; first audio on hits, on every repeated-phrase
    turn (hits and misses) and on the replies (empty when no phrase is repeated)."""
    repeated = [t for t in turns if t["repeated"]]
    if not repeated:
        return {}
    hits = [t for t in turns if t["transport"] == "cache"]
    replies = [t for t in turns if not t["repeated"]]
    return {
        "repeated_turns": len(repeated),
        "cache_hits": len(hits),
        "hit_rate": round(len(hits) / len(repeated), 3),
        "first_audio_hits_ms": percentiles(_first(hits)),
        "first_audio_repeated_ms": percentiles(_first(repeated)),
        "first_audio_replies_ms": percentiles(_first(replies)),
    }


def _rows(ctx: Context, url: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(row name, client key, worker arguments) of the first part, in report order."""
    tag = secrets.token_hex(4)
    rows: list[tuple[str, str, dict[str, Any]]] = [
        (GOVERNOR, "ours", {"fleet": fleet_options(url, f"bench-{tag}-governor")}),
        (NO_GOVERNOR, "ours", {"fleet": None}),
    ]
    rows += [(s.name, s.key, {}) for s in ctx.specs() if s.key not in ("ours", "floor-seg")]
    if ctx.clients is not None and "ours" not in ctx.clients:
        rows = rows[2:]
    return rows


async def run(ctx: Context) -> dict[str, Any]:
    workers = ctx.count("workers", 4, 4)
    agents = ctx.count("streams", 6, 6)
    turns = ctx.count("turns", 5, 2)
    interval_s = ctx.number("interval_s", 5.0, 2.5)
    timeout_s = ctx.number("turn_timeout_s", 15.0, 10.0)
    conditions = ServerConditions(
        pacing="realistic", max_concurrent_ws=PROJECT_LIMIT, max_concurrent_rest=PROJECT_LIMIT
    )
    plain = schedule(workers, agents, turns, interval_s)
    mixed = schedule(workers, agents, turns, interval_s, REPEATED_SHARE)
    with (
        tempfile.TemporaryDirectory(prefix="dgtts-bench-fleet-") as log_dir,
        redis_server() as redis,
        ctx.emulator(conditions) as served,
    ):
        common = {"log_dir": log_dir, "turn_timeout_s": timeout_s}
        clients = {}
        for name, key, extra in _rows(ctx, redis.url):
            clients[name] = await run_row(served, name, key, plain, **common, **extra)
        cache: dict[str, Any] = {}
        if ctx.clients is None or "ours" in ctx.clients:
            tag = secrets.token_hex(4)
            for name, on in ((CACHE, True), (NO_CACHE, False)):
                options = fleet_options(redis.url, f"bench-{tag}-{int(on)}", cache=on)
                cache[name] = await run_row(served, name, "ours", mixed, **common, fleet=options)
    return {
        "command": "python -m bench --only fleet",
        "conditions": [conditions.describe()],
        "project_limit": PROJECT_LIMIT,
        "processes": workers,
        "agents_per_process": agents,
        "turns_per_agent": turns,
        "interval_s": interval_s,
        "turn_timeout_s": timeout_s,
        "tokens_per_s": TOKENS_PER_S,
        "repeated_share": REPEATED_SHARE,
        "cache_max_chars": CACHE_MAX_CHARS,
        "phrases": list(PHRASES),
        "clients": clients,
        "cache": cache,
    }

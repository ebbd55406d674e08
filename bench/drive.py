"""Driving clients the same way for every scenario: turns fed on a token schedule, deadlines,
opening and closing instances, and the summaries every row shares."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from bench.adapters import missing
from bench.core import AdapterSpec, Client, Endpoint, Sizing, Turn, TurnRecord, now
from deepgram_tts2.compat import TimeoutErrors
from deepgram_tts2.loadtest.playout import split_tokens, token_offsets
from deepgram_tts2.loadtest.report import percentiles
from deepgram_tts2.loadtest.runner import measure_loop_lag

TURN_TIMEOUT_S = 20.0
T = TypeVar("T")


async def feed(turn: Turn, record: TurnRecord, tokens: Sequence[str], tokens_per_s: float) -> None:
    """Push ``tokens`` on a fixed schedule from the first (``tokens_per_s``; 0 = at once), then
    end the turn."""
    offsets = token_offsets(len(tokens), tokens_per_s)
    start = now()
    for token, due in zip(tokens, offsets, strict=True):
        delay = start + due - now()
        if delay > 0:
            await asyncio.sleep(delay)
        await turn.push(token)
    await turn.end()


async def run_turn(
    client: Client,
    text: str,
    *,
    tokens_per_s: float = 0.0,
    index: int = 0,
    keep_audio: bool = False,
    timeout_s: float = TURN_TIMEOUT_S,
) -> TurnRecord:
    """One complete turn: ``text`` as tokens (or whole, at rate 0), then wait for its end.

    A turn that does not end by ``timeout_s`` after its text was handed over is abandoned and
    recorded as an error; an exception from the client is recorded too, never raised; a turn
    that ends without any audio is an error as well.
    """
    record = TurnRecord(index=index, keep_audio=keep_audio)
    try:
        turn = client.turn(record)
        tokens = split_tokens(text) if tokens_per_s > 0 else [text]
        await feed(turn, record, tokens, tokens_per_s)
        await turn.done(timeout_s)
    except TimeoutErrors:
        record.finish(f"no end within {timeout_s:g} s")
        with contextlib.suppress(Exception):
            await turn.abandon()
    except Exception as exc:
        record.finish(f"{type(exc).__name__}: {exc}")
    if not record.chunks and record.error is None and text.strip():
        record.error = "ended without audio"  # a reply with text must be heard
    return record


@dataclass
class Opened:
    """Instances of one client, opened for a scenario."""

    spec: AdapterSpec
    clients: list[Client]
    skipped: str | None = None


async def open_clients(
    spec: AdapterSpec, endpoint: Endpoint, streams: int, **sizing: Any
) -> Opened:
    """One instance for a pooled client, else one per stream; ``skipped`` says why not."""
    why = missing(spec)
    if why is not None:
        return Opened(spec, [], why)
    count = 1 if spec.pooled else streams
    size = Sizing(streams=streams if spec.pooled else 1, **sizing)
    clients: list[Client] = []
    try:
        clients = [spec.factory(endpoint, size) for _ in range(count)]
        await asyncio.gather(*(c.open() for c in clients))
    except Exception as exc:
        await close_clients(clients)
        return Opened(spec, [], f"could not start: {type(exc).__name__}: {exc}"[:200])
    return Opened(spec, clients)


async def close_clients(clients: Sequence[Client]) -> None:
    """Close every instance (errors ignored), then collect garbage."""
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    gc.collect()


async def scenario_run(run: Awaitable[T]) -> T:
    """Run a scenario's coroutine, then close what its clients share (LiveKit's session)."""
    from bench.adapters.livekit import close_shared_session

    try:
        return await run
    finally:
        await close_shared_session()


def turn_summary(records: Sequence[TurnRecord]) -> dict[str, Any]:
    """Figures over turns: first audio, underruns, errors."""
    first = [r.first_audio_ms for r in records if r.first_audio_ms is not None]
    errors = [r.error for r in records if r.error]
    return {
        "turns": len(records),
        "first_audio_ms": percentiles(first),
        "underruns": sum(r.playout.underruns for r in records),
        "turns_with_underruns": sum(1 for r in records if r.playout.underruns),
        "stall_ms": round(sum(r.playout.stall_s for r in records) * 1000.0, 1),
        "max_gap_ms": round(max((r.playout.max_gap_s for r in records), default=0.0) * 1000, 1),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


@contextlib.asynccontextmanager
async def loop_lag(samples: list[float]) -> Any:
    """Sample the loop's lag into ``samples`` for the duration of the block."""
    task = asyncio.create_task(measure_loop_lag(samples))
    try:
        yield samples
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def alternate(
    specs: Sequence[AdapterSpec],
    endpoint: Endpoint,
    text: str,
    *,
    tokens_per_s: float,
    rounds: int,
    lifted_budgets: bool = False,
) -> dict[str, Any]:
    """Open one instance of every client, then one turn each per round, round-robin.

    Returns a :func:`turn_summary` per client name, or why it could not run.
    """
    opened = [await open_clients(s, endpoint, 1, lifted_budgets=lifted_budgets) for s in specs]
    records: dict[str, list[TurnRecord]] = {o.spec.name: [] for o in opened if not o.skipped}
    try:
        for index in range(rounds):
            for o in opened:
                if o.clients:
                    record = await run_turn(
                        o.clients[0], text, tokens_per_s=tokens_per_s, index=index
                    )
                    records[o.spec.name].append(record)
    finally:
        for o in opened:
            await close_clients(o.clients)
    out: dict[str, Any] = {}
    for o in opened:
        out[o.spec.name] = (
            {"skipped": o.skipped} if o.skipped else turn_summary(records[o.spec.name])
        )
    return out


Step = Callable[[Client, int, float], Awaitable[T]]
Summary = Callable[[AdapterSpec, Client, list[T]], dict[str, Any]]


async def side_by_side(
    specs: Sequence[AdapterSpec],
    endpoint: Endpoint,
    *,
    steps: int,
    interval_s: float,
    step: Step[T],
    summarize: Summary[T],
) -> dict[str, Any]:
    """Every client at once, one instance each, ``step(client, k, time_left_s)`` every
    ``interval_s``, the clients staggered over the interval so no two steps start together;
    ``summarize`` runs before the clients close. Returns the summaries in ``specs`` order (or
    why a client could not run)."""
    opened = [await open_clients(s, endpoint, 1) for s in specs]
    runnable = [o for o in opened if o.clients]
    stagger = interval_s / max(1, len(runnable))
    start = now() + 0.5

    async def steps_of(client: Client, offset: float) -> list[T]:
        out = []
        for k in range(steps):
            delay = start + offset + k * interval_s - now()
            if delay > 0:
                await asyncio.sleep(delay)
            time_left = start + offset + (k + 1) * interval_s - now()
            out.append(await step(client, k, time_left))
        return out

    summaries: dict[str, Any] = {o.spec.name: {"skipped": o.skipped} for o in opened if o.skipped}
    try:
        results = await asyncio.gather(
            *(steps_of(o.clients[0], i * stagger) for i, o in enumerate(runnable))
        )
        for o, result in zip(runnable, results, strict=True):
            summaries[o.spec.name] = summarize(o.spec, o.clients[0], result)
    finally:
        for o in opened:
            await close_clients(o.clients)
    return {s.name: summaries[s.name] for s in specs if s.name in summaries}

"""A conversation under Deepgram's budgets: every client holds one conversation (one instance,
its defaults) and speaks a reply every few seconds, streamed at 30 tokens/s, for minutes.

Deepgram allows 20 Flushes and 2400 characters per 60 s on a connection. A client that flushes
per sentence for early audio has to spread its turns over more than one socket or coalesce; one
that flushes once per reply waits for the whole reply. The row shows first audio turn by turn
(flat, or growing as a budget runs out), the turns that never ended (a refused Flush gets no
``Flushed``), and what each client reported. All clients run at once on one emulator, their
turns staggered so no two start together.
"""

from __future__ import annotations

from typing import Any

from bench.core import AdapterSpec, Client, TurnRecord
from bench.drive import run_turn, side_by_side, turn_summary
from bench.scenarios import Context
from bench.scenarios.texts import REPLIES
from deepgram_tts2.loadtest.emulator import ServerConditions
from deepgram_tts2.loadtest.report import percentiles

TOKENS_PER_S = 30.0


async def run(ctx: Context) -> dict[str, Any]:
    turns = ctx.count("turns", 30, 6)
    duration_s = ctx.number("duration_s", 180.0, 30.0)
    conditions = ServerConditions(pacing="realistic")

    async def reply(client: Client, k: int, time_left_s: float) -> TurnRecord:
        # A turn still running when the next reply is due is abandoned (an error).
        text = REPLIES[k % len(REPLIES)]
        deadline = max(1.0, time_left_s - 0.2)
        return await run_turn(client, text, tokens_per_s=TOKENS_PER_S, index=k, timeout_s=deadline)

    def summarize(spec: AdapterSpec, client: Client, history: list[TurnRecord]) -> dict[str, Any]:
        return _figures(spec, history, _counters(client))

    with ctx.emulator(conditions) as served:
        clients = await side_by_side(
            ctx.specs(),
            served.endpoint,
            steps=turns,
            interval_s=duration_s / turns,
            step=reply,
            summarize=summarize,
        )
    return {
        "command": "python -m bench --only conversation",
        "conditions": [conditions.describe()],
        "turns": turns,
        "duration_s": duration_s,
        "tokens_per_s": TOKENS_PER_S,
        "chars_per_minute": round(
            sum(len(REPLIES[k % len(REPLIES)]) for k in range(turns)) / (duration_s / 60.0)
        ),
        "clients": clients,
    }


def _counters(client: Client) -> dict[str, Any]:
    """What the client itself reported (warnings, closes, reconnects), where it exposes it."""
    out: dict[str, Any] = {}
    for name in ("warnings", "closes", "reconnects", "connects", "errors"):
        value = getattr(client, name, None)
        if value is None:
            value = getattr(getattr(client, "counters", None), name, None)
        if value is not None:
            out[name] = value if not isinstance(value, list) else len(value)
    return out


def _figures(
    spec: AdapterSpec, history: list[TurnRecord], counted: dict[str, Any]
) -> dict[str, Any]:
    third = max(1, len(history) // 3)
    first = [r.first_audio_ms for r in history]
    return {
        **turn_summary(history),
        "first_third_first_audio_ms": percentiles([v for v in first[:third] if v is not None]),
        "last_third_first_audio_ms": percentiles([v for v in first[-third:] if v is not None]),
        "first_audio_by_turn_ms": [None if v is None else round(v, 1) for v in first],
        "stall_by_turn_ms": [round(r.playout.stall_s * 1000.0, 1) for r in history],
        "reported": counted,
        "feeding": spec.feeding,
    }

"""Interrupts, measured the same way for every client.

A round: turn A (a long reply) is handed over whole; at its first audio chunk the application
interrupts it the way its framework does, and turn B (a short reply) starts at once. A and B are
written with disjoint alphabets, and the tone voice gives every character its own samples, so
each chunk the application receives is told apart by its content (:mod:`bench.content`), not by
what the client says it is. Per round:

* **interrupt -> quiet**: from the interrupt call until the last chunk of A the application
  received (or until the call returned, when none came after it);
* **interrupt -> next audio**: until the first chunk of B's own audio;
* **A after the interrupt**: chunks of A's audio received after the interrupt call, anywhere;
* **stale in B**: those of them the application received as turn B's audio (for Pipecat, also
  which context id they carried: A's, B's or none), and apart, audio of the two rounds before
  (each round speaks its own pair of alphabets) that reached turn B.

All clients run at once, staggered, one round every few seconds, under Deepgram's budgets; the
server sends audio as fast as it can, so most of turn A is in flight when the interrupt comes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from bench.content import Fingerprints, alphabet_text
from bench.core import AdapterSpec, Client, TurnRecord, now
from bench.drive import TURN_TIMEOUT_S, side_by_side
from bench.scenarios import Context
from deepgram_tts2.compat import TimeoutErrors
from deepgram_tts2.loadtest.emulator import ServerConditions
from deepgram_tts2.loadtest.report import percentiles

# Disjoint alphabets; round k speaks groups 2k and 2k+1 (mod 6), so the audio of the two rounds
# before it is told apart too (late audio of an earlier round is counted as such).
GROUPS = ("abcd", "efgh", "ijkl", "mnop", "qrst", "uvwx")
SETTLE_S = 0.5  # after B ends: late chunks still count


async def run(ctx: Context) -> dict[str, Any]:
    # The server sends audio as fast as it can: when the interrupt comes, the rest of turn A is
    # already in flight (the hardest case for a fence; Deepgram generates far faster than real
    # time).
    conditions = ServerConditions(pacing="fast")
    return {
        "command": "python -m bench --only interrupts",
        **await interrupt_rounds(ctx, ctx.specs(), conditions),
    }


async def interrupt_rounds(
    ctx: Context, specs: list[AdapterSpec], conditions: ServerConditions
) -> dict[str, Any]:
    """Every client of ``specs`` at once, staggered, a round every ``interval_s``."""
    rounds = ctx.count("rounds", 15, 4)
    interval = ctx.number("interval_s", 8.0, 4.0)

    async def step(client: Client, k: int, _time_left_s: float) -> dict[str, Any]:
        return await one_round(client, k)

    def summarize(
        spec: AdapterSpec, _client: Client, measured: list[dict[str, Any]]
    ) -> dict[str, Any]:
        return {**_summary(measured), "interrupting": spec.interrupting}

    with ctx.emulator(conditions) as served:
        clients = await side_by_side(
            specs,
            served.endpoint,
            steps=rounds,
            interval_s=interval,
            step=step,
            summarize=summarize,
        )
    return {
        "conditions": [conditions.describe()],
        "rounds": rounds,
        "interval_s": interval,
        "clients": clients,
    }


def texts_for(k: int) -> tuple[str, str]:
    """Round ``k``'s turn A (a long reply) and turn B (a short one)."""
    text_a = alphabet_text(GROUPS[(2 * k) % len(GROUPS)], 30, seed=k, sentences=3)
    text_b = alphabet_text(GROUPS[(2 * k + 1) % len(GROUPS)], 6, seed=k, sentences=1)
    return text_a, text_b


async def one_round(client: Client, k: int) -> dict[str, Any]:
    """Turn A, interrupted at its first audio, then turn B at once; the figures of the round."""
    text_a, text_b = texts_for(k)
    earlier = [text for j in (k - 1, k - 2) if j >= 0 for text in texts_for(j)]
    a = TurnRecord(index=2 * k, keep_audio=True, first_audio=asyncio.Event())
    b = TurnRecord(index=2 * k + 1, keep_audio=True)
    turn_a = client.turn(a)
    await turn_a.push(text_a)
    await turn_a.end()
    try:
        assert a.first_audio is not None
        await asyncio.wait_for(a.first_audio.wait(), TURN_TIMEOUT_S)
    except TimeoutErrors:
        await turn_a.abandon()
        return {"error": "turn A had no audio"}
    a.interrupted_at = now()
    await turn_a.interrupt()
    a.interrupt_returned = now()
    turn_b = client.turn(b)
    try:
        await turn_b.push(text_b)
        await turn_b.end()
        await turn_b.done(TURN_TIMEOUT_S)
    except TimeoutErrors:
        b.finish(f"no end within {TURN_TIMEOUT_S:g} s")
        await turn_b.abandon()
    except Exception as exc:
        b.finish(f"{type(exc).__name__}: {exc}")
    await asyncio.sleep(SETTLE_S)
    contexts_of = getattr(turn_b, "contexts_of", None)
    b_context = contexts_of(text_b) if callable(contexts_of) else set()
    return measure(
        a, b, text_a, text_b, _labels(turn_a), _labels(turn_b), earlier, b_context=b_context
    )


def _labels(turn: object) -> list[str] | None:
    """The client's own label of each chunk of a turn, where it has one (Pipecat)."""
    labels = getattr(turn, "labels", None)
    return labels if isinstance(labels, list) else None


def measure(
    a: TurnRecord,
    b: TurnRecord,
    text_a: str,
    text_b: str,
    a_labels: list[str] | None = None,
    b_labels: list[str] | None = None,
    earlier: Sequence[str] = (),
    *,
    b_context: set[str] | frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The figures of one round from its two records (see the module docstring); audio of
    ``earlier`` rounds' texts is counted apart (``earlier_rounds_in_b``). With the client's
    labels, stale chunks are counted by the label they carried: B's (that of B's own audio, or
    ``b_context``, the client's id for B's text), A's, or none."""
    assert a.interrupted_at is not None
    t_int = a.interrupted_at
    prints = Fingerprints([text_a, text_b, *earlier])
    a_after: list[float] = []
    for record in (a, b):
        for (arrival, _), data in zip(record.chunks, record.audio, strict=True):
            if arrival > t_int and prints.classify(data) == 0:
                a_after.append(arrival)
    b_kinds = [prints.classify(data) for data in b.audio]
    stale = [i for i, kind in enumerate(b_kinds) if kind == 0]
    own = [b.chunks[i][0] for i, kind in enumerate(b_kinds) if kind == 1]
    quiet_at = max([a.interrupt_returned or t_int, *a_after])
    out: dict[str, Any] = {
        "to_quiet_ms": (quiet_at - t_int) * 1000.0,
        "to_next_audio_ms": (own[0] - t_int) * 1000.0 if own else None,
        "a_chunks_after_interrupt": len(a_after),
        "stale_in_b": len(stale),
        "earlier_rounds_in_b": sum(1 for kind in b_kinds if kind is not None and kind >= 2),
        "b_error": b.error or (None if own else "turn B's own audio never came"),
    }
    if b_labels is not None and len(b_labels) == len(b.audio):
        b_own = {b_labels[i] for i, kind in enumerate(b_kinds) if kind == 1} | set(b_context)
        a_own = set(a_labels or ()) - b_own
        out["stale_labelled_as_b"] = sum(1 for i in stale if b_labels[i] in b_own)
        out["stale_labelled_as_a"] = sum(1 for i in stale if b_labels[i] in a_own)
        out["stale_unlabelled"] = sum(1 for i in stale if b_labels[i] in ("None", ""))
    return out


def _summary(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    done = [r for r in rounds if "error" not in r]
    out: dict[str, Any] = {
        "rounds": len(rounds),
        "to_quiet_ms": percentiles([r["to_quiet_ms"] for r in done]),
        "to_next_audio_ms": percentiles(
            [r["to_next_audio_ms"] for r in done if r["to_next_audio_ms"] is not None]
        ),
        "a_chunks_after_interrupt": sum(r["a_chunks_after_interrupt"] for r in done),
        "stale_in_b": sum(r["stale_in_b"] for r in done),
        "earlier_rounds_in_b": sum(r["earlier_rounds_in_b"] for r in done),
        "rounds_with_stale": sum(1 for r in done if r["stale_in_b"]),
        "b_errors": sum(1 for r in done if r["b_error"]),
        "first_b_error": next((r["b_error"] for r in done if r["b_error"]), None),
        "failed_rounds": len(rounds) - len(done),
    }
    for key in ("stale_labelled_as_b", "stale_labelled_as_a", "stale_unlabelled"):
        if any(key in r for r in done):
            out[key] = sum(r.get(key, 0) for r in done)
    return out

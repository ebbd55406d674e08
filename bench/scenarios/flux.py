"""Flux (``/v2/speak``): ours with a ``flux-*`` model, Pipecat's ``DeepgramFluxTTSService``,
LiveKit's ``TTSv2`` and a raw floor, on the emulator's ``/v2/speak``: first audio of a token
stream (the server places synthesis boundaries itself, at sentence and clause ends), the
interrupt rounds of the Aura row, with the same definitions, and what each client learns of the
text heard after an interrupt at a known position (:mod:`bench.scenarios.flux_spoken`)."""

from __future__ import annotations

from typing import Any

from bench.drive import alternate
from bench.scenarios import Context
from bench.scenarios.flux_spoken import spoken_rounds
from bench.scenarios.interrupts import interrupt_rounds
from bench.scenarios.latency import TOKENS_PER_S
from bench.scenarios.texts import PARAGRAPH
from deepgram_tts2.loadtest.emulator import ServerConditions


async def run(ctx: Context) -> dict[str, Any]:
    specs = ctx.specs("v2")
    rounds = ctx.count("rounds", 6, 1)
    streaming = ServerConditions(pacing="realistic")
    with ctx.emulator(streaming) as served:
        tokens = await alternate(
            specs, served.endpoint, PARAGRAPH, tokens_per_s=TOKENS_PER_S, rounds=rounds
        )
    interrupts = await interrupt_rounds(ctx, specs, ServerConditions(pacing="fast"))
    spoken = await spoken_rounds(ctx, specs, streaming)  # realistic: turn 2 still under way
    v1_only = " (the Flush budget and the synthesis reading are /v1/speak's; Flux has its own)"
    return {
        "command": "python -m bench --only flux",
        "conditions": [c + v1_only for c in (streaming.describe(), *interrupts["conditions"])],
        "rounds": rounds,
        "tokens_per_s": TOKENS_PER_S,
        "text": PARAGRAPH,
        "tokens": tokens,
        "interrupts": interrupts,
        "spoken": spoken,
    }

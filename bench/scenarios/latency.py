"""First audio of one turn over a warm connection: a whole sentence, and an LLM token stream
under both readings of when Deepgram starts synthesis."""

from __future__ import annotations

from typing import Any

from bench.drive import alternate
from bench.scenarios import Context
from bench.scenarios.texts import PARAGRAPH, SENTENCE
from deepgram_tts2.emulator.config import EmulatorConfig
from deepgram_tts2.loadtest.emulator import ServerConditions, SynthesisReading

TOKENS_PER_S = 30.0


async def warm(ctx: Context) -> dict[str, Any]:
    """Time from handing a whole sentence over to its first audio, on an open connection."""
    rounds = ctx.count("rounds", 20, 5)
    conditions = ServerConditions(pacing="fast")
    with ctx.emulator(conditions) as served:
        clients = await alternate(
            ctx.specs(), served.endpoint, SENTENCE, tokens_per_s=0, rounds=rounds
        )
    return {
        "command": "python -m bench --only warm",
        "conditions": [conditions.describe()],
        "rounds": rounds,
        "text": SENTENCE,
        "clients": clients,
    }


async def tokens(ctx: Context) -> dict[str, Any]:
    """First token to first audio for a paragraph streamed word by word at 30 tokens/s, under
    both readings: audio only on Flush, and synthesis at sentence ends once N are buffered."""
    rounds = ctx.count("rounds", 6, 1)
    chars = ctx.count("synthesis_chars", EmulatorConfig().synthesis_start_chars, 100)
    readings = {}
    conditions = []
    for reading in (SynthesisReading.FLUSH, SynthesisReading.SENTENCE):
        cond = ServerConditions(
            pacing="realistic",
            synthesis=reading,
            synthesis_chars=chars if reading is SynthesisReading.SENTENCE else None,
        )
        conditions.append(cond.describe())
        with ctx.emulator(cond) as served:
            readings[reading.value] = await alternate(
                ctx.specs(), served.endpoint, PARAGRAPH, tokens_per_s=TOKENS_PER_S, rounds=rounds
            )
    return {
        "command": "python -m bench --only tokens",
        "conditions": conditions,
        "rounds": rounds,
        "tokens_per_s": TOKENS_PER_S,
        "synthesis_chars": chars,
        "text": PARAGRAPH,
        "readings": readings,
    }

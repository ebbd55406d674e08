"""The seeded fault matrix: every fault kind x transport x concurrency, with random interrupts.

For every request of every scenario: exactly one end, by its deadline (plus a margin for a
loaded machine); no audio after the caller interrupted; no audio of another request (each
request speaks its own letters, and the tone voice gives every letter its own samples); and
after each scenario tasks and file descriptors are back to where they were, with no exception
left to the event loop. The figures are printed (``pytest -s`` shows them); ``bench/soak.py``
runs the same matrix for longer.
"""

from __future__ import annotations

import asyncio
import os
import random
import string
from dataclasses import dataclass, field
from typing import Any

import pytest

from deepgram_tts2 import DeepgramTTS
from deepgram_tts2.client.events import AudioChunk, AudioEnd, EndReason
from deepgram_tts2.emulator.voices import ToneVoice
from tests.client.conftest import options_for
from tests.conftest import EmulatorFactory, eventually

SEED = 20261201
REQUEST_S = 8.0
MARGIN_S = 2.0
GROUPS = [string.ascii_lowercase[i : i + 4] for i in range(0, 24, 4)]  # disjoint alphabets

FAULTS: dict[str, dict[str, Any]] = {
    "reject_429": {"kind": "reject_handshake", "status": 429, "retry_after_s": 0.2},
    "reject_503": {"kind": "reject_handshake", "status": 503},
    "reject_401": {"kind": "reject_handshake", "status": 401},
    "delay_handshake": {"kind": "delay_handshake", "delay_ms": 1500},
    "close_1006": {"kind": "close", "code": 1006, "after_audio_bytes": 2400},
    "close_1011": {"kind": "close", "code": 1011, "reason": "NET-0000"},
    "close_1008_data": {"kind": "close", "code": 1008, "reason": "DATA-0001"},
    "stall": {"kind": "stall", "duration_ms": 2500, "after_audio_bytes": 2400},
    "drop_flushed": {"kind": "drop_flushed"},
    "drop_cleared": {"kind": "drop_cleared"},
    "late_flushed_after_clear": {"kind": "late_flushed_after_clear"},
    "send_error": {"kind": "send_error", "err_code": "E1", "err_msg": "boom"},
    "send_warning": {"kind": "send_warning", "code": "ODD", "message": "odd"},
    "malformed_json": {"kind": "malformed_json", "payload": "{not json"},
    "odd_frames": {"kind": "odd_frames", "frame_bytes": 333},
    "slow_drip": {"kind": "slow_drip", "frame_bytes": 480, "interval_ms": 5},
}
TRANSPORTS = ["websocket", "auto", "rest"]


@dataclass
class Figures:
    runs: int = 0
    requests: int = 0
    ends: dict[int, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    stale_frames: int = 0
    foreign_blocks: int = 0
    late: int = 0
    leaked_tasks: int = 0
    leaked_fds: int = 0
    loop_errors: int = 0


FIGURES = Figures()


def text_for(group: str, rng: random.Random) -> str:
    words = ["".join(rng.choice(group) for _ in range(rng.randint(2, 5))) for _ in range(8)]
    return " ".join(words[:4]) + ". " + " ".join(words[4:]) + "."


def blocks_of(text: str) -> set[bytes]:
    """The 50 ms tone blocks (2400 bytes at 24 kHz) that ``text`` may be spoken with."""
    voice = ToneVoice()
    return {voice.synthesize(c).tobytes() for c in set(text) if not c.isspace()} | {b"\0" * 2400}


def foreign_blocks(audio: bytes, text: str) -> int:
    own = blocks_of(text)
    full = len(audio) - len(audio) % 2400
    return sum(1 for i in range(0, full, 2400) if audio[i : i + 2400] not in own)


async def one_request(
    client: DeepgramTTS, name: str, text: str, interrupt_after: int | None
) -> tuple[list[Any], int, float]:
    """Events, frames received after interrupt(), and how long the request took."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    stream = client.stream(name)
    await stream.push(text)
    await stream.end()
    events: list[Any] = []
    after_interrupt = 0
    interrupted = False
    chunks = 0
    async for event in stream:
        events.append(event)
        if isinstance(event, AudioChunk):
            chunks += 1
            after_interrupt += interrupted
            if interrupt_after is not None and chunks >= interrupt_after and not interrupted:
                await stream.interrupt()
                interrupted = True
    took = loop.time() - start
    await stream.aclose()
    return events, after_interrupt, took


def check(events: list[Any], text: str, stale: int, took: float) -> None:
    ends = [e for e in events if isinstance(e, AudioEnd)]
    FIGURES.requests += 1
    FIGURES.ends[len(ends)] = FIGURES.ends.get(len(ends), 0) + 1
    assert len(ends) == 1, [type(e).__name__ for e in events]
    assert events[-1] is ends[0]
    FIGURES.reasons[ends[0].reason.value] = FIGURES.reasons.get(ends[0].reason.value, 0) + 1
    audio = b"".join(e.data for e in events if isinstance(e, AudioChunk))
    FIGURES.stale_frames += stale
    foreign = foreign_blocks(audio, text)
    FIGURES.foreign_blocks += foreign
    FIGURES.late += took > REQUEST_S + MARGIN_S
    assert stale == 0, "audio yielded after interrupt()"
    assert foreign == 0, "audio of another request"
    assert took <= REQUEST_S + MARGIN_S, f"ended after {took:.2f} s"
    if ends[0].reason is EndReason.COMPLETED:
        assert audio, "completed without audio"


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


SCENARIOS = [(fault, transport) for fault in FAULTS for transport in TRANSPORTS]


@pytest.mark.parametrize(("fault", "transport"), SCENARIOS)
async def test_fault_matrix(emulator_factory: EmulatorFactory, fault: str, transport: str) -> None:
    rng = random.Random(f"{SEED}-{fault}-{transport}")
    concurrent = rng.random() < 0.5
    plan = {"faults": [{**FAULTS[fault], "connections": rng.choice([1, 2, 3])}]}
    emulator = await emulator_factory(faults=plan)
    loop = asyncio.get_running_loop()
    errors: list[Any] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    tasks_before, fds_before = len(asyncio.all_tasks()), open_fds()
    options = options_for(
        emulator,
        transport=transport,
        timeouts={"request_s": REQUEST_S, "stall_s": 1.0, "flush_s": 1.5, "first_audio_s": 1.5},
        retry={"max_attempts": 3, "initial_s": 0.01, "max_s": 0.1, "max_elapsed_s": 3.0},
        breaker={"failure_threshold": 50},
    )
    texts = [text_for(GROUPS[i % len(GROUPS)], rng) for i in range(4)]
    cuts = [rng.choice([None, None, 1, 3]) for _ in texts]
    async with DeepgramTTS(options) as client:
        pairs = enumerate(zip(texts, cuts, strict=True))
        calls = [one_request(client, f"r{i}", t, c) for i, (t, c) in pairs]
        if concurrent:
            results = await asyncio.wait_for(asyncio.gather(*calls), 60)
        else:
            results = [await asyncio.wait_for(call, 30) for call in calls]
    for (events, stale, took), text in zip(results, texts, strict=True):
        check(events, text, stale, took)
    FIGURES.runs += 1
    await eventually(lambda: len(asyncio.all_tasks()) <= tasks_before, within_s=10)
    await eventually(lambda: open_fds() <= fds_before + 2, within_s=10)  # the emulator's own
    FIGURES.loop_errors += len(errors)
    assert errors == []
    loop.set_exception_handler(None)


def test_zz_print_the_figures() -> None:
    """Runs last in this file: the matrix's figures, for the CI log."""
    print(
        f"\nfault matrix: runs {FIGURES.runs}, requests {FIGURES.requests}, "
        f"ends {dict(sorted(FIGURES.ends.items()))}, reasons {FIGURES.reasons}, "
        f"stale frames {FIGURES.stale_frames}, foreign blocks {FIGURES.foreign_blocks}, "
        f"late {FIGURES.late}, leaked tasks {FIGURES.leaked_tasks}, "
        f"leaked fds {FIGURES.leaked_fds}, loop errors {FIGURES.loop_errors}"
    )
    assert FIGURES.ends.get(0, 0) == 0
    assert all(n == 1 for n in FIGURES.ends) or not FIGURES.ends

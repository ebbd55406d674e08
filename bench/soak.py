"""``python -m bench.soak``: the client's fault matrix for as many rounds as asked.

The same matrix as ``tests/client/test_fault_matrix.py`` (every emulator fault kind x
``websocket`` / ``auto`` / ``rest`` x concurrent or sequential requests x random interrupts),
with its helpers imported from the test module so the two cannot drift: every request must end
exactly once by its deadline (plus a margin), with no audio after the caller's interrupt and no
audio of another request; after each scenario the tasks and file descriptors must be back and
the event loop must have seen no exception. Where the test asserts, the soak counts, prints the
figures after every round and at the end, and exits 1 when anything was counted.

Each round draws new seeds (``--seed`` + round), so more rounds explore more interleavings. The
emulator runs in this process (as in the test), instant unless ``--pacing fast``. Needs the
``test`` extra (the helpers import pytest): run it from the repository root with ``.venv``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from tests.client.conftest import options_for
from tests.client.test_fault_matrix import (
    FAULTS,
    GROUPS,
    MARGIN_S,
    REQUEST_S,
    SEED,
    TRANSPORTS,
    foreign_blocks,
    one_request,
    open_fds,
    text_for,
)
from tests.conftest import TEST_KEY

from deepgram_tts2 import DeepgramTTS
from deepgram_tts2.client.events import AudioChunk, AudioEnd, EndReason
from deepgram_tts2.emulator.config import EmulatorConfig, FaultPlan, Pacing
from deepgram_tts2.emulator.server import Emulator

SETTLE_S = 10.0  # tasks and fds must be back within this (a guard, not a timing figure)


@dataclass
class Figures:
    """What the soak counted (every field but ``runs``, ``requests``, ``reasons`` should be 0)."""

    runs: int = 0
    requests: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    not_one_end: int = 0
    end_not_last: int = 0
    completed_without_audio: int = 0
    stale_frames: int = 0
    foreign_blocks: int = 0
    late: int = 0
    hung: int = 0
    leaked_tasks: int = 0
    leaked_fds: int = 0
    loop_errors: int = 0
    failures: list[str] = field(default_factory=list)

    def bad(self) -> int:
        """How many violations were counted."""
        return (
            self.not_one_end
            + self.end_not_last
            + self.completed_without_audio
            + self.stale_frames
            + self.foreign_blocks
            + self.late
            + self.hung
            + self.leaked_tasks
            + self.leaked_fds
            + self.loop_errors
        )

    def line(self) -> str:
        """The figures in one line."""
        skip = {"failures"}
        parts = [f"{k} {v}" for k, v in vars(self).items() if k not in skip]
        return ", ".join(parts)


def check(
    figures: Figures, where: str, events: list[Any], text: str, stale: int, took: float
) -> None:
    """Count what ``tests/client/test_fault_matrix.py::check`` asserts."""
    figures.requests += 1
    ends = [e for e in events if isinstance(e, AudioEnd)]
    problems = []
    if len(ends) != 1:
        figures.not_one_end += 1
        problems.append(f"{len(ends)} ends")
    elif events[-1] is not ends[0]:
        figures.end_not_last += 1
        problems.append("AudioEnd not last")
    if ends:
        reason = ends[0].reason.value
        figures.reasons[reason] = figures.reasons.get(reason, 0) + 1
    audio = b"".join(e.data for e in events if isinstance(e, AudioChunk))
    if ends and ends[0].reason is EndReason.COMPLETED and not audio:
        figures.completed_without_audio += 1
        problems.append("completed without audio")
    foreign = foreign_blocks(audio, text)
    figures.stale_frames += stale
    figures.foreign_blocks += foreign
    if stale:
        problems.append(f"{stale} frames after interrupt()")
    if foreign:
        problems.append(f"{foreign} foreign blocks")
    if took > REQUEST_S + MARGIN_S:
        figures.late += 1
        problems.append(f"ended after {took:.2f} s")
    if problems and len(figures.failures) < 50:
        figures.failures.append(f"{where}: {'; '.join(problems)}")


async def settle(predicate: Any, within_s: float = SETTLE_S) -> bool:
    """Wait until ``predicate()`` holds; False when it did not within ``within_s``."""
    give_up = time.monotonic() + within_s
    while not predicate():
        if time.monotonic() > give_up:
            return False
        await asyncio.sleep(0.01)
    return True


async def check_leaks(
    figures: Figures, where: str, tasks_before: int, fds_before: int, errors: list[Any]
) -> None:
    """Count what a finished cell left behind: tasks, file descriptors, loop errors."""
    if not await settle(lambda: len(asyncio.all_tasks()) <= tasks_before):
        figures.leaked_tasks += len(asyncio.all_tasks()) - tasks_before
        figures.failures.append(f"{where}: tasks not back")
    if not await settle(lambda: open_fds() <= fds_before + 2):  # the emulator's own
        figures.leaked_fds += open_fds() - fds_before - 2
        figures.failures.append(f"{where}: file descriptors not back")
    figures.loop_errors += len(errors)
    if errors and len(figures.failures) < 50:
        figures.failures.append(f"{where}: loop error {errors[0].get('message')}")


async def scenario(
    figures: Figures, round_: int, fault: str, transport: str, pacing: Pacing
) -> None:
    """One cell of the matrix, drawn with this round's seed."""
    rng = random.Random(f"{SEED + round_}-{fault}-{transport}")
    concurrent = rng.random() < 0.5
    plan = {"faults": [{**FAULTS[fault], "connections": rng.choice([1, 2, 3])}]}
    emulator = Emulator(
        EmulatorConfig(
            port=0,
            api_keys=(TEST_KEY,),
            pacing=pacing,
            voice_engine="tone",
            faults=FaultPlan.model_validate(plan),
        )
    )
    await emulator.start()
    loop = asyncio.get_running_loop()
    errors: list[Any] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    where = f"round {round_} {fault}/{transport}/{'concurrent' if concurrent else 'sequential'}"
    try:
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
        try:
            async with DeepgramTTS(options) as client:
                calls = [
                    one_request(client, f"r{i}", t, c)
                    for i, (t, c) in enumerate(zip(texts, cuts, strict=True))
                ]
                if concurrent:
                    results = await asyncio.wait_for(asyncio.gather(*calls), 60)
                else:
                    results = [await asyncio.wait_for(call, 30) for call in calls]
        except (TimeoutError, asyncio.TimeoutError):
            figures.hung += 1
            figures.failures.append(f"{where}: requests did not end within the guard")
            return
        for i, ((events, stale, took), text) in enumerate(zip(results, texts, strict=True)):
            check(figures, f"{where} r{i}", events, text, stale, took)
        figures.runs += 1
        await check_leaks(figures, where, tasks_before, fds_before, errors)
    finally:
        loop.set_exception_handler(None)
        await emulator.stop()


async def soak(args: argparse.Namespace) -> Figures:
    figures = Figures()
    faults = args.faults.split(",") if args.faults else list(FAULTS)
    transports = args.transports.split(",") if args.transports else TRANSPORTS
    pacing = (
        Pacing.instant()
        if args.pacing == "instant"
        else Pacing(first_audio_ms=20, per_char_ms=0, realtime_factor=0)
    )
    started = time.monotonic()
    for round_ in range(args.rounds):
        for fault in faults:
            for transport in transports:
                await scenario(figures, args.seed + round_, fault, transport, pacing)
        elapsed = time.monotonic() - started
        print(
            f"soak: round {round_ + 1}/{args.rounds} ({elapsed:.0f} s): {figures.line()}",
            flush=True,
        )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the matrix (3)")
    parser.add_argument("--seed", type=int, default=0, help="added to the matrix's seed (0)")
    parser.add_argument("--faults", default="", help=f"comma-separated subset of {list(FAULTS)}")
    parser.add_argument("--transports", default="", help=f"subset of {TRANSPORTS}")
    parser.add_argument("--pacing", choices=["instant", "fast"], default="instant")
    args = parser.parse_args(argv)
    unknown = set(filter(None, args.faults.split(","))) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    figures = asyncio.run(soak(args))
    print(f"soak: done: {figures.line()}")
    for failure in figures.failures:
        print(f"soak: {failure}", file=sys.stderr)
    return 1 if figures.bad() else 0


if __name__ == "__main__":
    raise SystemExit(main())

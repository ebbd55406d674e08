"""A long text: characters per second from handing it over to its last audio.

Ours is measured through its public paths for a text known in full: ``DeepgramTTS.speak(text)``
(a text over one socket's character budget is spread over the pooled sockets, default 4, audio in
order: ``long_stream()``), ``DeepgramTTS.synthesize(text)`` (REST pieces in parallel, delivered
in order), and a plain ``stream()`` with the whole text pushed (one socket, as a token stream
would use it). The floor is one socket (Speak pieces of at most 2000 characters, one Flush). Each
peer gets the text as its framework passes a long reply. Under Deepgram's budgets a single
socket may carry 2400 characters per minute; with the budgets lifted the row shows raw
throughput (the floor and ours only: every peer is one socket like the floor). Each row has its
own emulator process and the rows run at the same time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Coroutine
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from bench.adapters import by_key, missing
from bench.adapters.floor import FloorClient, message_type
from bench.adapters.onesocket import speak_pieces
from bench.adapters.ours import OursClient
from bench.core import AdapterSpec, Sizing
from bench.drive import close_clients, open_clients, run_turn
from bench.scenarios import Context, Served
from bench.scenarios.texts import long_text
from deepgram_tts2.events import AudioChunk, Error
from deepgram_tts2.loadtest.emulator import Budgets, ServerConditions

SYNTHESIZE = "deepgram_tts2 synthesize() (REST)"
SPEAK = "deepgram_tts2 speak() (spread over its pooled sockets)"
PACED = "floor, paced (one socket within 2400 characters per minute)"
PACED_PIECE_CHARS = 400  # one Speak + Flush of this size every PACED_EVERY_S seconds:
PACED_EVERY_S = 11.0  # 6 per 66 s, so no 60 s window holds more than 2400 (aura §2.6)


async def run(ctx: Context) -> dict[str, Any]:
    chars = ctx.count("chars", 10_000, 600)
    text = long_text(chars)
    timeout_s = max(60.0, len(text) / 20.0)
    out: dict[str, Any] = {
        "command": "python -m bench --only longtext",
        "chars": len(text),
        "conditions": [],
        "budgets": {},
    }
    # Every row has its own emulator process and all rows run at once: one long text is light
    # work for this process (one socket or two REST requests at 4x real time), and a row that
    # paces itself for minutes under the character budget does not hold up the others.
    rows: list[tuple[str, str, Coroutine[Any, Any, dict[str, Any]]]] = []
    with contextlib.ExitStack() as stack:
        for budgets in (Budgets.DEEPGRAM, Budgets.LIFTED):
            cond = ServerConditions(pacing="realistic", budgets=budgets, max_concurrent_rest=64)
            out["conditions"].append(cond.describe())
            lifted = budgets is Budgets.LIFTED
            specs = [s for s in ctx.specs() if s.key != "floor-seg"]
            if lifted:  # every peer is one socket like the floor: the floor and ours suffice
                specs = [s for s in specs if s.key in ("floor", "ours")]
            if any(s.key == "ours" for s in specs):
                served = stack.enter_context(ctx.emulator(cond))
                rows.append((budgets.value, SYNTHESIZE, _synthesize(served, text, lifted)))
                served = stack.enter_context(ctx.emulator(cond))
                rows.append((budgets.value, SPEAK, _speak(served, text, lifted)))
            if not lifted and any(s.key == "floor" for s in specs):
                served = stack.enter_context(ctx.emulator(cond))
                rows.append((budgets.value, PACED, _paced_floor(served, text, timeout_s * 2)))
            for spec in specs:
                served = stack.enter_context(ctx.emulator(cond))
                rows.append(
                    (budgets.value, _name(spec), _stream(spec, served, text, timeout_s, lifted))
                )
        results = await asyncio.gather(*(row for _, _, row in rows))
    for (budgets_key, name, _), result in zip(rows, results, strict=True):
        out["budgets"].setdefault(budgets_key, {})[name] = result
    return out


def _name(spec: AdapterSpec) -> str:
    return f"{spec.name} stream" if spec.key == "ours" else spec.name


def _figures(chars: int, elapsed: float, audio_bytes: int, error: str | None) -> dict[str, Any]:
    return {
        "elapsed_s": round(elapsed, 2),
        "audio_s": round(audio_bytes / 48000.0, 1),
        "chars_per_s": round(chars / elapsed, 1) if elapsed > 0 and not error else None,
        "error": error,
    }


async def _synthesize(served: Served, text: str, lifted: bool) -> dict[str, Any]:
    client = OursClient(served.endpoint, Sizing(lifted_budgets=lifted))
    await client.open()
    started = time.perf_counter()
    error = None
    audio = b""
    try:
        audio = await client.tts.synthesize(text)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:200]
    elapsed = time.perf_counter() - started
    await client.close()
    return _figures(len(text), elapsed, len(audio), error)


async def _speak(served: Served, text: str, lifted: bool) -> dict[str, Any]:
    client = OursClient(served.endpoint, Sizing(lifted_budgets=lifted))
    await client.open()
    started = time.perf_counter()
    last = started
    error = None
    audio_bytes = 0
    try:
        async for event in client.tts.speak(text):
            if isinstance(event, AudioChunk):
                audio_bytes += len(event.data)
                last = time.perf_counter()
            elif isinstance(event, Error):
                error = f"{event.error_class.value}: {event.message}"[:200]
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:200]
    await client.close()
    return _figures(len(text), last - started, audio_bytes, error)


async def _paced_floor(served: Served, text: str, timeout_s: float) -> dict[str, Any]:
    """The most one raw socket can do under Deepgram's character budget: a Speak and a Flush
    of at most 400 characters every 11 s, audio counted until the last piece's Flushed."""
    floor = FloorClient(served.endpoint, Sizing())
    pieces = speak_pieces(text, PACED_PIECE_CHARS)
    started = time.perf_counter()
    last, audio_bytes, flushed = started, 0, 0
    error = None

    async def send(ws: ClientConnection) -> None:
        for index, piece in enumerate(pieces):
            if index:
                await asyncio.sleep(PACED_EVERY_S)
            await ws.send(json.dumps({"type": "Speak", "text": piece}))
            await ws.send('{"type": "Flush"}')

    try:
        async with websockets.connect(
            floor.url, additional_headers={"Authorization": f"Token {floor.key}"}
        ) as ws:
            sender = asyncio.create_task(send(ws))
            try:
                async with asyncio.timeout(timeout_s):
                    async for message in ws:
                        if isinstance(message, bytes):
                            audio_bytes += len(message)
                            last = time.perf_counter()
                        elif message_type(message) == "Flushed":
                            flushed += 1
                            if flushed == len(pieces):
                                break
            finally:
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sender
        if flushed < len(pieces):
            error = f"the socket closed after {flushed} of {len(pieces)} pieces"
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:200]
    return _figures(len(text), last - started, audio_bytes, error)


async def _stream(
    spec: AdapterSpec, served: Served, text: str, timeout_s: float, lifted: bool
) -> dict[str, Any]:
    if missing(spec):
        return {"skipped": missing(spec)}
    opened = await open_clients(by_key(spec.key), served.endpoint, 1, lifted_budgets=lifted)
    if opened.skipped:
        return {"skipped": opened.skipped}
    try:
        record = await run_turn(opened.clients[0], text, timeout_s=timeout_s)
    finally:
        await close_clients(opened.clients)
    end = record.chunks[-1][0] if record.chunks else record.ended
    elapsed = (end - record.started) if end is not None and record.started is not None else 0.0
    return _figures(len(text), elapsed, record.audio_bytes, record.error)

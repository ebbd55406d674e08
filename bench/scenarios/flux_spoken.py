"""Flux: ``text_spoken`` after an interrupt at a known playback position.

A round is one session (a fresh instance of the client). Turn 1, a short reply, is played out
fully, so the session-cumulative ``playback_offset`` matters (flux §2.2: it counts from the
start of the session's audio, not the turn's). Turn 2 is one sentence with no clause or
sentence break inside, which the emulator's Flux server renders as one segment; once the
application has received ``X`` ms of turn 2's audio it interrupts, the listener having played
exactly ``X`` ms of it (``X`` varies over the rounds, once exactly at a word's end).

The truth is the words of turn 2 whose audio ended by ``X`` ms (flux §3.5 item 4: word
granularity), from the tone voice's timing: every character, spaces included, lasts
``TONE_CHAR_MS`` (:func:`heard`, the emulator's own alignment over that timeline). A client
matches when what it learns of the heard text equals the truth word for word. Each client
learns it its own way (:data:`HOW`); the row reports what each one gets.

Pacing ``realistic`` (audio at 4x real time): turn 2 lasts 3 s of audio and ``X`` is at most
1.5 s, so when the application has ``X`` ms turn 2 is still being generated and the
``Interrupt`` finds it active. At ``fast`` the whole turn is sent at once; it would usually be
over before the ``Interrupt`` arrives (``NO_ACTIVE_SPEECH``), and nothing would be split.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from bench.adapters import missing
from bench.core import SAMPLE_RATE, AdapterSpec, Endpoint, Sizing, TurnRecord
from bench.drive import TURN_TIMEOUT_S, close_clients
from bench.scenarios import Context
from deepgram_tts2.emulator.v2.voices import TONE_CHAR_MS
from deepgram_tts2.events import AudioChunk, AudioEnd
from deepgram_tts2.loadtest.emulator import ServerConditions
from deepgram_tts2.loadtest.playout import split_tokens
from deepgram_tts2.protocol.v2.alignment import RenderedSpan, split_spoken

TURN_ONE = (
    "Thanks for calling, how can I help?",
    "Okay.",
    "Sure, one moment while I look that up.",
    "Good morning.",
    "Let me check on that for you; it only takes a second.",
)
TURN_TWO = "Say hello to the whole wide world from all of us here today."
POSITIONS_MS = (600, 350, 1000, 825, 1500)  # 600 is exactly the end of "to"
BYTES_PER_MS = SAMPLE_RATE * 2 / 1000  # linear16 mono
STAGGER_S = 0.3
SETTLE_S = 0.5  # after a framework's interrupt: late text still counts

HOW = {
    "floor": "Interrupt with playback_offset = the session's audio played (its own clock); "
    "reads SpeechInterrupted.text_spoken",
    "ours": "SpeakStream.interrupt(played_ms=X) (the library adds the session clock); "
    "AudioEnd.text_spoken",
    "pipecat": "InterruptionFrame; the service sends Interrupt without playback_offset "
    "(pipecat issue 5605), so no text_spoken; shown: the TTSTextFrames of the turn that reached "
    "the output before the interruption (what its context aggregator keeps)",
    "livekit": "the stream is closed; the plugin sends no Interrupt and TTSv2 yields audio "
    "only (no text, no aligned transcript)",
}


def heard(text: str, played_ms: float, speed: float = 1.0) -> str:
    """The truth: the words of ``text`` (one segment of the tone voice) whose audio ended by
    ``played_ms`` of the turn, by the emulator's alignment over the tone voice's timeline."""
    audio_ms = len(text.strip()) * TONE_CHAR_MS / speed
    return split_spoken(text, [RenderedSpan(0, len(text), 0.0, audio_ms)], played_ms).spoken


def matches(got: str | None, truth: str) -> bool:
    """Word-level equality (None: the client learnt nothing)."""
    return got is not None and got.split() == truth.split()


@dataclass
class Reached(TurnRecord):
    """A record that says when ``need_bytes`` of audio have reached the application."""

    need_bytes: float = 0.0
    reached: asyncio.Event = field(default_factory=asyncio.Event)

    def on_audio(self, data: bytes, at: float | None = None) -> None:
        super().on_audio(data, at)
        if self.audio_bytes >= self.need_bytes:
            self.reached.set()


def position_for(k: int) -> int:
    """Round ``k``'s played position in turn 2 (ms)."""
    return POSITIONS_MS[k % len(POSITIONS_MS)]


# -- the raw floor: a correct hand-written client ---------------------------------------------


async def _raw_send(ws: ClientConnection, text: str) -> None:
    for token in split_tokens(text):
        await ws.send(json.dumps({"type": "Speak", "text": token}))
    await ws.send('{"type": "Flush"}')


async def _raw_turn_played(ws: ClientConnection, text: str) -> float:
    """Speak ``text`` and play it out; the ms of audio played (bytes received)."""
    await _raw_send(ws, text)
    received = 0
    async for message in ws:
        if isinstance(message, bytes):
            received += len(message)
        elif json.loads(message).get("type") == "SpeechMetadata":
            return received / BYTES_PER_MS
    raise RuntimeError("the socket closed during turn 1")


async def drive_floor(client: Any, k: int, *, session_clock: bool = True) -> str | None:
    """Turn 1, then turn 2 interrupted with ``playback_offset`` = session audio played (without
    ``session_clock``: the turn's own position, the mistake the row would catch)."""
    position = position_for(k)
    headers = {"Authorization": f"Token {client.key}"}
    async with websockets.connect(client.url, additional_headers=headers) as ws:
        before = await _raw_turn_played(ws, TURN_ONE[k % len(TURN_ONE)])
        await _raw_send(ws, TURN_TWO)
        received, interrupted = 0, False
        async for message in ws:
            if isinstance(message, bytes):
                received += len(message)  # after the Interrupt: in flight, dropped
                if not interrupted and received >= position * BYTES_PER_MS:
                    offset = int((before if session_clock else 0) + position)
                    playback = {"type": "time_ms", "value": offset}
                    await ws.send(json.dumps({"type": "Interrupt", "playback_offset": playback}))
                    interrupted = True
                continue
            reply = json.loads(message)
            if reply.get("type") == "SpeechInterrupted":
                spoken = reply.get("text_spoken")
                return spoken if isinstance(spoken, str) else None
            if reply.get("type") == "SpeechMetadata":
                raise RuntimeError("turn 2 ended before the Interrupt")
    raise RuntimeError("the socket closed during turn 2")


# -- the libraries, as their frameworks drive them --------------------------------------------


async def _push_all(stream: Any, text: str) -> None:
    for token in split_tokens(text):
        await stream.push(token)
    await stream.end()


async def drive_ours(client: Any, k: int) -> str | None:
    """One ``DeepgramTTS``: a stream per turn; turn 2 ``interrupt(played_ms=X)``."""
    position = position_for(k)
    await client.open()
    first = client.tts.stream()
    await _push_all(first, TURN_ONE[k % len(TURN_ONE)])
    async for _ in first:
        pass
    await first.aclose()
    second = client.tts.stream()
    await _push_all(second, TURN_TWO)
    received, interrupted, end = 0, False, None
    async for event in second:
        if isinstance(event, AudioChunk):
            received += len(event.data)
            if not interrupted and received >= position * BYTES_PER_MS:
                await second.interrupt(played_ms=position)
                interrupted = True
        elif isinstance(event, AudioEnd):
            end = event
    await second.aclose()
    if not interrupted:
        raise RuntimeError("turn 2 ended before X ms of its audio arrived")
    return end.text_spoken if end is not None else None


async def _framework_turns(client: Any, k: int) -> Any:
    """Turn 1 played out, then turn 2 interrupted (the framework's way) once X ms arrived;
    returns turn 2's adapter turn."""
    await client.open()
    first = client.turn(TurnRecord())
    await _push_all(first, TURN_ONE[k % len(TURN_ONE)])
    await first.done(TURN_TIMEOUT_S)
    record = Reached(need_bytes=position_for(k) * BYTES_PER_MS)
    second = client.turn(record)
    await _push_all(second, TURN_TWO)
    await asyncio.wait_for(record.reached.wait(), TURN_TIMEOUT_S)
    await second.interrupt()
    await asyncio.sleep(SETTLE_S)
    return second


async def drive_pipecat(client: Any, k: int) -> str | None:
    """A pipeline; what its context would keep of turn 2 after the ``InterruptionFrame``."""
    second = await _framework_turns(client, k)
    texts = second.heard if second.heard is not None else second.texts
    return "".join(texts) if texts else None


async def drive_livekit(client: Any, k: int) -> str | None:
    """``TTSv2``: the stream is closed; the plugin gives the agent no text."""
    await _framework_turns(client, k)
    return None


Driver = Callable[[Any, int], Awaitable[str | None]]
DRIVERS: dict[str, Driver] = {
    "floor": drive_floor,
    "ours": drive_ours,
    "pipecat": drive_pipecat,
    "livekit": drive_livekit,
}


# -- the rounds ---------------------------------------------------------------------------------


async def spoken_rounds(
    ctx: Context, specs: Sequence[AdapterSpec], conditions: ServerConditions
) -> dict[str, Any]:
    """Every client of ``specs`` at once (staggered), ``spoken_rounds`` rounds each."""
    rounds = ctx.count("spoken_rounds", 5, 1)
    with ctx.emulator(conditions) as served:
        results = await asyncio.gather(
            *(
                client_rounds(spec, served.endpoint, rounds, delay_s=i * STAGGER_S)
                for i, spec in enumerate(specs)
            )
        )
    return {
        "conditions": [conditions.describe()],
        "rounds": rounds,
        "text": TURN_TWO,
        "positions_ms": [position_for(k) for k in range(rounds)],
        "clients": {spec.name: result for spec, result in zip(specs, results, strict=True)},
    }


async def client_rounds(
    spec: AdapterSpec,
    endpoint: Endpoint,
    rounds: int,
    *,
    delay_s: float = 0.0,
    driver: Driver | None = None,
) -> dict[str, Any]:
    """``rounds`` rounds of one client, one instance each; its summary."""
    why = missing(spec)
    drive = driver or DRIVERS.get(spec.key)
    if why is not None or drive is None:
        return {"skipped": why or f"no text_spoken driver for {spec.key}"}
    await asyncio.sleep(delay_s)
    measured = [await one_round(spec, endpoint, k, drive) for k in range(rounds)]
    return summarize(HOW.get(spec.key, ""), measured)


async def one_round(spec: AdapterSpec, endpoint: Endpoint, k: int, drive: Driver) -> dict[str, Any]:
    """One session of ``spec``: what it learnt of turn 2 against the truth."""
    position = position_for(k)
    truth = heard(TURN_TWO, position)
    out: dict[str, Any] = {"position_ms": position, "truth": truth, "got": None, "match": False}
    client = None
    try:
        client = spec.factory(endpoint, Sizing())
        got = await asyncio.wait_for(drive(client, k), 3 * TURN_TIMEOUT_S)
        out.update(got=got, match=matches(got, truth))
    except Exception as exc:  # timeouts included: the round failed, say why
        out["error"] = f"{type(exc).__name__}: {exc}"[:200]
    finally:
        if client is not None:
            await close_clients([client])
    return out


def summarize(how: str, rounds: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Rounds, matches, an example (the first miss, else the first round), errors."""
    missed = [r for r in rounds if not r["match"]]
    example = next(iter(missed or rounds), None)
    errors = [r["error"] for r in rounds if r.get("error")]
    return {
        "how": how,
        "rounds": len(rounds),
        "matched": len(rounds) - len(missed),
        "example": dict(example) if example is not None else None,
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "per_round": [dict(r) for r in rounds],
    }

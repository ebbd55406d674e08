"""The client on Flux TTS (``/v2/speak``), against the emulator's v2 under every reading.

One public API: a ``flux-*`` model picks ``/v2/speak``; a stream is one turn; tokens are sent as
they come (the server places the boundaries) and ``end()`` flushes the turn; ``interrupt()``
fences the audio at once and ends with what the listener heard. Where Deepgram's behaviour is
uncertain the emulator has an option for each reading (``docs/flux.md``), and the core
conversation below runs under each of them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from deepgram_tts2 import DeepgramTTS, MetricsHooks
from deepgram_tts2.client.events import AudioChunk, AudioEnd, EndReason, Transport
from deepgram_tts2.emulator.config import Pacing
from deepgram_tts2.emulator.server import Emulator
from deepgram_tts2.emulator.v2.options import EmulatorV2Options
from deepgram_tts2.emulator.v2.routes import flux_service, set_v2_options
from deepgram_tts2.exceptions import InputError
from tests.client.conftest import ClientFactory, Outcome, drain, speak
from tests.conftest import EmulatorFactory, eventually

MODEL = "flux-alexis-en"
ONE_SEGMENT = "Say hello to the whole wide world."  # no clause or sentence break inside
PER_CHAR_MS = 50  # the tone voice: 50 ms per character, spaces included (silence)


# Generation four times faster than real time: a turn is still under way when interrupted.
PACING = Pacing(first_audio_ms=0, per_char_ms=0, realtime_factor=4.0)


async def flux(emulator_factory: EmulatorFactory, **v2: Any) -> Emulator:
    emulator = await emulator_factory(pacing=PACING)
    set_v2_options(emulator, EmulatorV2Options.model_validate(v2))
    return emulator


class Billing(MetricsHooks):
    def __init__(self) -> None:
        self.billed: list[int] = []
        self.warnings: list[str] = []

    def on_billable_characters(self, count: int) -> None:
        self.billed.append(count)

    def on_warning(self, code: str) -> None:
        self.warnings.append(code)


async def interrupted_at(
    client: DeepgramTTS, text: str, played_ms: float, after_bytes: int | None = None
) -> Outcome:
    """Speak ``text``; once ``after_bytes`` arrived (default: ``played_ms`` of audio, since a
    listener cannot have heard what was not delivered), interrupt at ``played_ms``."""
    if after_bytes is None:
        after_bytes = int(played_ms * 48)  # 24 kHz linear16
    stream = client.stream()
    await stream.push(text)
    await stream.end()
    outcome = Outcome()
    received = 0
    async for event in stream:
        outcome.events.append(event)
        if isinstance(event, AudioChunk):
            received += len(event.data)
            if received >= after_bytes:
                await stream.interrupt(played_ms=played_ms)
    await stream.aclose()
    outcome.check_grammar()
    return outcome


def heard(text: str, played_ms: float) -> str:
    """Ground truth for a one-segment turn of the tone voice: the words whose audio ended."""
    cut = 0
    position = 0
    for word in text.split(" "):
        end = position + len(word)
        if end * PER_CHAR_MS <= played_ms:
            cut = end
        position = end + 1
    return text[:cut]


async def test_a_turn_streams_tokens_and_ends_at_its_metadata(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await flux(emulator_factory)
    hooks = Billing()
    client = await client_factory(emulator, hooks=hooks, model=MODEL)
    stream = client.stream()
    for token in ["Sure, ", "I can help ", "you with that. ", "One moment."]:
        await stream.push(token)
    await stream.end()
    outcome = await drain(stream)
    outcome.check_grammar()
    assert outcome.end.reason is EndReason.COMPLETED
    assert outcome.end.transport is Transport.WEBSOCKET
    text = "Sure, I can help you with that. One moment."
    assert outcome.end.billable_characters == len(text)
    assert hooks.billed == [len(text)]
    assert outcome.audio  # real audio of the turn
    assert flux_service(emulator).total_connections == 1


async def test_an_interrupt_at_a_known_position_yields_the_emulators_ground_truth(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    """The second turn of a session: the offset must be session-cumulative (flux §3.5)."""
    emulator = await flux(emulator_factory)
    client = await client_factory(emulator, model=MODEL, limits={"pool_size": 1})
    first = await speak(client, ONE_SEGMENT)
    assert first.end.reason is EndReason.COMPLETED
    outcome = await interrupted_at(client, ONE_SEGMENT, played_ms=600)
    end = outcome.end
    assert end.reason is EndReason.INTERRUPTED
    assert end.text_spoken == heard(ONE_SEGMENT, 600) == "Say hello to"
    assert end.text_spoken + (end.text_remaining or "") == ONE_SEGMENT
    # nothing of the turn after the interrupt, and the session goes on for the next turn
    after = await speak(client, "Next turn.")
    assert after.end.reason is EndReason.COMPLETED


async def test_by_default_the_played_position_is_what_was_delivered(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await flux(emulator_factory)
    client = await client_factory(emulator, model=MODEL)
    stream = client.stream()
    await stream.push(ONE_SEGMENT)
    await stream.end()
    delivered = 0
    outcome = Outcome()
    async for event in stream:
        outcome.events.append(event)
        if isinstance(event, AudioChunk):
            delivered += len(event.data)
            if delivered >= 24_000:  # 500 ms of 24 kHz linear16
                await stream.interrupt()
    played_ms = delivered / 48
    assert outcome.end.text_spoken == heard(ONE_SEGMENT, played_ms)
    assert outcome.end.audio_bytes == delivered  # nothing yielded after interrupt()


async def test_an_interrupt_before_any_audio_is_not_left_hanging(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    """NO_AUDIO_GENERATED: the server ignores the Interrupt; the turn still ends for us, and
    its socket serves the next turn only after the abandoned turn is over."""
    emulator = await emulator_factory(pacing=Pacing(first_audio_ms=400, per_char_ms=0))
    set_v2_options(emulator, EmulatorV2Options())
    client = await client_factory(emulator, model=MODEL, limits={"pool_size": 1})
    stream = client.stream()
    await stream.push(ONE_SEGMENT)
    await stream.end()
    await eventually(lambda: any(c.state == "busy" for c in client.state.connections))
    await stream.interrupt(played_ms=0)
    outcome = await drain(stream)
    assert outcome.kinds == ["AudioEnd"]
    assert outcome.end.reason is EndReason.INTERRUPTED
    nxt = await speak(client, "Next turn.")
    assert nxt.end.reason is EndReason.COMPLETED
    assert len(nxt.audio) == len("Next turn.") * 2400  # none of the abandoned turn's audio


async def test_configure_changes_the_speed_mid_session(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await flux(emulator_factory)
    client = await client_factory(emulator, model=MODEL)
    stream = client.stream()
    await stream.push("Hello there, this is a turn.")
    assert await stream.configure(1.25) == 1.25
    with pytest.raises(InputError, match="increments"):
        await stream.configure(1.07)
    await stream.end()
    assert (await drain(stream)).end.reason is EndReason.COMPLETED


async def test_configure_refused_by_the_server_is_an_input_error(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await flux(emulator_factory, runtime_speed_supported=False)
    client = await client_factory(emulator, model=MODEL)
    stream = client.stream()
    await stream.push("Hello there.")
    with pytest.raises(InputError, match="Configure refused"):
        await stream.configure(1.2)
    await stream.end()
    assert (await drain(stream)).end.reason is EndReason.COMPLETED


async def test_rest_v2_serves_the_turn_when_the_socket_is_refused(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    reject = {"kind": "reject_handshake", "status": 503, "api": "websocket"}
    emulator = await emulator_factory(faults={"faults": [reject]})
    set_v2_options(emulator, EmulatorV2Options())
    client = await client_factory(emulator, model=MODEL, limits={"prewarm": 0})
    outcome = await speak(client, "Hello over REST. It still works.")
    assert outcome.end.reason is EndReason.COMPLETED
    assert outcome.end.transport is Transport.REST
    assert outcome.audio


async def test_idle_sockets_are_kept_alive_by_pings(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    """Flux closes a socket after 60 s without inbound messages (NET-0004) unless pinged."""
    emulator = await flux(emulator_factory, idle_timeout_s=0.6)
    client = await client_factory(
        emulator, model=MODEL, limits={"ping_interval_s": 0.1, "ping_timeout_s": 5}
    )
    await eventually(lambda: bool(client.state.connections))
    first = client.state.connections[0].id
    await asyncio.sleep(1.5)  # the emulator's idle limit passes twice over (server-side timer)
    assert [c.id for c in client.state.connections] == [first]  # the same socket lives
    outcome = await speak(client, "Still here.")
    assert outcome.end.reason is EndReason.COMPLETED
    assert flux_service(emulator).total_connections == 1


async def test_every_turn_ends_once_under_random_interrupts(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await flux(emulator_factory)
    client = await client_factory(emulator, model=MODEL, limits={"pool_size": 2})

    async def turn(i: int) -> AudioEnd:
        outcome = await interrupted_at(client, f"Turn {i} says hello world.", 100, 2400 * (i % 4))
        return outcome.end

    ends = await asyncio.gather(*(turn(i) for i in range(12)))
    assert all(isinstance(e, AudioEnd) for e in ends)


# -- every uncertain reading of the spec: the same conversation under each ----------------

READINGS: list[tuple[str, Any]] = [
    ("flushed_placement", "early"),
    ("flushed_placement", "late"),
    ("flushed_placement", "trailing"),
    ("pending_on_interrupt", "keep"),
    ("pending_on_interrupt", "drop"),
    ("close_unflushed", "complete"),
    ("close_unflushed", "flushed"),
    ("close_unflushed", "drop"),
    ("flush_without_turn", "warn"),
    ("flush_without_turn", "silent"),
    ("empty_speak", "open_turn"),
    ("empty_speak", "ignore"),
    ("after_close", "ignore"),
    ("after_close", "error"),
    ("configure_timing", "segment"),
    ("configure_timing", "turn"),
    ("billable_zero", True),
    ("billable_zero", False),
    ("rebase_input_on_interrupt", True),
    ("rebase_input_on_interrupt", False),
    ("char_unit", "code_points"),
    ("char_unit", "utf16"),
    ("char_unit", "bytes"),
    ("close_scheme", "v1"),
    ("close_scheme", "normal"),
    ("close_scheme", "internal"),
    ("connected_model_name", "voice"),
    ("connected_model_name", "model"),
    ("speed_range", "wide"),
    ("speed_range", "legacy"),
    ("interrupt_latency_ms", 0.0),
    ("interrupt_latency_ms", 150.0),
    ("interrupt_tail_frames", 0),
    ("interrupt_tail_frames", 5),
]


@pytest.mark.parametrize(("option", "value"), READINGS)
async def test_the_conversation_holds_under_every_reading(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory, option: str, value: Any
) -> None:
    try:
        emulator = await flux(emulator_factory, **{option: value})
    except ValueError:
        pytest.fail(f"the emulator has no reading {option}={value!r}")
    client = await client_factory(emulator, model=MODEL, limits={"pool_size": 1})
    first = await speak(client, ONE_SEGMENT)
    assert first.end.reason is EndReason.COMPLETED
    assert first.audio
    cut = await interrupted_at(client, ONE_SEGMENT, played_ms=600)
    assert cut.end.reason is EndReason.INTERRUPTED
    assert cut.end.text_spoken == "Say hello to"
    tokens = client.stream()
    for token in ("Here ", "is ", "another ", "turn."):
        await tokens.push(token)
    await tokens.end()
    last = await drain(tokens)
    last.check_grammar()
    assert last.end.reason is EndReason.COMPLETED
    assert len(last.audio) == len("Here is another turn.") * 2400  # nothing stale, nothing lost

"""Deepgram's per-connection budgets are never tripped: characters, flushes, lifetime."""

from __future__ import annotations

from deepgram_tts2 import MetricsHooks
from deepgram_tts2.client.events import EndReason
from deepgram_tts2.timing import FakeClock
from tests.client.conftest import ClientFactory, speak, tone_bytes
from tests.conftest import EmulatorFactory, eventually


class Warnings(MetricsHooks):
    def __init__(self) -> None:
        self.codes: list[str] = []
        self.errors: list[str] = []

    def on_warning(self, code: str) -> None:
        self.codes.append(code)

    def on_error(self, error_class: str, vendor_code: str | None) -> None:
        self.errors.append(f"{error_class}:{vendor_code}")


async def test_long_text_is_paced_under_the_character_budget(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    # A 1 s window with 120 characters stands in for Deepgram's 2400 per minute.
    emulator = await emulator_factory(chars_per_window=120, window_s=1.0)
    hooks = Warnings()
    client = await client_factory(
        emulator, hooks=hooks, limits={"chars_per_window": 120, "window_s": 1.0}
    )
    text = "Short sentences keep coming. " * 10  # 290 characters: needs three windows
    outcome = await speak(client, text)
    assert outcome.end.reason is EndReason.COMPLETED
    sentences = [s + "." for s in text.split(".") if s.strip()]
    # Every sentence exactly once: flushes may join sentences (one more space of silence
    # each), never repeat or drop one.
    assert sum(tone_bytes(s) for s in sentences) <= len(outcome.audio) <= tone_bytes(text)
    assert hooks.errors == []


async def test_many_sentences_never_trip_the_flush_limit(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(flushes_per_window=4, window_s=1.0)
    hooks = Warnings()
    client = await client_factory(
        emulator, hooks=hooks, limits={"flushes_per_window": 4, "window_s": 1.0}
    )
    for turn in range(3):
        stream = client.stream()
        for i in range(8):
            await stream.push(f"Turn {turn} sentence {i}. ")
        await stream.end()
        events = [e async for e in stream]
        assert type(events[-1]).__name__ == "AudioEnd"
        assert events[-1].reason is EndReason.COMPLETED  # type: ignore[union-attr]
    assert hooks.codes == []  # never an EXCESSIVE_FLUSH
    assert hooks.errors == []


async def test_sockets_are_rotated_before_the_lifetime_limit(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    clock = FakeClock()
    emulator = await emulator_factory()
    hooks = Warnings()
    client = await client_factory(emulator, hooks=hooks, clock=clock, limits={"max_age_s": 40})
    for i in range(6):
        outcome = await speak(client, f"Tick {i}.")
        assert outcome.end.reason is EndReason.COMPLETED
        await clock.advance(10.0)  # each round the pool's maintenance looks at ages
        await eventually(lambda: all(c.state != "connecting" for c in client.state.connections))
    assert hooks.errors == []
    assert emulator.total_connections >= 2  # replaced make-before-break, in the background
    assert all(c.age_s < 40 for c in client.state.connections)


async def test_an_idle_socket_closed_by_the_server_is_replaced(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(idle_timeout_s=0.2)
    client = await client_factory(emulator)
    # the server closes the prewarmed socket with NET-0001; the pool opens another
    await eventually(lambda: emulator.total_connections >= 2)
    outcome = await speak(client, "Still here.")
    assert outcome.end.reason is EndReason.COMPLETED
    assert emulator.total_connections >= 2


class Flushes(MetricsHooks):
    def __init__(self) -> None:
        self.sent = 0

    def on_flush_budget(self, remaining: int) -> None:
        self.sent += 1  # called once per Flush sent


async def test_a_reply_handed_over_whole_spends_two_flushes_not_one_per_sentence(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory()
    hooks = Flushes()
    client = await client_factory(emulator, hooks=hooks)
    reply = "Thanks. I found the order. It shipped this morning and should arrive on Thursday."
    outcome = await speak(client, reply)  # push(reply), end(): known whole before it is sent
    assert outcome.end.reason is EndReason.COMPLETED
    assert hooks.sent == 2  # the first phrase early (first audio), the rest at the end
    pieces = [
        "Thanks.",
        "I found the order. It shipped this morning and should arrive on Thursday.",
    ]
    assert len(outcome.audio) == sum(tone_bytes(p) for p in pieces)
    before = hooks.sent
    streamed = client.stream()
    for i, sentence in enumerate(("Thanks. ", "I found the order. ")):
        await streamed.push(sentence)
        await eventually(lambda n=before + i + 1: hooks.sent == n)  # type: ignore[misc]
    await streamed.push("It shipped this morning.")
    await streamed.end()
    events = [e async for e in streamed]
    assert events[-1].reason is EndReason.COMPLETED  # type: ignore[union-attr]
    assert hooks.sent == before + 3  # text arriving over time: a Flush per sentence

"""The client with fleet coordination: the phrase cache and the governor, through the public API.

The fleet package itself (leases, Redis outages, worker processes) is tested in ``tests/fleet``;
here: a cache hit is a normal request (same events, ``transport="cache"``, no Deepgram), only
complete audio is stored, every audio-changing parameter separates entries, and clients that
share a Redis budget never open more sockets than the project allows.
"""

from __future__ import annotations

import asyncio
from typing import Any

from deepgram_tts2 import DeepgramTTS, MetricsHooks
from deepgram_tts2.client.events import AudioChunk, EndReason, Transport
from deepgram_tts2.emulator.config import Pacing
from tests.client.conftest import ClientFactory, Outcome, options_for, speak, tone_bytes
from tests.conftest import EmulatorFactory, eventually
from tests.fleet.conftest import RedisServer, redis_server  # noqa: F401 - the fixture

PHRASE = "One moment please."
CACHE = {"cache": {"backend": "memory", "max_chars": 40}}


class Lookups(MetricsHooks):
    def __init__(self) -> None:
        self.lookups: list[str] = []

    def on_fleet_cache_lookup(self, outcome: str) -> None:
        self.lookups.append(outcome)


def audio_served(emulator: Any) -> float:
    """Audio bytes the emulator sent, over both APIs."""
    registry = emulator.metrics.registry
    total = 0.0
    for api in ("websocket", "rest"):
        sample = registry.get_sample_value("deepgram_tts2_emulator_audio_bytes_total", {"api": api})
        total += sample or 0.0
    return total


async def test_a_cached_phrase_is_served_as_a_normal_request_without_deepgram(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory()
    hooks = Lookups()
    client = await client_factory(emulator, hooks=hooks, fleet=CACHE)
    first = await speak(client, PHRASE)
    assert first.end.transport is Transport.WEBSOCKET
    sent_before = audio_served(emulator)
    second = await speak(client, PHRASE)
    second.check_grammar()
    assert second.kinds == ["AudioStart", "Metric", "AudioChunk", "AudioEnd"]
    assert second.end.transport is Transport.CACHE
    assert second.events[0].transport is Transport.CACHE  # type: ignore[union-attr]
    assert second.audio == first.audio
    assert audio_served(emulator) == sent_before  # nothing went to the server
    assert hooks.lookups == ["miss", "hit"]


async def test_an_interrupted_request_stores_nothing(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory(
        pacing=Pacing(first_audio_ms=0, per_char_ms=0, realtime_factor=2)
    )
    hooks = Lookups()
    client = await client_factory(emulator, hooks=hooks, fleet=CACHE)
    stream = client.stream()
    await stream.push(PHRASE)
    await stream.end()
    async for event in stream:
        if isinstance(event, AudioChunk):
            await stream.interrupt()
    again = await speak(client, PHRASE)
    assert again.end.transport is Transport.WEBSOCKET  # a miss: the partial audio was not kept
    assert len(again.audio) == tone_bytes(PHRASE)
    assert hooks.lookups == ["miss", "miss"]


async def test_every_audio_changing_parameter_has_its_own_entry(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory()
    variants: list[dict[str, Any]] = [
        {},
        {"sample_rate": 16000},
        {"model": "aura-2-luna-en"},
        {"speed": 1.2},
        {"encoding": "mulaw", "sample_rate": 8000},
    ]
    for variant in variants:
        async with DeepgramTTS(options_for(emulator, fleet=CACHE, **variant)) as client:
            first = await speak(client, PHRASE)
            second = await speak(client, PHRASE)
            assert first.end.transport is Transport.WEBSOCKET
            assert second.end.transport is Transport.CACHE
            assert second.audio == first.audio


async def test_long_texts_are_not_cached(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory()
    client = await client_factory(emulator, fleet=CACHE)
    text = "A much longer answer that goes well past the cache's phrase limit."
    await speak(client, text)
    assert (await speak(client, text)).end.transport is Transport.WEBSOCKET


async def run_two_workers(emulator: Any, fleet: dict[str, Any]) -> list[Outcome]:
    """Two clients (stand-ins for two workers), 4 turns each, at once."""
    settings: dict[str, Any] = {
        "fleet": fleet,
        "transport": "websocket",
        "limits": {"pool_size": 2, "prewarm": 0},
        "timeouts": {"connect_s": 10.0},
        "retry": {"max_attempts": 1},
    }
    clients = [DeepgramTTS(options_for(emulator, **settings)) for _ in range(2)]
    for client in clients:
        await client.start()
    try:
        turns = [speak(c, f"Worker {i} turn {j}.") for i, c in enumerate(clients) for j in range(4)]
        return list(await asyncio.gather(*turns))
    finally:
        for client in clients:
            await client.aclose()


def rejected_429(emulator: Any) -> float:
    sample = emulator.metrics.registry.get_sample_value(
        "deepgram_tts2_emulator_rejections_total", {"status": "429"}
    )
    return sample or 0.0


async def test_without_a_shared_budget_two_workers_walk_into_429(
    emulator_factory: EmulatorFactory,
) -> None:
    """The problem the governor solves: each worker's pool alone fits, together they do not."""
    emulator = await emulator_factory(
        max_concurrent_ws=2, pacing=Pacing(first_audio_ms=100, per_char_ms=0)
    )
    outcomes = await run_two_workers(emulator, {})
    assert rejected_429(emulator) > 0
    assert any(o.end.reason is EndReason.ERROR for o in outcomes)


async def test_clients_sharing_a_redis_budget_never_exceed_the_project_limit(
    emulator_factory: EmulatorFactory,
    redis_server: RedisServer,  # noqa: F811
) -> None:
    """With the Redis governor (limit 2 = the project's), every turn completes, no 429."""
    emulator = await emulator_factory(
        max_concurrent_ws=2, pacing=Pacing(first_audio_ms=100, per_char_ms=0)
    )
    fleet = {
        "redis_url": redis_server.url,
        "project": "client-budget-test",
        "governor": {"backend": "redis", "websocket_limit": 2, "rest_limit": 4},
    }
    outcomes = await run_two_workers(emulator, fleet)
    assert [o.end.reason for o in outcomes] == [EndReason.COMPLETED] * 8
    assert rejected_429(emulator) == 0  # no handshake was refused for concurrency


async def test_listed_phrases_are_prewarmed_at_start_up(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    emulator = await emulator_factory()
    hooks = Lookups()
    fleet = {"cache": {"backend": "memory", "phrases": ["Hello, how can I help?"]}}
    client = await client_factory(emulator, hooks=hooks, fleet=fleet)
    await eventually(lambda: client.cache is not None and client.cache.stats().entries == 1)
    outcome = await speak(client, "Hello, how can I help?")
    assert outcome.end.transport is Transport.CACHE
    assert (await speak(client, "Something else.")).end.transport is Transport.WEBSOCKET


class Order(MetricsHooks):
    """The order of socket states and fleet lease counts, as the client reports them."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []

    def on_connection_state(self, connection_id: int, old: str, new: str) -> None:
        self.seen.append(("state", new))

    def on_fleet_leases(self, kind: str, held: int) -> None:
        if kind == "websocket":
            self.seen.append(("leases", held))


async def test_a_retired_socket_keeps_its_fleet_slot_until_it_is_closed(
    emulator_factory: EmulatorFactory, client_factory: ClientFactory
) -> None:
    """The server counts a socket until it is closed: giving its slot back earlier lets another
    worker connect while the project is still full, into a 429."""
    emulator = await emulator_factory()
    hooks = Order()
    client = await client_factory(
        emulator,
        hooks=hooks,
        fleet={"governor": {"websocket_limit": 1, "rest_limit": 1}},
        # Every socket is past its age once its request ends: the pool retires it, open.
        limits={"pool_size": 1, "prewarm": 0, "max_age_s": 0.001},
    )
    await speak(client, "One request on a socket that is retired after it.")
    await eventually(lambda: ("leases", 0) in hooks.seen)
    assert ("state", "closed") in hooks.seen
    closed = hooks.seen.index(("state", "closed"))
    assert ("leases", 0) not in hooks.seen[:closed]  # the slot went back only after the close

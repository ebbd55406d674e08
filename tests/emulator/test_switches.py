"""A switch for every undocumented behaviour the client relies on (issue #10, aura §10): the wire
behaviour of each reading, its default, and setting it at runtime."""

from __future__ import annotations

import httpx
import pytest
from websockets.asyncio.client import connect

from deepgram_tts2.emulator.config import FaultPlan
from deepgram_tts2.emulator.server import Emulator
from tests.conftest import TEST_KEY, EmulatorFactory, within
from tests.emulator.conftest import CLEAR, CLOSE, FLUSH, SPEAK, Transcript, collect, send, session

HELLO_BYTES = len("Hello from the emulator.") * 1200 * 2  # tone voice: 50 ms a character


def acks(got: Transcript) -> list[tuple[str, object]]:
    return [(str(m["type"]), m.get("sequence_id")) for m in got.messages if "sequence_id" in m]


@pytest.mark.parametrize(
    ("clear_id", "expected"),
    [
        ("last_flush", [("Flushed", 0), ("Cleared", 0), ("Flushed", 1)]),
        ("own", [("Flushed", 0), ("Cleared", 1), ("Flushed", 2)]),
    ],
)
async def test_clear_id(
    emulator_factory: EmulatorFactory, clear_id: str, expected: list[tuple[str, int]]
) -> None:
    emulator = await emulator_factory(clear_id=clear_id)
    async with session(emulator) as ws:
        await send(ws, SPEAK, FLUSH)
        got = await within(collect(ws, until="Flushed"), 5)
        await send(ws, CLEAR)
        await within(collect(ws, until="Cleared", transcript=got), 5)
        await send(ws, SPEAK, FLUSH)
        await within(collect(ws, until="Flushed", transcript=got), 5)
    assert acks(got) == expected


async def test_empty_flushes_acked_by_default_and_ignored_when_switched(
    emulator_factory: EmulatorFactory,
) -> None:
    outcomes = {}
    for mode in ("acked", "ignored"):
        emulator = await emulator_factory(empty_flush=mode)
        async with session(emulator) as ws:
            await send(ws, FLUSH, {"type": "Speak", "text": "  \n "}, FLUSH, SPEAK, FLUSH)
            got = await within(collect(ws, until="Flushed", count=3 if mode == "acked" else 1), 5)
        outcomes[mode] = (got.types(), acks(got))
    assert outcomes["acked"] == (
        ["Metadata", "Flushed", "Flushed", "audio", "Flushed"],
        [("Flushed", 0), ("Flushed", 1), ("Flushed", 2)],
    )
    assert outcomes["ignored"] == (["Metadata", "audio", "Flushed"], [("Flushed", 0)])


@pytest.mark.parametrize("drain", ["none", "all"])
async def test_close_drain(emulator_factory: EmulatorFactory, drain: str) -> None:
    emulator = await emulator_factory(close_drain=drain)
    async with session(emulator) as ws:
        await send(ws, {"type": "Speak", "text": "never flushed"}, CLOSE)
        got = await within(collect(ws), 5)
    assert got.close_code == 1000
    if drain == "all":  # the unflushed text is spoken and acknowledged before the close
        assert got.types() == ["Metadata", "audio", "Flushed"]
    else:
        assert got.types() == ["Metadata"]


@pytest.mark.parametrize("delay_ms", [0, 600_000])
async def test_flushed_delay_holds_the_ack_after_the_audio(
    emulator_factory: EmulatorFactory, delay_ms: int
) -> None:
    emulator = await emulator_factory(flushed_delay_ms=delay_ms)
    async with session(emulator) as ws:
        await send(ws, SPEAK, FLUSH)
        got = await within(collect(ws, until="Metadata"), 5)
        while len(got.audio) < HELLO_BYTES:  # every audio byte of the flush arrived
            got.frames.append(await within(ws.recv(), 5))
        await send(ws, CLEAR)
        await within(collect(ws, until="Cleared", transcript=got), 5)
    if delay_ms:  # the ack was still held back, so Clear cancelled it
        assert got.types() == ["Metadata", "audio", "Cleared"]
    else:  # queued together with the last frame, it precedes Cleared
        assert got.types() == ["Metadata", "audio", "Flushed", "Cleared"]


async def test_metadata_after_the_first_audio(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory(metadata="after_audio")
    async with session(emulator) as ws:
        request_id = ws.response.headers["dg-request-id"]
        await send(ws, SPEAK, FLUSH)
        got = await within(collect(ws, until="Flushed"), 5)
    assert got.types() == ["audio", "Metadata", "audio", "Flushed"]
    assert isinstance(got.frames[0], bytes)
    assert got.messages[0]["request_id"] == request_id


async def test_a_warning_between_audio_frames(emulator: Emulator) -> None:
    emulator.set_faults(
        FaultPlan.model_validate(
            {"faults": [{"kind": "send_warning", "code": "W", "after_audio_bytes": 4000}]}
        )
    )
    async with session(emulator) as ws:
        await send(ws, SPEAK, FLUSH)
        got = await within(collect(ws, until="Flushed"), 5)
    assert got.types() == ["Metadata", "audio", "Warning", "audio", "Flushed"]
    assert len(got.audio) == HELLO_BYTES


async def test_one_byte_audio_frames(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory(frame_bytes=1)
    async with session(emulator) as ws:
        await send(ws, {"type": "Speak", "text": "Hi"}, FLUSH)
        got = await within(collect(ws, until="Flushed"), 30)
    frames = [f for f in got.frames if isinstance(f, bytes)]
    assert len(frames) == 2 * 1200 * 2
    assert {len(f) for f in frames} == {1}


async def test_synthesis_starts_at_a_sentence_end_before_any_flush(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory(synthesis_start="sentence", synthesis_start_chars=10)
    first = "First sentence."
    async with session(emulator) as ws:
        await send(ws, {"type": "Speak", "text": f"{first} And the rest"})
        got = await within(collect(ws, until="Metadata"), 5)
        while len(got.audio) < len(first) * 1200 * 2:  # spoken without a Flush
            got.frames.append(await within(ws.recv(), 5))
        await send(ws, FLUSH)
        await within(collect(ws, until="Flushed", transcript=got), 5)
    assert got.types() == ["Metadata", "audio", "Flushed"]
    assert acks(got) == [("Flushed", 0)]
    # two renders: "First sentence." ahead, then " And the rest" (the tone voice strips it)
    assert len(got.audio) == (len(first) + len("And the rest")) * 1200 * 2


async def test_by_default_nothing_is_synthesised_before_a_flush(emulator: Emulator) -> None:
    async with session(emulator) as ws:
        await send(ws, {"type": "Speak", "text": "A sentence. " * 20}, CLEAR)
        got = await within(collect(ws, until="Cleared"), 5)
    assert got.types() == ["Metadata", "Cleared"]


@pytest.mark.parametrize(("deflate", "negotiated"), [(True, True), (False, False)])
async def test_permessage_deflate(
    emulator_factory: EmulatorFactory, deflate: bool, negotiated: bool
) -> None:
    emulator = await emulator_factory(permessage_deflate=deflate)
    async with connect(  # websockets offers permessage-deflate by default
        emulator.ws_url, additional_headers={"Authorization": f"Token {TEST_KEY}"}
    ) as ws:
        extensions = ws.response.headers.get("Sec-WebSocket-Extensions") or ""
        await send(ws, SPEAK, FLUSH)
        got = await within(collect(ws, until="Flushed"), 5)
    assert ("permessage-deflate" in extensions) is negotiated
    assert len(got.audio) == HELLO_BYTES


# -- at runtime -----------------------------------------------------------------------------


async def test_switches_change_at_runtime_for_new_connections(emulator: Emulator) -> None:
    async with httpx.AsyncClient() as client:
        before = (await client.get(f"{emulator.http_url}/_emulator/config")).json()
        async with session(emulator) as old:  # opened before the change
            changed = await client.post(
                f"{emulator.http_url}/_emulator/config",
                json={"clear_id": "own", "metadata": "after_audio"},
            )
            await send(old, CLEAR)
            kept = await within(collect(old, until="Cleared"), 5)
        refused = await client.post(f"{emulator.http_url}/_emulator/config", json={"port": 1})
        invalid = await client.post(
            f"{emulator.http_url}/_emulator/config", json={"clear_id": "maybe"}
        )
    assert before["clear_id"] == "last_flush"
    assert changed.status_code == 200
    assert changed.json()["clear_id"] == "own"
    assert kept.types() == ["Metadata", "Cleared"]  # the open session keeps its settings
    assert (refused.status_code, invalid.status_code) == (400, 400)
    assert "port" in refused.json()["error"]
    async with session(emulator) as ws:
        await send(ws, CLEAR, SPEAK, FLUSH)
        got = await within(collect(ws, until="Flushed"), 5)
    assert got.types() == ["Cleared", "audio", "Metadata", "audio", "Flushed"]
    assert acks(got) == [("Cleared", 0), ("Flushed", 1)]


async def test_configure_in_python(emulator: Emulator) -> None:
    emulator.configure(empty_flush="ignored")
    with pytest.raises(ValueError, match="max_concurrent_ws"):
        emulator.configure(max_concurrent_ws=1)
    async with session(emulator) as ws:
        await send(ws, FLUSH, SPEAK, FLUSH)
        got = await within(collect(ws, until="Flushed"), 5)
    assert acks(got) == [("Flushed", 0)]
    assert got.types() == ["Metadata", "audio", "Flushed"]

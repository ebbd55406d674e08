"""Harness logic: what a turn records, the one-socket clients' turn rules, telling turns apart
by their audio, the interrupt figures, and the real-time verdict."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from bench.adapters.onesocket import OneSocketClient, Wire, speak_pieces
from bench.content import Fingerprints, alphabet_text
from bench.core import AdapterSpec, Endpoint, Sizing, TurnRecord
from bench.drive import side_by_side, turn_summary
from bench.scenarios import interrupts, realtime

from deepgram_tts2.emulator.voices import ToneVoice


def tone(text: str) -> bytes:
    return ToneVoice().synthesize(text).tobytes()


def frames(audio: bytes, size: int = 1920) -> list[bytes]:
    return [audio[i : i + size] for i in range(0, len(audio), size)]


def test_a_record_times_first_audio_from_the_first_text() -> None:
    record = TurnRecord()
    assert record.first_audio_ms is None
    record.started = 10.0
    record.on_audio(b"\0" * 1920, at=10.25)
    record.on_audio(b"", at=10.3)  # empty chunks are not audio
    assert record.first_audio_ms == pytest.approx(250.0)
    assert record.audio_bytes == 1920
    record.finish("first  error\nline")
    record.finish("second")
    assert record.error == "first error line"


def test_the_summary_counts_underruns_and_errors() -> None:
    late = TurnRecord(started=0.0)
    late.on_audio(b"\0" * 1920, at=0.1)
    late.on_audio(b"\0" * 1920, at=1.0)  # far past its playout time
    failed = TurnRecord(error="closed 1008 DATA-0001")
    summary = turn_summary([late, failed])
    assert summary["underruns"] == 1
    assert summary["turns_with_underruns"] == 1
    assert summary["errors"] == 1
    assert summary["first_error"] == "closed 1008 DATA-0001"


def test_long_text_is_split_into_speaks_deepgram_accepts() -> None:
    text = " ".join(["word"] * 1000)  # 4999 characters
    pieces = speak_pieces(text)
    assert "".join(pieces) == text
    assert all(len(p) <= 2000 for p in pieces)
    assert speak_pieces("x" * 2500) == ["x" * 2000, "x" * 500]


class FakeWire:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.inbound: asyncio.Queue[bytes | str | None] = asyncio.Queue()

    async def speak(self, text: str) -> None:
        self.sent.append(f"Speak:{text}")

    async def flush(self) -> None:
        self.sent.append("Flush")

    async def clear(self) -> None:
        self.sent.append("Clear")

    async def messages(self) -> AsyncIterator[bytes | str | None]:
        while (message := await self.inbound.get()) != "END":
            yield message

    def close_reason(self) -> str:
        return "closed 1000"

    async def close(self) -> None:
        await self.inbound.put("END")


class FakeClient(OneSocketClient):
    def __init__(self, segmenting: bool = False) -> None:
        super().__init__(segmenting=segmenting)
        self.fake = FakeWire()

    async def connect(self) -> Wire:
        return self.fake


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_the_segmenting_floor_flushes_at_the_first_sentence_end_and_at_the_end() -> None:
    client = FakeClient(segmenting=True)
    await client.open()
    turn = client.turn(TurnRecord())
    for token in ["Hi", " there.", " More", " text.", " End"]:
        await turn.push(token)
    await turn.end()
    assert client.fake.sent == [
        "Speak:Hi",
        "Speak: there.",
        "Flush",
        "Speak: More",
        "Speak: text.",
        "Speak: End",
        "Flush",
    ]
    await client.fake.inbound.put(b"\1\0" * 960)
    await client.fake.inbound.put("Flushed")
    await settle()
    assert not turn.finished.is_set()  # one of two flushes acknowledged
    await client.fake.inbound.put("Flushed")
    await settle()
    assert turn.finished.is_set()
    assert turn.record.audio_bytes == 1920
    await client.close()


async def test_after_a_naive_interrupt_late_audio_reaches_the_next_turn() -> None:
    client = FakeClient()
    await client.open()
    first = client.turn(TurnRecord(index=0))
    await first.push("One.")
    await first.end()
    await first.interrupt()
    assert client.fake.sent[-1] == "Clear"
    await client.fake.inbound.put(b"\1\0" * 10)  # in flight: nobody is current but turn A
    await settle()
    second = client.turn(TurnRecord(index=1))
    await client.fake.inbound.put(b"\2\0" * 10)  # still in flight, now heard as turn B's
    await settle()
    assert first.record.audio_bytes == 20
    assert second.record.audio_bytes == 20
    await client.close()
    assert second.finished.is_set()  # the socket's end ends the current turn
    assert second.record.error == "closed 1000"


def test_disjoint_alphabets_tell_turns_apart_whatever_the_framing() -> None:
    a = alphabet_text("abcdefghij", 12, seed=1)
    b = alphabet_text("klmnopqrst", 12, seed=1)
    assert not ({*a} & {*b}) - {" ", "."}
    prints = Fingerprints([a, b])
    for size in (1920, 480, 4000):
        kinds_a = {prints.classify(f) for f in frames(tone(a), size)}
        kinds_b = {prints.classify(f) for f in frames(tone(b), size)}
        assert 0 in kinds_a
        assert 1 not in kinds_a
        assert 1 in kinds_b
        assert 0 not in kinds_b
    assert prints.classify(b"\0" * 1920) is None


def test_the_interrupt_figures_count_stale_audio_by_its_content() -> None:
    text_a = alphabet_text("abcdefghij", 20, seed=2)
    text_b = alphabet_text("klmnopqrst", 5, seed=2)
    a = TurnRecord(keep_audio=True, started=0.0)
    b = TurnRecord(keep_audio=True, started=1.0)
    audio_a = frames(tone(text_a))
    a.on_audio(audio_a[0], at=0.9)
    a.interrupted_at, a.interrupt_returned = 1.0, 1.001
    a.on_audio(audio_a[1], at=1.01)  # delivered after the interrupt, still as A
    b.on_audio(audio_a[2], at=1.02)  # A's audio heard as B's: stale
    for i, frame in enumerate(frames(tone(text_b))):
        b.on_audio(frame, at=1.2 + i * 0.01)
    figures = interrupts.measure(a, b, text_a, text_b)
    assert figures["a_chunks_after_interrupt"] == 2
    assert figures["stale_in_b"] == 1
    assert figures["to_quiet_ms"] == pytest.approx(20.0)
    assert figures["to_next_audio_ms"] == pytest.approx(200.0)


def test_the_interrupt_figures_of_a_fenced_client() -> None:
    text_a = alphabet_text("abcdefghij", 20, seed=3)
    text_b = alphabet_text("klmnopqrst", 5, seed=3)
    a = TurnRecord(keep_audio=True, started=0.0)
    b = TurnRecord(keep_audio=True, started=1.0)
    a.on_audio(frames(tone(text_a))[0], at=0.9)
    a.interrupted_at, a.interrupt_returned = 1.0, 1.0002
    b.on_audio(frames(tone(text_b))[0], at=1.05)
    figures = interrupts.measure(a, b, text_a, text_b, ["a"], ["b"])
    assert figures["to_quiet_ms"] == pytest.approx(0.2)
    assert figures["stale_in_b"] == 0
    assert figures["stale_labelled_as_b"] == 0


def test_a_level_is_sustained_only_without_lag_underruns_or_errors() -> None:
    good = {"loop_lag_ms": {"p99": 5.0}, "turns_with_underruns": 0, "errors": 0}
    assert realtime.sustained(good)
    assert not realtime.sustained({**good, "loop_lag_ms": {"p99": 20.0}})
    assert not realtime.sustained({**good, "turns_with_underruns": 1})
    assert not realtime.sustained({**good, "errors": 1})
    assert not realtime.sustained({**good, "loop_lag_ms": {"p99": None}})


def test_the_windows_of_a_level_combine_into_one_figure() -> None:
    def window(cpu_s: float, chunks: int, lag: float, underruns: int) -> dict[str, Any]:
        return {
            "streams": 100,
            "cpu_s": cpu_s,
            "chunks": chunks,
            "window_s": 10.0,
            "turns": 10,
            "loop_lag_ms": {"p99": lag},
            "emulator_cpu_cores": 0.2,
            "underruns": underruns,
            "turns_with_underruns": underruns,
            "errors": 0,
            "first_error": None,
        }

    both = realtime.combined([window(1.0, 10000, 3.0, 0), window(3.0, 10000, 7.0, 0)])
    assert both["cpu_us_per_chunk"] == 200.0  # over all chunks, not a mean of the two ratios
    assert both["client_cpu_cores"] == 0.2
    assert both["loop_lag_ms"]["p99"] == 7.0
    assert both["turns"] == 20
    assert realtime.sustained(both)
    assert not realtime.sustained(
        realtime.combined([window(1.0, 10000, 3.0, 0), window(1.0, 10000, 3.0, 2)])
    )


def test_the_cost_ratio_is_ours_over_the_floor_at_the_same_level_and_server() -> None:
    def run(client: str, workers: int, cost: float) -> dict[str, Any]:
        return {
            "client": client,
            "workers": workers,
            "levels": [{"streams": 100, "cpu_us_per_chunk": cost}],
        }

    runs = [
        run("floor (raw websockets)", 1, 40.0),
        run("deepgram_tts2", 1, 60.0),
        run("floor (raw websockets)", 2, 50.0),
        run("deepgram_tts2", 2, 55.0),
        run("deepgram_tts2", 3, 10.0),  # no floor with 3 emulator processes: not compared
    ]
    cost = realtime.cost_at(runs, 100)
    assert cost["workers"] == 2
    assert cost["ratio"] == 1.1
    assert realtime.cost_at(runs[:2], 100)["ratio"] == 1.5
    assert realtime.cost_at(runs, 200)["ratio"] is None


class Counting:
    """A client that only counts what it was asked."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.opened = self.closed = False

    async def open(self) -> None:
        self.opened = True

    async def close(self) -> None:
        self.closed = True

    def turn(self, record: TurnRecord) -> Any:
        raise NotImplementedError


async def test_side_by_side_runs_every_client_in_steps_and_summarises_before_closing() -> None:
    made: list[Counting] = []

    def factory(name: str) -> Any:
        def make(_endpoint: Endpoint, _sizing: Sizing) -> Counting:
            made.append(Counting(name))
            return made[-1]

        return make

    specs = [AdapterSpec("a", "A", factory("A")), AdapterSpec("b", "B", factory("B"))]

    async def step(client: Any, k: int, time_left_s: float) -> tuple[str, int, bool]:
        return client.name, k, time_left_s <= 0.06  # about one interval, never more

    def summarize(spec: AdapterSpec, client: Any, steps: list[Any]) -> dict[str, Any]:
        return {"steps": steps, "open_while_summarised": not client.closed}

    endpoint = Endpoint("ws://127.0.0.1:1/v1/speak", "http://127.0.0.1:1", "k")
    out = await side_by_side(
        specs, endpoint, steps=2, interval_s=0.05, step=step, summarize=summarize
    )
    assert list(out) == ["A", "B"]
    assert out["A"]["steps"] == [("A", 0, True), ("A", 1, True)]
    assert [k for _, k, _ in out["B"]["steps"]] == [0, 1]
    assert out["B"]["open_while_summarised"]
    assert all(c.opened and c.closed for c in made)


def test_stale_audio_is_counted_by_the_context_id_it_carried() -> None:
    text_a, text_b = interrupts.texts_for(0)
    earlier_a, earlier_b = interrupts.texts_for(1)  # another round's alphabets
    a = TurnRecord(keep_audio=True, started=0.0)
    b = TurnRecord(keep_audio=True, started=1.0)
    a.on_audio(frames(tone(text_a))[0], at=0.9)
    a.interrupted_at, a.interrupt_returned = 1.0, 1.0
    b.on_audio(frames(tone(text_a))[3], at=1.01)  # A's audio, labelled as B's context
    b.on_audio(frames(tone(text_a))[4], at=1.02)  # A's audio, still labelled A
    b.on_audio(frames(tone(earlier_b))[1], at=1.03)  # an earlier round's audio
    figures = interrupts.measure(
        a,
        b,
        text_a,
        text_b,
        ["ctx-a"],
        ["ctx-b", "ctx-a", "ctx-b"],
        [earlier_a, earlier_b],
        b_context={"ctx-b"},
    )
    assert figures["stale_in_b"] == 2
    assert figures["stale_labelled_as_b"] == 1
    assert figures["stale_labelled_as_a"] == 1
    assert figures["earlier_rounds_in_b"] == 1
    assert figures["to_next_audio_ms"] is None
    assert figures["b_error"] == "turn B's own audio never came"

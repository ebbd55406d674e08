"""Guarder test_flush.py: flush on the first frame -> end(2), then flush_end, then silence."""

from __future__ import annotations

from deepgram_tts2.emulator.config import Pacing
from deepgram_tts2.emulator.server import Emulator
from tests.conftest import EmulatorFactory
from tests.integrations.ten.conftest import TesterFactory

PASSAGE = (
    "Mr. and Mrs. Dursley, of number four, Privet Drive, were proud to say that they were "
    "perfectly normal, thank you very much. They were the last people you'd expect to be "
    "involved in anything strange or mysterious, because they just didn't hold with such nonsense."
)
SESSION = "test_flush_session_123"


async def _flush_on_first_frame(tester_factory: TesterFactory, emulator: Emulator | None) -> None:
    tester = await tester_factory("property_dump.json", emulator=emulator, dump=False)
    tester.send_text(
        "test_flush_request_id_1", PASSAGE, False, {"session_id": SESSION, "turn_id": 1}
    )
    await tester.wait_for(lambda t: bool(t.frames()), within_s=30)
    tester.send_flush("test_flush_request_id_1", {"session_id": SESSION})
    await tester.wait_for(lambda t: bool(t.data("tts_flush_end")), within_s=30)
    names = [e.name for e in tester.events if e.kind == "data"]
    assert names.index("tts_audio_end") < names.index("tts_flush_end")
    assert all(e["reason"] == 2 for e in tester.ends())
    assert tester.data("tts_flush_end") == [
        {"flush_id": "test_flush_request_id_1", "metadata": {"session_id": SESSION}}
    ]
    after = await tester.quiet(5.0)
    assert [e for e in after if e.kind == "audio"] == []
    assert [e.name for e in after if e.kind == "data" and e.name != "metrics"] == []
    assert tester.errors() == []


async def test_flush(tester_factory: TesterFactory) -> None:
    await _flush_on_first_frame(tester_factory, None)


async def test_flush_with_frames_in_flight(
    tester_factory: TesterFactory, emulator_factory: EmulatorFactory
) -> None:
    """Real-time pacing: frames are still on the wire when the flush arrives."""
    slow = await emulator_factory(
        pacing=Pacing(first_audio_ms=50, per_char_ms=0, chunk_ms=20, realtime_factor=1.0)
    )
    await _flush_on_first_frame(tester_factory, slow)

"""Guarder test_basic_audio_setting.py: two configs, two different pcm_frame sample rates."""

from __future__ import annotations

from tests.integrations.ten.conftest import TesterFactory
from tests.integrations.ten.harness import HELLO, check_requests


async def _run(tester_factory: TesterFactory, config: str, rid: str, session: str) -> int:
    tester = await tester_factory(config)
    metadata = {"session_id": session, "turn_id": 1}
    tester.send_text(rid, HELLO, True, metadata)
    await tester.wait_for(lambda t: t.ended(rid), within_s=180)
    assert tester.frames(), "audio frames must arrive before tts_audio_end"
    assert tester.errors() == []
    check_requests(tester, [(rid, metadata)])
    return tester.frames()[0].sample_rate


async def test_sample_rate_comparison(tester_factory: TesterFactory) -> None:
    first = await _run(
        tester_factory, "property_basic_audio_setting1.json", "1", "test_session_16K_Test"
    )
    second = await _run(
        tester_factory, "property_basic_audio_setting2.json", "2", "test_session_32K_Test"
    )
    assert (first, second) == (24000, 16000)

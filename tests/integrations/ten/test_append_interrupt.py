"""Guarder test_append_interrupt.py: flush on the first frame; the queued group never starts."""

from __future__ import annotations

import asyncio
import pathlib

from tests.integrations.ten.conftest import TesterFactory
from tests.integrations.ten.harness import check_requests, dump_files

SESSION = "test_append_interrupt_session_123"
FLUSH_ID = f"test_append_interrupt_flush_{SESSION}"
G1 = [
    f"This is long sentence number {i} of the first group, spoken slowly and at length."
    for i in range(5)
]
G2 = ["Second group, first sentence.", "Second group, second sentence."]
G3 = ["Now we start the third group of inputs.", "This is the fifth text input message."]
G4 = ["And finally the fourth group text input message."]


def rid(n: int) -> str:
    return f"test_append_interrupt_request_id_{n}"


def meta(n: int) -> dict[str, object]:
    return {"session_id": SESSION, "turn_id": n}


async def test_append_interrupt(tester_factory: TesterFactory) -> None:
    tester = await tester_factory("property_dump.json")
    for n, group in ((1, G1), (2, G2)):
        for i, text in enumerate(group):
            tester.send_text(rid(n), text, i == len(group) - 1, meta(n))
    await tester.wait_for(lambda t: bool(t.frames()), within_s=30)
    tester.send_flush(FLUSH_ID, {"session_id": SESSION})
    await tester.wait_for(lambda t: bool(t.data("tts_flush_end")), within_s=30)
    ends = tester.ends()
    assert [(e["request_id"], e["reason"]) for e in ends] == [(rid(1), 2)]
    assert tester.data("tts_flush_end") == [
        {"flush_id": FLUSH_ID, "metadata": {"session_id": SESSION}}
    ]
    assert all(s["request_id"] == rid(1) for s in tester.data("tts_audio_start"))
    await asyncio.sleep(1)
    assert len(dump_files(pathlib.Path("dump"))) == 1
    for n, group in ((3, G3), (4, G4)):
        for i, text in enumerate(group):
            tester.send_text(rid(n), text, i == len(group) - 1, meta(n))
    await tester.wait_for(lambda t: t.ended(rid(4)), within_s=30)
    later = [e for e in tester.ends() if e["request_id"] in (rid(3), rid(4))]
    assert [e["reason"] for e in later] == [1, 1]
    assert tester.errors() == []
    check_requests(tester, [(rid(1), meta(1)), (rid(3), meta(3)), (rid(4), meta(4))], reason=None)
    await asyncio.sleep(1)
    assert len(dump_files(pathlib.Path("dump"))) == 3

"""Guarder test_dump.py, plus dump file contents and safety."""

from __future__ import annotations

import pathlib

from tests.integrations.ten.conftest import TesterFactory
from tests.integrations.ten.harness import HELLO, check_requests, dump_files


async def test_dump(tester_factory: TesterFactory) -> None:
    tester = await tester_factory("property_dump.json")
    metadata = {"session_id": "test_dump_session_123", "turn_id": 1}
    tester.send_text("test_dump_request_id_1", HELLO, True, metadata)
    await tester.wait_for(lambda t: t.ended("test_dump_request_id_1"), within_s=180)
    assert tester.errors() == []
    check_requests(tester, [("test_dump_request_id_1", metadata)])


async def test_dump_is_byte_identical_to_the_frames(tester_factory: TesterFactory) -> None:
    tester = await tester_factory("property_dump.json")
    tester.send_text("bytes", HELLO, True, {"session_id": "s", "turn_id": 1})
    await tester.wait_for(lambda t: t.ended("bytes"), within_s=60)
    (dump,) = dump_files(pathlib.Path("dump"))
    assert dump.read_bytes() == b"".join(f.audio for f in tester.frames())


async def test_a_hostile_request_id_cannot_escape_dump_path(
    tester_factory: TesterFactory, tmp_path: pathlib.Path
) -> None:
    tester = await tester_factory("property_dump.json")
    for rid in ("../../x", "/etc/passwd", "..", "a/../../b"):
        tester.send_text(rid, "Escape attempt.", True, {"session_id": "s", "turn_id": 1})
        await tester.wait_for(lambda t, r=rid: t.ended(r), within_s=30)
    dumps = dump_files(pathlib.Path("dump"))
    assert len(dumps) == 4
    root = (tmp_path / "dump").resolve()
    assert all(p.resolve().parent == root for p in dumps)
    assert _all_pcm(tmp_path) == sorted(p.name for p in dumps)


async def test_no_dump_without_audio(tester_factory: TesterFactory) -> None:
    tester = await tester_factory("property_dump.json")
    tester.send_text("blank", "   ", True, {"session_id": "s", "turn_id": 1})
    await tester.wait_for(lambda t: t.ended("blank"), within_s=5)
    assert dump_files(pathlib.Path("dump")) == []


def _all_pcm(root: pathlib.Path) -> list[str]:
    """Every .pcm file anywhere under ``root`` (a file outside dump_path would show here)."""
    return sorted(p.name for p in root.rglob("*.pcm"))

"""Guarder test_dump_each_request_id.py: two requests, two dump files."""

from __future__ import annotations

import asyncio
import pathlib

from tests.integrations.ten.conftest import TesterFactory
from tests.integrations.ten.harness import HELLO, check_requests, dump_files


async def test_dump_each_request_id(tester_factory: TesterFactory) -> None:
    tester = await tester_factory("property_dump.json")
    metadata = {"session_id": "test_dump_each_request_id_session_123", "turn_id": 1}
    first, second = (
        "test_dump_each_request_id_request_id_1",
        "test_dump_each_request_id_request_id_2",
    )
    tester.send_text(first, HELLO, True, metadata)
    await tester.wait_for(lambda t: t.ended(first), within_s=60)
    await asyncio.sleep(1)
    tester.send_text(second, "second request id" + HELLO, True, metadata)
    await tester.wait_for(lambda t: t.ended(second), within_s=60)
    assert tester.errors() == []
    check_requests(tester, [(first, metadata), (second, metadata)])
    await asyncio.sleep(1)
    assert len(dump_files(pathlib.Path("dump"))) == 2

"""Guarder test_append_input_stress.py: 20 sequential requests, reason 1, 20 dump files.

The guarder sleeps 5 s (blocking) before each request, only to pace itself; here the requests
follow each other after 0.2 s, which is stricter for the extension and keeps the suite fast.
The guarder's 130 s limit is kept.
"""

from __future__ import annotations

import asyncio
import pathlib
import random
import string
import uuid

from tests.integrations.ten.conftest import TesterFactory
from tests.integrations.ten.harness import check_requests, dump_files


async def test_append_input_stress(tester_factory: TesterFactory) -> None:
    tester = await tester_factory("property_dump.json")
    session = f"test_append_input_stress_{uuid.uuid4().hex[:8]}"
    expected = []
    async with asyncio.timeout(30 + 5 * 20):
        for i in range(20):
            await asyncio.sleep(0.2)
            suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=6))
            rid = f"stress_req_{i}_{uuid.uuid4().hex[:8]}_{suffix}"
            metadata = {"session_id": session, "turn_id": i + 1}
            expected.append((rid, metadata))
            tester.send_text(rid, f"hello word{i}", True, metadata)
        await tester.wait_for(lambda t: len(t.ends()) == 20, within_s=60)
    assert tester.errors() == []
    check_requests(tester, expected, reason=1)
    for attempt in range(10):
        if len(dump_files(pathlib.Path("dump"))) == 20:
            break
        await asyncio.sleep(min(0.5 * 1.5**attempt, 2))
    assert len(dump_files(pathlib.Path("dump"))) == 20

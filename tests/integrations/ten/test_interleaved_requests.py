"""Guarder test_interleaved_requests.py: eight ids interleaved, served in first-seen order."""

from __future__ import annotations

import asyncio
import pathlib

from tests.integrations.ten.conftest import TesterFactory
from tests.integrations.ten.harness import check_requests, dump_files

COUNTS = {1: 6, 2: 4, 3: 1, 4: 3, 5: 2, 6: 3, 7: 1, 8: 3}
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth"]
ORDER = [
    (1, 0),
    (1, 1),
    (1, 2),
    (2, 0),
    (2, 1),
    (1, 3),
    (1, 4),
    (3, 0),
    (2, 2),
    (2, 3),
    (1, 5),
    (4, 0),
    (4, 1),
    (5, 0),
    (6, 0),
    (6, 1),
    (7, 0),
    (8, 0),
    (8, 1),
    (4, 2),
    (6, 2),
    (5, 1),
    (8, 2),
]
SESSION = "test_interleaved_requests_session_123"


async def test_interleaved_requests(tester_factory: TesterFactory) -> None:
    tester = await tester_factory("property_dump.json")
    for n, i in ORDER:
        tester.send_text(
            f"test_interleaved_request_id_{n}",
            f"This is the {ORDINALS[i]} message for request {n}.",
            i == COUNTS[n] - 1,
            {"session_id": SESSION, "turn_id": n},
        )
    await tester.wait_for(lambda t: len(t.ends()) == 8, within_s=120)
    assert tester.errors() == []
    expected = [
        (f"test_interleaved_request_id_{n}", {"session_id": SESSION, "turn_id": n})
        for n in range(1, 9)
    ]
    check_requests(tester, expected, reason=1)
    await asyncio.sleep(1)
    assert len(dump_files(pathlib.Path("dump"))) == 8

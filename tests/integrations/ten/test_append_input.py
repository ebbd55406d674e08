"""Guarder test_append_input.py: seven groups (group 6 is never sent), six ordered requests."""

from __future__ import annotations

import asyncio
import pathlib

from tests.integrations.ten.conftest import TesterFactory
from tests.integrations.ten.harness import check_requests, dump_files

GROUPS = [
    [
        "Hello world, this is the first text input.",
        "This is the second text input for testing.",
        "",
    ],
    ["And this is the third text input message.", ","],
    ["Now we start the second group of inputs.", "This is the fifth text input message.", " "],
    ["And finally the sixth text input message.", "😊"],
    [
        "This is group 5, first text.",
        "This is group 5, second text.",
        "This is group 5, third text.",
    ],
    [""],
    ["This is group 7, first text.", "This is group 7, second text."],
]
SESSION = "test_append_input_session_123"


async def test_append_input(tester_factory: TesterFactory) -> None:
    tester = await tester_factory("property_dump.json")
    expected = []
    for n, texts in enumerate(GROUPS, start=1):
        rid = f"test_append_input_request_id_{n}"
        metadata = {"session_id": SESSION, "turn_id": n}
        if texts == [""]:
            continue  # the guarder does not send group 6 at all
        expected.append((rid, metadata))
        for i, text in enumerate(texts):
            tester.send_text(rid, text, i == len(texts) - 1, metadata)
    await tester.wait_for(lambda t: len(t.ends()) == 6, within_s=60)
    check_requests(tester, expected, reason=None)
    await asyncio.sleep(1)
    assert len(dump_files(pathlib.Path("dump"))) == 6

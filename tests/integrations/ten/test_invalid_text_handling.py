"""Guarder test_invalid_text_handling.py: an odd chunk never stops the valid one's audio.

27 cases, a fresh extension each. The guarder waits 2 s after the odd chunk and 5 s after the
valid one; here the wait after the odd chunk is 0.3 s and the valid chunk's audio is awaited
(up to the guarder's 5 s), which asks at least as much of the extension.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.integrations.ten.conftest import TesterFactory

INVALID = [
    "",
    " ",
    "   ",
    "\n",
    "\t",
    "\n\t\n",
    ":-)",
    "😊",
    "😀😃😄😁",
    "，",
    "。",
    "/",
    "】",
    "（",
    ".",
    "/",
    "(",
    "]",
    "}",
    "！",
    "？",
    "；",
    "：",
    "x = (-b ± √(b² - 4ac)) / 2a",
    "2H₂ + O₂ → 2H₂O",
    "H₂O",
    "   \n\t😊，。/(]}x = (-b ± √(b² - 4ac)) / 2a",
]
VALID = ["Hello world.", "Emoji test.", "Mixed invalid text test."]


@pytest.mark.parametrize("case", range(len(INVALID)))
async def test_invalid_text_handling(tester_factory: TesterFactory, case: int) -> None:
    tester = await tester_factory("property_basic_audio_setting1.json")
    rid = f"test_invalid_request_{case}"
    metadata = {"session_id": f"test_invalid_text_session_{case}", "turn_id": case + 1}
    tester.send_text(rid, INVALID[case], False, metadata)
    await asyncio.sleep(0.3)
    reset = len(tester.events)
    tester.send_text(rid, VALID[case % len(VALID)], True, metadata)
    await tester.wait_for(lambda t: any(e.kind == "audio" for e in t.events[reset:]), within_s=5)
    for error in tester.errors():  # tolerated by the guarder, but must be well-formed
        assert error["code"] == 1000
        assert error["vendor_info"]["vendor"] == "deepgram"

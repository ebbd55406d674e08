"""The upstream extension's robustness cases: blank, whitespace, long and special text each
end their request, without an error."""

from __future__ import annotations

from .support import SendAndWait, load_config, run_tester

CASES = {
    "blank": "",
    "spaces": "   \n\t   ",
    "long": "This is a longer piece of text. " * 20,
    "special": "Hello! How are you? I'm fine, thanks. $100 is 100%.",
}


def test_robustness() -> None:
    tester = SendAndWait([(rid, text, True) for rid, text in CASES.items()])
    run_tester(tester, load_config("property_basic_audio_setting1.json"))
    assert tester.errors() == []
    assert [e["request_id"] for e in tester.ends()] == list(CASES)
    assert all(e["reason"] == 1 for e in tester.ends())
    assert tester.ends()[2]["request_total_audio_duration_ms"] > 10_000

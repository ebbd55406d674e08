"""Guarder test_invalid_required_params.py."""

from __future__ import annotations

from tests.integrations.ten.conftest import TesterFactory


async def test_invalid_required_params(tester_factory: TesterFactory) -> None:
    tester = await tester_factory("property_invalid.json")
    tester.send_text(
        "1",
        "Hello, world!",
        True,
        {"session_id": "test_invalid_required_params_session_123", "turn_id": 1},
    )
    await tester.wait_for(lambda t: bool(t.errors()), within_s=30)
    first = tester.errors()[0]
    assert first["code"] == -1000
    assert first["vendor_info"]["vendor"] == "deepgram"
    assert first["vendor_info"]["code"] == "401"
    await tester.wait_for(lambda t: t.ended("1"), within_s=5)
    assert len(tester.errors()) == 1  # exactly one error per failure
    assert tester.ends()[0]["reason"] == 3

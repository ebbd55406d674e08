"""Guarder test_invalid_required_params.py and test_miss_required_params.py; 2.5 error cases."""

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


async def test_miss_required_params(tester_factory: TesterFactory) -> None:
    tester = await tester_factory("property_miss_required.json")
    await tester.wait_for(lambda t: bool(t.errors()), within_s=5)  # spontaneous, from on_init
    error = tester.errors()[0]
    assert error["code"] == -1000
    assert error["message"]
    assert error["vendor_info"]["vendor"] == "deepgram"


async def test_missing_key_variable_gives_our_fatal_error(
    tester_factory: TesterFactory, monkeypatch: object
) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.delenv("DEEPGRAM_API_KEY")  # ${env:DEEPGRAM_API_KEY|} resolves to ""
    tester = await tester_factory("property_basic_audio_setting1.json")
    await tester.wait_for(lambda t: bool(t.errors()), within_s=5)
    assert tester.errors()[0]["code"] == -1000

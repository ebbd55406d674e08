"""Guarder test_miss_required_params.py: a spontaneous FATAL error (also for an unset variable)."""

from __future__ import annotations

from tests.integrations.ten.conftest import TesterFactory


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

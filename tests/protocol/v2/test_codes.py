"""Flux code registries, close codes after an Error, and their classification (flux §2.4, §4)."""

from __future__ import annotations

import pytest

from deepgram_tts2.protocol.errors import ErrorClass
from deepgram_tts2.protocol.v2.codes import (
    INTERRUPT_WARNINGS,
    CloseScheme,
    ConfigureFailureCode,
    ErrorCode,
    WarningCode,
    classify_configure_failure,
    classify_error,
    classify_v2_close,
    classify_warning,
    close_code_for,
    parse_error_code,
)


def test_the_error_registry_is_the_sdks() -> None:
    assert {c.value for c in ErrorCode} == {
        "MESSAGE-0000",
        "DATA-0000",
        "DATA-0002",
        "BIG-0000",
        "NET-0000",
        "NET-0001",
        "NET-0002",
        "NET-0003",
        "NET-0004",
    }
    assert all(c.description.endswith(".") for c in ErrorCode)


@pytest.mark.parametrize(
    ("code", "v1"),
    [
        (ErrorCode.MESSAGE_0000, 1003),
        (ErrorCode.DATA_0000, 1008),
        (ErrorCode.DATA_0002, 1008),
        (ErrorCode.BIG_0000, 1009),
        (ErrorCode.NET_0000, 1011),
        (ErrorCode.NET_0003, 1011),
        (ErrorCode.NET_0004, 1011),
    ],
)
def test_close_codes_follow_the_chosen_scheme(code: ErrorCode, v1: int) -> None:
    assert close_code_for(code) == v1
    assert close_code_for(code, CloseScheme.NORMAL) == 1000
    assert close_code_for(code, CloseScheme.INTERNAL) == 1011


@pytest.mark.parametrize(
    ("code", "klass"),
    [
        ("MESSAGE-0000", ErrorClass.INPUT),
        ("DATA-0000", ErrorClass.INPUT),
        ("DATA-0002", ErrorClass.INPUT),
        ("BIG-0000", ErrorClass.INPUT),
        ("NET-0000", ErrorClass.TRANSIENT),
        ("NET-0001", ErrorClass.TRANSIENT),
        ("NET-0002", ErrorClass.TRANSIENT),
        ("NET-0003", ErrorClass.TRANSIENT),
        ("NET-0004", ErrorClass.TRANSIENT),
        ("SOMETHING-9999", ErrorClass.TRANSIENT),
    ],
)
def test_errors_classify(code: str, klass: ErrorClass) -> None:
    assert classify_error(code) is klass


def test_warnings_classify() -> None:
    assert classify_warning("SYNTHESIS_RETRYING") is ErrorClass.TRANSIENT
    for code in WarningCode:
        if code is not WarningCode.SYNTHESIS_RETRYING:
            assert classify_warning(code.value) is ErrorClass.INPUT, code
    assert classify_warning("NEW_WARNING") is ErrorClass.TRANSIENT
    assert {
        WarningCode.NO_AUDIO_GENERATED,
        WarningCode.INTERRUPT_IN_PROGRESS,
        WarningCode.INVALID_INTERRUPT_OFFSET,
    } == INTERRUPT_WARNINGS


def test_configure_failures_classify() -> None:
    assert classify_configure_failure("INTERNAL_ERROR") is ErrorClass.TRANSIENT
    assert classify_configure_failure("BRAND_NEW") is ErrorClass.TRANSIENT
    for code in ConfigureFailureCode:
        if code is not ConfigureFailureCode.INTERNAL_ERROR:
            assert classify_configure_failure(code.value) is ErrorClass.INPUT


def test_a_close_is_classified_by_the_error_before_it() -> None:
    # "Clients should key on the preceding Error.code, not the close code" (flux §4).
    assert classify_v2_close(1000, "", last_error="DATA-0002") is ErrorClass.INPUT
    assert classify_v2_close(1011, "NET-0004", last_error="NET-0004") is ErrorClass.TRANSIENT
    assert classify_v2_close(1000) is None
    assert classify_v2_close(None) is ErrorClass.TRANSIENT
    assert classify_v2_close(1008, "DATA-0000") is ErrorClass.INPUT
    assert parse_error_code("NET-0004") is ErrorCode.NET_0004
    assert parse_error_code("nope") is None

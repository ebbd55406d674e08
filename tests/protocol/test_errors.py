"""Close codes, reason ids and the classification of wire observations."""

from __future__ import annotations

import pytest

from deepgram_tts2.protocol.errors import (
    CloseReason,
    ErrorClass,
    classify_close,
    classify_http_status,
    classify_warning,
    format_close_reason,
    parse_close_reason,
)


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        (CloseReason.MESSAGE_0000, 1003),
        (CloseReason.DATA_0000, 1008),
        (CloseReason.DATA_0001, 1008),
        (CloseReason.BIG_0000, 1009),
        (CloseReason.BIG_0001, 1009),
        (CloseReason.NET_0000, 1011),
        (CloseReason.NET_0001, 1011),
        (CloseReason.NET_0002, 1011),
        (CloseReason.NET_0003, 1011),
    ],
)
def test_every_reason_has_deepgrams_close_code(reason: CloseReason, code: int) -> None:
    assert reason.close_code == code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DATA-0001", CloseReason.DATA_0001),
        ("Too many characters (DATA-0001)", CloseReason.DATA_0001),
        (
            "Deepgram did not receive a text message within the timeout window. "
            "See https://dpgr.am/net0001",
            CloseReason.NET_0001,
        ),
        ("", None),
        ("DATA-9999", None),
        ("goodbye", None),
    ],
)
def test_reason_ids_are_found_bare_or_as_links(text: str, expected: CloseReason | None) -> None:
    assert parse_close_reason(text) is expected


@pytest.mark.parametrize("reason", list(CloseReason))
def test_formatted_reasons_parse_back_and_fit_a_close_frame(reason: CloseReason) -> None:
    for prose in (False, True):
        text = format_close_reason(reason, prose=prose)
        assert len(text.encode()) <= 123
        assert parse_close_reason(text) is reason


@pytest.mark.parametrize(
    ("code", "reason", "expected"),
    [
        (1000, "", None),
        (1001, "", None),
        (1003, "MESSAGE-0000", ErrorClass.INPUT),
        (1008, "DATA-0000", ErrorClass.INPUT),
        (1008, "DATA-0001", ErrorClass.RATE_LIMIT),
        (1009, "BIG-0001", ErrorClass.INPUT),
        (1011, "NET-0000", ErrorClass.TRANSIENT),
        (1011, "NET-0003", ErrorClass.TRANSIENT),
        (1011, "", ErrorClass.TRANSIENT),
        (1006, "", ErrorClass.TRANSIENT),
        (None, "", ErrorClass.TRANSIENT),
        (1008, "", ErrorClass.INPUT),
        (4000, "", ErrorClass.TRANSIENT),
    ],
)
def test_close_classification_follows_spec_2_8(
    code: int | None, reason: str, expected: ErrorClass | None
) -> None:
    assert classify_close(code, reason) is expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (101, None),
        (200, None),
        (400, ErrorClass.INPUT),
        (401, ErrorClass.AUTH),
        (402, ErrorClass.AUTH),
        (403, ErrorClass.AUTH),
        (408, ErrorClass.TRANSIENT),
        (413, ErrorClass.INPUT),
        (415, ErrorClass.INPUT),
        (429, ErrorClass.RATE_LIMIT),
        (500, ErrorClass.TRANSIENT),
        (503, ErrorClass.TRANSIENT),
    ],
)
def test_http_status_classification(status: int, expected: ErrorClass | None) -> None:
    assert classify_http_status(status) is expected


def test_warning_classification() -> None:
    assert classify_warning("EXCESSIVE_FLUSH") is ErrorClass.RATE_LIMIT
    assert classify_warning("SOMETHING_NEW") is ErrorClass.TRANSIENT


def test_only_rate_limit_and_transient_are_retryable() -> None:
    assert {c for c in ErrorClass if c.retryable} == {ErrorClass.RATE_LIMIT, ErrorClass.TRANSIENT}

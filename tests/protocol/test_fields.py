"""The shared readers of outside values: total, and as strict as Deepgram's (Rust) parsers."""

from __future__ import annotations

import math

import pytest

from deepgram_tts2.protocol import fields


@pytest.mark.parametrize(
    ("text", "value"),
    [("24000", 24000), ("0", 0), ("4294967295", 2**32 - 1), ("007", 7)],
)
def test_unsigned_query_values_in_ascii_digits_are_read(text: str, value: int) -> None:
    assert fields.query_unsigned(text) == value


@pytest.mark.parametrize(
    "text",
    ["", " 24000", "24000 ", "24_000", "+24000", "-1", "24000.0", "2e4", "\u0662\u0664",
     "\u00b2", "4294967296", "1" * 5000],
)  # fmt: skip
def test_other_unsigned_query_values_are_refused(text: str) -> None:
    assert fields.query_unsigned(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", 1.0), ("1.25", 1.25), (".5", 0.5), ("5.", 5.0), ("-0.7", -0.7), ("1e0", 1.0)],
)
def test_float_query_values_in_rust_notation_are_read(text: str, value: float) -> None:
    assert fields.query_float(text) == value


def test_inf_and_nan_are_read_for_the_range_checks_to_refuse() -> None:
    assert fields.query_float("inf") == math.inf
    assert fields.query_float("-Infinity") == -math.inf
    assert math.isnan(fields.query_float("NaN") or 0.0)


@pytest.mark.parametrize("text", ["", " 1.0", "1_0", "1.0 ", "\u0661.\u0660", "0x1p0", "1,5"])
def test_other_float_query_values_are_refused(text: str) -> None:
    assert fields.query_float(text) is None


def test_json_readers_are_total() -> None:
    assert fields.load_object("[" * 100_000).startswith("invalid JSON")
    assert fields.load_object("[1]") == "JSON value is not an object"
    with pytest.raises(ValueError, match="nested"):
        fields.load_json("[" * 100_000)
    assert fields.finite_float(int("9" * 400)) is None
    assert fields.finite_float(True) is None
    assert fields.finite_float(2) == 2.0
    assert fields.int_field({"a": True, "b": 3}, "a") is None
    assert fields.int_field({"a": True, "b": 3}, "b") == 3
    assert fields.first_str({"a": "", "b": 1, "c": "x"}, "a", "b", "c") == "x"


def test_lone_surrogates_are_found_and_pairs_are_not() -> None:
    assert fields.has_lone_surrogate("a\ud800b")
    assert fields.has_lone_surrogate("\udfff")
    assert not fields.has_lone_surrogate("smile \U0001f600")

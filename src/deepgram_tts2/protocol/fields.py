"""Readers of outside values shared by both APIs' parsers (``/v1/speak`` and ``/v2/speak``).

Every reader is total: it returns the value or ``None``/a description, never raises.

JSON: :func:`load_object` survives any text (deep nesting raises ``RecursionError`` inside the
``json`` module; a number literal beyond a double's range makes ``float()`` raise
``OverflowError``). Query numbers: Deepgram's servers parse query values with Rust's ``FromStr``
through serde (the ``invalid digit found`` and ``invalid float literal`` messages of aura §2.1
and flux §1.3 are Rust's), which takes ASCII digits only, no white space, no ``_`` separators;
Python's ``int()``/``float()`` take all three (and Unicode digits), so they are not used bare.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_UNSIGNED = re.compile(r"[0-9]{1,10}")  # u32: at most 10 digits
# Rust's f32 grammar: decimal or exponent notation, or inf/infinity/nan in any case.
_FLOAT = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)", re.IGNORECASE
)
_U32_MAX = 2**32 - 1


def has_lone_surrogate(text: str) -> bool:
    """True when ``text`` holds an unpaired UTF-16 surrogate: Python's ``json`` decodes an escaped
    ``"\\ud800"`` into one, which is not Unicode text (serde_json, Deepgram's parser, refuses such
    JSON; it cannot even be encoded as UTF-8)."""
    return _LONE_SURROGATE.search(text) is not None


def load_json(text: str | bytes) -> Any:
    """``json.loads(text)``; raises ``ValueError`` for anything that is not JSON we can hold
    (nesting too deep for the parser included)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def load_object(text: str) -> dict[str, Any] | str:
    """A JSON object, or a description of why ``text`` is not one."""
    try:
        value = load_json(text)
    except ValueError as exc:
        return f"invalid JSON: {exc}"
    if not isinstance(value, dict):
        return "JSON value is not an object"
    return value


def first_str(obj: dict[str, Any], *keys: str) -> str:
    """The first non-empty string among ``obj[key]`` for ``keys`` (or "")."""
    for key in keys:
        value = obj.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def int_field(obj: dict[str, Any], key: str) -> int | None:
    """``obj[key]`` when it is a JSON integer (``true``/``false`` are not)."""
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def is_number(value: object) -> bool:
    """A JSON number (``true``/``false`` are not)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def finite_float(value: object) -> float | None:
    """A JSON number as a finite float; None for anything else or one beyond a double's range."""
    if not is_number(value):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except OverflowError:  # an integer literal of hundreds of digits
        return None
    return number if math.isfinite(number) else None


def query_unsigned(text: str) -> int | None:
    """A query value as an unsigned 32-bit integer, the way Deepgram reads one; else None."""
    if _UNSIGNED.fullmatch(text) is None:
        return None
    value = int(text)
    return value if value <= _U32_MAX else None


def query_float(text: str) -> float | None:
    """A query value as a float in the notation Deepgram's parser takes (ASCII; ``inf`` and
    ``nan`` too: range checks refuse them); else None."""
    if _FLOAT.fullmatch(text) is None:
        return None
    return float(text)

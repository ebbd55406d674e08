"""Stand-in of ``ten_runtime/value.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/value.py``, tag 0.11.71 = commit
9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, TypeAlias, TypeVar, cast

from .error import TenError, TenErrorCode

T = TypeVar("T", bound="Value")


class ValueType(IntEnum):
    INVALID = 0
    NULL = 1
    BOOL = 2
    INT = 3
    FLOAT = 4
    STRING = 5
    BYTES = 6
    ARRAY = 7
    OBJECT = 8
    JSON_STRING = 9


ValueDataType: TypeAlias = "bool | int | float | str | bytes | list[Value] | dict[str, Value]"


class Value:
    """A typed value (used for structured log fields)."""

    _type: ValueType
    _data: Any

    def __init__(self, value_type: ValueType, value_data: ValueDataType) -> None:
        self._type = value_type
        self._data = value_data

    @classmethod
    def from_bool(cls: type[T], value: bool) -> T:
        return cls(ValueType.BOOL, value)

    @classmethod
    def from_int(cls: type[T], value: int) -> T:
        return cls(ValueType.INT, value)

    @classmethod
    def from_float(cls: type[T], value: float) -> T:
        return cls(ValueType.FLOAT, value)

    @classmethod
    def from_string(cls: type[T], value: str) -> T:
        return cls(ValueType.STRING, value)

    @classmethod
    def from_buf(cls: type[T], value: bytes) -> T:
        return cls(ValueType.BYTES, value)

    @classmethod
    def from_array(cls: type[T], value: list[Value]) -> T:
        return cls(ValueType.ARRAY, value)

    @classmethod
    def from_object(cls: type[T], value: dict[str, Value]) -> T:
        return cls(ValueType.OBJECT, value)

    @classmethod
    def from_json_string(cls: type[T], value: str) -> T:
        return cls(ValueType.JSON_STRING, value)

    @classmethod
    def from_python(cls: type[T], value: Any) -> T:
        """Python values to a Value; anything unknown becomes its ``str``."""
        if isinstance(value, Value):
            return cls(value._type, value._data)
        if isinstance(value, bool):
            return cls.from_bool(value)
        if isinstance(value, int):
            return cls.from_int(value)
        if isinstance(value, float):
            return cls.from_float(value)
        if isinstance(value, str):
            return cls.from_string(value)
        if isinstance(value, bytes):
            return cls.from_buf(value)
        if isinstance(value, list):
            return cls.from_array([Value.from_python(item) for item in value])
        if isinstance(value, dict):
            return cls.from_object({str(k): Value.from_python(v) for k, v in value.items()})
        return cls.from_string(str(value))

    def get_type(self) -> ValueType:
        return self._type

    def _typed(self, wanted: ValueType, label: str, empty: Any) -> tuple[Any, TenError | None]:
        if self._type != wanted:
            message = f"Value is not {label}, got {self._type.name}"
            return empty, TenError.create(TenErrorCode.ErrorCodeInvalidType, message)
        return self._data, None

    def get_bool(self) -> tuple[bool, TenError | None]:
        value, err = self._typed(ValueType.BOOL, "a boolean", False)
        return cast(bool, value), err

    def get_int(self) -> tuple[int, TenError | None]:
        value, err = self._typed(ValueType.INT, "an integer", 0)
        return cast(int, value), err

    def get_float(self) -> tuple[float, TenError | None]:
        value, err = self._typed(ValueType.FLOAT, "a float", 0.0)
        return cast(float, value), err

    def get_string(self) -> tuple[str, TenError | None]:
        value, err = self._typed(ValueType.STRING, "a string", "")
        return cast(str, value), err

    def get_buf(self) -> tuple[bytes, TenError | None]:
        value, err = self._typed(ValueType.BYTES, "bytes", b"")
        return cast(bytes, value), err

    def get_array(self) -> tuple[list[Value], TenError | None]:
        value, err = self._typed(ValueType.ARRAY, "an array", [])
        return cast("list[Value]", value), err

    def get_object(self) -> tuple[dict[str, Value], TenError | None]:
        value, err = self._typed(ValueType.OBJECT, "an object", {})
        return cast("dict[str, Value]", value), err

    def get_json_string(self) -> tuple[str, TenError | None]:
        value, err = self._typed(ValueType.JSON_STRING, "a JSON string", "")
        return cast(str, value), err

"""Stand-in of ``ten_runtime/error.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/error.py``, tag 0.11.71 = commit
9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TypeVar, cast

from libten_runtime_python import _ten_py_error_register_type, _TenError

T = TypeVar("T", bound="TenError")


class TenErrorCode(IntEnum):
    ErrorCodeGeneric = 1
    ErrorCodeInvalidJSON = 2
    ErrorCodeInvalidArgument = 3
    ErrorCodeInvalidType = 4
    ErrorCodeInvalidGraph = 5
    ErrorCodeTenIsClosed = 6
    ErrorCodeMsgNotConnected = 7
    ErrorCodeTimeout = 8


class TenError(_TenError):
    """An error value: the runtime returns these, it does not raise them."""

    def __init__(self, error_code: int, error_message: str | None) -> None:
        raise NotImplementedError("Use TenError.create instead.")

    @classmethod
    def create(
        cls: type[T],
        error_code: TenErrorCode,
        error_message: str | None = None,
    ) -> T:
        return cast(T, cls.__new__(cls, error_code.value, error_message))


_ten_py_error_register_type(TenError)

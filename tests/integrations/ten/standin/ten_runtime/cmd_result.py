"""Stand-in of ``ten_runtime/cmd_result.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/cmd_result.py``, tag 0.11.71 =
commit 9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TypeVar, cast

from libten_runtime_python import _Cmd, _CmdResult, _ten_py_cmd_result_register_type

from .cmd import Cmd
from .msg import Msg

T = TypeVar("T", bound="CmdResult")


class StatusCode(IntEnum):
    OK = 0
    ERROR = 1


class CmdResult(_CmdResult, Msg):
    def __init__(self, status_code: int, target_cmd: _Cmd) -> None:
        raise NotImplementedError("Use CmdResult.create instead.")

    @classmethod
    def create(cls: type[T], status_code: StatusCode, target_cmd: Cmd) -> T:
        return cast(T, cls.__new__(cls, status_code, target_cmd))

    def clone(self) -> CmdResult:
        return cast("CmdResult", _CmdResult.clone(self))

    def get_status_code(self) -> StatusCode:
        return StatusCode(_CmdResult.get_status_code(self))

    def set_final(self, is_final: bool) -> None:
        return _CmdResult.set_final(self, is_final)


_ten_py_cmd_result_register_type(CmdResult)

"""Stand-in of ``ten_runtime/cmd.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/cmd.py``, tag 0.11.71 = commit
9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour.
"""

from __future__ import annotations

from typing import TypeVar, cast

from libten_runtime_python import _Cmd, _ten_py_cmd_register_type

from .msg import Msg

T = TypeVar("T", bound="Cmd")


class Cmd(_Cmd, Msg):
    def __init__(self, name: str) -> None:
        raise NotImplementedError("Use Cmd.create instead.")

    @classmethod
    def create(cls: type[T], name: str) -> T:
        return cast(T, cls.__new__(cls, name))

    def clone(self) -> Cmd:
        return cast("Cmd", _Cmd.clone(self))


_ten_py_cmd_register_type(Cmd)

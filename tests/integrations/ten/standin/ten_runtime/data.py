"""Stand-in of ``ten_runtime/data.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/data.py``, tag 0.11.71 = commit
9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour.
"""

from __future__ import annotations

from typing import TypeVar, cast

from libten_runtime_python import _Data, _ten_py_data_register_type

from .msg import Msg

T = TypeVar("T", bound="Data")


class Data(_Data, Msg):
    def __init__(self, name: str) -> None:
        raise NotImplementedError("Use Data.create instead.")

    @classmethod
    def create(cls: type[T], name: str) -> T:
        return cast(T, cls.__new__(cls, name))

    def clone(self) -> Data:
        return cast("Data", _Data.clone(self))


_ten_py_data_register_type(Data)

"""Stand-in of ``ten_runtime/stop_graph_cmd.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/stop_graph_cmd.py``, tag 0.11.71 =
commit 9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour.
"""

from __future__ import annotations

from typing import TypeVar, cast

from libten_runtime_python import _StopGraphCmd, _ten_py_cmd_stop_graph_register_type

from .cmd import Cmd

T = TypeVar("T", bound="StopGraphCmd")


class StopGraphCmd(_StopGraphCmd, Cmd):
    def __init__(self) -> None:
        raise NotImplementedError("Use StopGraphCmd.create instead.")

    @classmethod
    def create(cls: type[T]) -> T:  # type: ignore[override]
        return cast(T, cls.__new__(cls))


_ten_py_cmd_stop_graph_register_type(StopGraphCmd)

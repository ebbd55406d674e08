"""Stand-in of ``ten_runtime/msg.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/msg.py``, tag 0.11.71 = commit
9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour.
"""

from __future__ import annotations

from libten_runtime_python import _Msg, _ten_py_msg_register_type

from .error import TenError
from .loc import Loc


class Msg(_Msg):
    """Base of every message; made with ``Cmd/Data/VideoFrame/AudioFrame.create``."""

    def __init__(self, name: str) -> None:
        raise NotImplementedError("Use [Cmd|Data|VideoFrame|AudioFrame].create instead.")

    def get_source(self) -> Loc:
        app_uri, graph_id, extension_name = _Msg.get_source_internal(self)
        return Loc(app_uri, graph_id, extension_name)

    def set_dests(self, locs: list[Loc]) -> TenError | None:
        targets = [(loc.app_uri, loc.graph_id, loc.extension_name) for loc in locs]
        return _Msg.set_dests_internal(self, targets)  # type: ignore[no-any-return]


_ten_py_msg_register_type(Msg)

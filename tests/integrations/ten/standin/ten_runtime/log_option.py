"""Stand-in of ``ten_runtime/log_option.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/log_option.py``, tag 0.11.71 =
commit 9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour.
"""

from __future__ import annotations


class LogOption:
    """How a log call is made: ``skip`` caller frames to attribute it to, ``sync`` or not."""

    skip: int
    sync: bool

    def __init__(self, skip: int = 2, sync: bool = False) -> None:
        self.skip = skip
        self.sync = sync


DefaultLogOption = LogOption(skip=2, sync=False)

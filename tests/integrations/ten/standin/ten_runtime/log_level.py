"""Stand-in of ``ten_runtime/log_level.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/log_level.py``, tag 0.11.71 = commit
9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour.
"""

from __future__ import annotations

from enum import IntEnum


class LogLevel(IntEnum):
    INVALID = 0
    DEBUG = 1
    INFO = 2
    WARN = 3
    ERROR = 4

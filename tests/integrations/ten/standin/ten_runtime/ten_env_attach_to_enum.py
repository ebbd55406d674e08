"""Stand-in of ``ten_runtime/ten_env_attach_to_enum.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/ten_env_attach_to_enum.py``, tag
0.11.71 = commit 9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names,
signatures and behaviour.
"""

from __future__ import annotations

from enum import IntEnum


class _TenEnvAttachTo(IntEnum):
    EXTENSION = 1
    EXTENSION_GROUP = 2
    APP = 3
    ADDON = 4

"""Stand-in of ``ten_runtime/addon.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/addon.py``, tag 0.11.71 = commit
9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour.
"""

from __future__ import annotations

from libten_runtime_python import _Addon

from .ten_env import TenEnv


class Addon(_Addon):
    def on_create_instance(self, ten_env: TenEnv, name: str, context: object) -> None:
        return _Addon.on_create_instance_internal(self, ten_env._internal, name, context)

"""Stand-in of ``ten_runtime/app.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/app.py``, tag 0.11.71 = commit
9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour.
"""

from __future__ import annotations

from libten_runtime_python import _App

from .ten_env import TenEnv


class App(_App):
    def run(self, run_in_background: bool) -> None:
        _App.run_internal(self, bool(run_in_background))

    def close(self) -> None:
        _App.close_internal(self)

    def on_configure(self, ten_env: TenEnv) -> None:
        ten_env.on_configure_done()

    def on_init(self, ten_env: TenEnv) -> None:
        ten_env.on_init_done()

    def on_deinit(self, ten_env: TenEnv) -> None:
        ten_env.on_deinit_done()

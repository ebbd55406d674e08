"""Stand-in of ``ten_runtime/extension.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/extension.py``, tag 0.11.71 = commit
9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour.
"""

from __future__ import annotations

import os
from typing import final

from libten_runtime_python import _Extension

from .audio_frame import AudioFrame
from .cmd import Cmd
from .data import Data
from .ten_env import TenEnv
from .video_frame import VideoFrame


class Extension(_Extension):
    """A synchronous extension: the runtime calls each ``on_*`` on the extension thread."""

    def __new__(cls, name: str) -> Extension:
        return super().__new__(cls, name)  # type: ignore[return-value]

    def __init__(self, name: str) -> None:
        pass

    @final
    def _proxy_on_configure(self, ten_env: TenEnv) -> None:
        if os.getenv("TEN_ENABLE_PYTHON_DEBUG") == "true":
            import debugpy  # type: ignore[import-not-found]

            debugpy.debug_this_thread()
        self.on_configure(ten_env)

    def on_configure(self, ten_env: TenEnv) -> None:
        ten_env.on_configure_done()

    @final
    def _proxy_on_init(self, ten_env: TenEnv) -> None:
        self.on_init(ten_env)

    def on_init(self, ten_env: TenEnv) -> None:
        ten_env.on_init_done()

    @final
    def _proxy_on_start(self, ten_env: TenEnv) -> None:
        self.on_start(ten_env)

    def on_start(self, ten_env: TenEnv) -> None:
        ten_env.on_start_done()

    @final
    def _proxy_on_stop(self, ten_env: TenEnv) -> None:
        self.on_stop(ten_env)

    def on_stop(self, ten_env: TenEnv) -> None:
        ten_env.on_stop_done()

    @final
    def _proxy_on_deinit(self, ten_env: TenEnv) -> None:
        self.on_deinit(ten_env)

    def on_deinit(self, ten_env: TenEnv) -> None:
        ten_env.on_deinit_done()

    @final
    def _proxy_on_cmd(self, ten_env: TenEnv, cmd: Cmd) -> None:
        self.on_cmd(ten_env, cmd)

    def on_cmd(self, _ten_env: TenEnv, _cmd: Cmd) -> None:
        pass

    @final
    def _proxy_on_data(self, ten_env: TenEnv, data: Data) -> None:
        self.on_data(ten_env, data)

    def on_data(self, _ten_env: TenEnv, _data: Data) -> None:
        pass

    @final
    def _proxy_on_video_frame(self, ten_env: TenEnv, video_frame: VideoFrame) -> None:
        self.on_video_frame(ten_env, video_frame)

    def on_video_frame(self, _ten_env: TenEnv, _video_frame: VideoFrame) -> None:
        pass

    @final
    def _proxy_on_audio_frame(self, ten_env: TenEnv, audio_frame: AudioFrame) -> None:
        self.on_audio_frame(ten_env, audio_frame)

    def on_audio_frame(self, _ten_env: TenEnv, _audio_frame: AudioFrame) -> None:
        pass

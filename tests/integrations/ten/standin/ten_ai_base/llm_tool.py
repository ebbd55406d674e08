"""Stand-in of ``ten_ai_base/llm_tool.py`` (TEN-framework/ten_ai_base,
``interface/ten_ai_base/llm_tool.py``, version 0.7.41 = commit e385b33): the public names,
constants, class bases and method signatures only. A TTS2 extension does not use this module, so
its behaviour is not mirrored: its methods raise ``NotImplementedError``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from ten_runtime import AsyncExtension, Data, TenEnv
from ten_runtime.async_ten_env import AsyncTenEnv
from ten_runtime.audio_frame import AudioFrame
from ten_runtime.cmd import Cmd
from ten_runtime.video_frame import VideoFrame

from .types import LLMToolMetadata, LLMToolResult

_NOT_MIRRORED = "not mirrored by the TEN stand-in (only the TTS2 path is)"


class AsyncLLMToolBaseExtension(AsyncExtension, ABC):
    async def on_start(self, async_ten_env: AsyncTenEnv) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_stop(self, async_ten_env: AsyncTenEnv) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_cmd(self, async_ten_env: AsyncTenEnv, cmd: Cmd) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_data(self, async_ten_env: AsyncTenEnv, data: Data) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_audio_frame(self, async_ten_env: AsyncTenEnv, audio_frame: AudioFrame) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_video_frame(self, async_ten_env: AsyncTenEnv, video_frame: VideoFrame) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    def get_tool_metadata(self, ten_env: TenEnv) -> list[LLMToolMetadata]:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    async def run_tool(
        self, ten_env: AsyncTenEnv, name: str, args: dict[str, Any]
    ) -> LLMToolResult | None:
        raise NotImplementedError(_NOT_MIRRORED)

"""Stand-in of ``ten_ai_base/llm.py`` (TEN-framework/ten_ai_base, ``interface/ten_ai_base/llm.py``,
version 0.7.41 = commit e385b33): the public names, constants, class bases and method
signatures only. A TTS2 extension does not use this module, so its behaviour is not mirrored:
its methods raise ``NotImplementedError``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from ten_runtime import AsyncExtension
from ten_runtime.async_ten_env import AsyncTenEnv
from ten_runtime.cmd import Cmd

from .types import LLMCallCompletionArgs, LLMDataCompletionArgs, LLMToolMetadata

_NOT_MIRRORED = "not mirrored by the TEN stand-in (only the TTS2 path is)"


class AsyncLLMBaseExtension(AsyncExtension, ABC):
    async def on_init(self, async_ten_env: AsyncTenEnv) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_start(self, async_ten_env: AsyncTenEnv) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_stop(self, async_ten_env: AsyncTenEnv) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_deinit(self, async_ten_env: AsyncTenEnv) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_cmd(self, async_ten_env: AsyncTenEnv, cmd: Cmd) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def queue_input_item(self, prepend: bool = False, **kargs: LLMDataCompletionArgs) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def flush_input_items(self, async_ten_env: AsyncTenEnv) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    def send_text_output(
        self, async_ten_env: AsyncTenEnv, sentence: str, end_of_segment: bool
    ) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    async def on_call_chat_completion(
        self, async_ten_env: AsyncTenEnv, **kargs: LLMCallCompletionArgs
    ) -> Any:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    async def on_data_chat_completion(
        self, async_ten_env: AsyncTenEnv, **kargs: LLMDataCompletionArgs
    ) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    async def on_tools_update(self, async_ten_env: AsyncTenEnv, tool: LLMToolMetadata) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

"""Stand-in of ``ten_ai_base/llm2.py`` (TEN-framework/ten_ai_base,
``interface/ten_ai_base/llm2.py``, version 0.7.41 = commit e385b33): the public names,
constants, class bases and method signatures only. A TTS2 extension does not use this module, so
its behaviour is not mirrored: its methods raise ``NotImplementedError``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator

from ten_runtime import AsyncExtension
from ten_runtime.async_ten_env import AsyncTenEnv
from ten_runtime.cmd import Cmd

from .struct import LLMRequest, LLMRequestRetrievePrompt, LLMResponse, LLMResponseRetrievePrompt

_NOT_MIRRORED = "not mirrored by the TEN stand-in (only the TTS2 path is)"


class AsyncLLM2BaseExtension(AsyncExtension, ABC):
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

    @abstractmethod
    async def on_retrieve_prompt(
        self, async_ten_env: AsyncTenEnv, request: LLMRequestRetrievePrompt
    ) -> LLMResponseRetrievePrompt:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    def on_call_chat_completion(
        self, async_ten_env: AsyncTenEnv, input: LLMRequest
    ) -> AsyncGenerator[LLMResponse, None]:
        raise NotImplementedError(_NOT_MIRRORED)

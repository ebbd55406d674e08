"""Stand-in of ``ten_ai_base/tts.py`` (TEN-framework/ten_ai_base, ``interface/ten_ai_base/tts.py``,
version 0.7.41 = commit e385b33): the public names, constants, class bases and method
signatures only. A TTS2 extension does not use this module, so its behaviour is not mirrored:
its methods raise ``NotImplementedError`` (the TTS v1 base, not TTS2).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from ten_runtime import AsyncExtension, Data
from ten_runtime.async_ten_env import AsyncTenEnv
from ten_runtime.cmd import Cmd

from .transcription import AssistantTranscription
from .types import TTSPcmOptions

DATA_TRANSCRIPT = "text_data"
_NOT_MIRRORED = "not mirrored by the TEN stand-in (only the TTS2 path is)"


class AsyncTTSBaseExtension(AsyncExtension, ABC):
    async def on_init(self, ten_env: AsyncTenEnv) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_start(self, ten_env: AsyncTenEnv) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_stop(self, ten_env: AsyncTenEnv) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_deinit(self, ten_env: AsyncTenEnv) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_cmd(self, async_ten_env: AsyncTenEnv, cmd: Cmd) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_data(self, async_ten_env: AsyncTenEnv, data: Data) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def flush_input_items(self, ten_env: AsyncTenEnv) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def send_audio_out(
        self, ten_env: AsyncTenEnv, audio_data: bytes, **args: TTSPcmOptions
    ) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def send_transcript_out(self, ten_env: AsyncTenEnv, t: AssistantTranscription) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    async def on_request_tts(self, ten_env: AsyncTenEnv, t: AssistantTranscription) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    async def on_cancel_tts(self, ten_env: AsyncTenEnv) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

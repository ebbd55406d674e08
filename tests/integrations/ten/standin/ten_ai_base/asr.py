"""Stand-in of ``ten_ai_base/asr.py`` (TEN-framework/ten_ai_base, ``interface/ten_ai_base/asr.py``,
version 0.7.41 = commit e385b33): the public names, constants, class bases and method
signatures only. A TTS2 extension does not use this module, so its behaviour is not mirrored:
its methods raise ``NotImplementedError``.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, final

from ten_runtime import AsyncExtension, AsyncTenEnv, AudioFrame, Cmd, Data

from .message import ModuleError, ModuleErrorVendorInfo
from .struct import ASRResult
from .types import ASRBufferConfig

_NOT_MIRRORED = "not mirrored by the TEN stand-in (only the TTS2 path is)"


class AsyncASRBaseExtension(AsyncExtension):
    async def on_init(self, ten_env: AsyncTenEnv) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_start(self, ten_env: AsyncTenEnv) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_audio_frame(self, ten_env: AsyncTenEnv, audio_frame: AudioFrame) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_data(self, ten_env: AsyncTenEnv, data: Data) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_stop(self, ten_env: AsyncTenEnv) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_cmd(self, ten_env: AsyncTenEnv, cmd: Cmd) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    def vendor(self) -> str:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    async def start_connection(self) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    def is_connected(self) -> bool:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    async def stop_connection(self) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    def input_audio_sample_rate(self) -> int:
        raise NotImplementedError(_NOT_MIRRORED)

    def input_audio_channels(self) -> int:
        raise NotImplementedError(_NOT_MIRRORED)

    def input_audio_sample_width(self) -> int:
        raise NotImplementedError(_NOT_MIRRORED)

    def buffer_strategy(self) -> ASRBufferConfig:
        raise NotImplementedError(_NOT_MIRRORED)

    def audio_actual_send_metrics_interval(self) -> int:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    async def send_audio(self, frame: AudioFrame, session_id: str | None) -> bool:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    async def finalize(self, session_id: str | None) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @final
    async def send_asr_result(self, asr_result: ASRResult) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @final
    async def send_asr_error(
        self, error: ModuleError, vendor_info: ModuleErrorVendorInfo | None = None
    ) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @final
    async def send_asr_finalize_end(self) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @final
    async def send_connect_delay_metrics(self, connect_delay: int) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @final
    async def send_vendor_metrics(self, vendor_metrics: dict[str, Any]) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

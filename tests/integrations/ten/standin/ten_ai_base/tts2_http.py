"""Stand-in of ``ten_ai_base/tts2_http.py`` (TEN-framework/ten_ai_base,
``interface/ten_ai_base/tts2_http.py``, version 0.7.41 = commit e385b33): the public names,
constants, class bases and method signatures only. A TTS2 extension over WebSocket does not use
this module, so its behaviour is not mirrored: its methods raise ``NotImplementedError`` (the
HTTP flavour of the TTS2 base).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import AsyncIterator
from typing import Any

from pydantic import BaseModel
from ten_runtime import AsyncTenEnv

from .struct import TTS2HttpResponseEventType, TTSTextInput
from .tts2 import AsyncTTS2BaseExtension

_NOT_MIRRORED = "not mirrored by the TEN stand-in (only the TTS2 path is)"


class AsyncTTS2HttpConfig(BaseModel):
    dump: bool = False
    dump_path: str = "/tmp"

    @abstractmethod
    def update_params(self) -> None:
        raise NotImplementedError("update_params is not implemented")

    @abstractmethod
    def to_str(self, sensitive_handling: bool = True) -> str:
        raise NotImplementedError("to_str is not implemented")

    @abstractmethod
    def validate(self) -> None:  # type: ignore[override]
        raise NotImplementedError("validate is not implemented")


class AsyncTTS2HttpClient:
    @abstractmethod
    async def clean(self) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    async def cancel(self) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    def get(
        self, text: str, request_id: str
    ) -> AsyncIterator[tuple[bytes | None, TTS2HttpResponseEventType]]:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    def get_extra_metadata(self) -> dict[str, Any]:
        raise NotImplementedError(_NOT_MIRRORED)


class AsyncTTS2HttpExtension(AsyncTTS2BaseExtension):
    @abstractmethod
    async def create_config(self, config_json_str: str) -> AsyncTTS2HttpConfig:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    async def create_client(
        self, config: AsyncTTS2HttpConfig, ten_env: AsyncTenEnv
    ) -> AsyncTTS2HttpClient:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_init(self, ten_env: AsyncTenEnv) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_stop(self, ten_env: AsyncTenEnv) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on_deinit(self, ten_env: AsyncTenEnv) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def cancel_tts(self) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def request_tts(self, t: TTSTextInput) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

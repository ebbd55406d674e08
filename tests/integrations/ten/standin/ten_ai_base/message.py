"""ten_ai_base ``message.py``: module errors and metrics."""

from __future__ import annotations

import enum
from typing import Any

from pydantic import BaseModel


class ModuleErrorCode(enum.StrEnum):
    OK = "0"
    FATAL_ERROR = "-1000"
    NON_FATAL_ERROR = "1000"


class ModuleType(enum.StrEnum):
    ASR = "asr"
    LLM = "llm"
    TTS = "tts"
    MLLM = "mllm"
    AVATAR = "avatar"
    TURN = "turn"


class ModuleErrorVendorInfo(BaseModel):
    vendor: str = ""
    code: str = ""
    message: str = ""


class ModuleError(BaseModel):
    id: str = ""
    module: str = ""
    code: int = 0
    message: str = ""
    vendor_info: ModuleErrorVendorInfo | None = None
    metadata: dict[str, Any] = {}


class ModuleMetricKey(enum.StrEnum):
    TTS_TTFB = "ttfb"


class MetadataKey(enum.StrEnum):
    SESSION_ID = "session_id"
    TURN_ID = "turn_id"


class ModuleMetrics(BaseModel):
    id: str = ""
    module: str = ""
    vendor: str = ""
    metrics: dict[str, Any] = {}
    metadata: dict[str, Any] = {}


class ModuleVendorException(Exception):
    def __init__(self, error: ModuleErrorVendorInfo) -> None:
        super().__init__(error.message)
        self.error = error

"""Stand-in of ``ten_ai_base/message.py`` (TEN-framework/ten_ai_base,
``interface/ten_ai_base/message.py``, version 0.7.41 = commit e385b33). Rewritten for tests:
same public names, signatures and values (``ModuleErrorCode`` is a ``str`` enum over integers,
so its values are the strings ``"0"``, ``"-1000"``, ``"1000"``; ``TTSAudioEndReason`` is defined
here, not in ``struct``).
"""

from enum import Enum, IntEnum
from typing import Any

from pydantic import BaseModel


class MetadataKey(str, Enum):
    SESSION_ID = "session_id"
    TURN_ID = "turn_id"


class ModuleType(str, Enum):
    ASR = "asr"
    LLM = "llm"
    TTS = "tts"
    MLLM = "mllm"
    AVATAR = "avatar"
    TURN = "turn"


class ModuleMetricKey(str, Enum):
    ASR_TTFW = "ttfw"
    ASR_TTLW = "ttlw"
    ASR_CONNECT_DELAY = "connect_delay"
    ASR_ACTUAL_SEND = "actual_send"
    ASR_ACTUAL_SEND_DELTA = "actual_send_delta"
    ASR_VENDOR_METRICS = "vendor_metrics"
    TTS_TTFB = "ttfb"
    LLM_TTFT = "ttft"
    LLM_TTFS = "ttfs"


class ModuleErrorCode(str, Enum):
    # Integers on a str enum: the values become "0", "-1000", "1000", as in the real module.
    OK = 0
    FATAL_ERROR = -1000
    NON_FATAL_ERROR = 1000


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


class ModuleVendorException(Exception):
    def __init__(self, error: ModuleErrorVendorInfo) -> None:
        super().__init__(error.message)
        self.error = error

    def __str__(self) -> str:
        return (
            f"ModuleVendorException: {self.error.message} "
            f"(code: {self.error.code}, vendor: {self.error.vendor})"
        )


class ModuleMetrics(BaseModel):
    id: str = ""
    module: str = ""
    vendor: str = ""
    metrics: dict[str, Any] = {}
    metadata: dict[str, Any] = {}


class ErrorMessage(BaseModel):
    object: str = "message.error"
    module: str = ""
    message: str = ""
    turn_id: int = 0
    code: int = 0


class ErrorMessageVendorInfo(BaseModel):
    object: str = "message.error.vendor_info"
    vendor: str = ""
    code: int = 0
    message: str = ""


class MetricsMessage(BaseModel):
    object: str = "message.metrics"
    module: str = ""
    metric_name: str = ""
    turn_id: int = 0
    latency_ms: int = 0


class TTSAudioEndReason(IntEnum):
    REQUEST_END = 1
    INTERRUPTED = 2
    ERROR = 3

"""Stand-in of the ``ten_ai_base`` package (TEN-framework/ten_ai_base,
``interface/ten_ai_base/__init__.py``, version 0.7.41 = commit e385b33): the same re-exports and
``__all__``. Rewritten for tests; the TTS2 path (``tts2``, ``message``, ``struct``, ``helper``,
``const``, ``utils``) mirrors the real behaviour, the other bases only their signatures.
"""

from .asr import AsyncASRBaseExtension
from .audio_buffer_manager import AudioBufferManager
from .chat_memory import EVENT_MEMORY_APPENDED, EVENT_MEMORY_EXPIRED, AsyncChatMemory, ChatMemory
from .config import BaseConfig
from .dumper import Dumper
from .helper import AsyncEventEmitter, AsyncQueue, TimeHelper
from .llm import AsyncLLMBaseExtension
from .llm_tool import AsyncLLMToolBaseExtension
from .message import ErrorMessage, MetricsMessage, ModuleType
from .reconnect_manager import ReconnectManager
from .transcription import (
    AssistantTranscription,
    TurnStatus,
    UserTranscription,
    UserTranslation,
    Word,
)
from .tts import AsyncTTSBaseExtension
from .types import (
    LLMCallCompletionArgs,
    LLMChatCompletionMessageParam,
    LLMDataCompletionArgs,
    LLMToolMetadata,
    LLMToolMetadataParameter,
    LLMToolResult,
    LLMToolResultLLMResult,
)
from .usage import LLMCompletionTokensDetails, LLMPromptTokensDetails, LLMUsage

__all__ = [
    "EVENT_MEMORY_APPENDED",
    "EVENT_MEMORY_EXPIRED",
    "AssistantTranscription",
    "AsyncASRBaseExtension",
    "AsyncChatMemory",
    "AsyncEventEmitter",
    "AsyncLLMBaseExtension",
    "AsyncLLMToolBaseExtension",
    "AsyncQueue",
    "AsyncTTSBaseExtension",
    "AudioBufferManager",
    "BaseConfig",
    "ChatMemory",
    "Dumper",
    "ErrorMessage",
    "LLMCallCompletionArgs",
    "LLMChatCompletionMessageParam",
    "LLMCompletionTokensDetails",
    "LLMDataCompletionArgs",
    "LLMPromptTokensDetails",
    "LLMToolMetadata",
    "LLMToolMetadataParameter",
    "LLMToolResult",
    "LLMToolResultLLMResult",
    "LLMUsage",
    "MetricsMessage",
    "ModuleType",
    "ReconnectManager",
    "TimeHelper",
    "TurnStatus",
    "UserTranscription",
    "UserTranslation",
    "Word",
]

"""Stand-in of ``ten_ai_base/mllm.py`` (TEN-framework/ten_ai_base,
``interface/ten_ai_base/mllm.py``, version 0.7.41 = commit e385b33): the public names,
constants, class bases and method signatures only. A TTS2 extension over WebSocket does not use
this module, so its behaviour is not mirrored: its methods raise ``NotImplementedError``.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import final

from ten_runtime import AsyncExtension, AsyncTenEnv, AudioFrame, Cmd, Data

from .message import ModuleError, ModuleErrorVendorInfo
from .struct import (
    MLLMClientFunctionCallOutput,
    MLLMClientMessageItem,
    MLLMServerFunctionCall,
    MLLMServerInputTranscript,
    MLLMServerInterrupt,
    MLLMServerOutputTranscript,
    MLLMServerSessionReady,
)
from .types import LLMToolMetadata, MLLMBufferConfig

DATA_MLLM_OUT_SESSION_READY = "mllm_server_session_ready"
DATA_MLLM_OUT_INTERRUPTED = "mllm_server_interrupted"
DATA_MLLM_OUT_REQUEST_TRANSCRIPT = "mllm_server_input_transcript"
DATA_MLLM_OUT_RESPONSE_TRANSCRIPT = "mllm_server_output_transcript"
DATA_MLLM_OUT_FUNCTION_CALL = "mllm_server_function_call"
DATA_MLLM_IN_SET_MESSAGE_CONTEXT = "mllm_client_set_message_context"
DATA_MLLM_IN_SEND_MESSAGE_ITEM = "mllm_client_request_message_item"
DATA_MLLM_IN_CREATE_RESPONSE = "mllm_client_request_create_response"
DATA_MLLM_IN_REGISTER_TOOL = "mllm_client_request_register_tool"
DATA_MLLM_IN_FUNCTION_CALL_OUTPUT = "mllm_client_function_call_output"
_NOT_MIRRORED = "not mirrored by the TEN stand-in (only the TTS2 path is)"


class AsyncMLLMBaseExtension(AsyncExtension):
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
    async def send_client_message_item(
        self, item: MLLMClientMessageItem, session_id: str | None = None
    ) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    async def send_client_create_response(self, session_id: str | None = None) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    async def send_client_register_tool(self, tools: LLMToolMetadata) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    async def send_client_function_call_output(
        self, function_call_output: MLLMClientFunctionCallOutput
    ) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    def input_audio_sample_rate(self) -> int:
        raise NotImplementedError(_NOT_MIRRORED)

    def input_audio_channels(self) -> int:
        raise NotImplementedError(_NOT_MIRRORED)

    def input_audio_sample_width(self) -> int:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    def synthesize_audio_sample_rate(self) -> int:
        raise NotImplementedError(_NOT_MIRRORED)

    def synthesize_audio_channels(self) -> int:
        raise NotImplementedError(_NOT_MIRRORED)

    def synthesize_audio_sample_width(self) -> int:
        raise NotImplementedError(_NOT_MIRRORED)

    def buffer_strategy(self) -> MLLMBufferConfig:
        raise NotImplementedError(_NOT_MIRRORED)

    @abstractmethod
    async def send_audio(self, frame: AudioFrame, session_id: str | None) -> bool:
        raise NotImplementedError(_NOT_MIRRORED)

    @final
    async def send_server_session_ready(self, session: MLLMServerSessionReady) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @final
    async def send_server_interrupted(self, sos: MLLMServerInterrupt) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @final
    async def send_server_input_transcript(
        self, request_transcript: MLLMServerInputTranscript
    ) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def send_server_output_audio_data(self, audio_data: bytes) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @final
    async def send_server_output_text(self, t: MLLMServerOutputTranscript) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @final
    async def send_server_function_call(self, function_call: MLLMServerFunctionCall) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    @final
    async def send_mllm_error(
        self, error: ModuleError, vendor_info: ModuleErrorVendorInfo | None = None
    ) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

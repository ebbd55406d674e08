"""Stand-in of ``ten_ai_base/struct.py`` (TEN-framework/ten_ai_base,
``interface/ten_ai_base/struct.py``, version 0.7.41 = commit e385b33). Rewritten for tests: same
public names, signatures and values (``TTSTextInput`` has no ``flush`` field at this version:
#90 added it, #92 reverted it).
"""

import json
from enum import Enum
from typing import Any, Literal, Union

from pydantic import BaseModel

from .types import LLMToolMetadata


class TTSWord(BaseModel):
    word: str = ""
    start_ms: int = -1
    duration_ms: int = -1


class TTSTextInput(BaseModel):
    request_id: str
    text: str
    text_input_end: bool = False
    metadata: dict[str, Any] = {}


class TTSTextResult(BaseModel):
    request_id: str
    text: str
    start_ms: int
    duration_ms: int
    words: list[TTSWord] | None = None
    text_result_end: bool = False
    metadata: dict[str, Any] = {}


class TTSFlush(BaseModel):
    flush_id: str
    metadata: dict[str, Any] = {}


class ASRWord(BaseModel):
    word: str
    start_ms: int
    duration_ms: int
    stable: bool


class ASRResult(BaseModel):
    id: str | None = None
    text: str
    final: bool
    start_ms: int
    duration_ms: int
    language: str
    words: list[ASRWord] | None = None
    metadata: dict[str, Any] = {}


class TTS2HttpResponseEventType(Enum):
    RESPONSE = 1
    END = 2
    ERROR = 3
    INVALID_KEY_ERROR = 4
    FLUSH = 5


# -- LLM input and output ------------------------------------------------------------------


class TextContent(BaseModel):
    type: Literal["text"]
    text: str


class ImageURL(BaseModel):
    url: str
    detail: Literal["auto", "low", "high"] | None = "auto"


class ImageContent(BaseModel):
    type: Literal["image_url"]
    image_url: ImageURL


MessageContent = Union[TextContent, ImageContent]  # noqa: UP007


class LLMMessageContent(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: Union[str, list[MessageContent]]  # noqa: UP007


class LLMMessageFunctionCall(BaseModel):
    type: Literal["function_call"]
    id: str
    call_id: str
    name: str
    arguments: str
    role: Literal["assistant"] = "assistant"


class LLMMessageFunctionCallOutput(BaseModel):
    type: Literal["function_call_output"]
    call_id: str
    output: str
    role: Literal["tool"] = "tool"


LLMMessage = Union[  # noqa: UP007
    LLMMessageContent, LLMMessageFunctionCall, LLMMessageFunctionCallOutput
]


class LLMRequest(BaseModel):
    request_id: str
    model: str | None = None
    messages: list[LLMMessage]
    streaming: bool | None = True
    tools: list[LLMToolMetadata] | None = None
    parameters: dict[str, Any] | None = None
    prompt: str | None = None


class LLMRequestAbort(BaseModel):
    request_id: str


class LLMRequestRetrievePrompt(BaseModel):
    request_id: str


class EventType(str, Enum):
    MESSAGE_CONTENT_DELTA = "message_content_delta"
    MESSAGE_CONTENT_DONE = "message_content_done"
    MESSAGE_REASONING_DELTA = "message_reasoning_delta"
    MESSAGE_REASONING_DONE = "message_reasoning_done"
    TOOL_CALL_CONTENT = "tool_call_content"


class LLMResponse(BaseModel):
    response_id: str
    created: int | None = None


class LLMResponseMessageDelta(LLMResponse):
    role: str
    content: str | None = None
    delta: str | None = None
    type: EventType = EventType.MESSAGE_CONTENT_DELTA


class LLMResponseMessageDone(LLMResponse):
    type: EventType = EventType.MESSAGE_CONTENT_DONE
    role: str
    content: str | None = None


class LLMResponseReasoningDelta(LLMResponse):
    role: str
    content: str | None = None
    delta: str | None = None
    type: EventType = EventType.MESSAGE_REASONING_DELTA


class LLMResponseReasoningDone(LLMResponse):
    type: EventType = EventType.MESSAGE_REASONING_DONE
    role: str
    content: str | None = None


class LLMResponseToolCall(LLMResponse):
    id: str
    tool_call_id: str
    name: str
    type: EventType = EventType.TOOL_CALL_CONTENT
    arguments: dict[str, Any] | None = None


class LLMResponseRetrievePrompt(BaseModel):
    prompt: str


_RESPONSE_TYPES: dict[str, type[LLMResponse]] = {
    EventType.MESSAGE_CONTENT_DELTA.value: LLMResponseMessageDelta,
    EventType.TOOL_CALL_CONTENT.value: LLMResponseToolCall,
    EventType.MESSAGE_CONTENT_DONE.value: LLMResponseMessageDone,
    EventType.MESSAGE_REASONING_DELTA.value: LLMResponseReasoningDelta,
    EventType.MESSAGE_REASONING_DONE.value: LLMResponseReasoningDone,
}


def parse_llm_response(unparsed_string: str) -> LLMResponse:
    data = json.loads(unparsed_string)
    model = _RESPONSE_TYPES.get(data["type"])
    if model is None:
        raise ValueError(f"Unknown message type: {data['type']}")
    return model.model_validate(data)


# -- MLLM input and output -----------------------------------------------------------------


class MLLMClientMessageItem(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class MLLMClientSendMessageItem(BaseModel):
    message: MLLMClientMessageItem


class MLLMClientSetMessageContext(BaseModel):
    messages: list[MLLMClientMessageItem] = []


class MLLMClientCreateResponse(BaseModel):
    pass


class MLLMClientRegisterTool(BaseModel):
    tool: LLMToolMetadata


class MLLMClientFunctionCallOutput(BaseModel):
    call_id: str
    output: str


class MLLMServerSessionReady(BaseModel):
    metadata: dict[str, Any] = {}


class MLLMServerInterrupt(BaseModel):
    metadata: dict[str, Any] = {}


class MLLMServerInputTranscript(BaseModel):
    content: str = ""
    delta: str = ""
    final: bool = False
    metadata: dict[str, Any] = {}


class MLLMServerOutputTranscript(BaseModel):
    content: str = ""
    delta: str = ""
    final: bool = False
    metadata: dict[str, Any] = {}


class MLLMServerFunctionCall(BaseModel):
    call_id: str
    name: str
    arguments: str
    metadata: dict[str, Any] = {}

"""Stand-in of ``ten_ai_base/types.py`` (TEN-framework/ten_ai_base,
``interface/ten_ai_base/types.py``, version 0.7.41 = commit e385b33). Rewritten for tests: same
public names, signatures and values.
"""

from collections.abc import Iterable
from enum import Enum  # noqa: F401 - the real module imports it too
from typing import Any, Literal, TypeAlias, Union

from pydantic import BaseModel
from typing_extensions import Required, TypedDict


class LLMToolMetadataParameter(BaseModel):
    name: str
    type: str
    description: str
    required: bool | None = False


class LLMToolMetadata(BaseModel):
    name: str
    description: str
    parameters: list[LLMToolMetadataParameter]


class ImageURL(TypedDict, total=False):
    url: Required[str]
    detail: Literal["auto", "low", "high"]


class LLMChatCompletionContentPartImageParam(TypedDict, total=False):
    image_url: Required[ImageURL]
    type: Required[Literal["image_url"]]


class InputAudio(TypedDict, total=False):
    data: Required[str]
    format: Required[Literal["wav", "mp3"]]


class LLMChatCompletionContentPartInputAudioParam(TypedDict, total=False):
    input_audio: Required[InputAudio]
    type: Required[Literal["input_audio"]]


class LLMChatCompletionContentPartTextParam(TypedDict, total=False):
    text: Required[str]
    type: Required[Literal["text"]]


LLMChatCompletionContentPartParam: TypeAlias = Union[  # noqa: UP007
    LLMChatCompletionContentPartTextParam,
    LLMChatCompletionContentPartImageParam,
    LLMChatCompletionContentPartInputAudioParam,
]


class LLMChatCompletionToolMessageParam(TypedDict, total=False):
    content: Required[Union[str, Iterable[LLMChatCompletionContentPartTextParam]]]  # noqa: UP007
    role: Required[Literal["tool"]]
    tool_call_id: Required[str]


class LLMChatCompletionUserMessageParam(TypedDict, total=False):
    content: Required[Union[str, Iterable[LLMChatCompletionContentPartParam]]]  # noqa: UP007
    role: Required[Literal["user"]]
    name: str
    metadata: dict[str, Any]


LLMChatCompletionMessageParam: TypeAlias = Union[  # noqa: UP007
    LLMChatCompletionUserMessageParam, LLMChatCompletionToolMessageParam
]


class LLMToolResultRequery(TypedDict, total=False):
    type: Required[Literal["requery"]]
    content: Required[Union[str, Iterable[LLMChatCompletionContentPartParam]]]  # noqa: UP007


class LLMToolResultLLMResult(TypedDict, total=False):
    type: Required[Literal["llmresult"]]
    content: Required[Union[str, Iterable[LLMChatCompletionContentPartParam]]]  # noqa: UP007


LLMToolResult: TypeAlias = Union[LLMToolResultRequery, LLMToolResultLLMResult]  # noqa: UP007


class LLMCallCompletionArgs(TypedDict, total=False):
    messages: Iterable[LLMChatCompletionMessageParam]


class LLMDataCompletionArgs(TypedDict, total=False):
    messages: Iterable[LLMChatCompletionMessageParam]
    no_tool: bool


class TTSPcmOptions(TypedDict, total=False):
    sample_rate: int
    num_channels: int
    bytes_per_sample: int


class ASRBufferConfigModeKeep(BaseModel):
    mode: Literal["keep"] = "keep"
    byte_limit: int = 10


class ASRBufferConfigModeDiscard(BaseModel):
    mode: Literal["discard"] = "discard"


ASRBufferConfig: TypeAlias = Union[ASRBufferConfigModeKeep, ASRBufferConfigModeDiscard]  # noqa: UP007


class MLLMBufferConfigModeKeep(BaseModel):
    mode: Literal["keep"] = "keep"
    byte_limit: int = 10


class MLLMBufferConfigModeDiscard(BaseModel):
    mode: Literal["discard"] = "discard"


MLLMBufferConfig: TypeAlias = Union[MLLMBufferConfigModeKeep, MLLMBufferConfigModeDiscard]  # noqa: UP007

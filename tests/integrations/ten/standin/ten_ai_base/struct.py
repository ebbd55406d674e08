"""ten_ai_base ``struct.py``: the TTS2 message payloads."""

from __future__ import annotations

import enum
from typing import Any

from pydantic import BaseModel


class TTSTextInput(BaseModel):
    request_id: str
    text: str
    text_input_end: bool = False
    metadata: dict[str, Any] = {}


class TTSFlush(BaseModel):
    flush_id: str
    metadata: dict[str, Any] = {}


class TTSAudioEndReason(enum.IntEnum):
    REQUEST_END = 1
    INTERRUPTED = 2
    ERROR = 3


class TTSWord(BaseModel):
    word: str = ""
    start_ms: int = -1
    duration_ms: int = -1


class TTSTextResult(BaseModel):
    request_id: str
    text: str
    start_ms: int
    duration_ms: int
    words: list[TTSWord] | None = None
    text_result_end: bool = False
    metadata: dict[str, Any] = {}

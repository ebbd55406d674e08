"""Stand-in of ``ten_ai_base/transcription.py`` (TEN-framework/ten_ai_base,
``interface/ten_ai_base/transcription.py``, version 0.7.41 = commit e385b33). Rewritten for
tests: same public names, signatures and values.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from pydantic import BaseModel


class TurnStatus(IntEnum):
    IN_PROGRESS = 0
    END = 1
    INTERRUPTED = 2


class Word(BaseModel):
    word: str = ""
    start_ms: int = 0
    duration_ms: int = 0
    stable: bool = True


class UserTranscription(BaseModel):
    object: str = "user.transcription"
    text: str = ""
    final: bool = True
    start_ms: int = 0
    duration_ms: int = 0
    language: str = ""
    turn_id: int = 0
    stream_id: int = 0
    user_id: str = ""
    words: list[Word] | None = None
    merged_turns: list[int] | None = None
    interruptable: bool = False
    metadata: dict[str, Any] | None = None


class UserTranslation(BaseModel):
    object: str = "user.translation"
    text: str = ""
    final: bool = True
    start_ms: int = 0
    duration_ms: int = 0
    language: str = ""
    turn_id: int = 0
    stream_id: int = 0
    user_id: str = ""
    transcript_text: str | None = None
    transcript_language: str | None = None
    metadata: dict[str, Any] | None = None


class AssistantTranscription(BaseModel):
    object: str = "assistant.transcription"
    text: str = ""
    start_ms: int = 0
    duration_ms: int = 0
    language: str = ""
    quiet: bool = False
    reasoning: bool = False
    turn_id: int = 0
    turn_seq_id: int = 0
    turn_status: int = 0
    source: str = ""
    stream_id: int = 0
    user_id: str = ""
    words: list[Word] | None = None
    interruptable: bool = False
    metadata: dict[str, Any] | None = None

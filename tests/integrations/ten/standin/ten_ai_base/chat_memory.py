"""Stand-in of ``ten_ai_base/chat_memory.py`` (TEN-framework/ten_ai_base,
``interface/ten_ai_base/chat_memory.py``, version 0.7.41 = commit e385b33): the public names,
constants, class bases and method signatures only. A TTS2 extension does not use this module, so
its behaviour is not mirrored: its methods raise ``NotImplementedError``.
"""

from __future__ import annotations

from typing import Any

EVENT_MEMORY_EXPIRED = "memory_expired"
EVENT_MEMORY_APPENDED = "memory_appended"
_NOT_MIRRORED = "not mirrored by the TEN stand-in (only the TTS2 path is)"


class ChatMemory:
    def __init__(self, max_history_length: Any) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    def put(self, message: Any) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    def get(self) -> Any:
        raise NotImplementedError(_NOT_MIRRORED)

    def count(self) -> Any:
        raise NotImplementedError(_NOT_MIRRORED)

    def clear(self) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    def on(self, event_name: Any, listener: Any) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    def emit(self, event_name: Any, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(_NOT_MIRRORED)


class AsyncChatMemory:
    def __init__(self, max_history_length: Any) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def put(self, message: Any) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def get(self) -> Any:
        raise NotImplementedError(_NOT_MIRRORED)

    async def count(self) -> Any:
        raise NotImplementedError(_NOT_MIRRORED)

    async def on(self, event_name: Any, listener: Any) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def emit(self, event_name: Any, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

"""Stand-in of ``ten_ai_base/audio_buffer_manager.py`` (TEN-framework/ten_ai_base,
``interface/ten_ai_base/audio_buffer_manager.py``, version 0.7.41 = commit e385b33): the public
names, constants, class bases and method signatures only. A TTS2 extension does not use this
module, so its behaviour is not mirrored: its methods raise ``NotImplementedError``.
"""

from __future__ import annotations

from typing import Any, Protocol

_NOT_MIRRORED = "not mirrored by the TEN stand-in (only the TTS2 path is)"


class Logger(Protocol):
    def log_debug(self, msg: str) -> None: ...

    def log_error(self, msg: str) -> None: ...


class AudioBufferManager:
    def __init__(
        self,
        threshold: int = 1280,
        max_buffer_size: int = 1024 * 1024 * 100,
        logger: Logger | None = None,
    ) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def push_audio(self, data: bytes | bytearray) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    async def pull_chunk(self) -> bytes:
        raise NotImplementedError(_NOT_MIRRORED)

    def get_buffer_info(self) -> dict[str, Any]:
        raise NotImplementedError(_NOT_MIRRORED)

    async def close(self) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

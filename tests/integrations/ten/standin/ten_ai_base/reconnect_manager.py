"""Stand-in of ``ten_ai_base/reconnect_manager.py`` (TEN-framework/ten_ai_base,
``interface/ten_ai_base/reconnect_manager.py``, version 0.7.41 = commit e385b33): the public
names, constants, class bases and method signatures only. A TTS2 extension does not use this
module, so its behaviour is not mirrored: its methods raise ``NotImplementedError``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .message import ModuleError

_NOT_MIRRORED = "not mirrored by the TEN stand-in (only the TTS2 path is)"


class ReconnectManager:
    def __init__(self, base_delay: float = 0.5, max_delay: float = 4.0, logger: Any = None) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    def mark_connection_successful(self) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    def get_attempts_info(self) -> dict[str, Any]:
        raise NotImplementedError(_NOT_MIRRORED)

    async def handle_reconnect(
        self,
        connection_func: Callable[[], Awaitable[None]],
        error_handler: Callable[[ModuleError], Awaitable[None]] | None = None,
    ) -> bool:
        raise NotImplementedError(_NOT_MIRRORED)

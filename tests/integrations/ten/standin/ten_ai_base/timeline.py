"""Stand-in of ``ten_ai_base/timeline.py`` (TEN-framework/ten_ai_base,
``interface/ten_ai_base/timeline.py``, version 0.7.41 = commit e385b33): the public names,
constants, class bases and method signatures only. A TTS2 extension does not use this module, so
its behaviour is not mirrored: its methods raise ``NotImplementedError``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

_NOT_MIRRORED = "not mirrored by the TEN stand-in (only the TTS2 path is)"


class AudioTimelineEventType(Enum):
    USER_AUDIO = 0
    SILENCE_AUDIO = 1
    DROPPED_AUDIO = 2


class AudioTimeline:
    def __init__(self, error_cb: Callable[[str], None] | None = None) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    def add_user_audio(self, duration_ms: int) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    def add_silence_audio(self, duration_ms: int) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    def add_dropped_audio(self, duration_ms: int) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

    def get_audio_duration_before_time(self, time_ms: int) -> int:
        raise NotImplementedError(_NOT_MIRRORED)

    def get_total_user_audio_duration(self) -> int:
        raise NotImplementedError(_NOT_MIRRORED)

    def reset(self) -> None:
        raise NotImplementedError(_NOT_MIRRORED)

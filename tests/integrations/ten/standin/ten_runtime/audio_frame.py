"""Stand-in of ``ten_runtime/audio_frame.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/audio_frame.py``, tag 0.11.71 =
commit 9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TypeVar, cast

from libten_runtime_python import _AudioFrame, _ten_py_audio_frame_register_type

from .msg import Msg

T = TypeVar("T", bound="AudioFrame")


class AudioFrameDataFmt(IntEnum):
    INTERLEAVE = 1
    NON_INTERLEAVE = 2


class AudioFrame(_AudioFrame, Msg):
    def __init__(self, name: str) -> None:
        raise NotImplementedError("Use AudioFrame.create instead.")

    @classmethod
    def create(cls: type[T], name: str) -> T:
        return cast(T, cls.__new__(cls, name))

    def clone(self) -> AudioFrame:
        return cast("AudioFrame", _AudioFrame.clone(self))


_ten_py_audio_frame_register_type(AudioFrame)

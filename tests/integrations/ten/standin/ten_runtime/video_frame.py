"""Stand-in of ``ten_runtime/video_frame.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/video_frame.py``, tag 0.11.71 =
commit 9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TypeVar, cast

from libten_runtime_python import _ten_py_video_frame_register_type, _VideoFrame

from .msg import Msg

T = TypeVar("T", bound="VideoFrame")


class PixelFmt(IntEnum):
    RGB24 = 1
    RGBA = 2
    BGR24 = 3
    BGRA = 4
    I422 = 5
    I420 = 6
    NV21 = 7
    NV12 = 8


class VideoFrame(_VideoFrame, Msg):
    def __init__(self, name: str) -> None:
        raise NotImplementedError("Use VideoFrame.create instead.")

    @classmethod
    def create(cls: type[T], name: str) -> T:
        return cast(T, cls.__new__(cls, name))

    def clone(self) -> VideoFrame:
        return cast("VideoFrame", _VideoFrame.clone(self))


_ten_py_video_frame_register_type(VideoFrame)

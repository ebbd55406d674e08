"""Stand-in of the ``ten_runtime`` package (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/__init__.py``, tag 0.11.71 = commit
9f1ff4e7, unchanged at 2e56d965): the same re-exports and ``__all__``. The native module it
relies on is the stand-in ``libten_runtime_python`` next to this package. Rewritten for tests.
"""

from .addon import Addon
from .addon_manager import _AddonManager, register_addon_as_extension
from .app import App
from .async_extension import AsyncExtension
from .async_ten_env import AsyncTenEnv
from .async_test import AsyncExtensionTester, AsyncTenEnvTester
from .audio_frame import AudioFrame, AudioFrameDataFmt
from .cmd import Cmd
from .cmd_result import CmdResult, StatusCode
from .data import Data
from .error import TenError, TenErrorCode
from .extension import Extension
from .loc import Loc
from .log_level import LogLevel
from .log_option import DefaultLogOption, LogOption
from .send_options import SendOptions
from .start_graph_cmd import StartGraphCmd
from .stop_graph_cmd import StopGraphCmd
from .ten_env import TenEnv
from .test import ExtensionTester, TenEnvTester
from .trigger_life_cycle_cmd import TriggerLifeCycleCmd
from .value import Value, ValueType
from .video_frame import PixelFmt, VideoFrame

__all__ = [
    "Addon",
    "App",
    "AsyncExtension",
    "AsyncExtensionTester",
    "AsyncTenEnv",
    "AsyncTenEnvTester",
    "AudioFrame",
    "AudioFrameDataFmt",
    "Cmd",
    "CmdResult",
    "Data",
    "DefaultLogOption",
    "Extension",
    "ExtensionTester",
    "Loc",
    "LogLevel",
    "LogOption",
    "PixelFmt",
    "SendOptions",
    "StartGraphCmd",
    "StatusCode",
    "StopGraphCmd",
    "TenEnv",
    "TenEnvTester",
    "TenError",
    "TenErrorCode",
    "TriggerLifeCycleCmd",
    "Value",
    "ValueType",
    "VideoFrame",
    "_AddonManager",
    "register_addon_as_extension",
]

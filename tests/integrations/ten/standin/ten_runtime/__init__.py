"""A stand-in for the parts of ``ten_runtime`` a TTS2 extension uses (contract spec 1.13, 1.15).

Used only when the real TEN runtime is not importable (it is not published on PyPI). Property
getters return ``(value, error)`` tuples like the real runtime; messages carry their properties
as JSON; the environment records every outbound message for the test harness.
"""

from __future__ import annotations

import copy
import enum
import json
from collections.abc import Callable
from typing import Any


class TenError:
    """An error value (the runtime returns these instead of raising)."""

    def __init__(self, code: int = 1, message: str = "") -> None:
        self.code = code
        self.message = message

    @classmethod
    def create(cls, code: int, message: str) -> TenError:
        return cls(code, message)

    def error_message(self) -> str:
        return self.message


class TenErrorCode(enum.IntEnum):
    ErrorCodeGeneric = 1


class LogLevel(enum.IntEnum):
    VERBOSE = 1
    DEBUG = 2
    INFO = 3
    WARN = 4
    ERROR = 5
    FATAL = 6


class StatusCode(enum.IntEnum):
    OK = 0
    ERROR = 1


def _get(tree: dict[str, Any], path: str | None) -> Any:
    if not path:
        return tree
    node: Any = tree
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(path)
        node = node[part]
    return node


def _set(tree: dict[str, Any], path: str | None, value: Any) -> None:
    if not path:
        if not isinstance(value, dict):
            raise TypeError("the root property must be an object")
        tree.clear()
        tree.update(value)
        return
    parts = path.split(".")
    node = tree
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


class _Msg:
    """Properties shared by Data, Cmd, CmdResult and AudioFrame."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._props: dict[str, Any] = {}

    def get_name(self) -> str:
        return self._name

    def set_property_from_json(self, path: str | None, value: str) -> TenError | None:
        _set(self._props, path, json.loads(value))
        return None

    def get_property_to_json(self, path: str | None = None) -> tuple[str, TenError | None]:
        try:
            return json.dumps(_get(self._props, path)), None
        except KeyError:
            return "", TenError(1, f"property {path} not found")

    def _getter(self, path: str, kind: type) -> tuple[Any, TenError | None]:
        try:
            value = _get(self._props, path)
        except KeyError:
            return kind(), TenError(1, f"property {path} not found")
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return kind(), TenError(1, f"property {path} is not {kind.__name__}")
        return value, None

    def get_property_string(self, path: str) -> tuple[str, TenError | None]:
        return self._getter(path, str)  # type: ignore[no-any-return]

    def get_property_int(self, path: str) -> tuple[int, TenError | None]:
        return self._getter(path, int)  # type: ignore[no-any-return]

    def get_property_bool(self, path: str) -> tuple[bool, TenError | None]:
        return self._getter(path, bool)  # type: ignore[no-any-return]

    def set_property_string(self, path: str, value: str) -> TenError | None:
        _set(self._props, path, str(value))
        return None

    def set_property_bool(self, path: str, value: bool) -> TenError | None:
        _set(self._props, path, bool(value))
        return None

    def set_property_int(self, path: str, value: int) -> TenError | None:
        _set(self._props, path, int(value))
        return None


class Data(_Msg):
    @classmethod
    def create(cls, name: str) -> Data:
        return cls(name)


class Cmd(_Msg):
    @classmethod
    def create(cls, name: str) -> Cmd:
        return cls(name)


class CmdResult(_Msg):
    def __init__(self, status: StatusCode, cmd: Cmd) -> None:
        super().__init__("cmd_result")
        self._status = status
        self.cmd = cmd

    @classmethod
    def create(cls, status: StatusCode, cmd: Cmd) -> CmdResult:
        return cls(status, cmd)

    def get_status_code(self) -> StatusCode:
        return self._status


class AudioFrameDataFmt(enum.IntEnum):
    INTERLEAVE = 1
    NON_INTERLEAVE = 2


class AudioFrame(_Msg):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._buf = bytearray()
        self._sample_rate = 0
        self._bytes_per_sample = 0
        self._channels = 0
        self._fmt = AudioFrameDataFmt.INTERLEAVE
        self._samples_per_channel = 0
        self._timestamp = 0

    @classmethod
    def create(cls, name: str) -> AudioFrame:
        return cls(name)

    def set_sample_rate(self, rate: int) -> None:
        self._sample_rate = rate

    def get_sample_rate(self) -> int:
        return self._sample_rate

    def set_bytes_per_sample(self, n: int) -> None:
        self._bytes_per_sample = n

    def get_bytes_per_sample(self) -> int:
        return self._bytes_per_sample

    def set_number_of_channels(self, n: int) -> None:
        self._channels = n

    def get_number_of_channels(self) -> int:
        return self._channels

    def set_data_fmt(self, fmt: AudioFrameDataFmt) -> None:
        self._fmt = fmt

    def get_data_fmt(self) -> AudioFrameDataFmt:
        return self._fmt

    def set_samples_per_channel(self, n: int) -> None:
        self._samples_per_channel = n

    def get_samples_per_channel(self) -> int:
        return self._samples_per_channel

    def set_timestamp(self, ts: int) -> None:
        self._timestamp = ts

    def get_timestamp(self) -> int:
        return self._timestamp

    def alloc_buf(self, size: int) -> None:
        self._buf = bytearray(size)

    def lock_buf(self) -> bytearray:
        return self._buf

    def unlock_buf(self, _buf: bytearray) -> None:
        return None

    def get_buf(self) -> bytes:
        return bytes(self._buf)


Outbound = Data | AudioFrame | CmdResult


class AsyncTenEnv:
    """The extension's environment: properties in, messages out (recorded by ``sink``)."""

    def __init__(self, properties: dict[str, Any], sink: Callable[[Outbound], None]) -> None:
        self._props = copy.deepcopy(properties)
        self._sink = sink
        self.logs: list[tuple[LogLevel, str, str | None]] = []

    async def get_property_to_json(self, path: str | None = None) -> tuple[str, TenError | None]:
        try:
            return json.dumps(_get(self._props, path)), None
        except KeyError:
            return "", TenError(1, f"property {path} not found")

    async def get_property_string(self, path: str) -> tuple[str, TenError | None]:
        try:
            return str(_get(self._props, path)), None
        except KeyError:
            return "", TenError(1, f"property {path} not found")

    async def send_data(self, data: Data, _options: object = None) -> TenError | None:
        self._sink(data)
        return None

    async def send_audio_frame(self, frame: AudioFrame) -> TenError | None:
        self._sink(frame)
        return None

    async def return_result(self, result: CmdResult) -> TenError | None:
        self._sink(result)
        return None

    def log(self, level: LogLevel, msg: str, category: str | None = None, **_: object) -> None:
        self.logs.append((level, msg, category))

    def log_debug(self, msg: str, category: str | None = None, **kw: object) -> None:
        self.log(LogLevel.DEBUG, msg, category)

    def log_info(self, msg: str, category: str | None = None, **kw: object) -> None:
        self.log(LogLevel.INFO, msg, category)

    def log_warn(self, msg: str, category: str | None = None, **kw: object) -> None:
        self.log(LogLevel.WARN, msg, category)

    def log_error(self, msg: str, category: str | None = None, **kw: object) -> None:
        self.log(LogLevel.ERROR, msg, category)


class AsyncExtension:
    """Lifecycle callbacks are no-ops; the runtime calls them in order."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def on_configure(self, ten_env: AsyncTenEnv) -> None: ...

    async def on_init(self, ten_env: AsyncTenEnv) -> None: ...

    async def on_start(self, ten_env: AsyncTenEnv) -> None: ...

    async def on_stop(self, ten_env: AsyncTenEnv) -> None: ...

    async def on_deinit(self, ten_env: AsyncTenEnv) -> None: ...

    async def on_cmd(self, ten_env: AsyncTenEnv, cmd: Cmd) -> None: ...

    async def on_data(self, ten_env: AsyncTenEnv, data: Data) -> None: ...

    async def on_audio_frame(self, ten_env: AsyncTenEnv, frame: AudioFrame) -> None: ...


class TenEnv:
    """The addon's environment (only what ``on_create_instance`` needs)."""

    def __init__(self) -> None:
        self.created: list[tuple[object, object]] = []

    def on_create_instance_done(self, instance: object, context: object) -> None:
        self.created.append((instance, context))


class Addon:
    pass


ADDONS: dict[str, type] = {}


def register_addon_as_extension(name: str) -> Callable[[type], type]:
    def register(cls: type) -> type:
        ADDONS[name] = cls
        return cls

    return register

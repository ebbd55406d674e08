"""Stand-in of ``ten_ai_base/helper.py`` (TEN-framework/ten_ai_base,
``interface/ten_ai_base/helper.py``, version 0.7.41 = commit e385b33). Rewritten for tests: same
public names, signatures and behaviour (``AsyncQueue`` is a deque behind an
``asyncio.Condition``: ``put(item, prepend=False)``, ``get``, ``flush``, ``__len__``; the
``get_property_*`` helpers return what ``ten_env`` returns, as the real ones do).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ten_runtime.async_ten_env import AsyncTenEnv


def _get_property(ten_env: AsyncTenEnv, getter: str, property_name: str, fallback: Any) -> Any:
    try:
        return getattr(ten_env, getter)(property_name)
    except Exception as err:
        ten_env.log_warn(f"GetProperty {property_name} failed: {err}")
        return fallback


def get_property_bool(ten_env: AsyncTenEnv, property_name: str) -> bool:
    return _get_property(ten_env, "get_property_bool", property_name, False)  # type: ignore[no-any-return]


def get_properties_bool(
    ten_env: AsyncTenEnv, property_names: list[str], callback: Callable[[str, bool], None]
) -> None:
    for property_name in property_names:
        callback(property_name, get_property_bool(ten_env, property_name))


def get_property_string(ten_env: AsyncTenEnv, property_name: str) -> str:
    return _get_property(ten_env, "get_property_string", property_name, "")  # type: ignore[no-any-return]


def get_properties_string(
    ten_env: AsyncTenEnv, property_names: list[str], callback: Callable[[str, str], None]
) -> None:
    for property_name in property_names:
        callback(property_name, get_property_string(ten_env, property_name))


def get_property_int(ten_env: AsyncTenEnv, property_name: str) -> int:
    return _get_property(ten_env, "get_property_int", property_name, 0)  # type: ignore[no-any-return]


def get_properties_int(
    ten_env: AsyncTenEnv, property_names: list[str], callback: Callable[[str, int], None]
) -> None:
    for property_name in property_names:
        callback(property_name, get_property_int(ten_env, property_name))


def get_property_float(ten_env: AsyncTenEnv, property_name: str) -> float:
    return _get_property(ten_env, "get_property_float", property_name, 0.0)  # type: ignore[no-any-return]


def get_properties_float(
    ten_env: AsyncTenEnv, property_names: list[str], callback: Callable[[str, float], None]
) -> None:
    for property_name in property_names:
        callback(property_name, get_property_float(ten_env, property_name))


class AsyncEventEmitter:
    def __init__(self) -> None:
        self.listeners: dict[Any, list[Callable[..., Any]]] = {}

    def on(self, event_name: Any, listener: Callable[..., Any]) -> None:
        self.listeners.setdefault(event_name, []).append(listener)

    def emit(self, event_name: Any, *args: Any, **kwargs: Any) -> None:
        """Start every listener as a task; do not wait for them."""
        for listener in self.listeners.get(event_name, []):
            asyncio.create_task(listener(*args, **kwargs))  # noqa: RUF006 - fire and forget


class AsyncQueue:
    def __init__(self) -> None:
        self._queue: deque[Any] = deque()
        self._condition = asyncio.Condition()

    async def put(self, item: Any, prepend: bool = False) -> None:
        async with self._condition:
            if prepend:
                self._queue.appendleft(item)
            else:
                self._queue.append(item)
            self._condition.notify()

    async def get(self) -> Any:
        async with self._condition:
            while not self._queue:
                await self._condition.wait()
            return self._queue.popleft()

    async def flush(self) -> None:
        async with self._condition:
            self._queue.clear()
            self._condition.notify_all()

    def __len__(self) -> int:
        return len(self._queue)


def write_pcm_to_file(buffer: bytearray, file_name: str) -> None:
    """Append ``buffer`` to ``file_name``."""
    with open(file_name, "ab") as handle:
        handle.write(buffer)


def generate_file_name(prefix: str) -> str:
    return f"{prefix}_{datetime.now().strftime('%Y%m%d_%H%M%S')}.pcm"


class PCMWriter:
    """Buffers PCM and appends it to a file in an executor once ``buffer_size`` is reached."""

    def __init__(self, file_path: str, buffer_size: int = 1024 * 64) -> None:
        self.file_name = file_path
        self.buffer = bytearray()
        self.buffer_size = buffer_size
        self._lock = asyncio.Lock()
        self._flush_task: asyncio.Task[None] | None = None

    async def write(self, data: bytes) -> None:
        async with self._lock:
            self.buffer.extend(data)
            if len(self.buffer) >= self.buffer_size:
                self._schedule_flush()

    async def flush(self) -> None:
        async with self._lock:
            self._schedule_flush(force=True)
        if self._flush_task:
            await self._flush_task

    def _schedule_flush(self, force: bool = False) -> None:
        if self._flush_task and not self._flush_task.done():
            return
        data = bytes(self.buffer)
        self.buffer.clear()
        if not data and not force:
            return
        self._flush_task = asyncio.get_running_loop().create_task(self._flush(data))

    async def _flush(self, data: bytes) -> None:
        if not data:
            return
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            None, functools.partial(write_pcm_to_file, bytearray(data), self.file_name)
        )


class TimeHelper:
    """Durations between ``time.time()`` stamps, in seconds or whole milliseconds."""

    @classmethod
    def duration(cls, start: float, end: float) -> float:
        return end - start

    @classmethod
    def duration_since(cls, start: float) -> float:
        return cls.duration(start, time.time())

    @classmethod
    def duration_ms(cls, start: float, end: float) -> int:
        return int((end - start) * 1000)

    @classmethod
    def duration_ms_since(cls, start: float) -> int:
        return cls.duration_ms(start, time.time())

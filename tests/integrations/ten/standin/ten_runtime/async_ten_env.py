"""Stand-in of ``ten_runtime/async_ten_env.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/async_ten_env.py``, tag 0.11.71 =
commit 9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour (each call hands a callback to the native layer and awaits its answer on the
extension's loop; a send without ``SendOptions(wait_for_result=True)`` is fire-and-forget).
"""

from __future__ import annotations

import asyncio
import threading
from asyncio import AbstractEventLoop
from collections.abc import AsyncGenerator
from typing import Any, TypeAlias, TypeVar

from .audio_frame import AudioFrame
from .cmd import Cmd
from .cmd_result import CmdResult
from .data import Data
from .error import TenError
from .global_thread_manager import GlobalThreadManager
from .send_options import SendOptions
from .ten_env import TenEnv
from .ten_env_base import TenEnvBase
from .video_frame import VideoFrame

CmdResultTuple: TypeAlias = "tuple[CmdResult | None, TenError | None]"
ResultHandlerResultType = TypeVar(
    "ResultHandlerResultType", bound="CmdResult | str | bool | int | float | None"
)


class AsyncTenEnv(TenEnvBase):
    _ten_loop: AbstractEventLoop
    _ten_thread: threading.Thread
    _ten_all_tasks_done_event: asyncio.Event
    _global_thread_manager: GlobalThreadManager | None

    def __init__(
        self,
        ten_env: TenEnv,
        loop: AbstractEventLoop,
        thread: threading.Thread,
        global_thread_manager: GlobalThreadManager | None,
    ) -> None:
        super().__init__(ten_env._internal)
        self._ten_loop = loop
        self._ten_thread = thread
        self._ten_all_tasks_done_event = asyncio.Event()
        self._global_thread_manager = global_thread_manager
        ten_env._set_release_handler(self._on_release)

    def _result_handler(
        self, result: Any, error: TenError | None, queue: asyncio.Queue[Any]
    ) -> None:
        asyncio.run_coroutine_threadsafe(queue.put((result, error)), self._ten_loop)

    def _error_handler(self, error: TenError | None, queue: asyncio.Queue[Any]) -> None:
        asyncio.run_coroutine_threadsafe(queue.put(error), self._ten_loop)

    async def send_cmd(self, cmd: Cmd) -> CmdResultTuple:
        q: asyncio.Queue[Any] = asyncio.Queue(maxsize=1)
        err = self._internal.send_cmd(
            cmd, lambda _, result, error: self._result_handler(result, error, q), False
        )
        if err is not None:
            return None, err
        result, err = await q.get()
        if result is not None:
            assert result.is_completed()
        return result, err

    async def send_cmd_ex(self, cmd: Cmd) -> AsyncGenerator[CmdResultTuple, None]:
        q: asyncio.Queue[Any] = asyncio.Queue(maxsize=10)
        err = self._internal.send_cmd(
            cmd, lambda _, result, error: self._result_handler(result, error, q), True
        )
        if err is not None:
            yield None, err
            return
        while True:
            result, err = await q.get()
            yield result, err
            if err is not None or (result is not None and result.is_completed()):
                break

    async def _send(self, send: Any, msg: Any, options: SendOptions | None) -> TenError | None:
        if options is None or not options.wait_for_result:
            return send(msg, None)  # type: ignore[no-any-return]
        q: asyncio.Queue[Any] = asyncio.Queue(maxsize=1)
        err = send(msg, lambda _, error: self._error_handler(error, q))
        if err is not None:
            return err  # type: ignore[no-any-return]
        return await q.get()  # type: ignore[no-any-return]

    async def send_data(self, data: Data, options: SendOptions | None = None) -> TenError | None:
        return await self._send(self._internal.send_data, data, options)

    async def send_video_frame(
        self, video_frame: VideoFrame, options: SendOptions | None = None
    ) -> TenError | None:
        return await self._send(self._internal.send_video_frame, video_frame, options)

    async def send_audio_frame(
        self, audio_frame: AudioFrame, options: SendOptions | None = None
    ) -> TenError | None:
        return await self._send(self._internal.send_audio_frame, audio_frame, options)

    async def return_result(
        self, result: CmdResult, options: SendOptions | None = None
    ) -> TenError | None:
        return await self._send(self._internal.return_result, result, options)

    async def _ask(self, start: Any, empty: Any, *args: Any) -> tuple[Any, TenError | None]:
        q: asyncio.Queue[Any] = asyncio.Queue(maxsize=1)
        err = start(*args, lambda result, error: self._result_handler(result, error, q))
        if err is not None:
            return empty, err
        result, err = await q.get()
        return result, err

    async def _tell(self, start: Any, *args: Any) -> TenError | None:
        q: asyncio.Queue[Any] = asyncio.Queue(maxsize=1)
        err = start(*args, lambda error: self._error_handler(error, q))
        if err is not None:
            return err  # type: ignore[no-any-return]
        return await q.get()  # type: ignore[no-any-return]

    async def get_property_to_json(self, path: str | None = None) -> tuple[str, TenError | None]:
        return await self._ask(self._internal.get_property_to_json_async, "", path)

    async def set_property_from_json(self, path: str, json_str: str) -> TenError | None:
        return await self._tell(self._internal.set_property_from_json_async, path, json_str)

    async def get_property_int(self, path: str) -> tuple[int, TenError | None]:
        return await self._ask(self._internal.get_property_int_async, 0, path)

    async def set_property_int(self, path: str, value: int) -> TenError | None:
        return await self._tell(self._internal.set_property_int_async, path, value)

    async def get_property_string(self, path: str) -> tuple[str, TenError | None]:
        return await self._ask(self._internal.get_property_string_async, "", path)

    async def set_property_string(self, path: str, value: str) -> TenError | None:
        return await self._tell(self._internal.set_property_string_async, path, value)

    async def get_property_bool(self, path: str) -> tuple[bool, TenError | None]:
        return await self._ask(self._internal.get_property_bool_async, False, path)

    async def set_property_bool(self, path: str, value: int) -> TenError | None:
        return await self._tell(self._internal.set_property_bool_async, path, value)

    async def get_property_float(self, path: str) -> tuple[float, TenError | None]:
        return await self._ask(self._internal.get_property_float_async, 0.0, path)

    async def set_property_float(self, path: str, value: float) -> TenError | None:
        return await self._tell(self._internal.set_property_float_async, path, value)

    async def is_property_exist(self, path: str) -> tuple[bool, TenError | None]:
        return await self._ask(self._internal.is_property_exist_async, False, path)

    async def init_property_from_json(self, json_str: str) -> TenError | None:
        return await self._tell(self._internal.init_property_from_json_async, json_str)

    async def _close_loop(self) -> None:
        self._ten_all_tasks_done_event.set()

    def _on_release(self) -> None:
        # Called by the runtime once on_deinit_done is processed: let _configure_routine end,
        # and, when this was the last extension on the shared loop, wait for its thread.
        asyncio.run_coroutine_threadsafe(self._close_loop(), self._ten_loop)
        if self._global_thread_manager is not None:
            if self._global_thread_manager.decrement_ref_count() <= 0:
                self._ten_thread.join()
                self._global_thread_manager.reset()
        else:
            self._ten_thread.join()

"""Stand-in of ``ten_runtime/async_test.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/async_test.py``, tag 0.11.71 =
commit 9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour: the tester's callbacks run as coroutines on its own asyncio thread, started by
``on_init``; an exception escaping one ends the process with status 1; ``run()`` blocks until
the test graph is gone.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import traceback
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeAlias, final

from libten_runtime_python import _ExtensionTester

from .audio_frame import AudioFrame
from .cmd import Cmd
from .cmd_result import CmdResult
from .data import Data
from .error import TenError
from .log_option import LogOption
from .send_options import SendOptions
from .test import TenEnvTester
from .test_base import TenEnvTesterBase
from .video_frame import VideoFrame

CmdResultTuple: TypeAlias = "tuple[CmdResult | None, TenError | None]"


class AsyncTenEnvTester(TenEnvTesterBase):
    _ten_loop: asyncio.AbstractEventLoop
    _ten_thread: threading.Thread

    def __init__(
        self,
        ten_env_tester: TenEnvTester,
        loop: asyncio.AbstractEventLoop,
        thread: threading.Thread,
    ) -> None:
        super().__init__(ten_env_tester._internal)
        self._ten_loop = loop
        self._ten_thread = thread

    def _result_handler(
        self,
        result: CmdResult | None,
        error: TenError | None,
        queue: asyncio.Queue[Any],
    ) -> None:
        asyncio.run_coroutine_threadsafe(queue.put((result, error)), self._ten_loop)

    def _error_handler(self, error: TenError | None, queue: asyncio.Queue[Any]) -> None:
        asyncio.run_coroutine_threadsafe(queue.put(error), self._ten_loop)

    async def send_cmd(self, cmd: Cmd) -> CmdResultTuple:
        q: asyncio.Queue[Any] = asyncio.Queue(maxsize=1)

        def cmd_callback(_: TenEnvTester, result: CmdResult | None, error: TenError | None) -> None:
            self._result_handler(result, error, q)

        err = self._internal.send_cmd(cmd, cmd_callback, False)
        if err is not None:
            return None, err
        result, err = await q.get()
        if result is not None:
            assert result.is_completed()
        return result, err

    async def send_cmd_ex(self, cmd: Cmd) -> AsyncGenerator[CmdResultTuple, None]:
        q: asyncio.Queue[Any] = asyncio.Queue(maxsize=10)

        def cmd_ex_callback(
            _: TenEnvTester, result: CmdResult | None, error: TenError | None
        ) -> None:
            self._result_handler(result, error, q)

        err = self._internal.send_cmd(cmd, cmd_ex_callback, True)
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

        def callback(_: TenEnvTester, error: TenError | None) -> None:
            self._error_handler(error, q)

        err = send(msg, callback)
        if err is not None:
            return err  # type: ignore[no-any-return]
        return await q.get()  # type: ignore[no-any-return]

    async def send_data(self, data: Data, options: SendOptions | None = None) -> TenError | None:
        return await self._send(self._internal.send_data, data, options)

    async def send_audio_frame(
        self, audio_frame: AudioFrame, options: SendOptions | None = None
    ) -> TenError | None:
        return await self._send(self._internal.send_audio_frame, audio_frame, options)

    async def send_video_frame(
        self, video_frame: VideoFrame, options: SendOptions | None = None
    ) -> TenError | None:
        return await self._send(self._internal.send_video_frame, video_frame, options)

    async def return_result(
        self, cmd_result: CmdResult, options: SendOptions | None = None
    ) -> TenError | None:
        return await self._send(self._internal.return_result, cmd_result, options)


class AsyncExtensionTester(_ExtensionTester):
    _ten_loop: asyncio.AbstractEventLoop | None
    _async_ten_env_tester: AsyncTenEnvTester | None
    _ten_thread: threading.Thread | None
    _ten_stop_event: asyncio.Event

    def __init__(self) -> None:
        self._ten_loop = None
        self._async_ten_env_tester = None
        self._ten_thread = None
        self._ten_stop_event = asyncio.Event()

    def __del__(self) -> None:
        pass

    def _exit_on_exception(self, async_ten_env_tester: AsyncTenEnvTester, e: Exception) -> None:
        details = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        text = f"Uncaught exception: {e} \ntraceback: {details}"
        async_ten_env_tester.log_error(text, option=LogOption(sync=True))
        print(text)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)

    async def _thread_routine(self, ten_env_tester: TenEnvTester) -> None:
        assert self._ten_thread is not None
        self._ten_loop = asyncio.get_running_loop()
        self._async_ten_env_tester = AsyncTenEnvTester(
            ten_env_tester, self._ten_loop, self._ten_thread
        )
        await self._wrapper_on_init(self._async_ten_env_tester)
        ten_env_tester.on_init_done()
        await self._ten_stop_event.wait()

    @final
    async def _stop_thread(self) -> None:
        self._ten_stop_event.set()

    def _env(self) -> AsyncTenEnvTester:
        assert self._async_ten_env_tester is not None
        return self._async_ten_env_tester

    def _submit(self, coroutine: Awaitable[Any]) -> None:
        assert self._ten_loop is not None
        asyncio.run_coroutine_threadsafe(coroutine, self._ten_loop)  # type: ignore[arg-type]

    async def _guard(self, env: AsyncTenEnvTester, call: Callable[[], Awaitable[None]]) -> None:
        try:
            await call()
        except Exception as exc:
            self._exit_on_exception(env, exc)

    @final
    def _proxy_on_init(self, ten_env_tester: TenEnvTester) -> None:
        self._ten_thread = threading.Thread(
            target=asyncio.run, args=(self._thread_routine(ten_env_tester),)
        )
        self._ten_thread.start()

    @final
    def _proxy_on_start(self, ten_env_tester: TenEnvTester) -> None:
        self._submit(self._proxy_async_on_start(ten_env_tester))

    @final
    async def _proxy_async_on_start(self, ten_env_tester: TenEnvTester) -> None:
        await self._wrapper_on_start(self._env())
        ten_env_tester.on_start_done()

    async def _wrapper_on_init(self, ten_env_tester: AsyncTenEnvTester) -> None:
        await self._guard(ten_env_tester, lambda: self.on_init(ten_env_tester))

    async def _wrapper_on_start(self, ten_env_tester: AsyncTenEnvTester) -> None:
        await self._guard(ten_env_tester, lambda: self.on_start(ten_env_tester))

    async def _wrapper_on_stop(self, ten_env_tester: AsyncTenEnvTester) -> None:
        await self._guard(ten_env_tester, lambda: self.on_stop(ten_env_tester))

    @final
    async def _proxy_async_on_stop(self, ten_env_tester: TenEnvTester) -> None:
        await self._wrapper_on_stop(self._env())
        ten_env_tester._internal.on_stop_done()

    @final
    def _proxy_on_stop(self, ten_env_tester: TenEnvTester) -> None:
        if self._ten_loop is None:
            ten_env_tester.on_stop_done()
            return
        self._submit(self._proxy_async_on_stop(ten_env_tester))

    async def _wrapper_on_deinit(self, ten_env_tester: AsyncTenEnvTester) -> None:
        await self._guard(ten_env_tester, lambda: self.on_deinit(ten_env_tester))

    @final
    async def _proxy_async_on_deinit(self, ten_env_tester: TenEnvTester) -> None:
        await self._wrapper_on_deinit(self._env())
        ten_env_tester._internal.on_deinit_done()

    @final
    def _proxy_on_deinit(self, ten_env_tester: TenEnvTester) -> None:
        if self._ten_loop is None:
            ten_env_tester.on_deinit_done()
            return
        self._submit(self._proxy_async_on_deinit(ten_env_tester))

    @final
    def _proxy_on_cmd(self, _ten_env_tester: TenEnvTester, cmd: Cmd) -> None:
        self._submit(self._wrapper_on_cmd(self._env(), cmd))

    async def _wrapper_on_cmd(self, ten_env_tester: AsyncTenEnvTester, cmd: Cmd) -> None:
        await self._guard(ten_env_tester, lambda: self.on_cmd(ten_env_tester, cmd))

    @final
    def _proxy_on_data(self, _ten_env_tester: TenEnvTester, data: Data) -> None:
        self._submit(self._wrapper_on_data(self._env(), data))

    async def _wrapper_on_data(self, ten_env_tester: AsyncTenEnvTester, data: Data) -> None:
        await self._guard(ten_env_tester, lambda: self.on_data(ten_env_tester, data))

    @final
    def _proxy_on_audio_frame(self, _ten_env_tester: TenEnvTester, audio_frame: AudioFrame) -> None:
        self._submit(self._wrapper_on_audio_frame(self._env(), audio_frame))

    async def _wrapper_on_audio_frame(
        self, ten_env_tester: AsyncTenEnvTester, audio_frame: AudioFrame
    ) -> None:
        await self._guard(ten_env_tester, lambda: self.on_audio_frame(ten_env_tester, audio_frame))

    @final
    def _proxy_on_video_frame(self, _ten_env_tester: TenEnvTester, video_frame: VideoFrame) -> None:
        self._submit(self._wrapper_on_video_frame(self._env(), video_frame))

    async def _wrapper_on_video_frame(
        self, ten_env_tester: AsyncTenEnvTester, video_frame: VideoFrame
    ) -> None:
        await self._guard(ten_env_tester, lambda: self.on_video_frame(ten_env_tester, video_frame))

    @final
    def set_test_mode_single(self, addon_name: str, property_json_str: str | None = None) -> None:
        return _ExtensionTester.set_test_mode_single_internal(self, addon_name, property_json_str)

    @final
    def set_test_mode_graph(self, graph_json: str) -> None:
        return _ExtensionTester.set_test_mode_graph_internal(self, graph_json)

    @final
    def run(self) -> TenError | None:
        """Blocks until the test graph is gone, then stops the tester's asyncio thread."""
        err: TenError | None = _ExtensionTester.run_internal(self)
        if self._ten_thread is not None and self._ten_thread.is_alive():
            assert self._ten_loop is not None
            asyncio.run_coroutine_threadsafe(self._stop_thread(), self._ten_loop)
            self._ten_thread.join()
        return err

    async def on_init(self, _ten_env: AsyncTenEnvTester) -> None:
        pass

    async def on_start(self, _ten_env: AsyncTenEnvTester) -> None:
        pass

    async def on_stop(self, _ten_env: AsyncTenEnvTester) -> None:
        pass

    async def on_deinit(self, _ten_env: AsyncTenEnvTester) -> None:
        pass

    async def on_cmd(self, _ten_env: AsyncTenEnvTester, _cmd: Cmd) -> None:
        pass

    async def on_data(self, _ten_env: AsyncTenEnvTester, _data: Data) -> None:
        pass

    async def on_audio_frame(self, _ten_env: AsyncTenEnvTester, _audio_frame: AudioFrame) -> None:
        pass

    async def on_video_frame(self, _ten_env: AsyncTenEnvTester, _video_frame: VideoFrame) -> None:
        pass

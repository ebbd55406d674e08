"""Stand-in of ``ten_runtime/async_extension.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/async_extension.py``, tag 0.11.71 =
commit 9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour: every callback is its own coroutine on the extension's loop (the process-wide loop by
default, ``TEN_PYTHON_THREAD_MODE=multi_thread`` gives each extension its own); an exception
escaping a callback is logged and ends the process with status 1; ``on_deinit_done`` follows
``on_deinit``, then the loop waits for the runtime's release.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, final

from libten_runtime_python import _Extension

from .async_ten_env import AsyncTenEnv
from .audio_frame import AudioFrame
from .cmd import Cmd
from .data import Data
from .global_thread_manager import GlobalThreadManager
from .log_level import LogLevel
from .log_option import LogOption
from .ten_env import TenEnv
from .video_frame import VideoFrame


class ThreadMode:
    """Where async extensions run."""

    SINGLE_THREAD: str = "single_thread"
    MULTI_THREAD: str = "multi_thread"


_cached_thread_mode: str | None = None


def _get_cached_thread_mode(ten_env: TenEnv) -> str:
    """``TEN_PYTHON_THREAD_MODE``, read once per process (default ``single_thread``)."""
    global _cached_thread_mode
    if _cached_thread_mode is None:
        mode = os.getenv("TEN_PYTHON_THREAD_MODE", ThreadMode.SINGLE_THREAD)
        if mode not in (ThreadMode.SINGLE_THREAD, ThreadMode.MULTI_THREAD):
            ten_env.log_warn(
                f"Warning: Invalid thread mode '{mode}', using default single_thread mode"
            )
            mode = ThreadMode.SINGLE_THREAD
        _cached_thread_mode = mode
        ten_env.log_info(f"TEN_PYTHON_THREAD_MODE read from environment variable: {mode}")
    return _cached_thread_mode


def is_single_thread_mode(ten_env: TenEnv) -> bool:
    return _get_cached_thread_mode(ten_env) == ThreadMode.SINGLE_THREAD


class AsyncExtension(_Extension):
    name: str
    _ten_stop_event: asyncio.Event
    _ten_loop: asyncio.AbstractEventLoop | None
    _ten_thread: threading.Thread | None
    _async_ten_env: AsyncTenEnv | None
    _global_thread_manager: GlobalThreadManager | None

    def __new__(cls, name: str) -> AsyncExtension:
        return super().__new__(cls, name)  # type: ignore[return-value]

    def __init__(self, name: str) -> None:
        self.name = name
        self._ten_stop_event = asyncio.Event()
        self._ten_loop = None
        self._ten_thread = None
        self._async_ten_env = None
        self._global_thread_manager = None

    def __del__(self) -> None:
        pass

    async def _configure_routine(self, ten_env: TenEnv) -> None:
        """Runs on the extension's loop for the extension's whole life."""
        self._ten_loop = asyncio.get_running_loop()
        self._async_ten_env = AsyncTenEnv(
            ten_env, self._ten_loop, threading.current_thread(), self._global_thread_manager
        )
        await self._wrapper_on_config(self._async_ten_env)
        ten_env.on_configure_done()
        await self._ten_stop_event.wait()
        await self._wrapper_on_deinit(self._async_ten_env)
        self._async_ten_env._internal.on_deinit_done()
        # ten_env calls awaited before this point may still be running: wait for the release.
        await self._async_ten_env._ten_all_tasks_done_event.wait()

    async def _stop_thread(self) -> None:
        self._ten_stop_event.set()

    # -- scheduling onto the loop ----------------------------------------------------------

    def _loop_for(self, ten_env: TenEnv) -> asyncio.AbstractEventLoop | None:
        if is_single_thread_mode(ten_env):
            assert self._global_thread_manager is not None, (
                "self._global_thread_manager should never be None"
            )
            return self._global_thread_manager.get_thread()
        if self._ten_loop is not None and not self._ten_loop.is_closed():
            return self._ten_loop
        return None

    def _submit(self, ten_env: TenEnv, coroutine: Awaitable[Any]) -> None:
        loop = self._loop_for(ten_env)
        if loop is None:
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            return
        asyncio.run_coroutine_threadsafe(coroutine, loop)  # type: ignore[arg-type]

    def _env(self) -> AsyncTenEnv:
        assert self._async_ten_env is not None, "self._async_ten_env should never be None"
        return self._async_ten_env

    @final
    def _proxy_on_configure(self, ten_env: TenEnv) -> None:
        if is_single_thread_mode(ten_env):
            self._proxy_on_configure_single_thread(ten_env)
        else:
            self._proxy_on_configure_multi_thread(ten_env)

    def _proxy_on_configure_single_thread(self, ten_env: TenEnv) -> None:
        self._global_thread_manager = GlobalThreadManager()
        self._global_thread_manager.increment_ref_count()
        loop = self._global_thread_manager.get_or_start_thread(ten_env)
        asyncio.run_coroutine_threadsafe(self._configure_routine(ten_env), loop)

    def _proxy_on_configure_multi_thread(self, ten_env: TenEnv) -> None:
        self._ten_thread = threading.Thread(
            target=self._run_multi_thread_configure,
            args=(ten_env,),
            daemon=True,
            name=f"AsyncExtension-{self.name}",
        )
        self._ten_thread.start()

    def _run_multi_thread_configure(self, ten_env: TenEnv) -> None:
        try:
            self._ten_loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._ten_loop)
            self._ten_loop.run_until_complete(self._configure_routine(ten_env))
        except BaseException as exc:
            ten_env.log_warn(f"Error in multi-thread configure: {exc}", option=LogOption(sync=True))
            traceback.print_exc()
        finally:
            if self._ten_loop is not None and not self._ten_loop.is_closed():
                self._ten_loop.close()

    @final
    def _proxy_on_init(self, ten_env: TenEnv) -> None:
        self._submit(ten_env, self._proxy_async_on_init(ten_env))

    @final
    async def _proxy_async_on_init(self, ten_env: TenEnv) -> None:
        await self._wrapper_on_init(self._env())
        ten_env.on_init_done()

    @final
    def _proxy_on_start(self, ten_env: TenEnv) -> None:
        self._submit(ten_env, self._proxy_async_on_start(ten_env))

    @final
    async def _proxy_async_on_start(self, ten_env: TenEnv) -> None:
        await self._wrapper_on_start(self._env())
        ten_env.on_start_done()

    @final
    def _proxy_on_stop(self, ten_env: TenEnv) -> None:
        self._submit(ten_env, self._proxy_async_on_stop(ten_env))

    @final
    async def _proxy_async_on_stop(self, ten_env: TenEnv) -> None:
        await self._wrapper_on_stop(self._env())
        ten_env.on_stop_done()

    @final
    def _proxy_on_deinit(self, ten_env: TenEnv) -> None:
        self._submit(ten_env, self._stop_thread())

    @final
    def _proxy_on_cmd(self, ten_env: TenEnv, cmd: Cmd) -> None:
        self._submit(ten_env, self._wrapper_on_cmd(self._env(), cmd))

    @final
    def _proxy_on_data(self, ten_env: TenEnv, data: Data) -> None:
        self._submit(ten_env, self._wrapper_on_data(self._env(), data))

    @final
    def _proxy_on_video_frame(self, ten_env: TenEnv, video_frame: VideoFrame) -> None:
        self._submit(ten_env, self._wrapper_on_video_frame(self._env(), video_frame))

    @final
    def _proxy_on_audio_frame(self, ten_env: TenEnv, audio_frame: AudioFrame) -> None:
        self._submit(ten_env, self._wrapper_on_audio_frame(self._env(), audio_frame))

    # -- exception barrier -----------------------------------------------------------------

    async def _guard(self, async_ten_env: AsyncTenEnv, call: Callable[[], Awaitable[None]]) -> None:
        try:
            await call()
        except BaseException as exc:
            self._exit_on_exception(async_ten_env, exc)

    async def _wrapper_on_config(self, async_ten_env: AsyncTenEnv) -> None:
        await self._guard(async_ten_env, lambda: self.on_configure(async_ten_env))

    async def _wrapper_on_init(self, async_ten_env: AsyncTenEnv) -> None:
        await self._guard(async_ten_env, lambda: self.on_init(async_ten_env))

    async def _wrapper_on_start(self, async_ten_env: AsyncTenEnv) -> None:
        await self._guard(async_ten_env, lambda: self.on_start(async_ten_env))

    async def _wrapper_on_stop(self, async_ten_env: AsyncTenEnv) -> None:
        await self._guard(async_ten_env, lambda: self.on_stop(async_ten_env))

    async def _wrapper_on_deinit(self, async_ten_env: AsyncTenEnv) -> None:
        await self._guard(async_ten_env, lambda: self.on_deinit(async_ten_env))

    async def _wrapper_on_cmd(self, async_ten_env: AsyncTenEnv, cmd: Cmd) -> None:
        await self._guard(async_ten_env, lambda: self.on_cmd(async_ten_env, cmd))

    async def _wrapper_on_data(self, async_ten_env: AsyncTenEnv, data: Data) -> None:
        await self._guard(async_ten_env, lambda: self.on_data(async_ten_env, data))

    async def _wrapper_on_video_frame(
        self, async_ten_env: AsyncTenEnv, video_frame: VideoFrame
    ) -> None:
        await self._guard(async_ten_env, lambda: self.on_video_frame(async_ten_env, video_frame))

    async def _wrapper_on_audio_frame(
        self, async_ten_env: AsyncTenEnv, audio_frame: AudioFrame
    ) -> None:
        await self._guard(async_ten_env, lambda: self.on_audio_frame(async_ten_env, audio_frame))

    def _exit_on_exception(self, async_ten_env: AsyncTenEnv, e: BaseException) -> None:
        details = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        text = f"Uncaught exception: {e} \ntraceback: {details}"
        if async_ten_env.log(LogLevel.ERROR, text, option=LogOption(sync=True)) is not None:
            print(text)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)

    # -- to override -----------------------------------------------------------------------

    async def on_configure(self, _ten_env: AsyncTenEnv) -> None:
        pass

    async def on_init(self, _ten_env: AsyncTenEnv) -> None:
        pass

    async def on_start(self, _ten_env: AsyncTenEnv) -> None:
        pass

    async def on_stop(self, _ten_env: AsyncTenEnv) -> None:
        pass

    async def on_deinit(self, _ten_env: AsyncTenEnv) -> None:
        pass

    async def on_cmd(self, _ten_env: AsyncTenEnv, _cmd: Cmd) -> None:
        pass

    async def on_data(self, _ten_env: AsyncTenEnv, _data: Data) -> None:
        pass

    async def on_video_frame(self, _ten_env: AsyncTenEnv, _video_frame: VideoFrame) -> None:
        pass

    async def on_audio_frame(self, _ten_env: AsyncTenEnv, _audio_frame: AudioFrame) -> None:
        pass

"""Stand-in of ``ten_runtime/global_thread_manager.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/global_thread_manager.py``, tag
0.11.71 = commit 9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names,
signatures and behaviour (one process-wide asyncio loop thread, reference-counted; uvloop when
installed; pending tasks cancelled, 0.5 s grace, when the last user leaves).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .ten_env import TenEnv


class GlobalThreadManager:
    """The single asyncio thread every AsyncExtension shares in ``single_thread`` mode."""

    _instance: GlobalThreadManager | None = None
    _lock: threading.Lock = threading.Lock()
    _initialized: bool

    def __new__(cls) -> GlobalThreadManager:
        if cls._instance is None:
            with cls._lock:
                if cls._instance is None:
                    instance = super().__new__(cls)
                    instance._initialized = False
                    cls._instance = instance
        return cls._instance

    def __init__(self) -> None:
        if self._initialized:
            return
        self._ref_count: int = 0
        self._main_thread: threading.Thread | None = None
        self._main_loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event = asyncio.Event()
        self._loop_ready_event: threading.Event = threading.Event()
        self._initialized = True

    def reset(self) -> None:
        with self._lock:
            self._ref_count = 0
            self._main_thread = None
            self._main_loop = None
            self._stop_event = asyncio.Event()
            self._loop_ready_event = threading.Event()
            self._initialized = True

    def get_or_start_thread(self, ten_env: TenEnv) -> asyncio.AbstractEventLoop:
        """The loop of the global thread, starting the thread if it is not running."""
        ten_env.log_info(f"get_or_start_thread: enter, thread={threading.current_thread().ident}")
        with self._lock:
            if self._main_thread is None or not self._main_thread.is_alive():
                self._loop_ready_event.clear()
                try:
                    import namedthreads  # type: ignore[import-not-found]

                    namedthreads.patch()
                except ImportError:
                    ten_env.log_warn(
                        "Warning: namedthreads not available, thread names will not be set "
                        "in system level"
                    )
                self._main_thread = threading.Thread(
                    target=self._thread_routine,
                    args=(ten_env,),
                    daemon=True,
                    name="PythonGlobalMainThread",
                )
                self._main_thread.start()
        self._loop_ready_event.wait()
        assert self._main_loop is not None, "Main loop should be initialized"
        return self._main_loop

    def get_thread(self) -> asyncio.AbstractEventLoop:
        assert self._main_loop is not None, "Main loop should be initialized before get_thread"
        return self._main_loop

    def _thread_routine(self, ten_env: TenEnv) -> None:
        loop: asyncio.AbstractEventLoop
        try:
            import uvloop  # type: ignore[import-not-found]

            loop = uvloop.new_event_loop()
        except ImportError:
            ten_env.log_warn("Warning: uvloop not available, using default event loop")
            loop = asyncio.new_event_loop()
        self._main_loop = loop
        asyncio.set_event_loop(loop)
        self._loop_ready_event.set()
        loop.run_until_complete(self._stop_event.wait())
        loop.run_until_complete(self._cleanup_pending_tasks(ten_env=ten_env))
        loop.close()

    async def _cleanup_pending_tasks(self, ten_env: TenEnv) -> None:
        """Cancel what is still pending on the loop, giving it 0.5 s to finish."""
        me = asyncio.current_task(self._main_loop)
        pending = [t for t in asyncio.all_tasks(self._main_loop) if not t.done() and t is not me]
        if not pending:
            return
        ten_env.log_debug(f"Cleaning up {len(pending)} pending tasks...")
        for task in pending:
            task.cancel()
        try:
            _, still = await asyncio.wait_for(
                asyncio.wait(pending, return_when=asyncio.ALL_COMPLETED), timeout=0.5
            )
            if still:
                ten_env.log_warn("Some tasks did not complete within timeout")
        except asyncio.TimeoutError:
            ten_env.log_warn("Some tasks did not complete within timeout")
        except Exception as exc:
            ten_env.log_warn(f"Error during task cleanup: {exc}")
        for task in pending:
            if not task.done():
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        ten_env.log_debug("Task cleanup completed")

    def increment_ref_count(self) -> None:
        with self._lock:
            self._ref_count += 1

    def decrement_ref_count(self) -> int:
        """One user less; the last one stops the loop."""
        with self._lock:
            self._ref_count -= 1
            if self._ref_count <= 0:
                self._ref_count = 0
                loop = self._main_loop
                if loop is not None:
                    stop_event = self._stop_event

                    async def set_stop_event() -> None:
                        stop_event.set()

                    asyncio.run_coroutine_threadsafe(set_stop_event(), loop)
            return self._ref_count

    def get_ref_count(self) -> int:
        with self._lock:
            return self._ref_count

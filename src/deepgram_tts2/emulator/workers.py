"""``dgtts serve --workers N``: N emulator processes behind one port (``SO_REUSEPORT``).

Each worker is a separate process with its own event loop and its own listening socket bound
to the same address with ``SO_REUSEPORT``; the kernel spreads new connections over them (Linux
socket(7), "SO_REUSEPORT"). The parent binds the port first with the same option (so ``--port
0`` picks one port for all) and holds that unlistened socket until the workers stop; only
listening sockets receive connections.

Each worker has its own state: faults and switches set at runtime through ``/_emulator/...``
reach only the worker that accepted that control request (docs/emulator.md says so); those given
at start (``--faults``, flags) reach every worker. The standard library's ``multiprocessing``
(spawn: a fresh interpreter per worker) runs them and carries their readiness back.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import queue as queue_module
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import wait
from multiprocessing.context import SpawnProcess
from multiprocessing.queues import Queue
from typing import Any

from deepgram_tts2.emulator.config import EmulatorConfig

READY_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 10.0


class WorkerStartError(Exception):
    """A worker could not start (the message says why, e.g. the port is taken)."""


def _worker_main(config_json: str, index: int, queue: Queue[tuple[str, int, str]]) -> None:
    """Entry point of one worker process: serve until SIGTERM or SIGINT."""
    from deepgram_tts2.emulator.server import Emulator, serve

    config = EmulatorConfig.model_validate_json(config_json)
    _stop_with_parent()

    def ready(emulator: Emulator) -> None:
        queue.put(("ready", index, str(emulator.port)))

    try:
        asyncio.run(serve(config, ready=ready, worker=index))
    except OSError as exc:
        queue.put(("error", index, exc.strerror or str(exc)))
    except KeyboardInterrupt:  # SIGINT before the loop's handler was installed
        pass


def _stop_with_parent() -> None:
    """SIGTERM this worker when the parent process dies (even by SIGKILL), so no orphan keeps
    the port: a thread waits on the parent's sentinel (``multiprocessing.parent_process``)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="dgtts-parent-watch", daemon=True).start()


def reserve_port(host: str, port: int) -> socket.socket:
    """Bind (not listen) ``host:port`` with ``SO_REUSEPORT``; port 0 picks a free one.

    Raises:
        OSError: the address cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def run_workers(
    config: EmulatorConfig, workers: int, ready: Callable[[EmulatorConfig], None]
) -> int:
    """Run ``workers`` emulator processes on one port until SIGINT/SIGTERM or one dies.

    Args:
        config: every worker's configuration (``port`` 0: one free port for all).
        ready: called with the configuration (its real port) once every worker listens.

    Returns:
        0 after a requested stop, 1 when a worker died on its own.

    Raises:
        WorkerStartError: a worker could not start. OSError: the port cannot be bound.
    """
    if not hasattr(socket, "SO_REUSEPORT"):
        raise WorkerStartError("this platform has no SO_REUSEPORT")
    reserved = reserve_port(config.host, config.port)
    config = config.model_copy(update={"port": reserved.getsockname()[1]})
    context = multiprocessing.get_context("spawn")
    queue: Queue[tuple[str, int, str]] = context.Queue()
    processes = [
        context.Process(
            target=_worker_main,
            args=(config.model_dump_json(), index, queue),
            name=f"dgtts-emulator-{index}",
            daemon=True,
        )
        for index in range(workers)
    ]
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in _SIGNALS}
    try:
        for process in processes:
            process.start()
        if not _await_ready(processes, queue, stop):
            return 0
        ready(config)
        return _supervise(processes, stop)
    finally:
        _stop_all(processes)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        reserved.close()
        queue.close()


_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _await_ready(processes: list[SpawnProcess], queue: Queue[Any], stop: threading.Event) -> bool:
    """Wait until every worker listens; False when a stop signal came first.

    Raises:
        WorkerStartError: a worker reported an error, died, or took too long.
    """
    deadline = time.monotonic() + READY_TIMEOUT_S
    started = 0
    while started < len(processes):
        if stop.is_set():
            return False
        try:
            kind, index, detail = queue.get(timeout=0.2)
        except queue_module.Empty:
            if any(not p.is_alive() for p in processes):
                raise WorkerStartError("a worker exited while starting") from None
            if time.monotonic() > deadline:
                raise WorkerStartError("the workers did not start in time") from None
            continue
        if kind == "error":
            raise WorkerStartError(f"worker {index}: {detail}")
        started += 1
    return True


def _supervise(processes: list[SpawnProcess], stop: threading.Event) -> int:
    """Wait for a stop signal (0) or for a worker to exit by itself (1)."""
    sentinels = [p.sentinel for p in processes]
    while not stop.is_set():
        if wait(sentinels, timeout=0.2):
            print("dgtts serve: a worker exited; stopping the others", file=sys.stderr)
            return 1
    return 0


def _stop_all(processes: list[SpawnProcess]) -> None:
    for process in processes:
        if process.is_alive() and process.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)
    for process in processes:
        if process.pid is None:
            continue
        process.join(STOP_TIMEOUT_S)
        if process.is_alive():
            process.kill()
            process.join()

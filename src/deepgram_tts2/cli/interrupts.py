"""SIGINT and SIGTERM for ``dgtts``: the same clean-up for both, distinct exit codes (130, 143).

Outside an event loop, SIGINT raises :class:`KeyboardInterrupt` (Python's default) and SIGTERM
raises :class:`Terminated` (a ``KeyboardInterrupt``), so ``finally`` blocks run for both: no
temporary file or child process is left behind. Inside a command's event loop the command
installs its own handlers (``loop.add_signal_handler``) to stop gracefully; when the loop ends
asyncio resets SIGTERM to the default action, so commands call :func:`arm_sigterm` again.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from types import FrameType

from deepgram_tts2.cli.exit_codes import ExitCode


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived outside the event loop's own handling."""


def _raise_terminated(_signum: int, _frame: FrameType | None) -> None:
    raise Terminated


def arm_sigterm() -> None:
    """Make SIGTERM raise :class:`Terminated` in the main thread."""
    signal.signal(signal.SIGTERM, _raise_terminated)


def exit_code_for_signal(signum: int) -> ExitCode:
    """130 for SIGINT, 143 for SIGTERM (128 + the signal number, as shells report them)."""
    return ExitCode.TERMINATED if signum == signal.SIGTERM else ExitCode.INTERRUPTED


def signal_of(exc: KeyboardInterrupt) -> int:
    """The signal behind ``exc``: SIGTERM for :class:`Terminated`, else SIGINT."""
    return signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT


def install_signal_handlers(
    loop: asyncio.AbstractEventLoop, on_signal: Callable[[int], None]
) -> list[int]:
    """Route SIGINT and SIGTERM to ``on_signal(signum)`` inside ``loop``, where the platform and
    thread allow it; returns the signals handled (for :func:`remove_signal_handlers`)."""
    installed: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, on_signal, signum)
            installed.append(signum)
    return installed


def remove_signal_handlers(loop: asyncio.AbstractEventLoop, installed: list[int]) -> None:
    """Undo :func:`install_signal_handlers`."""
    for signum in installed:
        loop.remove_signal_handler(signum)

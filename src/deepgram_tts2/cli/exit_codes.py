"""Exit codes of ``dgtts`` and how errors map onto them."""

from __future__ import annotations

import enum

from deepgram_tts2.cli.messages import clean
from deepgram_tts2.exceptions import DeepgramTTSError, classify
from deepgram_tts2.protocol.errors import ErrorClass


class ExitCode(enum.IntEnum):
    """See :mod:`deepgram_tts2.cli` for the table."""

    OK = 0
    INTERNAL = 1
    BAD_INPUT = 2
    AUTH = 3
    UNREACHABLE = 4
    RATE_LIMITED = 5
    INTERRUPTED = 130  # SIGINT (Ctrl-C): 128 + 2
    BROKEN_PIPE = 141  # the reader of standard output went away: 128 + SIGPIPE (13)
    TERMINATED = 143  # SIGTERM: 128 + 15


_BY_CLASS = {
    ErrorClass.AUTH: ExitCode.AUTH,
    ErrorClass.INPUT: ExitCode.BAD_INPUT,
    ErrorClass.RATE_LIMIT: ExitCode.RATE_LIMITED,
    ErrorClass.TRANSIENT: ExitCode.UNREACHABLE,
    ErrorClass.INTERNAL: ExitCode.INTERNAL,
    ErrorClass.CANCELLED: ExitCode.INTERRUPTED,
}


def exit_code_for_class(error_class: ErrorClass) -> ExitCode:
    """The exit code that reports a failure of ``error_class``."""
    return _BY_CLASS[error_class]


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code that reports ``exc``."""
    return exit_code_for_class(classify(exc))


def one_line(exc: BaseException) -> str:
    """A one-line cause for a person (never a traceback, never a secret)."""
    if isinstance(exc, DeepgramTTSError):
        text = exc.message
        if exc.request_id:
            text += f" (deepgram request id {exc.request_id})"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return clean(text)

"""Optional dependencies of ``dgtts``, and the one message that names the extra to install.

The core distribution (``pip install deepgram-tts2``) holds the client only. The ``cli`` extra
adds ``rich`` (the progress line on a terminal) and the ``emulator`` extra (numpy, soxr,
soundfile, lameenc, espeakng-loader), which the commands that start a local emulator need:
``serve``, ``bench`` without ``--url``, and ``speak``/``doctor`` without a key or ``--url``.
Talking to Deepgram (or any ``--url``) needs neither: ``dgtts speak`` with a key works on the core
install, without a progress line.
"""

from __future__ import annotations

import importlib

INSTALL_HINT = "pip install 'deepgram-tts2[cli]'"

# Top-level modules of the emulator extra, in the order the emulator imports them.
EMULATOR_MODULES = ("numpy", "soxr", "soundfile", "lameenc", "espeakng_loader")
CLI_MODULES = ("rich",)
EXTRA_MODULES = frozenset(EMULATOR_MODULES + CLI_MODULES)


class MissingExtraError(Exception):
    """A command needs an optional dependency that is not installed (exit code 2).

    Attributes:
        what: what needed it, in plain words ("the embedded emulator").
        module: the top-level module that could not be imported.
    """

    def __init__(self, what: str, module: str) -> None:
        super().__init__(
            f"{what} needs the 'cli' extra, which is not installed (cannot import {module}): "
            f"{INSTALL_HINT}"
        )
        self.what = what
        self.module = module


def missing_module(exc: ImportError) -> str | None:
    """The optional top-level module ``exc`` failed to import, or None for any other import."""
    name = exc.name or ""
    top = name.split(".", 1)[0]
    return top if top in EXTRA_MODULES else None


def require_emulator(what: str = "the embedded emulator") -> None:
    """Import the emulator's dependencies now, so a missing one is reported before any work.

    Raises:
        MissingExtraError: naming the first module that cannot be imported.
    """
    for module in EMULATOR_MODULES:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise MissingExtraError(what, module) from exc
    try:
        importlib.import_module("deepgram_tts2.emulator.server")
    except ImportError as exc:  # a dependency of the emulator's own imports
        missing = missing_module(exc)
        if missing is None:
            raise
        raise MissingExtraError(what, missing) from exc


def have_rich() -> bool:
    """True when ``rich`` can be imported (the progress line is drawn with it)."""
    try:
        importlib.import_module("rich")
    except ImportError:
        return False
    return True

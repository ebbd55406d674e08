"""Run ``dgtts`` as if some distributions were not installed.

``python without_modules.py numpy,rich ARGS...``: a meta-path finder placed first makes every
import of those top-level modules (and their submodules) fail exactly like an absent
distribution (``ModuleNotFoundError`` with ``name`` set), then ``dgtts ARGS`` runs.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType


class Absent(importlib.abc.MetaPathFinder):
    def __init__(self, names: set[str]) -> None:
        self.names = names

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.split(".", 1)[0] in self.names:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


blocked = set(sys.argv[1].split(","))
assert not blocked & set(sys.modules), "already imported"
sys.meta_path.insert(0, Absent(blocked))
sys.argv = ["dgtts", *sys.argv[2:]]

from deepgram_tts2.cli import main  # noqa: E402

main()

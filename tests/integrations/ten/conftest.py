"""The TEN layer of the repository's suite: the stand-in of TEN's packages on ``sys.path``.

The real ``ten_runtime`` and ``ten_ai_base`` are not on PyPI; ``standin/`` mirrors them (see
each module's docstring for the file, repository and version it mirrors). The extension's own
tests, in TEN's form, live in ``integrations/ten/deepgram_tts2_python/tests`` and run in a
subprocess per file (``test_ten_form.py``), as ``tests/bin/start`` runs them in a TEN app.
"""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
STANDIN = HERE / "standin"
EXTENSION_DIR = ROOT / "integrations" / "ten" / "deepgram_tts2_python"

for path in (STANDIN, EXTENSION_DIR.parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

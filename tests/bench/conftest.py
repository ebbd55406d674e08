"""The benchmark harness (``bench/``) runs on Python 3.11+ (its peers need it)."""

from __future__ import annotations

import sys

collect_ignore_glob = ["test_*.py"] if sys.version_info < (3, 11) else []

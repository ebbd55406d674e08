#!/usr/bin/env bash
# One command for the whole comparison: a separate venv with the pinned peers, then the run,
# which rewrites BENCHMARKS.md (and bench/latest.json). Extra arguments go to compare.py.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv-bench
.venv-bench/bin/pip install -q -e '.[bench]'
.venv-bench/bin/python bench/compare.py "$@"

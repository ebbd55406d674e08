#!/usr/bin/env bash
# One command for the whole comparison: a separate venv with the pinned peers (Python 3.11+),
# then `python -m bench`, which rewrites BENCHMARKS.md and bench/latest.json on a full run.
# Extra arguments go to python -m bench (e.g. --quick, --only tokens, --clients floor,ours).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "bench/run.sh: the peers need Python 3.11+ (set PYTHON=python3.11)" >&2
    exit 2
}
"$PYTHON" -m venv .venv-bench
.venv-bench/bin/pip install -q -c constraints.txt -e '.[bench]'
exec .venv-bench/bin/python -m bench "$@"

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
# The fleet scenario runs a private redis-server (Debian package; scripts/system-deps installs it).
if ! command -v redis-server >/dev/null 2>&1; then
    bash scripts/system-deps || {
        echo "bench/run.sh: the fleet scenario needs redis-server: run 'bash scripts/system-deps'" \
            "as root (Debian package redis-server), or skip it with --skip fleet" >&2
        exit 2
    }
fi
"$PYTHON" -m venv .venv-bench
.venv-bench/bin/pip install -q -c constraints.txt -e '.[bench]'
exec .venv-bench/bin/python -m bench "$@"

"""The project's own checks run as part of the suite: ruff on everything, mypy --strict on src,
bench/ and the TEN extension, and no function over sixty lines."""

from __future__ import annotations

import ast
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = pathlib.Path(sys.executable).parent


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def test_ruff_is_clean() -> None:
    targets = [d for d in ("src", "tests", "integrations", "bench") if (ROOT / d).is_dir()]
    result = _run(str(BIN / "ruff"), "check", *targets)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean_on_src() -> None:
    result = _run(sys.executable, "-m", "mypy", "--strict", "src")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean_on_bench() -> None:
    """The benchmark harness runs on Python 3.11+ (its peers need it); the peers themselves are
    installed only in the bench venv, so their names are Any here (pyproject's overrides)."""
    result = _run(sys.executable, "-m", "mypy", "--strict", "--python-version", "3.11", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean_on_the_ten_extension(tmp_path: pathlib.Path) -> None:
    """The extension checked against the stand-ins of ``ten_runtime``/``ten_ai_base`` (which
    mirror the real packages' signatures) on TEN's Python, 3.10."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--python-version",
            "3.10",
            "--cache-dir",
            str(tmp_path),
            ".",
        ],
        cwd=ROOT / "integrations" / "ten" / "deepgram_tts2_python",
        env={**os.environ, "MYPYPATH": str(ROOT / "tests" / "integrations" / "ten" / "standin")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


MAX_FUNCTION_LINES = 60  # developers' guide: small modules with one job each


def test_no_function_is_longer_than_sixty_lines() -> None:
    long: list[str] = []
    for folder in ("src", "integrations", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "tests" in path.relative_to(ROOT).parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines = (node.end_lineno or node.lineno) - node.lineno + 1
                    if lines > MAX_FUNCTION_LINES:
                        where = path.relative_to(ROOT)
                        long.append(f"{where}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, "\n".join(long)

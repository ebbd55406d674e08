"""Runs the extension's own tests (TEN's form, ``integrations/ten/deepgram_tts2_python/tests``)
on the stand-in of TEN's packages, one subprocess per test file, as ``tests/bin/start`` runs
them in a TEN app: an uncaught exception in an extension callback ends the process there, as
the real runtime does, so each file gets its own process."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

from tests.integrations.ten.conftest import EXTENSION_DIR, STANDIN

TEST_FILES = sorted((EXTENSION_DIR / "tests").glob("test_*.py"))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(STANDIN), env.get("PYTHONPATH")]))
    env["PATH"] = os.pathsep.join([str(pathlib.Path(sys.executable).parent), env["PATH"]])
    env.pop("PYTEST_ADDOPTS", None)
    return env


def _run(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=EXTENSION_DIR,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.timeout(900)
@pytest.mark.parametrize("test_file", TEST_FILES, ids=[p.stem for p in TEST_FILES])
def test_ten_form_file(test_file: pathlib.Path) -> None:
    result = _run(
        sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", str(test_file), timeout=840
    )
    tail = (result.stdout + result.stderr)[-6000:]
    assert result.returncode == 0, tail
    assert " passed" in result.stdout, tail


@pytest.mark.timeout(300)
def test_bin_start_runs_the_extensions_tests() -> None:
    """``tests/bin/start`` (the TEN way to run them) finds every test file."""
    result = _run("bash", "tests/bin/start", "--collect-only", "-q", timeout=240)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    collected = {line.split("::")[0] for line in result.stdout.splitlines() if "::" in line}
    assert collected == {f"tests/{p.name}" for p in TEST_FILES}

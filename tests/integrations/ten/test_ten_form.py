"""Runs the extension's own tests (TEN's form, ``integrations/ten/deepgram_tts2_python/tests``)
on the stand-in of TEN's packages, as ``tests/bin/start`` runs them in a TEN app: one pytest
process for the whole folder (as in an app; an interpreter start-up per file cost more than
the tests of most files), reported here file by file.

An uncaught exception in an extension callback ends that process, as the real runtime does:
the files whose results were printed before keep them, and every file without a result fails
with the end of the output.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pytest

from tests.integrations.ten.conftest import EXTENSION_DIR, STANDIN

TEST_FILES = sorted((EXTENSION_DIR / "tests").glob("test_*.py"))
RUN_TIMEOUT_S = 1000
# pytest -v: "tests/test_x.py::test_y[param] PASSED    [ 12%]"
_STATUS = re.compile(r"^(tests/test_\w+\.py)::(.+?) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b")


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


@dataclass
class FormRun:
    """The outcome of one run of the folder: each test's status, and failure texts."""

    output: str
    returncode: int
    statuses: dict[str, dict[str, str]] = field(default_factory=dict)  # file -> test -> status
    failures: dict[str, list[str]] = field(default_factory=dict)  # file -> failure texts

    def tail(self, size: int = 6000) -> str:
        return self.output[-size:]


def _parse(result: subprocess.CompletedProcess[str], junit: pathlib.Path) -> FormRun:
    run = FormRun(result.stdout + result.stderr, result.returncode)
    for line in result.stdout.splitlines():
        match = _STATUS.match(line)
        if match:
            path, test, status = match.groups()
            run.statuses.setdefault(pathlib.PurePosixPath(path).name, {})[test] = status
    if junit.exists():  # written at the end of the session: absent if the process died
        for case in ET.parse(junit).iter("testcase"):
            problems = [child for child in case if child.tag in ("failure", "error")]
            if not problems:
                continue
            module = case.get("classname", "").rsplit(".", 1)[-1]
            texts = [
                f"{case.get('name')}: {p.get('message', '')}\n{p.text or ''}" for p in problems
            ]
            run.failures.setdefault(f"{module}.py", []).extend(texts)
    return run


@pytest.fixture(scope="module")
def form_run(tmp_path_factory: pytest.TempPathFactory) -> FormRun:
    junit = tmp_path_factory.mktemp("ten_form") / "junit.xml"
    result = _run(
        sys.executable,
        "-m",
        "pytest",
        "-v",
        "-p",
        "no:randomly",
        f"--junitxml={junit}",
        "tests/",
        timeout=RUN_TIMEOUT_S,
    )
    return _parse(result, junit)


@pytest.mark.timeout(RUN_TIMEOUT_S + 60)  # the first one waits for the whole run
@pytest.mark.parametrize("test_file", TEST_FILES, ids=[p.stem for p in TEST_FILES])
def test_ten_form_file(form_run: FormRun, test_file: pathlib.Path) -> None:
    statuses = form_run.statuses.get(test_file.name)
    assert statuses, f"no result for {test_file.name} (the run ended early?)\n{form_run.tail()}"
    bad = {test: status for test, status in statuses.items() if status in ("FAILED", "ERROR")}
    details = "\n\n".join(form_run.failures.get(test_file.name, []))[-6000:]
    assert not bad, f"{bad}\n{details or form_run.tail()}"
    assert "PASSED" in statuses.values(), statuses


@pytest.mark.timeout(120)
def test_the_run_collected_every_file_and_ended_cleanly(form_run: FormRun) -> None:
    assert set(form_run.statuses) == {p.name for p in TEST_FILES}, form_run.tail()
    assert form_run.returncode == 0, form_run.tail()


@pytest.mark.timeout(300)
def test_bin_start_runs_the_extensions_tests() -> None:
    """``tests/bin/start`` (the TEN way to run them) finds every test file."""
    result = _run("bash", "tests/bin/start", "--collect-only", "-q", timeout=240)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    collected = {line.split("::")[0] for line in result.stdout.splitlines() if "::" in line}
    assert collected == {f"tests/{p.name}" for p in TEST_FILES}

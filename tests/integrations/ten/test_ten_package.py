"""``scripts/ten_package.py`` builds an extension folder that installs in a TEN app.

The folder is put where a TEN app keeps it (``ten_packages/extension/deepgram_tts2_python``),
its ``requirements.txt`` is installed from the app's root (as TEN's install scripts do) into a
fresh Python 3.10 venv, and the extension is imported there, with the stand-in of TEN's
packages on the path. The library itself must come from the bundled wheel (it is not on PyPI);
its dependencies come from the package index.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

from tests.integrations.ten.conftest import EXTENSION_DIR, ROOT, STANDIN

PYTHON_310 = pathlib.Path("/root/.pyenv/versions/3.10.13/bin/python")


def _package(out_dir: pathlib.Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "ten_package.py"), str(out_dir)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_repository_requirements_do_not_pin_an_unpublished_version() -> None:
    lines = (EXTENSION_DIR / "requirements.txt").read_text().splitlines()
    wanted = [line for line in lines if line.strip() and not line.startswith("#")]
    assert wanted
    assert not [line for line in wanted if "==0.1.0" in line]


@pytest.mark.timeout(900)
def test_the_packaged_folder_installs_and_imports_on_python_310(tmp_path: pathlib.Path) -> None:
    app = tmp_path / "app"
    folder = app / "ten_packages" / "extension" / "deepgram_tts2_python"
    built = _package(folder)
    assert built.returncode == 0, built.stdout + built.stderr

    (wheel,) = (folder / "wheels").glob("deepgram_tts2-*.whl")
    version = wheel.name.split("-")[1]
    requirements = (folder / "requirements.txt").read_text()
    assert "--find-links ./wheels" in requirements
    assert f"deepgram-tts2=={version}" in requirements
    for name in (
        "manifest.json",
        "property.json",
        "pyproject.toml",
        "README.md",
        "addon.py",
        "extension.py",
        "config.py",
        "__init__.py",
        "tests/bin/start",
        "tests/conftest.py",
    ):
        assert (folder / name).is_file(), name
    assert "deepgram-tts2[emulator]==" in (folder / "tests" / "requirements.txt").read_text()

    env_dir = tmp_path / "venv"
    assert PYTHON_310.exists(), "Python 3.10 is expected at /root/.pyenv/versions/3.10.13"
    subprocess.run([str(PYTHON_310), "-m", "venv", str(env_dir)], check=True, timeout=120)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            "-r",
            "ten_packages/extension/deepgram_tts2_python/requirements.txt",
        ],
        cwd=app,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert install.returncode == 0, install.stdout[-4000:] + install.stderr[-4000:]

    probe = (
        "import json, deepgram_tts2, deepgram_tts2_python.extension as ext\n"
        "from deepgram_tts2_python.config import DeepgramTTS2Config\n"
        "c = DeepgramTTS2Config.from_properties({'params': {'api_key': 'k' * 20}})\n"
        "print(json.dumps({'library': deepgram_tts2.__file__, 'cls': ext.DeepgramTTS2Extension"
        ".__name__, 'rate': c.sample_rate}))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(STANDIN), str(folder.parent)])}
    result = subprocess.run(
        [str(python), "-c", probe],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"cls": "DeepgramTTS2Extension"' in result.stdout
    assert str(env_dir) in result.stdout  # the library came from the venv (the wheel)
    assert ".venv" not in result.stdout

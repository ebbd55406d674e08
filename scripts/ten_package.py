"""Build a self-contained TEN extension folder: ``python scripts/ten_package.py OUT_DIR``.

``OUT_DIR`` becomes ``deepgram_tts2_python`` as a TEN app wants it under
``ten_packages/extension/``: the extension's files (those its ``manifest.json`` includes), the
``deepgram-tts2`` wheel built from this repository (``pip wheel --no-deps``) in ``wheels/``, and
a ``requirements.txt`` that installs that wheel from the folder itself::

    --find-links ./wheels
    deepgram-tts2==<version>

pip reads a relative ``--find-links`` in a requirements file relative to the file, so
``pip install -r ten_packages/extension/deepgram_tts2_python/requirements.txt`` works from the
app's root (TEN's install scripts run it there). The library needs no index: it is not on
PyPI and comes only from ``wheels/``. Its own dependencies (websockets, httpx, pydantic, ...)
are ordinary PyPI packages and are resolved from the index as usual; pass ``--no-index`` to pip
only where those are already installed. ``tests/requirements.txt`` gets the same treatment
(with the ``emulator`` extra the extension's tests need).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXTENSION = ROOT / "integrations" / "ten" / "deepgram_tts2_python"
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".ten", "wheels"}


def included_files(source: pathlib.Path) -> list[pathlib.Path]:
    """The files of ``source`` matched by its manifest's ``package.include`` patterns."""
    manifest = json.loads((source / "manifest.json").read_text())
    patterns: list[str] = manifest["package"]["include"]
    chosen = []
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if not path.is_file() or SKIP_PARTS & set(relative.parts):
            continue
        text = relative.as_posix()
        for pattern in patterns:
            # "**.py" means any depth in TEN's manifests; "tests/**" everything below tests.
            glob = pattern.replace("**", "*")
            if fnmatch.fnmatch(text, glob) or fnmatch.fnmatch(relative.name, glob):
                chosen.append(relative)
                break
    return chosen


def build_wheel(destination: pathlib.Path) -> pathlib.Path:
    """``pip wheel --no-deps`` of the repository into ``destination``; the wheel's path."""
    destination.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        # Build from a copy: an in-tree build would leave build/ and *.egg-info in the work tree.
        source = pathlib.Path(scratch) / "source"
        source.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(ROOT / name, source / name)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
        shutil.copytree(ROOT / "src", source / "src", ignore=ignore)
        out = pathlib.Path(scratch) / "out"
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
            check=True,
        )
        (wheel,) = out.glob("deepgram_tts2-*.whl")
        target = destination / wheel.name
        shutil.copy2(wheel, target)
    return target


def wheel_version(wheel: pathlib.Path) -> str:
    return wheel.name.split("-")[1]


def requirements(version: str, extra: str = "", wheels: str = "./wheels") -> str:
    return (
        f"# deepgram-tts2 is not on PyPI: it comes from the wheel in {wheels} (no index needed);\n"
        "# its dependencies (websockets, httpx, pydantic, ...) come from the package index.\n"
        f"--find-links {wheels}\n"
        f"deepgram-tts2{extra}=={version}\n"
    )


def package(out_dir: pathlib.Path, force: bool = False) -> pathlib.Path:
    """Write the extension folder to ``out_dir``; returns the wheel's path."""
    if out_dir.exists() and any(out_dir.iterdir()):
        if not force:
            raise SystemExit(f"{out_dir} exists and is not empty (use --force to replace it)")
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for relative in included_files(EXTENSION):
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(EXTENSION / relative, target)
    wheel = build_wheel(out_dir / "wheels")
    version = wheel_version(wheel)
    (out_dir / "requirements.txt").write_text(requirements(version))
    tests = out_dir / "tests"
    if tests.is_dir():
        (tests / "requirements.txt").write_text(
            requirements(version, "[emulator]", "../wheels") + "httpx\npytest\n"
        )
    return wheel


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=pathlib.Path, help="the extension folder to write")
    parser.add_argument("--force", action="store_true", help="replace a non-empty OUT_DIR")
    args = parser.parse_args(argv)
    wheel = package(args.out_dir, args.force)
    print(f"wrote {args.out_dir} (bundling {wheel.name})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The protocol package stays free of I/O: no asyncio, sockets, HTTP or clock reads."""

from __future__ import annotations

import ast
import pathlib

import deepgram_tts2.protocol as protocol

FORBIDDEN_MODULES = {"asyncio", "websockets", "httpx", "aiohttp", "socket", "time", "threading"}


def _imported_roots(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_protocol_package_imports_no_io_library() -> None:
    package_dir = pathlib.Path(protocol.__file__).parent
    files = sorted(package_dir.rglob("*.py"))
    assert len(files) >= 8
    offenders = {
        str(f.relative_to(package_dir)): sorted(_imported_roots(f) & FORBIDDEN_MODULES)
        for f in files
        if _imported_roots(f) & FORBIDDEN_MODULES
    }
    assert offenders == {}


def test_the_checker_would_notice_an_io_import(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import asyncio\nfrom websockets.asyncio.client import connect\n")
    assert _imported_roots(bad) & FORBIDDEN_MODULES == {"asyncio", "websockets"}

"""The stand-in of ``ten_runtime``/``ten_ai_base`` against the real packages' surface.

Two tables, both written from the real sources (ten_ai_base 0.7.41 = TEN-framework/ten_ai_base
e385b33, ``interface/ten_ai_base/``; ten_runtime 0.11.71 = TEN-framework/ten-framework 9f1ff4e7,
``core/src/ten_runtime/binding/python/interface/ten_runtime/``):

* ``IMPORTED``: every name the extension and its tests import from those packages, with the
  module that defines it and the modules that re-export it (a package ``__init__``). Each name
  must import from each of those modules of the stand-in, and every ``from ten_runtime...`` /
  ``from ten_ai_base...`` import in the extension's sources and tests must use one of them;
  ``from ten_ai_base.struct import TTSAudioEndReason`` (the import that crashed a real TEN app:
  the name lives in ``message``) fails here.
* ``real_surface.json``: every public name of every module of both packages (module-level
  functions, classes with their methods' parameter names and their constants, variables), and
  each package's ``__all__``. The stand-in must define each name in the same module, with the
  same parameters (names, and which have defaults) and the same enum values.
"""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
import json
import pathlib
from typing import Any

import pytest

from tests.integrations.ten.conftest import EXTENSION_DIR

HERE = pathlib.Path(__file__).resolve().parent
SURFACE: dict[str, Any] = json.loads((HERE / "real_surface.json").read_text())

# name -> (defining module, modules re-exporting it); from the real sources.
IMPORTED: dict[str, tuple[str, tuple[str, ...]]] = {
    # ten_runtime (every one re-exported by ten_runtime/__init__.py)
    "Addon": ("ten_runtime.addon", ("ten_runtime",)),
    "App": ("ten_runtime.app", ("ten_runtime",)),
    "AsyncExtensionTester": ("ten_runtime.async_test", ("ten_runtime",)),
    "AsyncTenEnv": ("ten_runtime.async_ten_env", ("ten_runtime",)),
    "AsyncTenEnvTester": ("ten_runtime.async_test", ("ten_runtime",)),
    "AudioFrame": ("ten_runtime.audio_frame", ("ten_runtime",)),
    "Cmd": ("ten_runtime.cmd", ("ten_runtime",)),
    "Data": ("ten_runtime.data", ("ten_runtime",)),
    "StatusCode": ("ten_runtime.cmd_result", ("ten_runtime",)),
    "TenEnv": ("ten_runtime.ten_env", ("ten_runtime",)),
    "TenError": ("ten_runtime.error", ("ten_runtime",)),
    "TenErrorCode": ("ten_runtime.error", ("ten_runtime",)),
    "register_addon_as_extension": ("ten_runtime.addon_manager", ("ten_runtime",)),
    # ten_ai_base
    "LOG_CATEGORY_KEY_POINT": ("ten_ai_base.const", ()),
    "LOG_CATEGORY_VENDOR": ("ten_ai_base.const", ()),
    "ModuleError": ("ten_ai_base.message", ()),
    "ModuleErrorCode": ("ten_ai_base.message", ()),
    "ModuleErrorVendorInfo": ("ten_ai_base.message", ()),
    "ModuleType": ("ten_ai_base.message", ("ten_ai_base",)),
    "TTSAudioEndReason": ("ten_ai_base.message", ()),
    "TTSTextInput": ("ten_ai_base.struct", ()),
    "TTSTextResult": ("ten_ai_base.struct", ()),
    "AsyncTTS2BaseExtension": ("ten_ai_base.tts2", ()),
    "RequestState": ("ten_ai_base.tts2", ()),
}


@pytest.mark.parametrize("name", sorted(IMPORTED))
def test_each_imported_name_is_where_the_real_package_has_it(name: str) -> None:
    defining, reexports = IMPORTED[name]
    for module_name in (defining, *reexports):
        module = importlib.import_module(module_name)
        assert hasattr(module, name), f"{module_name} has no {name}"
    module_table = SURFACE[defining]
    assert name in module_table, f"the real {defining} does not define {name}"
    for package in reexports:
        assert name in SURFACE[package]["__all__"]


def _imports(path: pathlib.Path) -> list[tuple[str, str, int]]:
    found: list[tuple[str, str, int]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in ("ten_runtime", "ten_ai_base"):
                found.extend((node.module, alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in ("ten_runtime", "ten_ai_base"):
                    found.append((alias.name, "*", node.lineno))
    return found


SOURCES = sorted(EXTENSION_DIR.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(EXTENSION_DIR)) for p in SOURCES])
def test_the_extension_imports_each_name_from_its_real_module(path: pathlib.Path) -> None:
    for module, name, line in _imports(path):
        assert name != "*", f"{path.name}:{line}: import names explicitly from {module}"
        assert name in IMPORTED, f"{path.name}:{line}: {module}.{name} is not in the table"
        defining, reexports = IMPORTED[name]
        assert module in (defining, *reexports), (
            f"{path.name}:{line}: {name} is imported from {module}; the real package defines "
            f"it in {defining}" + (f" (re-exported by {', '.join(reexports)})" if reexports else "")
        )


def test_the_old_broken_import_would_be_caught() -> None:
    defining, reexports = IMPORTED["TTSAudioEndReason"]
    assert "ten_ai_base.struct" not in (defining, *reexports)
    assert not hasattr(importlib.import_module("ten_ai_base.struct"), "TTSAudioEndReason")


# -- the whole surface ---------------------------------------------------------------------


def _signature(function: Any) -> str:
    parts = []
    for param in inspect.signature(function).parameters.values():
        if param.kind is param.VAR_POSITIONAL:
            parts.append(f"*{param.name}")
        elif param.kind is param.VAR_KEYWORD:
            parts.append(f"**{param.name}")
        else:
            default = "=" if param.default is not param.empty else ""
            parts.append(f"{param.name}{default}")
    return "(" + ", ".join(parts) + ")"


def _raw(cls: type, name: str) -> Any:
    for klass in cls.__mro__:
        if name in vars(klass):
            return vars(klass)[name]
    raise AttributeError(name)


def _check_class(module_name: str, cls: type, spec: dict[str, str]) -> list[str]:
    problems = []
    for member, want in spec.items():
        where = f"{module_name}.{cls.__name__}.{member}"
        if not hasattr(cls, member):
            problems.append(f"{where} is missing")
            continue
        if want.startswith("= "):
            value = getattr(cls, member)
            shown = str(value.value if isinstance(value, enum.Enum) else value)
            if shown != want[2:]:
                problems.append(f"{where} is {shown!r}, the real one {want[2:]!r}")
            continue
        raw = _raw(cls, member)
        function = raw.__func__ if isinstance(raw, (classmethod, staticmethod)) else raw
        got = _signature(function)
        if got != want:
            problems.append(f"{where}{got} differs from the real {want}")
    return problems


MODULES = sorted(name for name in SURFACE if name != "_source")


@pytest.mark.parametrize("module_name", MODULES)
def test_the_stand_in_module_mirrors_the_real_one(module_name: str) -> None:
    module = importlib.import_module(module_name)
    spec = SURFACE[module_name]
    problems = []
    if "__all__" in spec:
        assert sorted(module.__all__) == spec["__all__"]
        for name in spec["__all__"]:
            assert hasattr(module, name), f"{module_name} does not export {name}"
        return
    for name, want in spec.items():
        if not hasattr(module, name):
            problems.append(f"{module_name}.{name} is missing")
            continue
        value = getattr(module, name)
        if isinstance(want, dict):
            if not inspect.isclass(value):
                problems.append(f"{module_name}.{name} is not a class")
            else:
                problems.extend(_check_class(module_name, value, want))
        elif want.startswith("(") and _signature(value) != want:
            problems.append(f"{module_name}.{name}{_signature(value)} differs from {want}")
    assert problems == []

"""Stand-in of ``ten_runtime/addon_manager.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/addon_manager.py``, tag 0.11.71 =
commit 9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour (the decorator resolves ``base_dir`` to the folder of the file that applies it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from libten_runtime_python import (
    _ten_py_addon_manager_add_extension_addon,
    _ten_py_addon_manager_register_addon_as_extension,
)

from .addon import Addon


class _AddonManager:
    """Register handlers by addon name, each run at most once per process."""

    _registry: dict[str, Callable[[object], None]] = {}  # noqa: RUF012 - shared on purpose
    _registered_addons: set[str] = set()  # noqa: RUF012 - shared on purpose

    @classmethod
    def _run_handler(cls, name: str, register_ctx: object) -> None:
        handler = cls._registry.get(name)
        if handler is None:
            print(f"No register handler found for addon '{name}'")
            return
        if name in cls._registered_addons:
            print(f"Addon '{name}' has already been registered, skipping registration.")
            return
        try:
            handler(register_ctx)
            print(f"Successfully registered addon '{name}'")
            cls._registered_addons.add(name)
        except Exception as exc:
            print(f"Error during registration of addon '{name}': {exc}")

    @classmethod
    def register_all_addons(cls, register_ctx: object) -> None:
        for name in list(cls._registry):
            cls._run_handler(name, register_ctx)
        cls._registry.clear()

    @classmethod
    def _register_addon(cls, addon_name: str, register_ctx: object) -> None:
        cls._run_handler(addon_name, register_ctx)

    @staticmethod
    def _set_register_handler(addon_name: str, register_handler: Callable[[object], None]) -> None:
        _AddonManager._registry[addon_name] = register_handler


def register_addon_as_extension(
    name: str, base_dir: str | None = None
) -> Callable[[type[Addon]], type[Addon]]:
    def decorator(cls: type[Addon]) -> type[Addon]:
        if base_dir is None:
            try:
                resolved: str | None = os.path.dirname(sys._getframe(1).f_code.co_filename)
            except (AttributeError, ValueError):
                resolved = None
        else:
            resolved = os.path.dirname(base_dir)

        def register_handler(register_ctx: object) -> None:
            instance = cls()
            try:
                _ten_py_addon_manager_register_addon_as_extension(
                    name, resolved, instance, register_ctx
                )
            except Exception as exc:
                print(f"Failed to register addon '{name}': {exc}")

        _AddonManager._set_register_handler(name, register_handler)
        _ten_py_addon_manager_add_extension_addon(name)
        return cls

    return decorator

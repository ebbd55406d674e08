"""Stand-in of ``ten_ai_base/config.py`` (TEN-framework/ten_ai_base,
``interface/ten_ai_base/config.py``, version 0.7.41 = commit e385b33). Rewritten for tests: same
public names, signatures and behaviour (``BaseConfig`` fills a dataclass from properties by each
field's declared type).
"""

import builtins
import json
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from ten_runtime import AsyncTenEnv, TenEnv

T = TypeVar("T", bound="BaseConfig")

_GETTERS = {
    builtins.str: "get_property_string",
    builtins.int: "get_property_int",
    builtins.bool: "get_property_bool",
    builtins.float: "get_property_float",
}


@dataclass
class BaseConfig:
    """Subclass with fields; ``create``/``create_async`` read each from the properties."""

    @classmethod
    def create(cls: type[T], ten_env: TenEnv) -> T:
        config = cls()
        config._init(ten_env)
        return config

    @classmethod
    async def create_async(cls: type[T], ten_env: AsyncTenEnv) -> T:
        config = cls()
        await config._init_async(ten_env)
        return config

    def update(self, config: dict[str, Any]) -> None:
        for field in fields(self):
            try:
                value = config.get(field.name)
                if value:
                    setattr(self, field.name, value)
            except Exception:
                pass

    def _apply(self, name: str, kind: Any, value: Any, err: Any, *, lenient_json: bool) -> None:
        if err:
            raise RuntimeError(f"Failed to  get property {name}: {err}")
        if kind is builtins.str:
            if value:
                setattr(self, name, value)
        elif kind in _GETTERS:
            setattr(self, name, value)
        elif value or not lenient_json:
            setattr(self, name, json.loads(value))

    def _init(self, ten_env: TenEnv) -> None:
        for field in fields(self):
            try:
                getter = _GETTERS.get(field.type, "get_property_to_json")  # type: ignore[arg-type]
                value, err = getattr(ten_env, getter)(field.name)
                self._apply(field.name, field.type, value, err, lenient_json=False)
            except Exception:
                pass

    async def _init_async(self, ten_env: AsyncTenEnv) -> None:
        for field in fields(self):
            try:
                getter = _GETTERS.get(field.type, "get_property_to_json")  # type: ignore[arg-type]
                value, err = await getattr(ten_env, getter)(field.name)
                self._apply(field.name, field.type, value, err, lenient_json=True)
            except Exception:
                pass

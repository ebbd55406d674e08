"""Stand-in of ``ten_runtime/test_base.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/test_base.py``, tag 0.11.71 = commit
9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from libten_runtime_python import _TenEnvTester

from .error import TenError
from .log_level import LogLevel
from .log_option import DefaultLogOption, LogOption
from .ten_env_base import _log_via
from .value import Value

FieldsType: TypeAlias = "Value | dict[str, Any] | None"


class TenEnvTesterBase:
    _internal: _TenEnvTester

    def __init__(self, internal_obj: _TenEnvTester) -> None:
        self._internal = internal_obj

    def __del__(self) -> None:
        pass

    def stop_test(self, error: TenError | None = None) -> TenError | None:
        return self._internal.stop_test(error)  # type: ignore[no-any-return]

    def log_debug(
        self,
        msg: str,
        category: str | None = None,
        fields: FieldsType = None,
        option: LogOption = DefaultLogOption,
    ) -> TenError | None:
        return self._log_internal(LogLevel.DEBUG, msg, category, fields, option)

    def log_info(
        self,
        msg: str,
        category: str | None = None,
        fields: FieldsType = None,
        option: LogOption = DefaultLogOption,
    ) -> TenError | None:
        return self._log_internal(LogLevel.INFO, msg, category, fields, option)

    def log_warn(
        self,
        msg: str,
        category: str | None = None,
        fields: FieldsType = None,
        option: LogOption = DefaultLogOption,
    ) -> TenError | None:
        return self._log_internal(LogLevel.WARN, msg, category, fields, option)

    def log_error(
        self,
        msg: str,
        category: str | None = None,
        fields: FieldsType = None,
        option: LogOption = DefaultLogOption,
    ) -> TenError | None:
        return self._log_internal(LogLevel.ERROR, msg, category, fields, option)

    def log(
        self,
        level: LogLevel,
        msg: str,
        category: str | None = None,
        fields: FieldsType = None,
        option: LogOption = DefaultLogOption,
    ) -> TenError | None:
        return self._log_internal(level, msg, category, fields, option)

    def _log_internal(
        self,
        level: LogLevel,
        msg: str,
        category: str | None,
        fields: FieldsType,
        option: LogOption,
    ) -> TenError | None:
        return _log_via(self._internal, level, msg, category, fields, option)

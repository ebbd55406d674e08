"""Stand-in of ``ten_runtime/ten_env_base.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/ten_env_base.py``, tag 0.11.71 =
commit 9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour (a log call is attributed to the caller ``option.skip`` frames up).
"""

from __future__ import annotations

import inspect
from typing import Any, TypeAlias

from libten_runtime_python import _TenEnv

from .error import TenError, TenErrorCode
from .log_level import LogLevel
from .log_option import DefaultLogOption, LogOption
from .value import Value
from .value_buffer import serialize_to_buffer

FieldsType: TypeAlias = "Value | dict[str, Any] | None"


def _log_via(
    internal: Any,
    level: LogLevel,
    msg: str,
    category: str | None,
    fields: Value | dict[str, Any] | None,
    option: LogOption,
) -> TenError | None:
    """The shared body of TenEnvBase/TenEnvTesterBase logging."""
    fields_buf: bytes | None = None
    if fields is not None:
        try:
            value = Value.from_python(fields) if isinstance(fields, dict) else fields
        except Exception as exc:
            return TenError.create(
                TenErrorCode.ErrorCodeGeneric, f"failed to convert fields: {exc}"
            )
        try:
            fields_buf = serialize_to_buffer(value)
        except Exception as exc:
            return TenError.create(
                TenErrorCode.ErrorCodeGeneric, f"failed to serialize fields: {exc}"
            )
    frame = inspect.currentframe()
    try:
        for _ in range(option.skip + 1):  # +1: this helper is one frame deeper
            frame = frame.f_back if frame is not None else None
        if frame is not None:
            code = frame.f_code
            return internal.log(  # type: ignore[no-any-return]
                level,
                code.co_name,
                code.co_filename,
                frame.f_lineno,
                category,
                msg,
                option.sync,
                fields_buf,
            )
    finally:
        del frame
    return internal.log(  # type: ignore[no-any-return]
        level, None, None, 0, category, msg, option.sync, fields_buf
    )


class TenEnvBase:
    _internal: _TenEnv

    def __init__(self, internal_obj: _TenEnv) -> None:
        self._internal = internal_obj

    def __del__(self) -> None:
        pass

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

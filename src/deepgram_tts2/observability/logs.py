"""Structured logging for the library's loggers, with secrets redacted.

``configure_json_logging()`` installs a JSON formatter on the ``deepgram_tts2`` logger: one JSON
object per line with ``ts``, ``level``, ``logger``, ``message`` and, when a record carries them
(``logger.info(..., extra={"request_id": ...})``), ``request_id``, ``session_id``,
``connection_id``, ``transport``, ``state`` and ``error_class``.

Every handler it installs also carries a :class:`RedactingFilter`: API keys registered with
:func:`register_secret` (the client registers its key when it starts) and anything that looks
like an ``Authorization`` value are replaced by ``[REDACTED]`` in the message, the arguments and
the extra fields, before any formatter sees them.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from typing import Any, TextIO

ROOT_LOGGER = "deepgram_tts2"
CONTEXT_FIELDS = (
    "request_id",
    "session_id",
    "connection_id",
    "transport",
    "state",
    "error_class",
)
REDACTED = "[REDACTED]"

_AUTH_RE = re.compile(r"(?i)\b(token|bearer)(\s+|,\s*)([A-Za-z0-9._\-]{8,})")
_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(secret: str) -> None:
    """Redact ``secret`` from every record that passes a :class:`RedactingFilter` from now on."""
    if len(secret) >= 4:
        with _secrets_lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    """``text`` with registered secrets and Authorization-looking values replaced."""
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return _AUTH_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)


class RedactingFilter(logging.Filter):
    """Rewrites a record so no registered secret survives in it; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if isinstance(value, str):
                setattr(record, name, redact(value))
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record (see the module docstring for the fields)."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                payload[name] = value if isinstance(value, int | float | bool) else str(value)
        if record.exc_text:
            payload["exception"] = record.exc_text
        elif record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


def configure_json_logging(
    level: int = logging.INFO, stream: TextIO | None = None, logger_name: str = ROOT_LOGGER
) -> logging.Handler:
    """Send the library's logs as JSON lines to ``stream`` (stderr by default).

    Returns the installed handler (remove it with ``logging.getLogger(name).removeHandler``).
    """
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    logger.setLevel(level)
    return handler

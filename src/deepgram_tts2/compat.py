"""What the library needs from Python 3.11+ that 3.10 lacks (TEN's runtime image runs 3.10).

* :class:`StrEnum`: ``enum.StrEnum`` on 3.11+; on 3.10 a ``str`` + ``Enum`` whose ``str()`` is
  its value, as the standard library's is (Python docs, "enum.StrEnum", added in 3.11).
* :data:`TimeoutErrors`: what ``asyncio.wait_for`` and friends raise on a timeout. On 3.10
  ``asyncio.TimeoutError`` is not the builtin ``TimeoutError`` (they were unified in 3.11), so
  code that catches a timeout of either kind catches this tuple.
"""

from __future__ import annotations

import asyncio
import enum
import sys

if sys.version_info >= (3, 11):
    from enum import StrEnum
else:

    class StrEnum(str, enum.Enum):
        """A string enum whose ``str()`` and ``format()`` are its value (3.11's behaviour)."""

        def __str__(self) -> str:
            return str(self.value)

        def __format__(self, format_spec: str) -> str:
            return str(self.value).__format__(format_spec)


TimeoutErrors = (TimeoutError, asyncio.TimeoutError)

__all__ = ["StrEnum", "TimeoutErrors"]

"""Errors of the fleet package (``GovernorTimeoutError`` is a ``QueueFullError`` of the tree).

::

    QueueFullError                 (deepgram_tts2.exceptions, RATE_LIMIT, not retried)
    └── GovernorTimeoutError       no slot of the concurrency budget before the waiter's deadline

``resilience.policy.decide`` already treats every ``QueueFullError`` like an open breaker: no retry
in place (waiting in line again cannot help), REST fallback when the request may use it (REST has
its own budget).
"""

from __future__ import annotations

from deepgram_tts2.exceptions import QueueFullError


class GovernorTimeoutError(QueueFullError):
    """No slot of the concurrency budget was granted before the waiter's deadline.

    Attributes:
        kind: ``websocket`` or ``rest``.
        limit: the budget the waiter waited for (the per-process share while Redis is down).
        waited_s: how long the waiter waited (0 when its deadline had already passed).
    """

    def __init__(self, kind: str, limit: int, waited_s: float, *, degraded: bool = False) -> None:
        where = "per-process fallback budget" if degraded else "concurrency budget"
        super().__init__(
            f"no free {kind} slot in the {where} (limit {limit}) before the deadline "
            f"(waited {waited_s:.3f} s)"
        )
        self.kind = kind
        self.limit = limit
        self.waited_s = waited_s
        self.degraded = degraded

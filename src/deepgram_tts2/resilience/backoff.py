"""Exponential backoff with full jitter, bounded by attempts and elapsed time.

Hand-written rather than tenacity/stamina: the client needs the server's ``Retry-After`` as a
floor, a circuit-breaker check between attempts and a REST fallback decision after the last one,
all inside its own connection loop; and a pure function of (policy, attempt, random draw) is
testable without sleeping. Nothing here sleeps or reads a clock: time is passed in.
"""

from __future__ import annotations

import email.utils
import random
from collections.abc import Callable
from dataclasses import dataclass

# A Retry-After larger than this is not waited for in place (the request fails instead).
MAX_RETRY_AFTER_S = 60.0


@dataclass(frozen=True)
class BackoffPolicy:
    """How a sequence of retries is spaced and bounded.

    Attributes:
        initial_s: cap of the first delay.
        max_s: cap of any delay.
        multiplier: growth of the cap per attempt.
        max_attempts: attempts in total, the first included.
        max_elapsed_s: no retry starts later than this after the first attempt.
    """

    initial_s: float = 0.1
    max_s: float = 5.0
    multiplier: float = 2.0
    max_attempts: int = 5
    max_elapsed_s: float = 15.0

    def __post_init__(self) -> None:
        if self.initial_s <= 0 or self.max_s <= 0:
            raise ValueError("initial_s and max_s must be > 0")
        if self.max_s < self.initial_s:
            raise ValueError("max_s must be >= initial_s")
        if self.multiplier < 1:
            raise ValueError("multiplier must be >= 1")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        if self.max_elapsed_s <= 0:
            raise ValueError("max_elapsed_s must be > 0")


def backoff_delay(
    policy: BackoffPolicy,
    attempt: int,
    rand: Callable[[], float] = random.random,
    retry_after_s: float | None = None,
) -> float:
    """Delay before retry number ``attempt`` (0 = the first retry).

    Full jitter: uniform in ``[0, min(max_s, initial_s * multiplier**attempt)]``. When the
    server sent ``Retry-After``, the delay is at least that (capped at ``MAX_RETRY_AFTER_S``).
    """
    cap = min(policy.max_s, policy.initial_s * policy.multiplier ** min(attempt, 64))
    delay = rand() * cap
    if retry_after_s is not None and retry_after_s > 0:
        delay = max(delay, min(retry_after_s, MAX_RETRY_AFTER_S))
    return delay


class RetryBudget:
    """Attempts and elapsed time of one retry sequence.

    Call :meth:`next_delay` after a failed attempt: it returns how long to wait before the next
    one, or None when the attempts or the time window are used up.
    """

    def __init__(
        self,
        policy: BackoffPolicy,
        started_at: float,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.policy = policy
        self.started_at = started_at
        self.attempts = 1  # the attempt that just failed
        self._rand = rand

    def next_delay(self, now: float, retry_after_s: float | None = None) -> float | None:
        """The wait before another attempt, or None to give up."""
        if self.attempts >= self.policy.max_attempts:
            return None
        if retry_after_s is not None and retry_after_s > MAX_RETRY_AFTER_S:
            return None
        delay = backoff_delay(self.policy, self.attempts - 1, self._rand, retry_after_s)
        if now + delay - self.started_at > self.policy.max_elapsed_s:
            return None
        self.attempts += 1
        return delay


def parse_retry_after(value: str | None, now_epoch: float | None = None) -> float | None:
    """Seconds to wait from an HTTP ``Retry-After`` (delta-seconds or HTTP-date).

    Returns None for a missing, malformed or negative value. ``now_epoch`` is the current Unix
    time, needed only for the date form (without it, a date gives None).
    """
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        if now_epoch is None:
            return None
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - now_epoch
        return max(seconds, 0.0)
    if seconds < 0 or seconds != seconds or seconds == float("inf"):
        return None
    return seconds

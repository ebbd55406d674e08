"""Pure resilience policies: jittered backoff and a table-driven circuit breaker."""

from deepgram_tts2.resilience.backoff import (
    BackoffPolicy,
    RetryBudget,
    backoff_delay,
    parse_retry_after,
)
from deepgram_tts2.resilience.breaker import BreakerPolicy, BreakerState, CircuitBreaker

__all__ = [
    "BackoffPolicy",
    "BreakerPolicy",
    "BreakerState",
    "CircuitBreaker",
    "RetryBudget",
    "backoff_delay",
    "parse_retry_after",
]

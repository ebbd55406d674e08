"""Connecting to Redis for the fleet: bounded timeouts, one retry, secrets kept out of text.

Needs the ``fleet`` extra (``redis>=5.0.1``); only the Redis backends import this module.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from deepgram_tts2.fleet.governor import Kind
from deepgram_tts2.fleet.options import FleetOptions
from deepgram_tts2.fleet.redact import redact_url, scrub, url_secrets

# What "Redis is unavailable" looks like: every redis-py error (connection refused or reset,
# timeouts, LOADING, READONLY after a fail-over, OOM, NOAUTH, a script error) and the OS and
# asyncio errors a half-closed socket can surface. Any of them degrades; none stops the fleet.
REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, asyncio.TimeoutError)


class RedisTarget:
    """The URL of one Redis, kept secret: ``str()``/``repr()`` show it redacted."""

    def __init__(self, options: FleetOptions) -> None:
        if options.redis_url is None:
            raise ValueError("no redis_url")
        self._url = options.redis_url.get_secret_value()
        self._secrets = url_secrets(self._url)
        self.redacted = redact_url(self._url)
        self._options = options

    def client(self) -> aioredis.Redis:
        """A new client (own connection pool), bytes in and out.

        One retry without backoff: the first command on a pooled connection that died with a
        Redis restart fails, and the retry reconnects; a Redis that is really down fails fast.
        """
        options = self._options
        return aioredis.Redis.from_url(
            self._url,
            socket_connect_timeout=options.connect_timeout_s,
            socket_timeout=options.op_timeout_s,
            retry=Retry(NoBackoff(), 1),
            health_check_interval=0,
        )

    def describe(self, exc: BaseException) -> str:
        """``exc`` in one line with no secret of the URL in it."""
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return scrub(text, self._secrets)

    def __repr__(self) -> str:
        return f"RedisTarget({self.redacted})"

    __str__ = __repr__


@dataclass(frozen=True)
class GovernorKeys:
    """The Redis keys of one budget. All share the hash tag ``{project}`` (one cluster slot)."""

    leases: str  # ZSET lease id -> expiry (ms)
    queue: str  # ZSET ticket -> priority * 2**48 + arrival sequence
    tickets: str  # ZSET ticket -> expiry (ms)
    seq: str  # INCR counter of arrivals
    channel: str  # pub/sub: "freed" / "waiting" with the counts

    @classmethod
    def of(cls, options: FleetOptions, kind: Kind) -> GovernorKeys:
        """The keys of ``kind``'s budget of ``options.project``."""
        base = f"{options.key_prefix}:{{{options.project}}}:gov:{kind.value}"
        return cls(
            f"{base}:leases", f"{base}:queue", f"{base}:tickets", f"{base}:seq", f"{base}:events"
        )


@dataclass(frozen=True)
class CacheKeys:
    """The Redis keys of the shared phrase cache (one hash tag, one slot)."""

    index: str  # ZSET digest -> expiry (ms); lowest = least recently used
    data: str  # HASH digest -> audio bytes
    meta: str  # HASH bytes, evictions

    @classmethod
    def of(cls, options: FleetOptions) -> CacheKeys:
        """The keys of ``options.project``'s cache."""
        base = f"{options.key_prefix}:{{{options.project}}}:cache"
        return cls(f"{base}:index", f"{base}:data", f"{base}:meta")

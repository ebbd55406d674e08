"""Options of the fleet package: one frozen, validated object (``TTSOptions.fleet``).

Every process of a fleet that names the same ``redis_url`` and ``project`` shares one concurrency
budget and (with ``cache.backend="redis"``) one phrase cache. ``redis_url`` is a ``SecretStr``
because it may carry a password; it is shown redacted everywhere.
"""

from __future__ import annotations

import math
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from deepgram_tts2.fleet.governor import Kind

_FROZEN = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)
PROJECT_PATTERN = r"^[A-Za-z0-9._:-]{1,100}$"
MiB = 1024 * 1024


class GovernorOptions(BaseModel):
    """The concurrency governor.

    Attributes:
        backend: ``local`` (in-process, the default) or ``redis`` (shared by the fleet).
        websocket_limit / rest_limit: concurrent streams / REST requests of the Deepgram
            project (45 / 15: the emulator's defaults and one published snapshot, aura §2.6;
            set them to your plan's numbers).
        fallback_share: while Redis is unreachable each process allows itself
            ``max(1, floor(limit * fallback_share))`` of each budget (0.25: right for a fleet of
            about four processes; use ``1 / processes``).
        lease_ttl_s: a lease not renewed for this long is given back by Redis (15 s): what a
            crashed worker's slots cost at most.
        ticket_ttl_s: a waiter not heard from for this long loses its place in line (10 s).
        renew_interval_s: how often held leases and waiting tickets are renewed (default a
            third of the shorter TTL).
        poll_initial_s / poll_max_s: the head waiter of a process re-checks the line at these
            intervals (doubling) besides being woken by pub/sub (0.05 s up to 1 s).
        probe_initial_s / probe_max_s: while Redis is unreachable it is probed at these
            intervals (doubling) (0.2 s up to 5 s).
    """

    model_config = _FROZEN

    backend: Literal["local", "redis"] = "local"
    websocket_limit: int = Field(default=45, ge=1)
    rest_limit: int = Field(default=15, ge=1)
    fallback_share: float = Field(default=0.25, gt=0, le=1)
    lease_ttl_s: float = Field(default=15.0, gt=0)
    ticket_ttl_s: float = Field(default=10.0, gt=0)
    renew_interval_s: float | None = Field(default=None, gt=0)
    poll_initial_s: float = Field(default=0.05, gt=0)
    poll_max_s: float = Field(default=1.0, gt=0)
    probe_initial_s: float = Field(default=0.2, gt=0)
    probe_max_s: float = Field(default=5.0, gt=0)

    @model_validator(mode="after")
    def _renew_before_expiry(self) -> GovernorOptions:
        if self.renew_interval_s is not None and self.renew_interval_s >= min(
            self.lease_ttl_s, self.ticket_ttl_s
        ):
            raise ValueError("renew_interval_s must be shorter than lease_ttl_s and ticket_ttl_s")
        return self

    @property
    def renew_s(self) -> float:
        """The renewal interval in effect."""
        if self.renew_interval_s is not None:
            return self.renew_interval_s
        return min(self.lease_ttl_s, self.ticket_ttl_s) / 3

    def limit(self, kind: Kind) -> int:
        """The fleet budget of ``kind``."""
        return self.websocket_limit if kind is Kind.WEBSOCKET else self.rest_limit

    def fallback_limit(self, kind: Kind) -> int:
        """The per-process budget of ``kind`` while Redis is unreachable."""
        return max(1, math.floor(self.limit(kind) * self.fallback_share))


class CacheOptions(BaseModel):
    """The phrase cache. Nothing is cached unless ``max_chars`` or ``phrases`` says so.

    Attributes:
        backend: ``memory`` (per process, the default), ``redis`` (shared by the fleet) or
            ``off``.
        max_bytes: audio bytes the cache holds at most (64 MiB); least recently used phrases
            are evicted first. With Redis the bound is fleet-wide, enforced by the store script.
        max_entry_bytes: longest audio stored for one phrase (4 MiB); longer audio is not
            stored.
        max_chars: phrases of up to this many characters (after normalisation) are cacheable
            (0: only ``phrases``).
        phrases: phrases synthesised and stored at start-up (always cacheable).
        ttl_s: an entry not used for this long is dropped (7 days; None: kept until evicted).
    """

    model_config = _FROZEN

    backend: Literal["memory", "redis", "off"] = "memory"
    max_bytes: int = Field(default=64 * MiB, ge=1)
    max_entry_bytes: int = Field(default=4 * MiB, ge=1)
    max_chars: int = Field(default=0, ge=0)
    phrases: tuple[str, ...] = ()
    ttl_s: float | None = Field(default=7 * 24 * 3600.0, gt=0)


class FleetOptions(BaseModel):
    """Fleet coordination.

    Attributes:
        redis_url: ``redis://[:password@]host:port/db`` (or ``rediss://``, ``unix://``); needed
            by the Redis backends. Never shown: repr and logs redact the password.
        project: the key every process of one Deepgram project uses (e.g. the project id);
            letters, digits and ``._:-``.
        key_prefix: prefix of every Redis key (``dgtts2``).
        connect_timeout_s / op_timeout_s: bounds on connecting to Redis and on one call
            (0.5 s / 1 s), so an unreachable Redis is noticed quickly instead of hanging.
        governor / cache: see :class:`GovernorOptions` and :class:`CacheOptions`.
    """

    model_config = _FROZEN

    redis_url: SecretStr | None = None
    project: str = Field(default="default", pattern=PROJECT_PATTERN)
    key_prefix: str = Field(default="dgtts2", pattern=PROJECT_PATTERN)
    connect_timeout_s: float = Field(default=0.5, gt=0)
    op_timeout_s: float = Field(default=1.0, gt=0)
    governor: GovernorOptions = GovernorOptions()
    cache: CacheOptions = CacheOptions()

    @field_validator("redis_url")
    @classmethod
    def _check_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _check_redis_url(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _url_when_needed(self) -> FleetOptions:
        wants = self.governor.backend == "redis" or self.cache.backend == "redis"
        if wants and self.redis_url is None:
            raise ValueError("the redis backends need redis_url")
        return self


def _check_redis_url(url: str) -> None:
    """Refuse a URL redis-py could not connect with, so ``start()`` never meets it (the
    messages never quote the URL: it carries the password).

    Raises:
        ValueError: naming what is wrong.
    """
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a port that is not a number in 0-65535
    except ValueError:
        raise ValueError("redis_url is not a valid URL (its host or port)") from None
    if parts.scheme == "unix":
        if not parts.path:
            raise ValueError("a unix:// redis_url needs the socket's path")
        return
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError("redis_url must be a redis://, rediss:// or unix:// URL")
    if not parts.hostname or port == 0:
        raise ValueError("redis_url needs a host name (and a port from 1 to 65535, if any)")

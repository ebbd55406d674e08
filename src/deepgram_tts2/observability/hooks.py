"""The metrics hook interface the client calls; exporters (Prometheus, OTel) subclass it.

Every method is a no-op here. The client wraps hooks in :class:`SafeHooks`, so an exporter that
raises can never break a request: the exception is logged once per method and swallowed.
Durations are seconds; labels are small closed sets (never a request id or text).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("deepgram_tts2.observability")


class FleetHooks:
    """What the fleet package (``deepgram_tts2.fleet``: governors, phrase cache) reports.

    Labels: kind ``websocket``/``rest``, priority ``live``/``prewarm``, outcome
    ``granted``/``timeout``/``cancelled``/``closed`` (waits) or ``hit``/``miss`` (lookups),
    component ``governor``/``cache``. Every method is a no-op here.
    """

    def on_fleet_leases(self, kind: str, held: int) -> None:
        """Leases of ``kind`` this process holds now."""

    def on_fleet_waiters(self, kind: str, waiting: int) -> None:
        """Callers of this process waiting for a ``kind`` slot now."""

    def on_fleet_budget(self, kind: str, in_use: int, limit: int) -> None:
        """The budget as last seen: ``in_use`` leases fleet-wide out of ``limit``."""

    def on_fleet_wait(self, kind: str, priority: str, seconds: float, outcome: str) -> None:
        """An acquire ended after ``seconds`` with ``outcome``."""

    def on_fleet_throttled(self, kind: str) -> None:
        """An acquire found the budget exhausted and had to wait (a 429 avoided)."""

    def on_fleet_degraded(self, degraded: bool) -> None:
        """Redis became unreachable (True: per-process limits apply) or reachable again."""

    def on_fleet_redis_error(self, component: str) -> None:
        """A Redis call of ``component`` (``governor``, ``cache``) failed."""

    def on_fleet_leases_restored(self, kind: str, count: int) -> None:
        """Held leases Redis had lost were registered again."""

    def on_fleet_cache_lookup(self, outcome: str) -> None:
        """A phrase cache lookup: ``hit`` or ``miss``."""

    def on_fleet_cache_store(self, nbytes: int) -> None:
        """Complete audio of ``nbytes`` was stored."""

    def on_fleet_cache_size(self, nbytes: int, entries: int) -> None:
        """The cache now holds ``entries`` phrases of ``nbytes`` audio bytes."""

    def on_fleet_cache_evictions(self, count: int) -> None:
        """``count`` phrases were evicted to stay within the byte bound."""


class MetricsHooks(FleetHooks):
    """Override what you need (the fleet's hooks included)."""

    def on_request_start(self, transport: str) -> None:
        """A request started on ``transport`` (``websocket`` or ``rest``)."""

    def on_ttfb(self, seconds: float, transport: str) -> None:
        """First Speak (or POST) of a request to its first audio byte."""

    def on_first_token_to_audio(self, seconds: float) -> None:
        """First ``push`` of a request to its first audio byte."""

    def on_request_end(
        self, reason: str, transport: str | None, audio_seconds: float, chars: int
    ) -> None:
        """A request ended (``completed``, ``interrupted`` or ``error``)."""

    def on_error(self, error_class: str, vendor_code: str | None) -> None:
        """A request failed with ``error_class``."""

    def on_characters(self, count: int) -> None:
        """Characters sent to Deepgram."""

    def on_audio(self, nbytes: int, seconds: float) -> None:
        """Audio yielded to a caller."""

    def on_reconnect(self, reason: str) -> None:
        """A request is retried on a fresh connection after ``reason`` (an error class)."""

    def on_breaker_state(self, state: str) -> None:
        """The circuit breaker moved to ``state``."""

    def on_connection_state(self, connection_id: int, old: str, new: str) -> None:
        """A connection changed state."""

    def on_rtt(self, seconds: float) -> None:
        """A WebSocket ping round trip."""

    def on_flush_budget(self, remaining: int) -> None:
        """Flushes left in the current window of the connection just used."""

    def on_rest_fallback(self) -> None:
        """A request went to REST because the WebSocket was unavailable."""

    def on_queue_depth(self, depth: int) -> None:
        """Requests waiting for a connection."""

    def on_stale_audio_dropped(self, nbytes: int) -> None:
        """Audio of an interrupted request discarded before reaching a caller."""

    def on_warning(self, code: str) -> None:
        """Deepgram sent a ``Warning``."""

    def on_billable_characters(self, count: int) -> None:
        """Flux: what a completed turn was billed (``SpeechMetadata``)."""


class SafeHooks(MetricsHooks):
    """Delegates to ``inner`` and never lets its exceptions out.

    The wrappers are built once, when the hooks are wrapped (one bound method per hook,
    stored on the instance), so a call per audio chunk costs one function call and a ``try``;
    a hook ``inner`` does not have (duck typing) is a no-op.
    """

    def __init__(self, inner: MetricsHooks | None) -> None:
        self._inner = inner or MetricsHooks()
        bind_guarded(self, MetricsHooks, self._inner, log)


def bind_guarded(wrapper: object, interface: type, inner: object, logger: logging.Logger) -> None:
    """Set on ``wrapper`` every ``on_*`` hook of ``interface`` as a call of ``inner``'s that
    logs its exception (once per hook, on ``logger``) instead of raising; no-op where ``inner``
    lacks the hook."""
    reported: set[str] = set()
    for name in dir(interface):
        if name.startswith("on_"):
            setattr(wrapper, name, _guard(name, getattr(inner, name, None), reported, logger))


def _guard(name: str, target: Any, reported: set[str], logger: logging.Logger) -> Any:
    if target is None or getattr(target, "__func__", None) is _NO_OPS.get(name):
        return _ignore  # absent, or the interface's own no-op (not overridden): nothing to run

    def call(*args: Any) -> None:
        try:
            target(*args)
        except Exception:
            if name not in reported:
                reported.add(name)
                logger.exception("metrics hook %s failed (reported once)", name)

    return call


def _ignore(*_args: Any) -> None:
    """A hook the wrapped object does not have (or does not override)."""


def is_ignored(hook: object) -> bool:
    """True when ``hook`` (an attribute of a guarded wrapper) does nothing, so a caller on a
    per-chunk path may skip the call."""
    return hook is _ignore


# The no-op bodies of the interfaces, by name: a hook bound to one of them need not be called.
_NO_OPS: dict[str, object] = {
    name: value
    for interface in (FleetHooks, MetricsHooks)
    for name, value in vars(interface).items()
    if name.startswith("on_")
}

"""Prometheus metrics of the fleet package (registered by ``observability/prometheus.py``).

All names start ``deepgram_tts2_fleet_``; labels are small closed sets (kind, priority, outcome,
component). ``budget_in_use`` and ``budget_limit`` are the fleet's view as this process last saw
it (every process reports the same numbers: aggregate them with ``max``, not ``sum``); the
others are this process's own (aggregate with ``sum``). The alert rules in
``deploy/prometheus/fleet-alerts.yml`` use them.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from deepgram_tts2.fleet.metrics import NullFleetHooks

PREFIX = "deepgram_tts2_fleet_"
WAIT_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
KINDS = ("websocket", "rest")


class FleetPrometheusHooks(NullFleetHooks):
    """Fleet hooks that keep Prometheus metrics in ``registry`` (a fresh one by default)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self._governor_metrics(self.registry)
        self._cache_metrics(self.registry)

    def _governor_metrics(self, r: CollectorRegistry) -> None:
        self.leases = Gauge(PREFIX + "leases", "Leases this process holds.", ["kind"], registry=r)
        self.waiters = Gauge(
            PREFIX + "waiters", "Callers of this process waiting for a slot.", ["kind"], registry=r
        )
        self.budget_in_use = Gauge(
            PREFIX + "budget_in_use",
            "Leases held fleet-wide, as this process last saw it.",
            ["kind"],
            registry=r,
        )
        self.budget_limit = Gauge(
            PREFIX + "budget_limit",
            "The budget in effect (the per-process share while Redis is unreachable).",
            ["kind"],
            registry=r,
        )
        self.wait = Histogram(
            PREFIX + "wait_seconds",
            "Time from acquire to grant, timeout or cancellation.",
            ["kind", "priority", "outcome"],
            buckets=WAIT_BUCKETS,
            registry=r,
        )
        self.throttled = Counter(
            PREFIX + "throttled",
            "Acquires that found the budget exhausted and waited (429s avoided).",
            ["kind"],
            registry=r,
        )
        self.degraded = Gauge(
            PREFIX + "degraded",
            "1 while Redis is unreachable and per-process limits apply.",
            registry=r,
        )
        self.redis_errors = Counter(
            PREFIX + "redis_errors", "Failed Redis calls.", ["component"], registry=r
        )
        self.restored = Counter(
            PREFIX + "leases_restored",
            "Held leases registered again after Redis lost them (restart, long outage).",
            ["kind"],
            registry=r,
        )

    def _cache_metrics(self, r: CollectorRegistry) -> None:
        self.cache_lookups = Counter(
            PREFIX + "cache_lookups", "Phrase cache lookups.", ["outcome"], registry=r
        )
        self.cache_stores = Counter(PREFIX + "cache_stores", "Complete phrases stored.", registry=r)
        self.cache_stored_bytes = Counter(
            PREFIX + "cache_stored_bytes", "Audio bytes stored.", registry=r
        )
        self.cache_bytes = Gauge(
            PREFIX + "cache_bytes", "Audio bytes the phrase cache holds.", registry=r
        )
        self.cache_entries = Gauge(
            PREFIX + "cache_entries", "Phrases the phrase cache holds.", registry=r
        )
        self.cache_evictions = Counter(
            PREFIX + "cache_evictions",
            "Phrases evicted to stay within the byte bound.",
            registry=r,
        )
        self.degraded.set(0)
        for kind in KINDS:
            for metric in (self.leases, self.waiters, self.budget_in_use):
                metric.labels(kind=kind).set(0)
            self.throttled.labels(kind=kind)
        for outcome in ("hit", "miss"):
            self.cache_lookups.labels(outcome=outcome)

    def on_fleet_leases(self, kind: str, held: int) -> None:
        self.leases.labels(kind=kind).set(held)

    def on_fleet_waiters(self, kind: str, waiting: int) -> None:
        self.waiters.labels(kind=kind).set(waiting)

    def on_fleet_budget(self, kind: str, in_use: int, limit: int) -> None:
        self.budget_in_use.labels(kind=kind).set(in_use)
        self.budget_limit.labels(kind=kind).set(limit)

    def on_fleet_wait(self, kind: str, priority: str, seconds: float, outcome: str) -> None:
        self.wait.labels(kind=kind, priority=priority, outcome=outcome).observe(seconds)

    def on_fleet_throttled(self, kind: str) -> None:
        self.throttled.labels(kind=kind).inc()

    def on_fleet_degraded(self, degraded: bool) -> None:
        self.degraded.set(1 if degraded else 0)

    def on_fleet_redis_error(self, component: str) -> None:
        self.redis_errors.labels(component=component).inc()

    def on_fleet_leases_restored(self, kind: str, count: int) -> None:
        self.restored.labels(kind=kind).inc(count)

    def on_fleet_cache_lookup(self, outcome: str) -> None:
        self.cache_lookups.labels(outcome=outcome).inc()

    def on_fleet_cache_store(self, nbytes: int) -> None:
        self.cache_stores.inc()
        self.cache_stored_bytes.inc(nbytes)

    def on_fleet_cache_size(self, nbytes: int, entries: int) -> None:
        self.cache_bytes.set(nbytes)
        self.cache_entries.set(entries)

    def on_fleet_cache_evictions(self, count: int) -> None:
        self.cache_evictions.inc(count)

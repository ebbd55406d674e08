"""Prometheus metrics of the client, fed by the metrics hooks. All names start ``deepgram_tts2_``.

Labels are small closed sets: transport (``websocket``, ``rest``), outcome (``completed``,
``interrupted``, ``error``), error class, connection state, breaker state, and a warning code
folded to a known list (anything else is ``other``). Never a request id or text.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from deepgram_tts2.fleet.prometheus import FleetPrometheusHooks
from deepgram_tts2.observability.hooks import MetricsHooks

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0)
RTT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
BREAKER_VALUES = {"closed": 0, "half_open": 1, "open": 2}
CONNECTION_STATES = (
    "new",
    "connecting",
    "idle",
    "busy",
    "clearing",
    "closing",
    "closed",
    "failed",
)
KNOWN_WARNINGS = frozenset({"EXCESSIVE_FLUSH"})
PREFIX = "deepgram_tts2_"


class PrometheusHooks(MetricsHooks):
    """Metrics hooks that keep Prometheus metrics in ``registry`` (a fresh one by default)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self._latency_metrics(self.registry)
        self._request_metrics(self.registry)
        self._connection_metrics(self.registry)
        self.fleet = FleetPrometheusHooks(self.registry)  # deepgram_tts2_fleet_* (docs/fleet.md)
        self._states: dict[int, str] = {}
        for state in CONNECTION_STATES:
            self.connections.labels(state=state).set(0)

    def _latency_metrics(self, r: CollectorRegistry) -> None:
        self.ttfb = Histogram(
            PREFIX + "ttfb_seconds",
            "First Speak (or REST POST) to first audio byte.",
            ["transport"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.first_token = Histogram(
            PREFIX + "first_token_to_audio_seconds",
            "First pushed text to first audio byte.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.rtt = Histogram(
            PREFIX + "connection_rtt_seconds",
            "WebSocket ping round trip.",
            buckets=RTT_BUCKETS,
            registry=r,
        )

    def _request_metrics(self, r: CollectorRegistry) -> None:
        self.requests = Counter(
            PREFIX + "requests", "Requests by outcome.", ["outcome", "transport"], registry=r
        )
        self.in_flight = Gauge(
            PREFIX + "requests_in_flight", "Requests started, not ended.", registry=r
        )
        self.errors = Counter(
            PREFIX + "errors", "Failed requests by error class.", ["error_class"], registry=r
        )
        self.audio = Counter(PREFIX + "audio_seconds", "Audio yielded to callers.", registry=r)
        self.characters = Counter(PREFIX + "characters", "Characters sent to Deepgram.", registry=r)
        self.billable = Counter(
            PREFIX + "billable_characters",
            "Characters Deepgram billed for completed Flux turns (SpeechMetadata).",
            registry=r,
        )
        self.reconnects = Counter(
            PREFIX + "reconnects", "Retries on a fresh connection.", ["reason"], registry=r
        )
        self.rest_fallbacks = Counter(
            PREFIX + "rest_fallbacks",
            "Requests served over REST because the WebSocket was unavailable.",
            registry=r,
        )
        self.stale_audio = Counter(
            PREFIX + "stale_audio_bytes", "Audio of interrupted requests dropped.", registry=r
        )
        self.warnings = Counter(
            PREFIX + "warnings", "Warnings from Deepgram by code.", ["code"], registry=r
        )

    def _connection_metrics(self, r: CollectorRegistry) -> None:
        self.breaker = Gauge(
            PREFIX + "breaker_state", "Circuit breaker: 0 closed, 1 half-open, 2 open.", registry=r
        )
        self.connections = Gauge(
            PREFIX + "connections", "Connections by state.", ["state"], registry=r
        )
        self.flush_budget = Gauge(
            PREFIX + "flush_budget_remaining",
            "Flushes left in the window of the connection last used.",
            registry=r,
        )
        self.queue_depth = Gauge(
            PREFIX + "queue_depth", "Requests waiting for a connection.", registry=r
        )
        self.breaker.set(0)
        self.flush_budget.set(20)

    def on_billable_characters(self, count: int) -> None:
        self.billable.inc(count)

    def on_request_start(self, transport: str) -> None:
        self.in_flight.inc()

    def on_ttfb(self, seconds: float, transport: str) -> None:
        self.ttfb.labels(transport=transport).observe(seconds)

    def on_first_token_to_audio(self, seconds: float) -> None:
        self.first_token.observe(seconds)

    def on_request_end(
        self, reason: str, transport: str | None, audio_seconds: float, chars: int
    ) -> None:
        self.requests.labels(outcome=reason, transport=transport or "none").inc()
        if transport is not None:
            self.in_flight.dec()

    def on_error(self, error_class: str, vendor_code: str | None) -> None:
        self.errors.labels(error_class=error_class).inc()

    def on_characters(self, count: int) -> None:
        self.characters.inc(count)

    def on_audio(self, nbytes: int, seconds: float) -> None:
        self.audio.inc(seconds)

    def on_reconnect(self, reason: str) -> None:
        self.reconnects.labels(reason=reason).inc()

    def on_breaker_state(self, state: str) -> None:
        self.breaker.set(BREAKER_VALUES.get(state, 2))

    def on_connection_state(self, connection_id: int, old: str, new: str) -> None:
        previous = self._states.pop(connection_id, None)
        if previous is not None:
            self.connections.labels(state=previous).dec()
        if new not in ("closed", "failed"):  # the gauge counts live connections
            self.connections.labels(state=new).inc()
            self._states[connection_id] = new

    def on_rtt(self, seconds: float) -> None:
        self.rtt.observe(seconds)

    def on_flush_budget(self, remaining: int) -> None:
        self.flush_budget.set(remaining)

    def on_rest_fallback(self) -> None:
        self.rest_fallbacks.inc()

    def on_queue_depth(self, depth: int) -> None:
        self.queue_depth.set(depth)

    def on_stale_audio_dropped(self, nbytes: int) -> None:
        self.stale_audio.inc(nbytes)

    def on_warning(self, code: str) -> None:
        self.warnings.labels(code=code if code in KNOWN_WARNINGS else "other").inc()

    def on_fleet_leases(self, kind: str, held: int) -> None:
        self.fleet.on_fleet_leases(kind, held)

    def on_fleet_waiters(self, kind: str, waiting: int) -> None:
        self.fleet.on_fleet_waiters(kind, waiting)

    def on_fleet_budget(self, kind: str, in_use: int, limit: int) -> None:
        self.fleet.on_fleet_budget(kind, in_use, limit)

    def on_fleet_wait(self, kind: str, priority: str, seconds: float, outcome: str) -> None:
        self.fleet.on_fleet_wait(kind, priority, seconds, outcome)

    def on_fleet_throttled(self, kind: str) -> None:
        self.fleet.on_fleet_throttled(kind)

    def on_fleet_degraded(self, degraded: bool) -> None:
        self.fleet.on_fleet_degraded(degraded)

    def on_fleet_redis_error(self, component: str) -> None:
        self.fleet.on_fleet_redis_error(component)

    def on_fleet_leases_restored(self, kind: str, count: int) -> None:
        self.fleet.on_fleet_leases_restored(kind, count)

    def on_fleet_cache_lookup(self, outcome: str) -> None:
        self.fleet.on_fleet_cache_lookup(outcome)

    def on_fleet_cache_store(self, nbytes: int) -> None:
        self.fleet.on_fleet_cache_store(nbytes)

    def on_fleet_cache_size(self, nbytes: int, entries: int) -> None:
        self.fleet.on_fleet_cache_size(nbytes, entries)

    def on_fleet_cache_evictions(self, count: int) -> None:
        self.fleet.on_fleet_cache_evictions(count)


class FanOutHooks(MetricsHooks):
    """Calls several hooks objects in turn (e.g. Prometheus plus the caller's own)."""

    def __init__(self, *hooks: MetricsHooks) -> None:
        self._hooks = hooks

    def __getattribute__(self, name: str) -> object:
        if name.startswith("on_"):
            targets = [getattr(h, name, None) for h in object.__getattribute__(self, "_hooks")]

            def call(*args: object) -> None:
                for target in targets:
                    if target is not None:
                        target(*args)

            return call
        return object.__getattribute__(self, name)

"""The emulator's own Prometheus metrics (``deepgram_tts2_emulator_*``), served at ``/metrics``."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

PREFIX = "deepgram_tts2_emulator_"


class EmulatorMetrics:
    """Counters and gauges of one emulator, in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.connections = Counter(
            PREFIX + "connections", "Connections accepted or refused.", ["api"], registry=r
        )
        self.rejections = Counter(
            PREFIX + "rejections",
            "Requests refused before the upgrade or synthesis, by HTTP status.",
            ["status"],
            registry=r,
        )
        self.sessions = Gauge(PREFIX + "sessions", "Open WebSocket sessions.", registry=r)
        self.audio_bytes = Counter(PREFIX + "audio_bytes", "Audio bytes sent.", ["api"], registry=r)
        self.closes = Counter(
            PREFIX + "closes", "Sessions closed by the server, by close code.", ["code"], registry=r
        )

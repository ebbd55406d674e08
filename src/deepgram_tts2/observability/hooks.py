"""The metrics hook interface the client calls; exporters (Prometheus, OTel) subclass it.

Every method is a no-op here. The client wraps hooks in :class:`SafeHooks`, so an exporter that
raises can never break a request: the exception is logged once per method and swallowed.
Durations are seconds; labels are small closed sets (never a request id or text).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("deepgram_tts2.observability")


class MetricsHooks:
    """Override what you need."""

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
    """Delegates to ``inner`` and never lets its exceptions out."""

    def __init__(self, inner: MetricsHooks | None) -> None:
        self._inner = inner or MetricsHooks()
        self._reported: set[str] = set()

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("on_"):
            target = getattr(object.__getattribute__(self, "_inner"), name, None)
            reported: set[str] = object.__getattribute__(self, "_reported")

            def call(*args: Any) -> None:
                if target is None:  # a duck-typed hooks object without this method
                    return
                try:
                    target(*args)
                except Exception:
                    if name not in reported:
                        reported.add(name)
                        log.exception("metrics hook %s failed (reported once)", name)

            return call
        return object.__getattribute__(self, name)

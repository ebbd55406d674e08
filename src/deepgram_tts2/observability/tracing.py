"""Request tracing: one span per request with events (first audio, flush, interrupt, reconnect,
fallback). OpenTelemetry is an optional extra (``pip install deepgram-tts2[otel]``); without a
tracer the client uses :class:`NoTracing`, which costs nothing.
"""

from __future__ import annotations

from typing import Any, Protocol


class RequestSpan(Protocol):
    """The span of one request."""

    def event(self, name: str, attributes: dict[str, Any] | None = None) -> None:
        """Record something that happened (``first_audio``, ``flush``, ``interrupt``, ...)."""

    def end(self, outcome: str, attributes: dict[str, Any] | None = None) -> None:
        """Close the span with the request's outcome."""


class RequestTracer(Protocol):
    """Starts request spans."""

    def start(self, request_id: str) -> RequestSpan:
        """A new span for ``request_id``."""


class _NoSpan:
    def event(self, name: str, attributes: dict[str, Any] | None = None) -> None:
        return None

    def end(self, outcome: str, attributes: dict[str, Any] | None = None) -> None:
        return None


class NoTracing:
    """The default: no spans."""

    _span = _NoSpan()

    def start(self, request_id: str) -> RequestSpan:
        return self._span


class OtelTracer:
    """Spans through OpenTelemetry (``opentelemetry-api``; any SDK/exporter behind it).

    Args:
        tracer_provider: an OpenTelemetry ``TracerProvider``; the global one when None.
    """

    def __init__(self, tracer_provider: Any = None) -> None:
        from opentelemetry import trace

        self._trace = trace
        self._tracer = trace.get_tracer("deepgram_tts2", tracer_provider=tracer_provider)

    def start(self, request_id: str) -> RequestSpan:
        span = self._tracer.start_span(
            "deepgram_tts2.request",
            attributes={
                "deepgram_tts2.request_id": request_id,
            },
        )
        return _OtelSpan(span, self._trace)


class _OtelSpan:
    def __init__(self, span: Any, trace: Any) -> None:
        self._span = span
        self._trace = trace

    def event(self, name: str, attributes: dict[str, Any] | None = None) -> None:
        self._span.add_event(name, attributes=attributes or {})

    def end(self, outcome: str, attributes: dict[str, Any] | None = None) -> None:
        self._span.set_attribute("deepgram_tts2.outcome", outcome)
        for key, value in (attributes or {}).items():
            self._span.set_attribute(key, value)
        if outcome == "error":
            self._span.set_status(self._trace.Status(self._trace.StatusCode.ERROR))
        self._span.end()

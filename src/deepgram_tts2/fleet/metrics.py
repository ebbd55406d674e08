"""The metrics hooks the fleet package calls (methods of ``MetricsHooks``).

:class:`FleetHooks` is declared with the client's hooks
(``deepgram_tts2.observability.hooks``); ``MetricsHooks`` derives from it, so a ``MetricsHooks``
(or the client's ``SafeHooks``) serves the fleet as it is. Labels are small closed sets:
kind (``websocket``, ``rest``), priority (``live``, ``prewarm``), outcome (``granted``,
``timeout``, ``cancelled``, ``closed``; ``hit``, ``miss``), component (``governor``, ``cache``).

The governors and caches wrap whatever they are given in :class:`SafeFleetHooks`, so an exporter
that raises never breaks an acquire or a lookup (logged once per method).
"""

from __future__ import annotations

import logging

from deepgram_tts2.observability.hooks import FleetHooks, bind_guarded

log = logging.getLogger("deepgram_tts2.fleet")


NullFleetHooks = FleetHooks  # reports nothing: every method of FleetHooks is a no-op


class SafeFleetHooks(FleetHooks):
    """Delegates to ``inner``; its exceptions are logged once per method and swallowed.

    ``inner`` may be duck-typed and lack some methods (those calls are skipped).
    """

    def __init__(self, inner: object | None) -> None:
        self._inner = inner
        bind_guarded(self, FleetHooks, inner, log)


__all__ = ["FleetHooks", "NullFleetHooks", "SafeFleetHooks"]

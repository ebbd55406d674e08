"""Fleet coordination: a concurrency governor and a phrase cache (docs/fleet.md).

The in-process pieces need nothing beyond the client; the Redis ones need the ``fleet`` extra
(``pip install 'deepgram-tts2[fleet]'``) and are imported only when asked for
(:func:`create_governor`, :func:`create_cache`, or ``deepgram_tts2.fleet.redis_governor`` /
``deepgram_tts2.fleet.redis_cache`` directly).
"""

from __future__ import annotations

from deepgram_tts2.fleet.cache import (
    CachedAudio,
    CachePolicy,
    CacheStats,
    CacheWriter,
    MemoryPhraseCache,
    PhraseCache,
)
from deepgram_tts2.fleet.errors import GovernorTimeoutError
from deepgram_tts2.fleet.factory import create_cache, create_governor
from deepgram_tts2.fleet.governor import Governor, Kind, Lease, Pressure, Priority
from deepgram_tts2.fleet.local import LocalGovernor
from deepgram_tts2.fleet.metrics import FleetHooks, NullFleetHooks
from deepgram_tts2.fleet.options import CacheOptions, FleetOptions, GovernorOptions
from deepgram_tts2.fleet.phrase_key import Generation, PhraseKey, normalise_text
from deepgram_tts2.fleet.prewarm import PrewarmReport, prewarm

__all__ = [
    "CacheOptions",
    "CachePolicy",
    "CacheStats",
    "CacheWriter",
    "CachedAudio",
    "FleetHooks",
    "FleetOptions",
    "Generation",
    "Governor",
    "GovernorOptions",
    "GovernorTimeoutError",
    "Kind",
    "Lease",
    "LocalGovernor",
    "MemoryPhraseCache",
    "NullFleetHooks",
    "PhraseCache",
    "PhraseKey",
    "Pressure",
    "PrewarmReport",
    "Priority",
    "create_cache",
    "create_governor",
    "normalise_text",
    "prewarm",
]

"""Build the governor and the cache that :class:`~deepgram_tts2.fleet.options.FleetOptions`
describe. The Redis implementations are imported only when asked for (the ``fleet`` extra)."""

from __future__ import annotations

from deepgram_tts2.exceptions import ConfigurationError
from deepgram_tts2.fleet.cache import MemoryPhraseCache, PhraseCache
from deepgram_tts2.fleet.clock import Clock
from deepgram_tts2.fleet.governor import Governor, Kind
from deepgram_tts2.fleet.local import LocalGovernor
from deepgram_tts2.fleet.options import FleetOptions

_EXTRA = "the Redis backends need the fleet extra: pip install 'deepgram-tts2[fleet]'"


def create_governor(
    options: FleetOptions, *, clock: Clock | None = None, hooks: object | None = None
) -> Governor:
    """The governor of ``options.governor.backend`` (``local`` by default).

    Raises:
        ConfigurationError: the Redis backend without the ``redis`` package installed.
    """
    gov = options.governor
    if gov.backend == "local":
        limits = {kind: gov.limit(kind) for kind in Kind}
        return LocalGovernor(limits, clock=clock, hooks=hooks)
    try:
        from deepgram_tts2.fleet.redis_governor import RedisGovernor
    except ImportError:
        raise ConfigurationError(_EXTRA) from None
    return RedisGovernor(options, clock=clock, hooks=hooks)


def create_cache(
    options: FleetOptions, *, clock: Clock | None = None, hooks: object | None = None
) -> PhraseCache | None:
    """The phrase cache of ``options.cache.backend`` (None when ``off``).

    Raises:
        ConfigurationError: the Redis backend without the ``redis`` package installed.
    """
    cache = options.cache
    if cache.backend == "off":
        return None
    if cache.backend == "memory":
        return MemoryPhraseCache.from_options(cache, clock=clock, hooks=hooks)
    try:
        from deepgram_tts2.fleet.redis_cache import RedisPhraseCache
    except ImportError:
        raise ConfigurationError(_EXTRA) from None
    return RedisPhraseCache(options, clock=clock, hooks=hooks)

"""Synthesise the listed phrases at start-up so their first use is a cache hit."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass

from deepgram_tts2.fleet.cache import PhraseCache
from deepgram_tts2.fleet.phrase_key import PhraseKey

log = logging.getLogger("deepgram_tts2.fleet")

Synthesize = Callable[[str], AsyncIterator[bytes]]


@dataclass(frozen=True)
class PrewarmReport:
    """What :func:`prewarm` did: phrases stored now, found already cached, and failed."""

    stored: int
    present: int
    failed: int


async def prewarm(
    cache: PhraseCache,
    phrases: Iterable[str],
    key_for: Callable[[str], PhraseKey],
    synthesize: Synthesize,
) -> PrewarmReport:
    """Store each phrase not cached yet, one at a time (start-up must not spike concurrency).

    Args:
        cache: where to store.
        phrases: the texts (e.g. ``CachePolicy.phrases``).
        key_for: the key of a text (e.g. ``lambda t: PhraseKey.for_v1(params, t)``).
        synthesize: the audio of a text as it arrives (e.g. the REST client's stream); it takes
            its own governor lease. A phrase whose synthesis raises is not stored.

    Returns:
        The counts. Failures are logged (without the text) and do not stop the others;
        cancellation propagates.
    """
    stored = present = failed = 0
    for text in phrases:
        key = key_for(text)
        if await cache.contains(key):
            present += 1
            continue
        try:
            async with cache.writer(key) as writer:
                async for chunk in synthesize(text):
                    writer.append(chunk)
                if await writer.commit():
                    stored += 1
                else:
                    present += 1
        except Exception as exc:  # any failure: that phrase simply stays uncached
            failed += 1
            log.warning("pre-warming %r failed: %s", key, type(exc).__name__)
    return PrewarmReport(stored, present, failed)

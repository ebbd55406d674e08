"""deepgram_tts2: streaming text-to-speech on Deepgram Aura for asyncio voice agents.

The public API::

    from deepgram_tts2 import DeepgramTTS, TTSOptions
    async with DeepgramTTS(TTSOptions.create(model="aura-2-thalia-en")) as tts:
        stream = tts.stream()
        ...

Events live in :mod:`deepgram_tts2.client.events`, errors in :mod:`deepgram_tts2.exceptions`.
"""

import logging
from importlib import metadata as _metadata

from deepgram_tts2.client.events import (
    AudioChunk,
    AudioEnd,
    AudioStart,
    EndReason,
    Error,
    Metric,
    SpeakEvent,
    Transport,
)
from deepgram_tts2.client.stream import SpeakStream
from deepgram_tts2.client.tts import ClientState, DeepgramTTS
from deepgram_tts2.exceptions import (
    AuthError,
    CircuitOpenError,
    ClientClosedError,
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    DeepgramTTSError,
    InputError,
    InternalError,
    PhaseTimeoutError,
    QueueFullError,
    RateLimitError,
    ServerError,
    TransientError,
    classify,
)
from deepgram_tts2.observability.hooks import MetricsHooks
from deepgram_tts2.options import TTSOptions

try:
    __version__ = _metadata.version("deepgram-tts2")
except _metadata.PackageNotFoundError:  # run from a source tree without installing
    __version__ = "0.0.0+unknown"

# A library logs; the application decides where logs go (no "last resort" output to stderr).
logging.getLogger("deepgram_tts2").addHandler(logging.NullHandler())

__all__ = [
    "AudioChunk",
    "AudioEnd",
    "AudioStart",
    "AuthError",
    "CircuitOpenError",
    "ClientClosedError",
    "ClientState",
    "ConfigurationError",
    "ConnectError",
    "ConnectionLostError",
    "DeepgramTTS",
    "DeepgramTTSError",
    "EndReason",
    "Error",
    "InputError",
    "InternalError",
    "Metric",
    "MetricsHooks",
    "PhaseTimeoutError",
    "QueueFullError",
    "RateLimitError",
    "ServerError",
    "SpeakEvent",
    "SpeakStream",
    "TTSOptions",
    "TransientError",
    "Transport",
    "__version__",
    "classify",
]

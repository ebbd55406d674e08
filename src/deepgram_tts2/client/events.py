"""The events a :class:`~deepgram_tts2.client.stream.SpeakStream` yields (defined in
:mod:`deepgram_tts2.events`; this import path is the documented one and stays)."""

from deepgram_tts2.events import (
    AudioChunk,
    AudioEnd,
    AudioStart,
    EndReason,
    Error,
    Metric,
    SpeakEvent,
    Transport,
)

__all__ = [
    "AudioChunk",
    "AudioEnd",
    "AudioStart",
    "EndReason",
    "Error",
    "Metric",
    "SpeakEvent",
    "Transport",
]

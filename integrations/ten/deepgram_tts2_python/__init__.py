"""TEN Framework TTS2 extension for Deepgram Aura, over the ``deepgram_tts2`` library."""

from . import addon  # noqa: F401 - registers the addon with the TEN runtime

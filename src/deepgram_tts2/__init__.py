"""deepgram_tts2: streaming text-to-speech on Deepgram Aura for asyncio voice agents."""

__version__ = "0.1.0"

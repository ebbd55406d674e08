"""Opt-in checks against the real Deepgram API: run only when DEEPGRAM_API_KEY is set.

They are not part of the coverage claimed by the suite (the emulator tests are); they tell
whether the live service still behaves as the emulator does.
"""

from __future__ import annotations

import os

import pytest

from deepgram_tts2 import DeepgramTTS, TTSOptions
from deepgram_tts2.client.events import AudioChunk, AudioEnd, EndReason

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not os.environ.get("DEEPGRAM_API_KEY"), reason="set DEEPGRAM_API_KEY"),
]


async def test_live_stream_and_rest() -> None:
    async with DeepgramTTS(TTSOptions.create(sample_rate=16000)) as tts:
        audio = bytearray()
        end: AudioEnd | None = None
        async for event in tts.speak("Hello from deepgram tts2."):
            if isinstance(event, AudioChunk):
                audio += event.data
            elif isinstance(event, AudioEnd):
                end = event
        assert end is not None
        assert end.reason is EndReason.COMPLETED
        assert len(audio) > 16000  # more than half a second at 16 kHz
        assert len(await tts.synthesize("Hello.")) > 8000

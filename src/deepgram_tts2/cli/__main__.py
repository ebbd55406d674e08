"""``python -m deepgram_tts2.cli``."""

from deepgram_tts2.cli import main

main()

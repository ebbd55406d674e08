"""The streaming client: :class:`DeepgramTTS`, :class:`SpeakStream` and their events."""

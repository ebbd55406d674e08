"""Voices: real eSpeak NG speech, deterministic model mapping, soxr resampling, tone voice."""

from __future__ import annotations

import numpy as np
import pytest

from deepgram_tts2.emulator.voices import (
    EspeakVoice,
    ToneVoice,
    espeak_voice_name,
    synthesize,
    voice_for_model,
)
from deepgram_tts2.protocol.v1.models import KNOWN_MODELS


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def test_espeak_speaks_real_audio_of_plausible_length() -> None:
    samples = synthesize("Hello from the emulator.", "aura-2-thalia-en", 24000)
    assert samples.dtype == np.int16
    assert 0.8 < len(samples) / 24000 < 4.0
    assert rms(samples) > 500
    longer = synthesize(
        "Hello from the emulator. This sentence is quite a bit longer than the first one.",
        "aura-2-thalia-en",
        24000,
    )
    assert len(longer) > 2 * len(samples)


@pytest.mark.parametrize("rate", [8000, 16000, 24000, 48000])
def test_resampling_keeps_the_duration(rate: int) -> None:
    base = synthesize("Testing one two.", "aura-asteria-en", 24000)
    out = synthesize("Testing one two.", "aura-asteria-en", rate)
    assert len(out) == pytest.approx(len(base) * rate / 24000, rel=0.01)


def test_blank_text_is_silence_free_and_empty() -> None:
    assert synthesize("   ", "aura-2-thalia-en", 16000).size == 0


def test_model_mapping_is_deterministic_and_language_aware() -> None:
    assert espeak_voice_name("aura-2-javier-es").startswith("es+")
    assert espeak_voice_name("aura-2-agathe-fr").startswith("fr-fr+")
    assert espeak_voice_name("aura-2-thalia-en").startswith("en-us+")
    names = {m: espeak_voice_name(m) for m in KNOWN_MODELS}
    assert names == {m: espeak_voice_name(m) for m in KNOWN_MODELS}
    assert len(set(names.values())) > 12  # voices differ between models
    assert voice_for_model("aura-2-thalia-en") is voice_for_model("aura-2-thalia-en")


def test_every_language_speaks() -> None:
    for model in ("aura-2-javier-es", "aura-2-fabian-de", "aura-2-lars-nl", "aura-2-elio-it"):
        assert rms(synthesize("uno dos tres", model, 16000)) > 300


def test_tone_voice_is_deterministic_and_audible() -> None:
    voice = ToneVoice()
    first = voice.synthesize("Hi there")
    assert np.array_equal(first, ToneVoice().synthesize("Hi there"))
    assert len(first) == 8 * int(24000 * 0.05)
    assert rms(first) > 1000
    assert voice.synthesize("").size == 0


def test_a_voice_without_a_rate_does_not_inherit_the_previous_voices_rate() -> None:
    text = "The rate of one voice must not leak into the next one."
    default = EspeakVoice("en-us").synthesize(text)
    slow = EspeakVoice("en-us", words_per_minute=80).synthesize(text)
    after = EspeakVoice("en-us").synthesize(text)
    assert slow.size > 1.5 * default.size  # the rate took effect
    assert abs(after.size - default.size) < 0.05 * default.size  # and was not left behind

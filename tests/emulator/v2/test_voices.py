"""Flux voices map deterministically onto English eSpeak NG voices (flux §1.5)."""

from __future__ import annotations

import numpy as np
import pytest

from deepgram_tts2.emulator.v2.voices import flux_espeak_voice, render_flux, synthesize_flux
from deepgram_tts2.protocol.audio import Encoding
from deepgram_tts2.protocol.v2.audio import FluxPcmFormat
from deepgram_tts2.protocol.v2.models import VOICES


def test_every_catalog_voice_maps_to_an_english_variant_of_its_gender() -> None:
    names = {model: flux_espeak_voice(model) for model in VOICES}
    assert all(v.startswith("en") for v in names.values())
    for model, voice in VOICES.items():
        variant = names[model].split("+")[1]
        assert variant[0] == voice.gender.lower(), model
    assert names["flux-alexis-en"].startswith("en-us+")
    assert names["flux-kit-en"].startswith("en-gb-x-rp+")
    assert flux_espeak_voice("flux-alexis-en") == names["flux-alexis-en"]  # deterministic
    assert flux_espeak_voice("flux-future-en").startswith("en-us+")


def test_voices_differ_and_speak() -> None:
    fmt = FluxPcmFormat(Encoding.LINEAR16, 24000)
    a = render_flux("Hello there.", "flux-alexis-en", fmt, 1.0, "espeak")
    b = render_flux("Hello there.", "flux-bruce-en", fmt, 1.0, "espeak")
    assert a != b
    samples = np.frombuffer(a, dtype="<i2")
    assert float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) > 300


@pytest.mark.parametrize("speed", [0.5, 1.5])
def test_speed_scales_the_duration(speed: float) -> None:
    normal = synthesize_flux("Hello there.", "flux-alexis-en", 24000, 1.0, "espeak")
    scaled = synthesize_flux("Hello there.", "flux-alexis-en", 24000, speed, "espeak")
    assert len(scaled) == pytest.approx(len(normal) / speed, rel=0.01)
    tone = synthesize_flux("abc", "flux-alexis-en", 24000, speed, "tone")
    assert len(tone) == int(3 * 1200 / speed)

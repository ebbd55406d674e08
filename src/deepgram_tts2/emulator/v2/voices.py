"""Flux voices in the emulator: each ``flux-<name>-en`` speaks through an English eSpeak NG
voice chosen deterministically from the catalog's accent and gender (flux §1.5).

American -> ``en-us``, British -> ``en-gb-x-rp``, Irish and Australian -> ``en-gb-scotland``
/ ``en``, Indian, Singaporean and Filipino -> ``en-029``; the variant is a female (``f1..f5``)
or male (``m1..m7``) one picked by ``zlib.crc32`` of the model (never the salted ``hash``).
Unknown flux names use ``en-us`` and a crc32-picked variant. Rendering reuses the emulator's
:class:`~deepgram_tts2.emulator.voices.EspeakVoice` / :class:`ToneVoice` and codecs; ``speed``
scales the duration by resampling (eSpeak's rate is process-global state shared with v1).
"""

from __future__ import annotations

import functools
import zlib

import numpy as np
import soxr

from deepgram_tts2.emulator.codecs import encode_pcm
from deepgram_tts2.emulator.voices import EspeakVoice, Samples, ToneVoice, Voice
from deepgram_tts2.protocol.audio import PcmFormat
from deepgram_tts2.protocol.v2.models import VOICES

_ACCENT_LANGUAGE = {
    "American": "en-us",
    "British": "en-gb-x-rp",
    "Irish": "en-gb-scotland",
    "Australian": "en",
    "Indian": "en-029",
    "Singaporean": "en-029",
    "Filipino": "en-029",
}
_FEMALE = ("f1", "f2", "f3", "f4", "f5")
_MALE = ("m1", "m2", "m3", "m4", "m5", "m6", "m7")
TONE_CHAR_MS = 50.0


def flux_espeak_voice(model: str) -> str:
    """The eSpeak NG voice of a Flux model, e.g. ``flux-kit-en`` -> ``en-gb-x-rp+m3``."""
    voice = VOICES.get(model)
    crc = zlib.crc32(model.encode())
    variants: tuple[str, ...]
    if voice is None:
        variants = _FEMALE + _MALE
        return f"en-us+{variants[crc % len(variants)]}"
    variants = _FEMALE if voice.gender == "F" else _MALE
    return f"{_ACCENT_LANGUAGE.get(voice.accent, 'en-us')}+{variants[crc % len(variants)]}"


@functools.cache
def _voice(model: str, engine: str, speed: float) -> Voice:
    if engine == "tone":
        return ToneVoice(name=f"tone:{model}", char_ms=TONE_CHAR_MS / speed)
    return EspeakVoice(flux_espeak_voice(model))


def synthesize_flux(text: str, model: str, sample_rate: int, speed: float, engine: str) -> Samples:
    """Mono int16 samples of ``text`` in ``model``'s voice at ``sample_rate`` and ``speed``.

    The tone voice takes the speed directly (50 ms / speed per character); eSpeak output is
    resampled so that it lasts 1 / speed as long.
    """
    tone = engine == "tone"
    voice = _voice(model, "tone" if tone else "espeak", speed if tone else 1.0)
    samples = voice.synthesize(text)
    source_rate = voice.native_rate * (1.0 if tone else speed)
    if samples.size == 0 or source_rate == sample_rate:
        return samples
    resampled = soxr.resample(samples.astype(np.float32), source_rate, sample_rate)
    out: Samples = np.clip(np.rint(resampled), -32768, 32767).astype(np.int16)
    return out


@functools.lru_cache(maxsize=512)
def render_flux(text: str, model: str, fmt: PcmFormat, speed: float, engine: str) -> bytes:
    """Encoded audio of one segment (cached: load tests repeat their texts)."""
    return encode_pcm(synthesize_flux(text, model, fmt.sample_rate, speed, engine), fmt.encoding)

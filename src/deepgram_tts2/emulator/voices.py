"""Voices of the emulator: real offline speech from eSpeak NG, and a cheap tone voice.

eSpeak NG comes from the ``espeakng-loader`` wheel (library and data, no system package).
There is no maintained Python binding for *synthesis* (the loader only locates the library),
so :class:`EspeakVoice` calls the C API through ``ctypes``: ``espeak_Initialize`` in synchronous
mode, a synth callback that collects the samples, ``espeak_SetVoiceByName``, ``espeak_Synth``.
eSpeak NG keeps global state and is not thread-safe: every call holds one module-level lock
(the emulator synthesises in worker threads).

Every Aura model name maps deterministically (``zlib.crc32``, never the salted ``hash``) to a
language from its suffix and a voice variant, so the same model always sounds the same.
"""

from __future__ import annotations

import ctypes
import functools
import threading
import zlib
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt
import soxr

from deepgram_tts2.protocol.v1.models import model_language

Samples = npt.NDArray[np.int16]
VoiceEngine = Literal["espeak", "tone"]

# espeak-ng's speak_lib.h constants.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAM_RATE = 1
_DEFAULT_WPM = 175  # espeakRATE_NORMAL (eSpeak NG's speak_lib.h)

_LANGUAGES = {
    "en": "en-us",
    "es": "es",
    "de": "de",
    "nl": "nl",
    "fr": "fr-fr",
    "it": "it",
    "ja": "ja",
}
_FEMALE = ("f1", "f2", "f3", "f4", "f5")
_MALE = ("m1", "m2", "m3", "m4", "m5", "m6", "m7")
_VARIANTS = _FEMALE + _MALE

_lock = threading.Lock()


class Voice(Protocol):
    """Something that turns text into mono int16 samples at ``native_rate``."""

    name: str
    native_rate: int

    def synthesize(self, text: str) -> Samples:
        """Samples of ``text`` (empty for blank text)."""
        ...


_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Espeak:
    """The process-wide eSpeak NG library, initialised once."""

    def __init__(self) -> None:
        import espeakng_loader

        self.lib = ctypes.cdll.LoadLibrary(espeakng_loader.get_library_path())
        data = espeakng_loader.get_data_path().encode()
        self.rate = int(self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0))
        if self.rate <= 0:
            raise RuntimeError("eSpeak NG failed to initialise")
        self._chunks: list[Samples] = []
        self._callback = _Callback(self._collect)  # keep a reference: C holds the pointer
        self.lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav: ctypes._Pointer[ctypes.c_short], count: int, _events: object) -> int:
        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).astype(np.int16))
        return 0

    def speak(self, voice: str, text: str, words_per_minute: int | None) -> Samples:
        """Synthesise ``text``; the caller holds ``_lock``."""
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise ValueError(f"eSpeak NG has no voice {voice!r}")
        # The rate is process-wide state of the library: set it on every call, or a voice
        # without a rate would speak at the rate the previous voice left behind.
        self.lib.espeak_SetParameter(_PARAM_RATE, words_per_minute or _DEFAULT_WPM, 0)
        self._chunks = []
        data = text.encode("utf-8")
        buffer = ctypes.create_string_buffer(data)
        result = self.lib.espeak_Synth(
            buffer, ctypes.c_size_t(len(data) + 1), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
        )
        if result != 0:
            raise RuntimeError(f"espeak_Synth failed with {result}")
        chunks, self._chunks = self._chunks, []
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


@functools.cache
def _espeak() -> _Espeak:
    return _Espeak()


class EspeakVoice:
    """Real speech through eSpeak NG, e.g. ``EspeakVoice("en-us+f3")``."""

    def __init__(self, name: str, words_per_minute: int | None = None) -> None:
        self.name = name
        self.words_per_minute = words_per_minute
        with _lock:
            self.native_rate = _espeak().rate

    def synthesize(self, text: str) -> Samples:
        """Speech samples of ``text`` at ``native_rate`` (22050 Hz)."""
        if not text.strip():
            return np.zeros(0, dtype=np.int16)
        with _lock:
            return _espeak().speak(self.name, text, self.words_per_minute)


class ToneVoice:
    """A deterministic, cheap stand-in for speech: one short tone per character.

    Each non-space character is ``char_ms`` of a sine whose pitch depends on the character;
    whitespace is silence. Same text, same samples. For load tests.
    """

    native_rate = 24000

    def __init__(self, name: str = "tone", char_ms: float = 50.0) -> None:
        self.name = name
        self.char_ms = char_ms
        n = int(self.native_rate * char_ms / 1000)
        self._t = np.arange(n, dtype=np.float64) / self.native_rate
        self._ramp = np.minimum(1.0, np.minimum(np.arange(n), np.arange(n)[::-1]) / (n / 10))

    @functools.lru_cache(maxsize=512)  # noqa: B019 - bounded; voices live for the process
    def _segment(self, char: str) -> Samples:
        if char.isspace():
            return np.zeros(len(self._t), dtype=np.int16)
        freq = 220.0 + (zlib.crc32(char.encode()) % 600)
        wave = 8000.0 * np.sin(2 * np.pi * freq * self._t) * self._ramp
        samples: Samples = wave.astype(np.int16)  # (numpy 2.2's stubs type `wave` as Any)
        return samples

    def synthesize(self, text: str) -> Samples:
        """Tone samples of ``text`` at 24 kHz (empty for blank text)."""
        if not text.strip():
            return np.zeros(0, dtype=np.int16)
        return np.concatenate([self._segment(c) for c in text.strip()])


def espeak_voice_name(model: str) -> str:
    """The eSpeak NG voice a model maps to, e.g. ``aura-2-thalia-en`` -> ``en-us+f3``."""
    language = _LANGUAGES.get(model_language(model), "en-us")
    variant = _VARIANTS[zlib.crc32(model.encode()) % len(_VARIANTS)]
    return f"{language}+{variant}"


@functools.cache
def voice_for_model(model: str, engine: VoiceEngine = "espeak") -> Voice:
    """The (cached) voice that speaks for ``model``."""
    if engine == "tone":
        return ToneVoice(name=f"tone:{model}")
    return EspeakVoice(espeak_voice_name(model))


def synthesize(text: str, model: str, sample_rate: int, engine: VoiceEngine = "espeak") -> Samples:
    """Mono int16 samples of ``text`` spoken by ``model``'s voice at ``sample_rate``.

    Resampled with soxr (high quality) when the voice's native rate differs.
    """
    voice = voice_for_model(model, engine)
    samples = voice.synthesize(text)
    if samples.size == 0 or voice.native_rate == sample_rate:
        return samples
    resampled = soxr.resample(samples.astype(np.float32), voice.native_rate, sample_rate)
    out: Samples = np.clip(np.rint(resampled), -32768, 32767).astype(np.int16)
    return out

"""Flux audio formats: what ``/v2/speak`` allows on each transport (flux §1.3, §1.4, §5.1).

Reuses :mod:`deepgram_tts2.protocol.audio` (encodings, framing, durations, WAV) and only
states how Flux differs from Aura: linear16 adds 44100 Hz, and mp3 bit rates run 8000-48000::

    linear16  WS+REST  wav|none  8000 16000 24000* 32000 44100 48000
    mulaw     WS+REST  wav|none  8000 16000       (WS default rate: undocumented, Q-11)
    alaw      WS+REST  wav|none  8000 16000
    mp3       REST     -         fixed            bit_rate 8000..48000 in 8000 steps (48000*)
    opus      REST     ogg       fixed            bit_rate 4000..650000 (v1 range, inferred)
    flac      REST     -         8000 16000 22050 32000 48000
    aac       REST     -         fixed            bit_rate 4000..192000 (v1 range, inferred)
"""

from __future__ import annotations

from dataclasses import dataclass

from deepgram_tts2.protocol.audio import ENCODING_RULES, Container, Encoding, PcmFormat

STREAMING_ENCODINGS = (Encoding.LINEAR16, Encoding.MULAW, Encoding.ALAW)
FLUX_SAMPLE_RATES: dict[Encoding, tuple[int, ...]] = {
    Encoding.LINEAR16: (8000, 16000, 24000, 32000, 44100, 48000),
    Encoding.MULAW: (8000, 16000),
    Encoding.ALAW: (8000, 16000),
    Encoding.FLAC: ENCODING_RULES[Encoding.FLAC].sample_rates,
}
MP3_BIT_RATES = (8000, 16000, 24000, 32000, 40000, 48000)
NATIVE_SAMPLE_RATE = 24000  # "model native (24000)" (flux §1.3)


def sample_rates(encoding: Encoding) -> tuple[int, ...]:
    """Rates a client may set for ``encoding`` (empty: not settable, e.g. mp3/opus/aac)."""
    return FLUX_SAMPLE_RATES.get(encoding, ())


def default_container(encoding: Encoding) -> Container | None:
    """REST default container: wav for PCM, ogg for opus, none otherwise (flux §5.1)."""
    return ENCODING_RULES[encoding].default_container


@dataclass(frozen=True)
class FluxPcmFormat(PcmFormat):
    """A :class:`PcmFormat` validated against Flux's rates (44100 Hz linear16 is allowed).

    The shared ``PcmFormat`` checks Aura's table; everything else (widths, durations, WAV
    headers) is inherited unchanged.
    """

    def __post_init__(self) -> None:
        if not self.encoding.is_pcm:
            raise ValueError(f"{self.encoding} is not a PCM encoding")
        if self.sample_rate not in FLUX_SAMPLE_RATES[self.encoding]:
            raise ValueError(f"sample_rate {self.sample_rate} is not allowed for {self.encoding}")

    def duration_ms_floor(self, nbytes: int) -> int:
        """Whole milliseconds of ``nbytes``: ``bytes * 1000 // (rate * width)`` (flux §2.3
        SpeechMetadata: "equalled bytes / (24000 x 2) exactly")."""
        return (nbytes // self.sample_width) * 1000 // self.sample_rate

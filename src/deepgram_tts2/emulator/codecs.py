"""Audio encoders of the emulator: G.711 and PCM for the socket, compressed formats for REST.

G.711 mu-law and A-law follow ITU-T G.711 (the classic Sun reference algorithm), vectorised with
numpy. REST bodies are encoded by :class:`StreamEncoder`: PCM formats stream chunk by chunk
(with Deepgram's streaming WAV header when ``container=wav``), mp3 streams through ``lameenc``,
flac and ogg/opus go through ``soundfile`` (libsndfile) at the end of the body. aac has no
encoder on PyPI that installs everywhere: it is refused with :class:`UnsupportedEncodingError`.
"""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt

from deepgram_tts2.protocol.audio import Container, Encoding, PcmFormat, wav_header

Samples = npt.NDArray[np.int16]

_MULAW_BIAS = 0x84
_MULAW_CLIP = 32635  # 0x7F7B: 8159 once shifted to 14 bits


class UnsupportedEncodingError(ValueError):
    """The emulator cannot produce this encoding."""


def linear_to_mulaw(samples: Samples) -> bytes:
    """Encode int16 samples as G.711 mu-law bytes (0 -> 0xFF), bit-exact with the reference."""
    x14 = samples.astype(np.int32) >> 2  # the reference works on 14-bit values
    negative = x14 < 0
    magnitude = np.minimum(np.where(negative, -x14, x14), _MULAW_CLIP >> 2) + (_MULAW_BIAS >> 2)
    segment = np.clip(np.floor(np.log2(magnitude)).astype(np.int32) - 5, 0, 7)
    value = (segment << 4) | ((magnitude >> (segment + 1)) & 0x0F)
    encoded = value ^ np.where(negative, 0x7F, 0xFF)
    out: bytes = encoded.astype(np.uint8).tobytes()
    return out


def mulaw_to_linear(data: bytes) -> Samples:
    """Decode G.711 mu-law bytes to int16 samples."""
    u = ~np.frombuffer(data, dtype=np.uint8).astype(np.int32) & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = (((mantissa << 3) + _MULAW_BIAS) << exponent) - _MULAW_BIAS
    out: Samples = np.where(sign != 0, -magnitude, magnitude).astype(np.int16)
    return out


def linear_to_alaw(samples: Samples) -> bytes:
    """Encode int16 samples as G.711 A-law bytes (0 -> 0xD5)."""
    x = samples.astype(np.int32) >> 3  # A-law works on 13-bit magnitudes
    sign = np.where(x >= 0, 0x80, 0)
    magnitude = np.where(x >= 0, x, -x - 1)
    magnitude = np.minimum(magnitude, 0xFFF)
    exponent = np.where(
        magnitude < 32, 0, np.floor(np.log2(np.maximum(magnitude, 1))).astype(np.int32) - 4
    )
    mantissa = np.where(exponent == 0, magnitude >> 1, magnitude >> exponent) & 0x0F
    encoded = (sign | (exponent << 4) | mantissa) ^ 0x55
    out: bytes = encoded.astype(np.uint8).tobytes()
    return out


def alaw_to_linear(data: bytes) -> Samples:
    """Decode G.711 A-law bytes to int16 samples."""
    a = np.frombuffer(data, dtype=np.uint8).astype(np.int32) ^ 0x55
    sign = a & 0x80
    exponent = (a >> 4) & 0x07
    mantissa = a & 0x0F
    magnitude = np.where(
        exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << (exponent - 1)
    )
    out: Samples = np.where(sign != 0, magnitude, -magnitude).astype(np.int16)
    return out


def encode_pcm(samples: Samples, encoding: Encoding) -> bytes:
    """Raw bytes of ``samples`` in a PCM encoding (linear16 little-endian, mulaw, alaw)."""
    if encoding is Encoding.LINEAR16:
        return samples.astype("<i2").tobytes()
    if encoding is Encoding.MULAW:
        return linear_to_mulaw(samples)
    if encoding is Encoding.ALAW:
        return linear_to_alaw(samples)
    raise UnsupportedEncodingError(f"{encoding} is not a PCM encoding")


def decode_pcm(data: bytes, encoding: Encoding) -> Samples:
    """int16 samples of raw PCM bytes (the inverse of :func:`encode_pcm`)."""
    if encoding is Encoding.LINEAR16:
        out: Samples = np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.int16)
        return out
    if encoding is Encoding.MULAW:
        return mulaw_to_linear(data)
    if encoding is Encoding.ALAW:
        return alaw_to_linear(data)
    raise UnsupportedEncodingError(f"{encoding} is not a PCM encoding")


class StreamEncoder:
    """Encodes a REST response body incrementally: ``header()``, ``encode()``*, ``finish()``.

    Raises:
        UnsupportedEncodingError: for aac (no installable encoder).
    """

    def __init__(
        self,
        encoding: Encoding,
        container: Container | None,
        sample_rate: int,
        bit_rate: int | None = None,
    ) -> None:
        if encoding is Encoding.AAC:
            raise UnsupportedEncodingError("the emulator cannot encode aac (no encoder on PyPI)")
        self.encoding = encoding
        self.container = container
        self.sample_rate = sample_rate
        self.bit_rate = bit_rate
        self._buffer: list[Samples] = []
        self._mp3 = self._make_mp3() if encoding is Encoding.MP3 else None

    def _make_mp3(self) -> object:
        import lameenc

        encoder = lameenc.Encoder()
        encoder.set_bit_rate((self.bit_rate or 48000) // 1000)
        encoder.set_in_sample_rate(self.sample_rate)
        encoder.set_channels(1)
        encoder.set_quality(5)
        return encoder

    def header(self) -> bytes:
        """Bytes that start the body (a streaming WAV header for ``container=wav``)."""
        if self.encoding.is_pcm and self.container is Container.WAV:
            return wav_header(PcmFormat(self.encoding, self.sample_rate))
        return b""

    def encode(self, samples: Samples) -> bytes:
        """Bytes for the next samples (may be empty for formats encoded at the end)."""
        if self.encoding.is_pcm:
            return encode_pcm(samples, self.encoding)
        if self._mp3 is not None:
            return bytes(self._mp3.encode(samples.astype(np.int16).tobytes()))  # type: ignore[attr-defined]
        self._buffer.append(samples)
        return b""

    def finish(self) -> bytes:
        """The rest of the body."""
        if self.encoding.is_pcm:
            return b""
        if self._mp3 is not None:
            return bytes(self._mp3.flush())  # type: ignore[attr-defined]
        import soundfile

        samples = np.concatenate(self._buffer) if self._buffer else np.zeros(1, dtype=np.int16)
        out = io.BytesIO()
        if self.encoding is Encoding.FLAC:
            soundfile.write(out, samples, self.sample_rate, format="FLAC", subtype="PCM_16")
        else:
            soundfile.write(out, samples, self.sample_rate, format="OGG", subtype="OPUS")
        return out.getvalue()

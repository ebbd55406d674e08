"""Codecs: G.711 reference values and round trips; REST encoders produce decodable audio."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
import soundfile

from deepgram_tts2.emulator.codecs import (
    StreamEncoder,
    UnsupportedEncodingError,
    alaw_to_linear,
    decode_pcm,
    encode_pcm,
    linear_to_alaw,
    linear_to_mulaw,
    mulaw_to_linear,
)
from deepgram_tts2.protocol.audio import Container, Encoding

SINE = (8000 * np.sin(2 * np.pi * 440 * np.arange(8000) / 8000)).astype(np.int16)


def test_g711_reference_values() -> None:
    zero = np.zeros(1, dtype=np.int16)
    assert linear_to_mulaw(zero) == b"\xff"
    assert linear_to_alaw(zero) == b"\xd5"
    extremes = np.array([32767, -32768], dtype=np.int16)
    assert linear_to_mulaw(extremes) == b"\x80\x00"
    assert linear_to_alaw(extremes) == b"\xaa\x2a"
    assert mulaw_to_linear(b"\x80\x00").tolist() == [32124, -32124]
    assert alaw_to_linear(b"\xaa\x2a").tolist() == [32256, -32256]


@pytest.mark.parametrize("encoding", [Encoding.MULAW, Encoding.ALAW])
def test_g711_round_trip_error_is_small(encoding: Encoding) -> None:
    decoded = decode_pcm(encode_pcm(SINE, encoding), encoding)
    error = np.abs(decoded.astype(np.int32) - SINE.astype(np.int32))
    assert error.max() <= 256  # G.711 quantisation step at this level
    assert len(decoded) == len(SINE)


def test_linear16_is_little_endian() -> None:
    data = encode_pcm(np.array([1, -2], dtype=np.int16), Encoding.LINEAR16)
    assert data == struct.pack("<hh", 1, -2)
    assert decode_pcm(data + b"\x01", Encoding.LINEAR16).tolist() == [1, -2]


def test_wav_container_gets_the_streaming_header() -> None:
    encoder = StreamEncoder(Encoding.LINEAR16, Container.WAV, 24000)
    header = encoder.header()
    assert len(header) == 44
    assert struct.unpack("<I", header[4:8])[0] == 0x7FFF0024
    assert StreamEncoder(Encoding.MULAW, Container.NONE, 8000).header() == b""


def _body(encoder: StreamEncoder, samples: np.ndarray) -> bytes:
    half = len(samples) // 2
    return (
        encoder.header()
        + encoder.encode(samples[:half])
        + encoder.encode(samples[half:])
        + (encoder.finish())
    )


@pytest.mark.parametrize(
    ("encoding", "container", "rate", "fmt"),
    [
        (Encoding.FLAC, None, 16000, "FLAC"),
        (Encoding.OPUS, Container.OGG, 48000, "OGG"),
        (Encoding.MP3, None, 22050, "MP3"),
    ],
)
def test_compressed_bodies_decode(
    encoding: Encoding, container: Container | None, rate: int, fmt: str
) -> None:
    samples = (8000 * np.sin(2 * np.pi * 300 * np.arange(rate) / rate)).astype(np.int16)
    body = _body(StreamEncoder(encoding, container, rate, None), samples)
    assert soundfile.info(io.BytesIO(body)).format == fmt
    data, read_rate = soundfile.read(io.BytesIO(body), dtype="int16")
    assert read_rate == rate
    assert abs(len(data) - rate) < rate * 0.1
    assert np.sqrt(np.mean(data.astype(np.float64) ** 2)) > 1000


def test_aac_is_refused_clearly() -> None:
    with pytest.raises(UnsupportedEncodingError, match="aac"):
        StreamEncoder(Encoding.AAC, None, 22050)

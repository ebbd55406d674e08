"""Audio formats, sample-aligned framing and duration arithmetic."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepgram_tts2.protocol.audio import (
    Container,
    Encoding,
    PcmFormat,
    PcmFramer,
    bytes_per_sample,
    content_type,
    wav_header,
)


def test_bytes_per_sample() -> None:
    assert bytes_per_sample(Encoding.LINEAR16) == 2
    assert bytes_per_sample(Encoding.MULAW) == 1
    with pytest.raises(ValueError, match="no fixed sample size"):
        bytes_per_sample(Encoding.MP3)


def test_pcm_format_validates_rate_and_encoding() -> None:
    with pytest.raises(ValueError, match="not allowed"):
        PcmFormat(Encoding.MULAW, 24000)
    with pytest.raises(ValueError, match="not a PCM"):
        PcmFormat(Encoding.MP3, 22050)


def test_duration_arithmetic() -> None:
    fmt = PcmFormat(Encoding.LINEAR16, 24000)
    assert fmt.bytes_per_second == 48000
    assert fmt.duration_ms(48000) == 1000.0
    assert fmt.duration_ms(40680) == pytest.approx(847.5)  # spec 3.2 capture: 13 chars
    assert fmt.bytes_for_ms(20) == 960
    assert PcmFormat(Encoding.MULAW, 8000).bytes_for_ms(20) == 160


def test_streaming_wav_header_uses_deepgrams_placeholders() -> None:
    header = wav_header(PcmFormat(Encoding.LINEAR16, 24000))
    fields = struct.unpack("<4sI4s4sIHHIIHH4sI", header)
    assert fields == (
        b"RIFF",
        0x7FFF0024,
        b"WAVE",
        b"fmt ",
        16,
        1,
        1,
        24000,
        48000,
        2,
        16,
        b"data",
        0x7FFF0000,
    )
    sized = struct.unpack("<4sI4s4sIHHIIHH4sI", wav_header(PcmFormat(Encoding.MULAW, 8000), 800))
    assert (sized[1], sized[5], sized[8], sized[12]) == (836, 7, 8000, 800)


@pytest.mark.parametrize(
    ("encoding", "container", "rate", "expected"),
    [
        (Encoding.LINEAR16, Container.WAV, 24000, "audio/wav"),
        (Encoding.LINEAR16, Container.NONE, 16000, "audio/l16;rate=16000"),
        (Encoding.MULAW, Container.NONE, 8000, "audio/mulaw;rate=8000"),
        (Encoding.ALAW, Container.NONE, 8000, "audio/alaw;rate=8000"),
        (Encoding.MP3, None, 22050, "audio/mpeg"),
        (Encoding.OPUS, Container.OGG, 48000, "audio/ogg;codecs=opus"),
        (Encoding.FLAC, None, 48000, "audio/flac"),
    ],
)
def test_rest_content_types(
    encoding: Encoding, container: Container | None, rate: int, expected: str
) -> None:
    assert content_type(encoding, container, rate) == expected


def test_framer_rejoins_odd_frames() -> None:
    framer = PcmFramer(2)
    assert framer.feed(b"\x01") == b""
    assert framer.feed(b"\x02\x03") == b"\x01\x02"
    assert framer.pending == 1
    assert framer.feed(b"\x04\x05\x06") == b"\x03\x04\x05\x06"
    assert framer.flush() == b""


@given(st.lists(st.binary(max_size=50), max_size=40), st.sampled_from([1, 2]))
def test_framer_output_is_aligned_and_loses_nothing(chunks: list[bytes], width: int) -> None:
    framer = PcmFramer(width)
    out = [framer.feed(chunk) for chunk in chunks]
    assert all(len(piece) % width == 0 for piece in out)
    joined = b"".join(out)
    assert joined + framer.flush() == b"".join(chunks)
    assert len(joined) == len(b"".join(chunks)) // width * width

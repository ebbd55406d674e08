"""Audio formats of Aura: encodings, sample rates, containers, framing and duration arithmetic.

Spec section 4.1 (allowed combinations)::

    linear16  REST+WS  wav|none  8000 16000 24000* 32000 48000
    mulaw     REST+WS  wav|none  8000* 16000
    alaw      REST+WS  wav|none  8000* 16000
    mp3       REST     -         22050 fixed          bit_rate 32000 48000*
    opus      REST     ogg       48000 fixed          bit_rate 4000..650000 (12000*)
    flac      REST     -         8000 16000 22050 32000 48000
    aac       REST     -         22050 fixed          bit_rate 4000..192000 (48000*)

"linear16 = signed 16-bit little-endian PCM; mulaw/alaw = 1 byte per sample (G.711)" (aura §2.4.1).
Nothing here does I/O.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from deepgram_tts2.compat import StrEnum


class Encoding(StrEnum):
    """Every ``encoding`` query value Deepgram accepts on ``/v1/speak``."""

    LINEAR16 = "linear16"
    MULAW = "mulaw"
    ALAW = "alaw"
    MP3 = "mp3"
    OPUS = "opus"
    FLAC = "flac"
    AAC = "aac"

    @property
    def streamable(self) -> bool:
        """True for the encodings the WebSocket accepts ("Only linear16, mulaw and alaw")."""
        return self in _STREAMING

    @property
    def is_pcm(self) -> bool:
        """True for the raw sample encodings (fixed bytes per sample)."""
        return self in _STREAMING


_STREAMING = frozenset({Encoding.LINEAR16, Encoding.MULAW, Encoding.ALAW})


class Container(StrEnum):
    """The ``container`` query values."""

    NONE = "none"
    WAV = "wav"
    OGG = "ogg"


@dataclass(frozen=True)
class EncodingRules:
    """What one encoding allows (aura §4.1)."""

    sample_rates: tuple[int, ...]
    default_sample_rate: int
    containers: tuple[Container, ...]
    default_container: Container | None
    bit_rates: tuple[int, ...] | None  # explicit allowed list
    bit_rate_range: tuple[int, int] | None  # inclusive range
    default_bit_rate: int | None
    sample_rate_settable: bool
    content_type: str


ENCODING_RULES: dict[Encoding, EncodingRules] = {
    Encoding.LINEAR16: EncodingRules(
        (8000, 16000, 24000, 32000, 48000),
        24000,
        (Container.WAV, Container.NONE),
        Container.WAV,
        None,
        None,
        None,
        True,
        "audio/l16",
    ),
    Encoding.MULAW: EncodingRules(
        (8000, 16000),
        8000,
        (Container.WAV, Container.NONE),
        Container.WAV,
        None,
        None,
        None,
        True,
        "audio/mulaw",
    ),
    Encoding.ALAW: EncodingRules(
        (8000, 16000),
        8000,
        (Container.WAV, Container.NONE),
        Container.WAV,
        None,
        None,
        None,
        True,
        "audio/alaw",
    ),
    Encoding.MP3: EncodingRules(
        (22050,),
        22050,
        (),
        None,
        (32000, 48000),
        None,
        48000,
        False,
        "audio/mpeg",
    ),
    Encoding.OPUS: EncodingRules(
        (48000,),
        48000,
        (Container.OGG,),
        Container.OGG,
        None,
        (4000, 650000),
        12000,
        False,
        "audio/ogg;codecs=opus",
    ),
    Encoding.FLAC: EncodingRules(
        (8000, 16000, 22050, 32000, 48000),
        48000,
        (),
        None,
        None,
        None,
        None,
        True,
        "audio/flac",
    ),
    Encoding.AAC: EncodingRules(
        (22050,),
        22050,
        (),
        None,
        None,
        (4000, 192000),
        48000,
        False,
        "audio/aac",
    ),
}

_BYTES_PER_SAMPLE = {Encoding.LINEAR16: 2, Encoding.MULAW: 1, Encoding.ALAW: 1}


def bytes_per_sample(encoding: Encoding) -> int:
    """Bytes per mono sample of a PCM encoding.

    Raises:
        ValueError: for a compressed encoding, which has no fixed sample size.
    """
    try:
        return _BYTES_PER_SAMPLE[encoding]
    except KeyError:
        raise ValueError(f"{encoding} has no fixed sample size") from None


@dataclass(frozen=True)
class PcmFormat:
    """A raw PCM stream: encoding (linear16, mulaw or alaw) and sample rate, mono."""

    encoding: Encoding
    sample_rate: int

    def __post_init__(self) -> None:
        if not self.encoding.is_pcm:
            raise ValueError(f"{self.encoding} is not a PCM encoding")
        if self.sample_rate not in ENCODING_RULES[self.encoding].sample_rates:
            raise ValueError(f"sample_rate {self.sample_rate} is not allowed for {self.encoding}")

    @property
    def sample_width(self) -> int:
        """Bytes per sample."""
        return bytes_per_sample(self.encoding)

    @property
    def bytes_per_second(self) -> int:
        """Byte rate of the stream ("linear16 = 2 x rate bytes/s", aura §4.2)."""
        return self.sample_width * self.sample_rate

    def duration_ms(self, nbytes: int) -> float:
        """Duration in milliseconds of ``nbytes`` of audio (whole samples only count)."""
        samples = nbytes // self.sample_width
        return samples * 1000.0 / self.sample_rate

    def bytes_for_ms(self, ms: float) -> int:
        """Sample-aligned number of bytes that holds ``ms`` milliseconds of audio."""
        samples = int(self.sample_rate * ms / 1000.0)
        return samples * self.sample_width


class PcmFramer:
    """Re-joins a byte stream into whole samples.

    "Frame sizes are not documented; clients must not assume sample alignment (carry an odd
    trailing byte to the next frame)" (aura §2.4.1). ``feed`` returns the aligned prefix and keeps
    the remainder; ``flush`` returns whatever is left (a partial sample, normally empty).
    """

    __slots__ = ("_pending", "_width")

    def __init__(self, sample_width: int) -> None:
        if sample_width < 1:
            raise ValueError("sample_width must be >= 1")
        self._width = sample_width
        self._pending = b""

    @property
    def pending(self) -> int:
        """Bytes held back because they do not make a whole sample yet."""
        return len(self._pending)

    def feed(self, data: bytes) -> bytes:
        """Add ``data``; return the longest sample-aligned prefix of everything held."""
        if self._pending:
            data = self._pending + data
        elif not len(data) % self._width:
            return data  # the usual case: whole samples, nothing held back
        cut = len(data) - (len(data) % self._width)
        self._pending = data[cut:]
        return data[:cut]

    def flush(self) -> bytes:
        """Return and forget the held-back partial sample (drop it for playback)."""
        rest, self._pending = self._pending, b""
        return rest

    def reset(self) -> None:
        """Forget any held-back bytes (after an interruption)."""
        self._pending = b""


# WAV format tags: 1 PCM, 6 A-law, 7 mu-law.
_WAV_FORMAT_TAG = {Encoding.LINEAR16: 1, Encoding.ALAW: 6, Encoding.MULAW: 7}
# "RIFF size field = 0x7FFF0024 ... data size field = 0x7FFF0000 - placeholder lengths because the
# total is unknown when streaming" (aura §3.2).
STREAMING_RIFF_SIZE = 0x7FFF0024
STREAMING_DATA_SIZE = 0x7FFF0000


def wav_header(fmt: PcmFormat, data_size: int | None = None) -> bytes:
    """A canonical 44-byte WAV header for ``fmt``.

    Args:
        fmt: the PCM format.
        data_size: bytes of audio that follow; ``None`` writes Deepgram's streaming placeholders.
    """
    if data_size is None:
        riff_size, data_len = STREAMING_RIFF_SIZE, STREAMING_DATA_SIZE
    else:
        riff_size, data_len = 36 + data_size, data_size
    width = fmt.sample_width
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        riff_size,
        b"WAVE",
        b"fmt ",
        16,
        _WAV_FORMAT_TAG[fmt.encoding],
        1,
        fmt.sample_rate,
        fmt.sample_rate * width,
        width,
        width * 8,
        b"data",
        data_len,
    )


def content_type(encoding: Encoding, container: Container | None, sample_rate: int) -> str:
    """REST ``content-type`` of a response (aura §4.2)."""
    if encoding.is_pcm:
        if container == Container.WAV:
            return "audio/wav"
        return f"{ENCODING_RULES[encoding].content_type};rate={sample_rate}"
    return ENCODING_RULES[encoding].content_type

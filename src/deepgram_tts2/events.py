"""Typed events a :class:`~deepgram_tts2.client.stream.SpeakStream` yields (also importable from
:mod:`deepgram_tts2.client.events`).

Grammar per request (docs/client.md "Events")::

    AudioStart -> Metric(ttfb) -> AudioChunk* -> AudioEnd(COMPLETED)
    ... -> Error -> AudioEnd(ERROR)
    ... -> AudioEnd(INTERRUPTED)

Exactly one ``AudioEnd`` per request, always last. ``AudioStart`` and ``Metric(ttfb)`` come only
once audio exists, so a request that fails before any audio yields ``Error, AudioEnd(ERROR)``
and an empty request yields just ``AudioEnd(COMPLETED)`` with ``audio_ms == 0``. Nothing of a
request is yielded after its ``AudioEnd``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from deepgram_tts2.compat import StrEnum
from deepgram_tts2.exceptions import DeepgramTTSError
from deepgram_tts2.protocol.audio import PcmFormat
from deepgram_tts2.protocol.errors import ErrorClass


class Transport(StrEnum):
    """Which API served a request."""

    WEBSOCKET = "websocket"
    REST = "rest"
    CACHE = "cache"  # the phrase cache (docs/fleet.md): complete audio of an earlier request


class EndReason(StrEnum):
    """Why a request ended. Values match TEN's ``TTSAudioEndReason`` via :attr:`ten_code`."""

    COMPLETED = "completed"
    INTERRUPTED = "interrupted"
    ERROR = "error"

    @property
    def ten_code(self) -> int:
        """TEN's integer reason: REQUEST_END 1, INTERRUPTED 2, ERROR 3."""
        return {"completed": 1, "interrupted": 2, "error": 3}[self.value]


@dataclass(frozen=True, slots=True)
class AudioStart:
    """The first audio of the request is about to be yielded."""

    request_id: str
    transport: Transport
    format: PcmFormat


@dataclass(frozen=True, slots=True)
class Metric:
    """A per-request measurement. ``name`` is ``ttfb`` (ms, first Speak -> first audio byte)."""

    request_id: str
    name: str
    value: float


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """Sample-aligned PCM audio in the request's format."""

    request_id: str
    data: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Error:
    """A failure of the request; an ``AudioEnd(ERROR)`` follows.

    Attributes:
        error_class: AUTH, INPUT, RATE_LIMIT, TRANSIENT, INTERNAL or CANCELLED.
        fatal: True when retrying cannot help without a change of configuration (AUTH).
        code: HTTP status or close code when there was one.
        vendor_code: Deepgram's code (``err_code``, close reason id, warn code).
        exception: the library exception (from :mod:`deepgram_tts2.exceptions`).
    """

    request_id: str
    error_class: ErrorClass
    message: str
    fatal: bool
    code: int | None
    vendor_code: str | None
    deepgram_request_id: str | None
    exception: DeepgramTTSError = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class AudioEnd:
    """The request is over. Always the last event of a request.

    Attributes:
        audio_ms: duration of the audio actually yielded.
        interval_ms: wall time from the first audio chunk to this event (0 without audio).
        audio_bytes: bytes of audio actually yielded.
        text_spoken / text_remaining: on Flux (``/v2/speak``), for an interrupted turn whose
            ``SpeechInterrupted`` arrived: the part of the turn's text the listener heard up to
            the played position, and the rest (flux §2.3). None otherwise.
        billable_characters: on Flux, what the turn was billed (``SpeechMetadata``).
    """

    request_id: str
    reason: EndReason
    audio_ms: float
    interval_ms: float
    audio_bytes: int
    transport: Transport | None
    text_spoken: str | None = None
    text_remaining: str | None = None
    billable_characters: int | None = None


SpeakEvent = AudioStart | Metric | AudioChunk | Error | AudioEnd

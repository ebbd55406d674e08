"""Sans-I/O Aura protocol, shared by the client and the emulator.

Modules: :mod:`.messages` (wire messages, total parsers), :mod:`.errors` (close codes, reason
ids, classification), :mod:`.url` (query parameters), :mod:`.rest` (REST shapes),
:mod:`.audio` (encodings, framing, durations, WAV), :mod:`.limits` (per-connection budgets),
:mod:`.segmenter` (text -> Speak/Flush plan), :mod:`.session` (client and server session rules
as transition tables), :mod:`.models` (voice ids).

Nothing in this package imports asyncio, websockets, httpx or aiohttp, reads a clock or does
I/O; ``tests/protocol/test_sans_io.py`` enforces it.
"""

from deepgram_tts2.protocol.audio import Container, Encoding, PcmFormat, PcmFramer
from deepgram_tts2.protocol.errors import CloseReason, ErrorClass
from deepgram_tts2.protocol.v1.messages import (
    Audio,
    Clear,
    Cleared,
    Close,
    ErrorMessage,
    Flush,
    Flushed,
    Metadata,
    ProtocolViolation,
    Speak,
    UnknownMessage,
    WarningMessage,
    WarningShape,
    parse_client,
    parse_server,
    serialize_client,
    serialize_server,
)
from deepgram_tts2.protocol.v1.url import Api, QueryError, SpeakParams

__all__ = [
    "Api",
    "Audio",
    "Clear",
    "Cleared",
    "Close",
    "CloseReason",
    "Container",
    "Encoding",
    "ErrorClass",
    "ErrorMessage",
    "Flush",
    "Flushed",
    "Metadata",
    "PcmFormat",
    "PcmFramer",
    "ProtocolViolation",
    "QueryError",
    "Speak",
    "SpeakParams",
    "UnknownMessage",
    "WarningMessage",
    "WarningShape",
    "parse_client",
    "parse_server",
    "serialize_client",
    "serialize_server",
]

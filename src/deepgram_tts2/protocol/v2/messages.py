"""Every ``/v2/speak`` WebSocket message as a frozen dataclass, with total parsers and serializers.

Client -> server (flux §2.2, complete set): ``Speak{text}``, ``Flush``, ``Interrupt`` with an
optional ``playback_offset{type:"time_ms", value}``, ``Configure{speed?}``, ``Close``.
Server -> client (flux §2.3): binary audio, ``Connected``, ``SpeechStarted``, ``Flushed``,
``SpeechMetadata``, ``SpeechInterrupted``, ``ConfigureSuccess``, ``ConfigureFailure``,
``SessionMetadata``, ``Warning``, ``Error``; unknown types are tolerated.

Parsers and serializers live in :mod:`.wire`; they never raise. Client frames are parsed
strictly, as Deepgram does ("unknown fields are rejected", flux §2.1): a violation carries
``MESSAGE-0000``, and an unknown ``type`` (``KeepAlive``, ``Clear``, ``Finalize`` ...)
``DATA-0000``. Server frames are parsed leniently: extra fields are ignored and older shapes
(EA ``controls_applied`` without ``breaks_applied``) are accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from deepgram_tts2.protocol.v2.codes import ErrorCode, WarningCode

# ---------------------------------------------------------------------------------------------
# Client -> server


@dataclass(frozen=True, slots=True)
class Speak:
    """Append ``text`` verbatim to the open turn, or open a new one (flux §2.2, §3.9)."""

    text: str


@dataclass(frozen=True, slots=True)
class Flush:
    """Close the open turn: no more text comes for it (flux §3.4)."""


@dataclass(frozen=True, slots=True)
class Interrupt:
    """Cancel the active turn. ``playback_offset_ms``: session audio the client played (flux §3.5).

    ``None`` sends a bare ``{"type":"Interrupt"}``; then ``SpeechInterrupted`` has no text split.
    """

    playback_offset_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Configure:
    """Change the speed from the next segment on (flux §2.2, §3.6); ``None`` changes nothing."""

    speed: float | None = None


@dataclass(frozen=True, slots=True)
class Close:
    """Finish every queued turn, then ``SessionMetadata`` and the close (flux §2.2)."""


ClientMessage = Speak | Flush | Interrupt | Configure | Close

# ---------------------------------------------------------------------------------------------
# Server -> client


@dataclass(frozen=True, slots=True)
class Audio:
    """A binary frame of raw audio of the active turn (not labelled with a speech id)."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Connected:
    """First message after the upgrade (flux §2.3). ``model_name`` is ``alexis`` on the wire."""

    request_id: str
    model_name: str = ""
    model_version: str = ""
    model_uuids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """A turn became active; ``speech_id`` is ``dg_sp_`` + 12 lowercase hex digits."""

    speech_id: str


@dataclass(frozen=True, slots=True)
class Flushed:
    """A flush of turn ``speech_id`` was acknowledged. Not the end of the turn (flux §3.7)."""

    speech_id: str


@dataclass(frozen=True, slots=True)
class ControlsApplied:
    """Inline controls acted on in a turn. ``breaks_applied`` is absent (None) in EA frames."""

    pronunciations_applied: int = 0
    breaks_applied: int | None = 0
    pronunciation_warnings: int = 0


@dataclass(frozen=True, slots=True)
class TurnMetadata:
    """Billing and timing of one turn (the body of ``SpeechMetadata``)."""

    speech_id: str
    audio_duration_ms: int
    input_character_count: int
    billable_character_count: int
    controls_applied: ControlsApplied | None = ControlsApplied()


@dataclass(frozen=True, slots=True)
class SpeechMetadata:
    """End of a normally completed turn."""

    metadata: TurnMetadata

    @property
    def speech_id(self) -> str:
        """The turn's id."""
        return self.metadata.speech_id


@dataclass(frozen=True, slots=True)
class SpeechInterrupted:
    """End of an interrupted turn; replaces ``SpeechMetadata`` (flux §2.3).

    ``audio_played_ms`` is session-relative: the echoed ``playback_offset`` or the server's
    generated total. ``text_spoken``/``text_remaining`` are None without an offset.
    """

    audio_played_ms: int
    metadata: TurnMetadata
    text_spoken: str | None = None
    text_remaining: str | None = None

    @property
    def speech_id(self) -> str:
        """The turn's id (inside ``metadata`` on the wire)."""
        return self.metadata.speech_id


@dataclass(frozen=True, slots=True)
class ConfigureSuccess:
    """A Configure was validated. ``speed`` is None until speed was set on the session."""

    speed: float | None = None


@dataclass(frozen=True, slots=True)
class ConfigureFailure:
    """A Configure was refused; the prior configuration stays (flux §2.3)."""

    code: str
    description: str
    field: str | None = None
    value: float | None = None


@dataclass(frozen=True, slots=True)
class SessionMetadata:
    """Session totals; the last message before the close that follows ``Close``."""

    total_audio_duration_ms: int
    total_input_character_count: int
    total_billable_character_count: int


@dataclass(frozen=True, slots=True)
class WarningMessage:
    """Non-fatal; the socket stays open. ``code`` e.g. ``NO_ACTIVE_SPEECH``."""

    code: str
    description: str


@dataclass(frozen=True, slots=True)
class ErrorMessage:
    """Fatal; always followed by a WebSocket close."""

    code: str
    description: str


@dataclass(frozen=True, slots=True)
class UnknownMessage:
    """A JSON message of a type this library does not know; to be logged and skipped."""

    type: str
    raw: dict[str, Any] = field(hash=False, compare=False)


ServerControl = (
    Connected
    | SpeechStarted
    | Flushed
    | SpeechMetadata
    | SpeechInterrupted
    | ConfigureSuccess
    | ConfigureFailure
    | SessionMetadata
    | WarningMessage
    | ErrorMessage
)
ServerMessage = Audio | ServerControl | UnknownMessage


@dataclass(frozen=True, slots=True)
class ProtocolViolation:
    """Input the parser could not accept; ``code`` is the ``Error`` Deepgram sends for it."""

    code: ErrorCode
    detail: str


def warning(code: str, description: str | None = None) -> WarningMessage:
    """A ``Warning`` with the server's wording for a known code."""
    if description is None:
        try:
            description = WarningCode(code).description
        except ValueError:
            description = code
    return WarningMessage(code, description)


def error(code: ErrorCode, description: str | None = None) -> ErrorMessage:
    """An ``Error`` with the server's wording unless ``description`` is given."""
    return ErrorMessage(code.value, description or code.description)

"""Configuration of the emulator and the schema of fault plans.

A fault plan is JSON, given at start (``dgtts serve --faults plan.json``) or at runtime
(``POST /_emulator/faults`` with the same JSON; ``DELETE /_emulator/faults`` clears)::

    {"faults": [
        {"kind": "reject_handshake", "status": 429, "retry_after_s": 2, "connections": 1},
        {"kind": "close", "code": 1011, "reason": "NET-0000", "after_audio_bytes": 4800},
        {"kind": "stall", "after_audio_bytes": 0, "duration_ms": 5000}
    ]}

Every fault has ``kind``, ``connections`` (apply to the next N connections that match it, then it
is spent; ``null`` = every connection) and ``api`` (``websocket``, ``rest`` or ``any``). The kinds
and their own fields are the classes below; docs/emulator.md lists them with examples.

The switches for Deepgram's undocumented behaviour (aura §10) are fields of
:class:`EmulatorConfig`; those in :data:`RUNTIME_FIELDS` can also be changed while the emulator
runs (``Emulator.configure`` or ``POST /_emulator/config``), for connections opened afterwards.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from deepgram_tts2.compat import StrEnum
from deepgram_tts2.emulator.v2.options import EmulatorV2Options
from deepgram_tts2.protocol.v1.messages import WarningShape
from deepgram_tts2.protocol.v1.server_session import (
    ClearId,
    CloseDrain,
    EmptyFlush,
    SynthesisStart,
)


class _Fault(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    connections: int | None = Field(default=None, ge=1)
    api: Literal["websocket", "rest", "any"] = "any"


class RejectHandshake(_Fault):
    """Answer the upgrade (or REST request) with an HTTP error, Deepgram-shaped."""

    kind: Literal["reject_handshake"]
    status: Literal[400, 401, 402, 403, 429, 500, 502, 503]
    retry_after_s: float | None = Field(default=None, ge=0)
    err_code: str | None = None
    err_msg: str | None = None


class DelayHandshake(_Fault):
    """Wait before answering the upgrade / REST request."""

    kind: Literal["delay_handshake"]
    delay_ms: int = Field(ge=0)


class _Trigger(_Fault):
    """When a mid-session fault fires: after N bytes of audio sent, or T ms after connect.

    With neither set, it fires at the first audio the session would send (after_audio_bytes=0).
    """

    after_audio_bytes: int | None = Field(default=None, ge=0)
    after_ms: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_trigger(self) -> _Trigger:
        if self.after_audio_bytes is not None and self.after_ms is not None:
            raise ValueError("give after_audio_bytes or after_ms, not both")
        return self


class CloseConnection(_Trigger):
    """Close the socket with ``code`` and ``reason`` (``code`` 1006 = drop TCP, no close frame).

    For REST, the response body is cut short (the connection is aborted).
    """

    kind: Literal["close"]
    code: int = Field(default=1011, ge=1000, le=4999)
    reason: str = "NET-0000"


class Stall(_Trigger):
    """Stop sending anything (audio and control) for ``duration_ms``; keep the socket open."""

    kind: Literal["stall"]
    duration_ms: int = Field(ge=0)


class DropFlushed(_Fault):
    """Never send ``Flushed`` (audio still flows)."""

    kind: Literal["drop_flushed"]


class DropCleared(_Fault):
    """Never send ``Cleared``."""

    kind: Literal["drop_cleared"]


class LateFlushedAfterClear(_Fault):
    """On Clear, still send ``Flushed`` for the cancelled flushes, after ``Cleared``."""

    kind: Literal["late_flushed_after_clear"]


class SendError(_Trigger):
    """Send an (undocumented) JSON ``Error`` message ``{"type":"Error","err_code","err_msg"}``."""

    kind: Literal["send_error"]
    err_code: str = "INTERNAL_ERROR"
    err_msg: str = "Emulated error"
    then_close: bool = False


class SendWarning(_Trigger):
    """Send a ``Warning``; ``shape`` overrides the server's default field names."""

    kind: Literal["send_warning"]
    code: str = "EMULATED_WARNING"
    message: str = "Emulated warning"
    shape: WarningShape | None = None


class MalformedJson(_Trigger):
    """Send a text frame that is not valid JSON."""

    kind: Literal["malformed_json"]
    payload: str = '{"type": "Flushed", "sequence_id": '


class OddFrames(_Fault):
    """Split audio into frames of odd byte lengths (not sample aligned)."""

    kind: Literal["odd_frames"]
    frame_bytes: int = Field(default=333, ge=1)


class SlowDrip(_Fault):
    """Send audio in tiny frames with a pause between them."""

    kind: Literal["slow_drip"]
    frame_bytes: int = Field(default=64, ge=1)
    interval_ms: int = Field(default=20, ge=0)


Fault = Annotated[
    RejectHandshake
    | DelayHandshake
    | CloseConnection
    | Stall
    | DropFlushed
    | DropCleared
    | LateFlushedAfterClear
    | SendError
    | SendWarning
    | MalformedJson
    | OddFrames
    | SlowDrip,
    Field(discriminator="kind"),
]


class FaultPlan(BaseModel):
    """A list of faults; see the module docstring."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    faults: tuple[Fault, ...] = ()


class Pacing(BaseModel):
    """How fast the emulator answers, like a real service.

    Defaults approximate Deepgram (aura §2.5.2: warm WS time-to-first-audio ~0.24 s; audio
    faster than real time). ``Pacing.instant()`` removes every delay for tests.

    Attributes:
        first_audio_ms: delay from a Flush to its first audio frame.
        per_char_ms: extra first-audio delay per character of the flushed text.
        chunk_ms: duration of audio in each binary frame.
        realtime_factor: audio seconds sent per wall second (e.g. 4.0 = 4x real time);
            0 sends as fast as possible.
        rest_first_byte_ms: REST delay before the first body byte (spec: ~0.6 s fresh).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    first_audio_ms: float = Field(default=200.0, ge=0)
    per_char_ms: float = Field(default=0.4, ge=0)
    chunk_ms: float = Field(default=40.0, gt=0)
    realtime_factor: float = Field(default=4.0, ge=0)
    rest_first_byte_ms: float = Field(default=300.0, ge=0)

    @classmethod
    def instant(cls) -> Pacing:
        """No delays: for tests."""
        return cls(first_audio_ms=0, per_char_ms=0, realtime_factor=0, rest_first_byte_ms=0)


class MetadataTiming(StrEnum):
    """When ``Metadata`` is sent (aura §2.4.2: "sent immediately after completing the WebSocket
    handshake"; §9 item 10 lists "late Metadata" as worth emulating).

    ``first`` (default): right after the upgrade. ``after_audio``: right after the session's
    first audio frame (a session that never sends audio never sends it).
    """

    FIRST = "first"
    AFTER_AUDIO = "after_audio"


DEFAULT_RENDER_CACHE_BYTES = 64 * 1024 * 1024

# Fields that Emulator.configure / POST /_emulator/config may change at runtime: behaviour and
# pacing. Listening, keys and limits are fixed at start.
RUNTIME_FIELDS = frozenset(
    {
        "pacing",
        "warning_shape",
        "prose_close_reasons",
        "close_drain",
        "clear_id",
        "empty_flush",
        "flushed_delay_ms",
        "metadata",
        "frame_bytes",
        "synthesis_start",
        "synthesis_start_chars",
        "permessage_deflate",
        "flux",
    }
)


class EmulatorConfig(BaseModel):
    """Everything the emulator can be told (docs/emulator.md has the table with defaults).

    Attributes:
        api_keys: accepted keys; empty = accept any non-empty key. Every key named in
            ``projects`` is added to them.
        voice_engine: ``espeak`` (real speech) or ``tone`` (cheap, deterministic, for load).
        max_concurrent_ws / max_concurrent_rest: per key; past it the handshake gets 429
            (aura §2.6: defaults 45 and 15).
        projects: project name -> its keys. Deepgram's concurrency limits are per project,
            "not per key" (aura §2.6); a key named in no project is a project of its own.
        project_max_concurrent_ws / project_max_concurrent_rest: the limit shared by all keys
            of one project, separately for streaming and REST (aura §2.6 lists them apart);
            ``None`` = the per-key number.
        warning_shape: field names of ``Warning`` (default the live ``warn_code``/``warn_msg``).
        prose_close_reasons: close reasons as prose plus link instead of the bare id.
        lifetime_s / idle_timeout_s: close 1011 NET-0003 / NET-0001 (idle off by default).
        close_drain: what Close does with pending work (aura §2.5.4).
        clear_id / empty_flush / synthesis_start / synthesis_start_chars: see
            :class:`ClearId`, :class:`EmptyFlush`, :class:`SynthesisStart` (aura §10).
        flushed_delay_ms: ``Flushed`` this long after the last audio of its flush (the next
            flush's audio waits for it: the stream stays in order).
        metadata: when ``Metadata`` is sent (:class:`MetadataTiming`).
        frame_bytes: every WebSocket audio frame this many bytes (1 = the framing extreme);
            ``None`` = ``pacing.chunk_ms`` of audio. A connection's ``odd_frames`` or
            ``slow_drip`` fault overrides it.
        permessage_deflate: accept a client's permessage-deflate offer (RFC 7692); whether
            Deepgram does is undocumented. False: answer without the extension.
        header_timeout_s: a connection must complete its request headers within this many
            seconds of connecting, and a REST body within this many seconds of its headers,
            else it is closed (slowloris guard).
        max_pending_connections: connections allowed to wait for their headers at once; past
            it the oldest waiting one is closed.
        render_cache_bytes: bound on the bytes of rendered audio kept for reuse (0 = none).
        max_buffer_chars: bound on buffered unflushed text per session (memory bound).
        max_outbound_frames: bound on queued outbound frames per session.
        require_known_model: reject model ids outside the published list with 400.
        flux: the options of ``/v2/speak`` (:class:`~.v2.options.EmulatorV2Options`: one field
            per behaviour the Flux docs leave open).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8787, ge=0, le=65535)
    api_keys: tuple[str, ...] = Field(default=(), repr=False)  # keys stay out of reprs
    voice_engine: Literal["espeak", "tone"] = "espeak"
    pacing: Pacing = Pacing()
    max_concurrent_ws: int = Field(default=45, ge=1)
    max_concurrent_rest: int = Field(default=15, ge=1)
    projects: dict[str, tuple[str, ...]] = Field(default_factory=dict, repr=False)
    project_max_concurrent_ws: int | None = Field(default=None, ge=1)
    project_max_concurrent_rest: int | None = Field(default=None, ge=1)
    warning_shape: WarningShape = WarningShape.LIVE
    prose_close_reasons: bool = False
    max_speak_chars: int = Field(default=2000, ge=1)
    chars_per_window: int = Field(default=2400, ge=1)
    flushes_per_window: int = Field(default=20, ge=1)
    window_s: float = Field(default=60.0, gt=0)
    lifetime_s: float = Field(default=3600.0, gt=0)
    idle_timeout_s: float | None = Field(default=None, gt=0)
    close_drain: CloseDrain = CloseDrain.FLUSHED
    clear_id: ClearId = ClearId.LAST_FLUSH
    empty_flush: EmptyFlush = EmptyFlush.ACKED
    synthesis_start: SynthesisStart = SynthesisStart.FLUSH
    synthesis_start_chars: int = Field(default=100, ge=1)
    flushed_delay_ms: float = Field(default=0.0, ge=0)
    metadata: MetadataTiming = MetadataTiming.FIRST
    frame_bytes: int | None = Field(default=None, ge=1)
    permessage_deflate: bool = True
    header_timeout_s: float = Field(default=10.0, gt=0)
    max_pending_connections: int = Field(default=256, ge=1)
    render_cache_bytes: int = Field(default=DEFAULT_RENDER_CACHE_BYTES, ge=0)
    rest_max_chars: int = Field(default=2000, ge=1)
    max_buffer_chars: int = Field(default=100_000, ge=1)
    max_outbound_frames: int = Field(default=256, ge=1)
    require_known_model: bool = True
    model_version: str = "2024-11-19.0"
    flux: EmulatorV2Options = EmulatorV2Options()
    faults: FaultPlan = FaultPlan()

    @model_validator(mode="before")
    @classmethod
    def _project_keys_are_accepted(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not data.get("projects"):
            return data
        projects = data["projects"]
        named = [key for keys in dict(projects).values() for key in keys]
        if len(named) != len(set(named)):
            raise ValueError("a key may belong to one project only")
        if any(not key for key in named) or any(not name for name in projects):
            raise ValueError("project names and keys must not be empty")
        merged = tuple(dict.fromkeys([*data.get("api_keys", ()), *named]))
        return {**data, "api_keys": merged}

    def project_of(self, key: str) -> str | None:
        """The project ``key`` belongs to, or None when it is a project of its own."""
        for name, keys in self.projects.items():
            if key in keys:
                return name
        return None

    def accepts(self, key: str | None) -> bool:
        """True when ``key`` may authenticate (any non-empty key when ``api_keys`` is empty)."""
        if not key:
            return False
        return not self.api_keys or key in self.api_keys

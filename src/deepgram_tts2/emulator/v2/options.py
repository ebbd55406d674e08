"""Options of the emulator's ``/v2/speak``: one field per behaviour Deepgram leaves open.

Each default is the spec's recommendation (flux §8 "Emulator notes", §10 open questions) or,
where the spec recommends nothing, its best-supported reading; docs/flux.md has the table.
They are ``EmulatorConfig.flux``: ``dgtts serve --flux-option NAME=VALUE``, or at runtime
``Emulator.configure(flux=...)`` / ``POST /_emulator/config {"flux": {...}}``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from deepgram_tts2.protocol.v2.codes import CloseScheme
from deepgram_tts2.protocol.v2.controls import CharUnit
from deepgram_tts2.protocol.v2.server_session import (
    IDLE_TIMEOUT_S,
    LIFETIME_S,
    AfterClose,
    BinaryFrames,
    CloseUnflushed,
    ConfigureTiming,
    EmptySpeak,
    FlushedPlacement,
    FlushWithoutTurn,
    PendingOnInterrupt,
)
from deepgram_tts2.protocol.v2.url import LEGACY_SPEED_RANGE, SPEED_RANGE


class EmulatorV2Options(BaseModel):
    """Everything the emulator's Flux endpoint can be told (see docs/flux.md).

    Attributes:
        connected_model_name: ``voice`` sends the bare voice (``alexis``, wire) in
            ``Connected.model_name``; ``model`` the requested string (docs) (Q-15).
        duplicate_model_uuid: ``model_uuids`` lists the same uuid twice, as on the wire.
        flushed_placement / pending_on_interrupt / close_unflushed / flush_without_turn /
            empty_speak / after_close / binary_frames / configure_timing: the readings of
            Q-2, Q-1, Q-3, Q-7, Q-7, Q-7, flux §2.1 and Q-9 (``protocol/v2/server_session``).
        billable_zero: the staging bug, ``billable_character_count`` always 0 (Q-8).
        rebase_input_on_interrupt: the input total counts an interrupted turn's synthesised
            characters only (wire; docs mention only the duration rebase) (Q-8).
        char_unit: what a character is in every count (Q-10).
        close_scheme: close code after an ``Error`` (Q-4).
        speed_range: ``wide`` 0.5-1.5 (since 2026-08-31) or ``legacy`` 0.85-1.15.
        g711_default_sample_rate: the socket rate for mulaw/alaw without ``sample_rate``;
            None refuses such a connection with 400 (Q-11).
        interrupt_latency_ms: time Deepgram takes to process an Interrupt; another Interrupt
            meanwhile gets INTERRUPT_IN_PROGRESS.
        interrupt_tail_frames: audio frames of the interrupted turn already "in flight" that
            still go out after the Interrupt arrived (flux §3.5 item 2: clients must drop them).
        max_message_bytes: a client frame larger than this -> ``Error BIG-0000`` (Q-6).
        rest_lenient_body: REST also takes ``text/plain`` and extra JSON fields (as v1).
        rest_max_chars: REST text limit (None: only the 2 MB body limit) (Q-6).
        max_concurrent_ws / max_concurrent_rest: per key on v2 (None: the v1 limits of
            ``EmulatorConfig``; the v1 and v2 counters are separate).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    connected_model_name: Literal["voice", "model"] = "voice"
    duplicate_model_uuid: bool = True
    model_version: str = "2026-08-11.0"
    require_known_model: bool = True
    flushed_placement: FlushedPlacement = FlushedPlacement.EARLY
    pending_on_interrupt: PendingOnInterrupt = PendingOnInterrupt.KEEP
    close_unflushed: CloseUnflushed = CloseUnflushed.COMPLETE
    flush_without_turn: FlushWithoutTurn = FlushWithoutTurn.WARN
    empty_speak: EmptySpeak = EmptySpeak.OPEN_TURN
    after_close: AfterClose = AfterClose.IGNORE
    binary_frames: BinaryFrames = BinaryFrames.ERROR
    configure_timing: ConfigureTiming = ConfigureTiming.SEGMENT
    billable_zero: bool = False
    rebase_input_on_interrupt: bool = True
    char_unit: CharUnit = CharUnit.CODE_POINTS
    close_scheme: CloseScheme = CloseScheme.V1
    speed_range: Literal["wide", "legacy"] = "wide"
    runtime_speed_supported: bool = True
    g711_default_sample_rate: Literal[8000, 16000] | None = 8000
    idle_timeout_s: float | None = Field(default=IDLE_TIMEOUT_S, gt=0)
    lifetime_s: float = Field(default=LIFETIME_S, gt=0)
    interrupt_latency_ms: float = Field(default=0.0, ge=0)
    interrupt_tail_frames: int = Field(default=1, ge=0)
    max_segment_chars: int = Field(default=250, ge=10)
    max_message_bytes: int = Field(default=65536, ge=64)
    rest_lenient_body: bool = False
    rest_max_chars: int | None = Field(default=2000, ge=1)
    max_concurrent_ws: int | None = Field(default=None, ge=1)
    max_concurrent_rest: int | None = Field(default=None, ge=1)

    @property
    def speed_bounds(self) -> tuple[float, float]:
        """The accepted speed range."""
        return SPEED_RANGE if self.speed_range == "wide" else LEGACY_SPEED_RANGE

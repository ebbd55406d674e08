"""The options of ``dgtts serve`` and the :class:`EmulatorConfig` they build (docs/emulator.md)."""

from __future__ import annotations

import argparse
import json

from deepgram_tts2.emulator.config import EmulatorConfig, FaultPlan, MetadataTiming, Pacing
from deepgram_tts2.emulator.v2.options import EmulatorV2Options
from deepgram_tts2.protocol.v1.messages import WarningShape
from deepgram_tts2.protocol.v1.server_session import (
    ClearId,
    CloseDrain,
    EmptyFlush,
    SynthesisStart,
)

_MIB = 1024 * 1024


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """Add every emulator option to ``parser`` (defaults from :class:`EmulatorConfig`)."""
    _add_basics(parser)
    _add_pacing(parser)
    _add_limits(parser)
    _add_switches(parser)


def _add_basics(parser: argparse.ArgumentParser) -> None:
    d = EmulatorConfig()
    add = parser.add_argument
    add("--host", default=d.host, help=f"address to bind ({d.host})")
    add("--port", type=int, default=d.port, help=f"port ({d.port}; 0 = any free port)")
    add(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY",
        help="accepted key (repeatable; none given = any non-empty key)",
    )
    add("--voice-engine", choices=["espeak", "tone"], default=d.voice_engine)
    add("--faults", metavar="PLAN.json", help="fault plan applied from the start")
    add(
        "--render-cache-mb",
        type=float,
        default=d.render_cache_bytes / _MIB,
        help=f"bound on cached rendered audio in MiB ({d.render_cache_bytes // _MIB}; 0 = none)",
    )
    add(
        "--metrics-port",
        type=int,
        default=None,
        help="also serve /metrics, /healthz, /readyz on this port (the emulator's own metrics "
        "are always at /metrics on the main port)",
    )


def _add_pacing(parser: argparse.ArgumentParser) -> None:
    p = Pacing()
    add = parser.add_argument
    add("--instant", action="store_true", help="no pacing delays at all")
    add("--first-audio-ms", type=float, default=p.first_audio_ms)
    add("--per-char-ms", type=float, default=p.per_char_ms)
    add("--chunk-ms", type=float, default=p.chunk_ms)
    add(
        "--realtime-factor",
        type=float,
        default=p.realtime_factor,
        help="audio seconds per wall second (0 = as fast as possible)",
    )
    add("--rest-first-byte-ms", type=float, default=p.rest_first_byte_ms)


def _add_limits(parser: argparse.ArgumentParser) -> None:
    d = EmulatorConfig()
    add = parser.add_argument
    add("--lifetime-s", type=float, default=d.lifetime_s)
    add("--idle-timeout-s", type=float, default=None)
    add("--max-concurrent-ws", type=int, default=d.max_concurrent_ws, help="per key")
    add("--max-concurrent-rest", type=int, default=d.max_concurrent_rest, help="per key")
    add(
        "--project",
        action="append",
        default=[],
        metavar="NAME=KEY1,KEY2",
        help="keys sharing one project's concurrency limit (repeatable; its keys are accepted)",
    )
    add("--project-max-concurrent-ws", type=int, default=None, help="per project (per-key value)")
    add("--project-max-concurrent-rest", type=int, default=None, help="per project")
    add("--flushes-per-window", type=int, default=d.flushes_per_window)
    add("--chars-per-window", type=int, default=d.chars_per_window)
    add(
        "--header-timeout-s",
        type=float,
        default=d.header_timeout_s,
        help=f"close connections whose request headers (or REST body) take longer "
        f"({d.header_timeout_s:g})",
    )
    add(
        "--max-pending-connections",
        type=int,
        default=d.max_pending_connections,
        help=f"connections that may wait for their headers at once ({d.max_pending_connections})",
    )


def _add_switches(parser: argparse.ArgumentParser) -> None:
    d = EmulatorConfig()
    add = parser.add_argument
    add("--warning-shape", choices=[s.value for s in WarningShape], default=d.warning_shape.value)
    add("--prose-close-reasons", action="store_true")
    add("--close-drain", choices=[c.value for c in CloseDrain], default=d.close_drain.value)
    add("--clear-id", choices=[c.value for c in ClearId], default=d.clear_id.value)
    add("--empty-flush", choices=[c.value for c in EmptyFlush], default=d.empty_flush.value)
    add("--flushed-delay-ms", type=float, default=d.flushed_delay_ms)
    add("--metadata", choices=[m.value for m in MetadataTiming], default=d.metadata.value)
    add("--frame-bytes", type=int, default=None, help="every audio frame this size (1 = extreme)")
    add(
        "--synthesis-start",
        choices=[s.value for s in SynthesisStart],
        default=d.synthesis_start.value,
    )
    add("--synthesis-start-chars", type=int, default=d.synthesis_start_chars)
    add("--permessage-deflate", choices=["on", "off"], default="on")
    add(
        "--flux-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an option of /v2/speak (docs/flux.md table; VALUE as JSON or a bare string)",
    )


def parse_projects(specs: list[str]) -> dict[str, tuple[str, ...]]:
    """``["NAME=K1,K2", ...]`` -> ``{"NAME": ("K1", "K2")}``.

    Raises:
        ValueError: for a spec without ``=``, an empty name or key, or a repeated name.
    """
    projects: dict[str, tuple[str, ...]] = {}
    for spec in specs:
        name, sep, keys = spec.partition("=")
        members = tuple(k.strip() for k in keys.split(","))
        if not sep or not name.strip() or not all(members):
            raise ValueError("--project wants NAME=KEY1,KEY2 (no empty name or key)")
        if name.strip() in projects:
            raise ValueError(f"--project {name.strip()} given twice")
        projects[name.strip()] = members
    return projects


def parse_flux_options(specs: list[str]) -> EmulatorV2Options:
    """``["close_scheme=v2", "interrupt_tail_frames=3"]`` -> the ``/v2/speak`` options.

    A VALUE that parses as JSON is taken as such (``3``, ``null``, ``true``), otherwise as the
    string it is (``v2``).

    Raises:
        ValueError: for a spec without ``=``, a name given twice, or a bad name or value
            (``pydantic.ValidationError`` is a ``ValueError``).
    """
    fields: dict[str, object] = {}
    for spec in specs:
        name, sep, raw = spec.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError("--flux-option wants NAME=VALUE")
        if name in fields:
            raise ValueError(f"--flux-option {name} given twice")
        try:
            fields[name] = json.loads(raw)
        except ValueError:
            fields[name] = raw
    return EmulatorV2Options.model_validate(fields)


def config_from_args(ns: argparse.Namespace) -> EmulatorConfig:
    """Build the configuration from parsed ``dgtts serve`` arguments.

    Raises:
        ValueError / pydantic.ValidationError / OSError: bad values or an unreadable plan.
    """
    plan = FaultPlan()
    if ns.faults:
        with open(ns.faults, encoding="utf-8") as handle:
            plan = FaultPlan.model_validate(json.load(handle))
    pacing = (
        Pacing.instant()
        if ns.instant
        else Pacing(
            first_audio_ms=ns.first_audio_ms,
            per_char_ms=ns.per_char_ms,
            chunk_ms=ns.chunk_ms,
            realtime_factor=ns.realtime_factor,
            rest_first_byte_ms=ns.rest_first_byte_ms,
        )
    )
    return EmulatorConfig(
        host=ns.host,
        port=ns.port,
        api_keys=tuple(ns.api_key),
        voice_engine=ns.voice_engine,
        pacing=pacing,
        max_concurrent_ws=ns.max_concurrent_ws,
        max_concurrent_rest=ns.max_concurrent_rest,
        projects=parse_projects(ns.project),
        project_max_concurrent_ws=ns.project_max_concurrent_ws,
        project_max_concurrent_rest=ns.project_max_concurrent_rest,
        warning_shape=WarningShape(ns.warning_shape),
        prose_close_reasons=ns.prose_close_reasons,
        flushes_per_window=ns.flushes_per_window,
        chars_per_window=ns.chars_per_window,
        lifetime_s=ns.lifetime_s,
        idle_timeout_s=ns.idle_timeout_s,
        close_drain=CloseDrain(ns.close_drain),
        clear_id=ClearId(ns.clear_id),
        empty_flush=EmptyFlush(ns.empty_flush),
        flushed_delay_ms=ns.flushed_delay_ms,
        metadata=MetadataTiming(ns.metadata),
        frame_bytes=ns.frame_bytes,
        synthesis_start=SynthesisStart(ns.synthesis_start),
        synthesis_start_chars=ns.synthesis_start_chars,
        permessage_deflate=ns.permessage_deflate == "on",
        header_timeout_s=ns.header_timeout_s,
        max_pending_connections=ns.max_pending_connections,
        render_cache_bytes=int(ns.render_cache_mb * _MIB),
        flux=parse_flux_options(ns.flux_option),
        faults=plan,
    )

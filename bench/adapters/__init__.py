"""The clients of the comparison, one module each, all behind :class:`bench.core.Client`.

:data:`REGISTRY` lists them in report order. A scenario picks clients by key and dialect
(:func:`select`); a client whose library is not installed is reported as skipped, with why.
Flux (``/v2/speak``) clients are specs with ``dialect="v2"`` under the same keys (ours with a
``flux-*`` model, Pipecat's Flux service, LiveKit's ``TTSv2``, a raw floor); the Flux scenario
selects them. A fleet row would add a spec whose instances are worker processes.
"""

from __future__ import annotations

import importlib.util

from bench.adapters.floor import FloorClient
from bench.adapters.livekit import LiveKitClient
from bench.adapters.ours import OursClient
from bench.adapters.pipecat import PipecatClient
from bench.adapters.sdk import SdkClient
from bench.core import FLUX_MODEL, AdapterSpec, Client, Dialect, Endpoint, Sizing


def _floor(endpoint: Endpoint, sizing: Sizing) -> Client:
    return FloorClient(endpoint, sizing)


def _segmenting_floor(endpoint: Endpoint, sizing: Sizing) -> Client:
    return FloorClient(endpoint, sizing, segmenting=True)


def _ours(endpoint: Endpoint, sizing: Sizing) -> Client:
    return OursClient(endpoint, sizing)


def _sdk(endpoint: Endpoint, sizing: Sizing) -> Client:
    return SdkClient(endpoint, sizing)


def _livekit(endpoint: Endpoint, sizing: Sizing) -> Client:
    return LiveKitClient(endpoint, sizing)


def _pipecat(endpoint: Endpoint, sizing: Sizing) -> Client:
    return PipecatClient(endpoint, sizing)


def _flux_floor(endpoint: Endpoint, sizing: Sizing) -> Client:
    return FloorClient(endpoint, sizing, flux=True)


def _flux_ours(endpoint: Endpoint, sizing: Sizing) -> Client:
    return OursClient(endpoint, sizing, name="deepgram_tts2 (Flux)", model=FLUX_MODEL)


def _flux_livekit(endpoint: Endpoint, sizing: Sizing) -> Client:
    return LiveKitClient(endpoint, sizing, flux=True)


def _flux_pipecat(endpoint: Endpoint, sizing: Sizing) -> Client:
    return PipecatClient(endpoint, sizing, flux=True)


REGISTRY: tuple[AdapterSpec, ...] = (
    AdapterSpec(
        "floor",
        "floor (raw websockets)",
        _floor,
        feeding="Speak per token, one Flush at the end of the reply",
        interrupting="Clear, then the next turn at once (no fence)",
        requires=("websockets",),
    ),
    AdapterSpec(
        "floor-seg",
        "floor, segmenting (raw websockets)",
        _segmenting_floor,
        feeding="Speak per token, Flush at the first sentence end and at the end",
        interrupting="Clear, then the next turn at once (no fence)",
        requires=("websockets",),
    ),
    AdapterSpec(
        "ours",
        "deepgram_tts2",
        _ours,
        pooled=True,
        feeding="SpeakStream.push per token, end(); its segmenter places the Flushes",
        interrupting="SpeakStream.interrupt() (Clear, epoch fence, socket kept)",
        requires=("deepgram_tts2",),
    ),
    AdapterSpec(
        "sdk",
        "deepgram-sdk",
        _sdk,
        feeding="send_text per token, send_flush at the end of the reply",
        interrupting="send_clear, then the next turn at once (the SDK has no fence)",
        requires=("deepgram",),
    ),
    AdapterSpec(
        "livekit",
        "livekit-plugins-deepgram",
        _livekit,
        feeding="tts.stream(): push_text per token, end_input() (Agent.tts_node); the plugin "
        "sends Speak per word and one Flush per segment",
        interrupting="the stream is closed (the agent cancels its TTS task); the plugin drops "
        "that socket",
        requires=("livekit.plugins.deepgram",),
    ),
    AdapterSpec(
        "pipecat",
        "pipecat DeepgramTTSService",
        _pipecat,
        feeding="LLMFullResponseStartFrame, LLMTextFrame per token, LLMFullResponseEndFrame; "
        "its aggregator sends Speak per sentence and one Flush per response",
        interrupting="InterruptionFrame into the pipeline (the service sends Clear)",
        requires=("pipecat",),
    ),
    # Flux (/v2/speak): the server places synthesis boundaries itself, so nobody segments.
    AdapterSpec(
        "floor",
        "floor (raw websockets, /v2/speak)",
        _flux_floor,
        dialect="v2",
        feeding="Speak per token, Flush at the end; the turn ends on SpeechMetadata",
        interrupting="Interrupt, then the next turn at once (no fence)",
        requires=("websockets",),
    ),
    AdapterSpec(
        "ours",
        "deepgram_tts2 (Flux)",
        _flux_ours,
        pooled=True,
        dialect="v2",
        feeding=f"model={FLUX_MODEL}: SpeakStream.push per token (sent as pushed), end() flushes",
        interrupting="SpeakStream.interrupt() (Interrupt with the played position, fence)",
        requires=("deepgram_tts2",),
    ),
    AdapterSpec(
        "livekit",
        "livekit-plugins-deepgram TTSv2",
        _flux_livekit,
        dialect="v2",
        feeding="TTSv2.stream(): push_text per token, end_input(); Speak per word, one Flush",
        interrupting="the stream is closed (the agent cancels its TTS task)",
        requires=("livekit.plugins.deepgram.tts_v2",),
    ),
    AdapterSpec(
        "pipecat",
        "pipecat DeepgramFluxTTSService",
        _flux_pipecat,
        dialect="v2",
        feeding="LLM frames; tokens streamed as they come (TextAggregationMode.TOKEN)",
        interrupting="InterruptionFrame into the pipeline (the service sends Interrupt)",
        requires=("pipecat.services.deepgram.flux.tts",),
    ),
)


# Modules worth importing before anything is timed: importing a framework takes seconds, and an
# import inside a running event loop would stall every socket of the run meanwhile.
HEAVY_MODULES = (
    "websockets",
    "deepgram",
    "deepgram.speak.v1",
    "aiohttp",
    "livekit.plugins.deepgram",
    "livekit.plugins.deepgram.tts_v2",
    "pipecat.pipeline.pipeline",
    "pipecat.pipeline.worker",
    "pipecat.processors.frame_processor",
    "pipecat.services.deepgram.tts",
    "pipecat.services.deepgram.flux.tts",
    "pipecat.workers.runner",
)


def preload() -> list[str]:
    """Import every installed client library now; returns the modules that are absent."""
    absent = []
    for module in HEAVY_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            absent.append(module)
    return absent


def missing(spec: AdapterSpec) -> str | None:
    """Why ``spec`` cannot run here (None when it can)."""
    for module in spec.requires:
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            return f"{module} is not installed (bash bench/run.sh installs the bench extra)"
    return None


def select(keys: list[str] | None = None, dialect: Dialect = "v1") -> list[AdapterSpec]:
    """The specs named by ``keys`` (all of ``dialect`` when None), in registry order."""
    specs = [s for s in REGISTRY if s.dialect == dialect]
    if keys is None:
        return specs
    unknown = set(keys) - {s.key for s in REGISTRY}
    if unknown:
        raise ValueError(f"unknown clients: {', '.join(sorted(unknown))}")
    return [s for s in specs if s.key in keys]


def by_key(key: str, dialect: Dialect = "v1") -> AdapterSpec:
    """The spec with ``key`` of ``dialect``."""
    for spec in REGISTRY:
        if spec.key == key and spec.dialect == dialect:
            return spec
    raise KeyError(key)

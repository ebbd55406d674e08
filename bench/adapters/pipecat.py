"""Pipecat's ``DeepgramTTSService`` in a pipeline, fed as a Pipecat bot feeds it.

* One pipeline per conversation (a bot): ``PipelineWorker(Pipeline([tts, output]))`` run by a
  ``WorkerRunner``, with the worker's defaults (RTVI included). Pipecat deploys one bot per
  process (Pipecat Cloud runs a session per agent instance); the harness runs N bots in one
  process, so CPU and memory per stream carry over, event-loop lag at N bots does not.
* A turn is what an LLM service emits: ``LLMFullResponseStartFrame``, one ``LLMTextFrame`` per
  token, ``LLMFullResponseEndFrame``. The service's own text aggregator turns tokens into
  sentences (one ``Speak`` each, trailing space) and sends one ``Flush`` per response.
* ``output`` stands where the output transport would: it records each ``TTSAudioRawFrame``
  reaching the end of the pipeline, and the response's ``LLMFullResponseEndFrame`` (queued behind
  the response's audio) ends the turn. It also keeps the turn's ``TTSTextFrame`` texts (what
  the assistant context aggregator takes) and which of them had passed when an
  ``InterruptionFrame`` did.
* Barge-in is an ``InterruptionFrame`` queued into the pipeline (what the user aggregator's
  interruption becomes); the service sends ``Clear``.
* Flux: ``DeepgramFluxTTSService`` on ``/v2/speak`` with its defaults (tokens streamed as they
  come, ``TextAggregationMode.TOKEN``).
* Logging as deployed: loguru at ``PIPECAT_LOG_LEVEL`` (default DEBUG, Pipecat Cloud's default)
  into a file, as a platform collects a bot's stderr, not onto a terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pathlib
import tempfile
from typing import Any

from bench.core import FLUX_MODEL, MODEL, SAMPLE_RATE, Endpoint, Sizing, TurnRecord

LOG_PATH = pathlib.Path(tempfile.gettempdir()) / "deepgram-tts2-bench" / "pipecat.log"
_LOGGING: dict[str, Any] = {}


def configure_logging() -> pathlib.Path:
    """Send loguru (Pipecat's logger) to :data:`LOG_PATH` at ``PIPECAT_LOG_LEVEL`` (DEBUG)."""
    if "sink" not in _LOGGING:
        from loguru import logger

        LOG_PATH.parent.mkdir(parents=True, exist_ok=True)
        LOG_PATH.write_text("")
        logger.remove()
        level = os.environ.get("PIPECAT_LOG_LEVEL", "DEBUG")
        _LOGGING["sink"] = logger.add(LOG_PATH, level=level)
        _LOGGING["level"] = level
    return LOG_PATH


def log_lines() -> int:
    """Lines Pipecat has logged so far in this process."""
    try:
        with LOG_PATH.open("rb") as handle:
            return sum(1 for _ in handle)
    except OSError:
        return 0


class PipecatClient:
    """One bot: a pipeline with the Deepgram service and an output that records."""

    def __init__(self, endpoint: Endpoint, sizing: Sizing, *, flux: bool = False) -> None:
        configure_logging()
        self.name = "pipecat DeepgramFluxTTSService" if flux else "pipecat DeepgramTTSService"
        self.flux = flux
        self.endpoint = endpoint
        self.current: PipecatTurn | None = None
        self.previous: PipecatTurn | None = None
        self.worker: Any = None
        self.run: asyncio.Task[None] | None = None
        self.connects = 0
        self.errors: list[str] = []
        self.spoken: dict[str, str] = {}  # context id -> text it carried (last seen)

    async def open(self) -> None:
        from pipecat.pipeline.pipeline import Pipeline
        from pipecat.pipeline.worker import PipelineParams, PipelineWorker
        from pipecat.workers.runner import WorkerRunner

        client = self

        connected = asyncio.Event()
        tts = self._service()

        @tts.event_handler("on_connected")  # type: ignore[untyped-decorator]
        async def on_connected(_service: Any) -> None:
            client.connects += 1
            connected.set()

        @tts.event_handler("on_connection_error")  # type: ignore[untyped-decorator]
        async def on_connection_error(_service: Any, error: str) -> None:
            client.errors.append(error[:200])

        self.worker = PipelineWorker(
            Pipeline([tts, self._output()]),
            params=PipelineParams(audio_out_sample_rate=SAMPLE_RATE),
        )

        @self.worker.event_handler("on_pipeline_error")  # type: ignore[untyped-decorator]
        async def on_pipeline_error(_worker: Any, frame: Any) -> None:
            error = str(getattr(frame, "error", frame))[:200]
            client.errors.append(error)
            target = client.current
            if target is not None:
                target.record.error = target.record.error or error

        runner = WorkerRunner(handle_sigint=False)
        await runner.add_workers(self.worker)
        self.run = asyncio.create_task(runner.run())
        await asyncio.wait_for(connected.wait(), 30)

    def _output(self) -> Any:
        """The processor standing where the output transport would: records what reaches it."""
        from pipecat.frames.frames import (
            AggregatedTextFrame,
            InterruptionFrame,
            LLMFullResponseEndFrame,
            TTSAudioRawFrame,
            TTSTextFrame,
        )
        from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

        client = self

        class Output(FrameProcessor):
            async def process_frame(self, frame: Any, direction: FrameDirection) -> None:
                await super().process_frame(frame, direction)
                target = client.current or client.previous
                if target is not None:
                    if isinstance(frame, TTSAudioRawFrame):
                        target.record.on_audio(frame.audio)
                        target.labels.append(str(frame.context_id))
                    elif isinstance(frame, AggregatedTextFrame):
                        if isinstance(frame, TTSTextFrame):  # what the context aggregator gets
                            target.texts.append(frame.text)
                        if frame.context_id:
                            # The text a context speaks: names the context of each turn's text.
                            client.spoken[str(frame.context_id)] = frame.text
                    elif isinstance(frame, InterruptionFrame) and target.heard is None:
                        target.heard = list(target.texts)
                    elif isinstance(frame, LLMFullResponseEndFrame):
                        target.record.finish()
                        target.finished.set()
                await self.push_frame(frame, direction)

        return Output()

    def _service(self) -> Any:
        ws_base = self.endpoint.http_base.replace("http://", "ws://")
        if self.flux:
            from pipecat.services.deepgram.flux.tts import DeepgramFluxTTSService

            return DeepgramFluxTTSService(
                api_key=self.endpoint.key,
                url=f"{ws_base}/v2/speak",
                sample_rate=SAMPLE_RATE,
                settings=DeepgramFluxTTSService.Settings(voice=FLUX_MODEL),
            )
        from pipecat.services.deepgram.tts import DeepgramTTSService

        return DeepgramTTSService(
            api_key=self.endpoint.key,
            base_url=ws_base,
            sample_rate=SAMPLE_RATE,
            settings=DeepgramTTSService.Settings(voice=MODEL),
        )

    async def close(self) -> None:
        from pipecat.frames.frames import EndFrame

        if self.worker is not None and self.run is not None:
            await self.worker.queue_frame(EndFrame())
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.run, 10)

    def turn(self, record: TurnRecord) -> PipecatTurn:
        turn = PipecatTurn(self, record)
        if self.current is not None:
            self.previous = self.current
        self.current = turn
        return turn


class PipecatTurn:
    """One LLM response through the pipeline."""

    def __init__(self, client: PipecatClient, record: TurnRecord) -> None:
        self.client = client
        self.record = record
        self.started = False
        self.finished = asyncio.Event()
        self.labels: list[str] = []  # Pipecat's context id of each frame, in order
        self.texts: list[str] = []  # its TTSTextFrames that reached the output, in order
        self.heard: list[str] | None = None  # those before an InterruptionFrame passed

    def contexts_of(self, text: str) -> set[str]:
        """Pipecat's context ids whose spoken text is part of ``text``."""
        return {
            cid for cid, said in self.client.spoken.items() if said.strip() and said.strip() in text
        }

    async def _queue(self, frame: Any) -> None:
        await self.client.worker.queue_frame(frame)

    async def push(self, text: str) -> None:
        from pipecat.frames.frames import LLMFullResponseStartFrame, LLMTextFrame

        self.record.text_sent()
        if not self.started:
            self.started = True
            await self._queue(LLMFullResponseStartFrame())
        await self._queue(LLMTextFrame(text))

    async def end(self) -> None:
        from pipecat.frames.frames import LLMFullResponseEndFrame, LLMFullResponseStartFrame

        if not self.started:
            self.started = True
            await self._queue(LLMFullResponseStartFrame())
        await self._queue(LLMFullResponseEndFrame())

    async def interrupt(self) -> None:
        from pipecat.frames.frames import InterruptionFrame

        await self._queue(InterruptionFrame())
        self.record.finish()
        self.finished.set()

    async def done(self, timeout_s: float) -> None:
        await asyncio.wait_for(self.finished.wait(), timeout_s)

    async def abandon(self) -> None:
        await self.interrupt()

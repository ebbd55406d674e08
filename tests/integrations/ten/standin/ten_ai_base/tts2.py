"""Stand-in for ten_ai_base ``tts2.py``: ``AsyncTTS2BaseExtension`` as the contract spec reads it.

Faithful to spec 1.2 (lifecycle), 1.4 (inbound messages, metadata from the first message),
1.5 (queue loop, request states, interleaving buffer, finish_request), 1.6 (flush sequence),
1.7 (outbound payloads), 1.8 (pcm_frame and leftover bytes), 1.9-1.10 (errors, metadata).
"""

from __future__ import annotations

import asyncio
import enum
import json
import uuid
from abc import ABC, abstractmethod
from typing import Any

from pydantic import ValidationError
from ten_runtime import (
    AsyncExtension,
    AsyncTenEnv,
    AudioFrame,
    AudioFrameDataFmt,
    Cmd,
    CmdResult,
    Data,
    StatusCode,
)

from ten_ai_base.helper import AsyncQueue
from ten_ai_base.message import ModuleError, ModuleMetrics, ModuleType
from ten_ai_base.struct import TTSAudioEndReason, TTSFlush, TTSTextInput

DATA_TTS_TEXT_INPUT = "tts_text_input"
DATA_TTS_TEXT_RESULT = "tts_text_result"
DATA_FLUSH = "tts_flush"
DATA_FLUSH_RESULT = "tts_flush_end"
CMD_UPDATE_CONFIGS = "update_configs"


class RequestState(enum.StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    FINALIZING = "finalizing"
    COMPLETED = "completed"


_ALLOWED = {
    None: {RequestState.QUEUED},
    RequestState.QUEUED: {RequestState.PROCESSING, RequestState.COMPLETED},
    RequestState.PROCESSING: {RequestState.FINALIZING, RequestState.COMPLETED},
    RequestState.FINALIZING: {RequestState.COMPLETED},
    RequestState.COMPLETED: set(),
}


class AsyncTTS2BaseExtension(AsyncExtension, ABC):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.ten_env: AsyncTenEnv = None  # type: ignore[assignment]
        self.input_queue = AsyncQueue()
        self.current_task: asyncio.Task[Any] | None = None
        self.loop_task: asyncio.Task[Any] | None = None
        self.leftover_bytes = b""
        self.metadatas: dict[str, dict[str, Any]] = {}
        self.request_states: dict[str, RequestState] = {}
        self._processing_request_id: str | None = None
        self._pending_messages: dict[str, list[TTSTextInput]] = {}
        self.current_audio_request_id: str | None = None
        self._flush_complete_event = asyncio.Event()
        self._flush_complete_event.set()
        self._put_lock = asyncio.Lock()
        self.output_characters = 0
        self.input_characters = 0
        self.recv_audio_duration = 0.0
        self.recv_audio_chunks_len = 0
        self.total_output_characters = 0
        self.total_input_characters = 0
        self.total_recv_audio_duration = 0.0

    # -- abstract surface ----------------------------------------------------------------------

    @abstractmethod
    def vendor(self) -> str: ...

    @abstractmethod
    async def request_tts(self, t: TTSTextInput) -> None: ...

    @abstractmethod
    def synthesize_audio_sample_rate(self) -> int: ...

    def synthesize_audio_channels(self) -> int:
        return 1

    def synthesize_audio_sample_width(self) -> int:
        return 2

    async def cancel_tts(self) -> None:
        return None

    async def update_configs(self, configs: dict[str, Any]) -> None:
        return None

    # -- lifecycle -----------------------------------------------------------------------------

    async def on_init(self, ten_env: AsyncTenEnv) -> None:
        self.ten_env = ten_env

    async def on_start(self, ten_env: AsyncTenEnv) -> None:
        self.loop_task = asyncio.get_running_loop().create_task(self._process_input_queue(ten_env))

    async def on_stop(self, ten_env: AsyncTenEnv) -> None:
        await self.send_usage_metrics()
        await self._flush_input_items()
        if self.loop_task is not None:
            self.loop_task.cancel()
        await self.input_queue.put(None)

    async def on_deinit(self, ten_env: AsyncTenEnv) -> None:
        return None

    # -- inbound -------------------------------------------------------------------------------

    async def on_cmd(self, ten_env: AsyncTenEnv, cmd: Cmd) -> None:
        if cmd.get_name() == CMD_UPDATE_CONFIGS:
            try:
                configs_json, _ = cmd.get_property_to_json("")
                await self.update_configs(json.loads(configs_json or "{}"))
                await ten_env.return_result(CmdResult.create(StatusCode.OK, cmd))
            except Exception as exc:
                result = CmdResult.create(StatusCode.ERROR, cmd)
                result.set_property_from_json(None, json.dumps({"message": str(exc)}))
                await ten_env.return_result(result)
            return
        await ten_env.return_result(CmdResult.create(StatusCode.OK, cmd))

    async def on_data(self, ten_env: AsyncTenEnv, data: Data) -> None:
        name = data.get_name()
        payload, err = data.get_property_to_json("")
        if err is not None:
            raise RuntimeError(f"failed to read {name}: {err.error_message()}")
        if name == DATA_TTS_TEXT_INPUT:
            try:
                t = TTSTextInput.model_validate_json(payload)
            except ValidationError as exc:
                ten_env.log_warn(f"invalid tts_text_input: {exc}")
                return
            async with self._put_lock:
                await self._flush_complete_event.wait()
                if t.request_id not in self.request_states:
                    self._cleanup_completed_states()
                    self._transition(t.request_id, RequestState.QUEUED)
                    if t.metadata:
                        self.metadatas[t.request_id] = t.metadata
                await self.input_queue.put(t)
        elif name == DATA_FLUSH:
            flush = TTSFlush.model_validate_json(payload)
            async with self._put_lock:
                self._flush_complete_event.clear()
                try:
                    await self._flush_input_items()
                    out = Data.create(DATA_FLUSH_RESULT)
                    out.set_property_from_json(
                        None, json.dumps({"flush_id": flush.flush_id, "metadata": flush.metadata})
                    )
                    await ten_env.send_data(out)
                finally:
                    self._flush_complete_event.set()

    # -- queue loop ----------------------------------------------------------------------------

    def _transition(self, request_id: str, new: RequestState) -> bool:
        old = self.request_states.get(request_id)
        if new not in _ALLOWED[old]:
            if self.ten_env is not None:
                self.ten_env.log_warn(f"invalid transition {old} -> {new} for {request_id}")
            return False
        self.request_states[request_id] = new
        return True

    def _cleanup_completed_states(self) -> None:
        for rid in [r for r, s in self.request_states.items() if s is RequestState.COMPLETED]:
            del self.request_states[rid]
            self.metadatas.pop(rid, None)

    async def _process_input_queue(self, ten_env: AsyncTenEnv) -> None:
        while True:
            t = await self.input_queue.get()
            if t is None:
                return
            if (
                self._processing_request_id is not None
                and self._processing_request_id != t.request_id
            ):
                self._pending_messages.setdefault(t.request_id, []).append(t)
                continue
            if self._processing_request_id != t.request_id:
                self._processing_request_id = t.request_id
                self._transition(t.request_id, RequestState.PROCESSING)
            if t.text_input_end:
                self._transition(t.request_id, RequestState.FINALIZING)
            try:
                await self.request_tts(t)
            except asyncio.CancelledError:
                ten_env.log_warn("request_tts cancelled")
            except Exception as exc:
                ten_env.log_error(f"Task failed: {exc}")

    async def finish_request(
        self,
        request_id: str,
        reason: TTSAudioEndReason = TTSAudioEndReason.REQUEST_END,
        error: ModuleError | None = None,
    ) -> None:
        if error is not None:
            await self.send_tts_error(request_id, error)
        self._transition(request_id, RequestState.COMPLETED)
        if self.current_audio_request_id == request_id:
            self.current_audio_request_id = None
        if self._processing_request_id == request_id:
            self._processing_request_id = None
            if self._pending_messages:
                next_id = next(iter(self._pending_messages))
                messages = self._pending_messages.pop(next_id)
                self._processing_request_id = next_id
                async with self._put_lock:
                    for message in messages:
                        await self.input_queue.put(message)

    async def _flush_input_items(self) -> None:
        await self.input_queue.flush()
        self._pending_messages.clear()
        rid = self._processing_request_id
        if rid is not None and self.request_states.get(rid) is not RequestState.COMPLETED:
            if self.current_task is not None:
                self.current_task.cancel()
            self.leftover_bytes = b""
            await self.cancel_tts()
        self.request_states.clear()
        self.metadatas.clear()
        self._processing_request_id = None
        self.current_audio_request_id = None

    # -- outbound ------------------------------------------------------------------------------

    def update_metadata(
        self, request_id: str | None, extra: dict[str, Any] | None
    ) -> dict[str, Any]:
        metadata = dict(self.metadatas.get(request_id or "", {}))
        if extra:
            metadata.update(extra)
        return metadata

    async def _send(self, name: str, payload: dict[str, Any]) -> None:
        data = Data.create(name)
        data.set_property_from_json(None, json.dumps(payload))
        await self.ten_env.send_data(data)

    async def send_tts_audio_start(
        self, request_id: str, turn_id: int = -1, extra_metadata: dict[str, Any] | None = None
    ) -> None:
        self.current_audio_request_id = request_id
        await self._send(
            "tts_audio_start",
            {
                "request_id": request_id,
                "metadata": self.update_metadata(request_id, extra_metadata),
            },
        )

    async def send_tts_audio_data(self, audio_data: bytes, timestamp: int = 0) -> None:
        try:
            frame_size = self.synthesize_audio_sample_width() * self.synthesize_audio_channels()
            combined = self.leftover_bytes + audio_data
            cut = len(combined) - len(combined) % frame_size
            self.leftover_bytes = combined[cut:]
            combined = combined[:cut]
            if not combined:
                return
            frame = AudioFrame.create("pcm_frame")
            frame.set_sample_rate(self.synthesize_audio_sample_rate())
            frame.set_bytes_per_sample(self.synthesize_audio_sample_width())
            frame.set_number_of_channels(self.synthesize_audio_channels())
            frame.set_data_fmt(AudioFrameDataFmt.INTERLEAVE)
            frame.set_samples_per_channel(len(combined) // frame_size)
            frame.alloc_buf(len(combined))
            frame.set_timestamp(timestamp)
            frame.set_property_from_json(
                "metadata", json.dumps(self.metadatas.get(self.current_audio_request_id or "", {}))
            )
            buf = frame.lock_buf()
            buf[:] = combined
            frame.unlock_buf(buf)
            await self.ten_env.send_audio_frame(frame)
        except Exception as exc:
            self.ten_env.log_error(f"error sending audio frame: {exc}")

    async def send_tts_audio_end(
        self,
        request_id: str,
        request_event_interval_ms: int,
        request_total_audio_duration_ms: int,
        turn_id: int = -1,
        reason: TTSAudioEndReason = TTSAudioEndReason.REQUEST_END,
        extra_metadata: dict[str, Any] | None = None,
    ) -> None:
        if self.current_audio_request_id == request_id:
            self.current_audio_request_id = None
        await self._send(
            "tts_audio_end",
            {
                "request_id": request_id,
                "request_event_interval_ms": request_event_interval_ms,
                "request_total_audio_duration_ms": request_total_audio_duration_ms,
                "reason": int(reason),
                "metadata": self.update_metadata(request_id, extra_metadata),
            },
        )

    async def send_tts_ttfb_metrics(
        self,
        request_id: str,
        ttfb_ms: int,
        turn_id: int = -1,
        extra_metadata: dict[str, Any] | None = None,
    ) -> None:
        metrics = ModuleMetrics(
            id=uuid.uuid4().hex,
            module=ModuleType.TTS.value,
            vendor=self.vendor(),
            metrics={"ttfb": ttfb_ms},
            metadata=self.update_metadata(request_id, extra_metadata),
        )
        await self._send("metrics", json.loads(metrics.model_dump_json()))

    async def send_tts_error(
        self,
        request_id: str | None,
        error: ModuleError,
        turn_id: int = -1,
        extra_metadata: dict[str, Any] | None = None,
    ) -> None:
        vendor_info = error.vendor_info.model_dump() if error.vendor_info else {}
        self.ten_env.log_error(f"tts error: {error.message}")
        await self._send(
            "error",
            {
                "id": request_id or "",
                "code": int(error.code),
                "module": ModuleType.TTS.value,
                "message": error.message,
                "vendor_info": vendor_info,
                "metadata": self.update_metadata(request_id, extra_metadata),
            },
        )

    def metrics_add_output_characters(self, n: int) -> None:
        self.output_characters += n
        self.total_output_characters += n

    def metrics_add_input_characters(self, n: int) -> None:
        self.input_characters += n
        self.total_input_characters += n

    def metrics_add_recv_audio_chunks(self, chunk: bytes) -> None:
        rate = self.synthesize_audio_sample_rate()
        width = self.synthesize_audio_sample_width()
        channels = self.synthesize_audio_channels()
        duration = len(chunk) / channels * 1000 / width / rate
        self.recv_audio_duration += duration
        self.total_recv_audio_duration += duration
        self.recv_audio_chunks_len += len(chunk)

    async def send_usage_metrics(
        self, request_id: str = "", extra_metadata: dict[str, Any] | None = None
    ) -> None:
        metrics = ModuleMetrics(
            id=uuid.uuid4().hex,
            module=ModuleType.TTS.value,
            vendor=self.vendor(),
            metrics={
                "output_characters": self.output_characters,
                "input_characters": self.input_characters,
                "recv_audio_duration": self.recv_audio_duration,
                "total_output_characters": self.total_output_characters,
                "total_input_characters": self.total_input_characters,
                "total_recv_audio_duration": self.total_recv_audio_duration,
            },
            metadata=self.update_metadata(request_id, extra_metadata),
        )
        await self._send("metrics", json.loads(metrics.model_dump_json()))
        self.output_characters = 0
        self.input_characters = 0
        self.recv_audio_duration = 0.0

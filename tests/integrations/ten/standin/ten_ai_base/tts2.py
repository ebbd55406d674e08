"""Stand-in of ``ten_ai_base/tts2.py`` (TEN-framework/ten_ai_base,
``interface/ten_ai_base/tts2.py``, version 0.7.41 = commit e385b33). Rewritten for tests from a
reading of that file; the behaviour of ``AsyncTTS2BaseExtension`` is kept step for step, quirks
included:

* ``RequestState`` is a plain ``Enum``; transitions None->QUEUED, QUEUED->{PROCESSING,
  COMPLETED}, PROCESSING->{FINALIZING, COMPLETED}, FINALIZING->COMPLETED; an invalid one only
  logs ``Invalid state transition for request <id>: <from> -> <to>``;
* ``on_data`` reads the payload in each branch, drops a bad ``tts_text_input`` or ``tts_flush``
  with a warning, records QUEUED and the metadata of the first message of an id under the put
  lock (after the flush event), then queues it;
* ``tts_flush``: the lock is held only while clearing the flush event; ``_flush_input_items``
  empties the queue and the held-back messages and calls ``cancel_tts`` only when the current
  request's state is set and not COMPLETED, then forgets every state and metadata; then
  ``tts_flush_end`` echoes ``flush_id`` and ``metadata``;
* the queue loop holds back messages of other ids while one is processing; ``finish_request``
  releases the first held-back id without a QUEUED->PROCESSING transition (its
  ``text_input_end`` then logs ``Invalid state transition ... queued -> finalizing``);
* ``send_tts_audio_end`` clears ``current_audio_request_id`` after sending; usage durations are
  computed from byte counts when reported; ``on_stop`` sends usage metrics, then
  ``super().on_stop``, flushes (``cancel_tts`` included), cancels the loop and queues ``None``.
"""

from __future__ import annotations

import asyncio
import json
import traceback
import uuid
from abc import ABC, abstractmethod
from enum import Enum
from typing import Any, cast

from ten_runtime import AsyncExtension, Data
from ten_runtime.async_ten_env import AsyncTenEnv
from ten_runtime.audio_frame import AudioFrame, AudioFrameDataFmt
from ten_runtime.cmd import Cmd
from ten_runtime.cmd_result import CmdResult, StatusCode

from ten_ai_base.const import LOG_CATEGORY_KEY_POINT, LOG_CATEGORY_VENDOR  # noqa: F401

from .helper import AsyncQueue
from .message import ModuleError, ModuleMetricKey, ModuleMetrics, ModuleType, TTSAudioEndReason
from .struct import TTSFlush, TTSTextInput, TTSTextResult

DATA_TTS_TEXT_INPUT = "tts_text_input"
DATA_TTS_TEXT_RESULT = "tts_text_result"
DATA_FLUSH = "tts_flush"
DATA_FLUSH_RESULT = "tts_flush_end"
CMD_UPDATE_CONFIGS = "update_configs"


class RequestState(Enum):
    QUEUED = "queued"
    PROCESSING = "processing"
    FINALIZING = "finalizing"
    COMPLETED = "completed"


_ALLOWED: dict[RequestState, tuple[RequestState, ...]] = {
    RequestState.QUEUED: (RequestState.PROCESSING, RequestState.COMPLETED),
    RequestState.PROCESSING: (RequestState.FINALIZING, RequestState.COMPLETED),
    RequestState.FINALIZING: (RequestState.COMPLETED,),
    RequestState.COMPLETED: (),
}


class AsyncTTS2BaseExtension(AsyncExtension, ABC):
    """A TTS2 extension: subclasses synthesize in ``request_tts`` and report with ``send_*``."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.ten_env: AsyncTenEnv = None  # type: ignore[assignment]
        self.input_queue = AsyncQueue()
        self.current_task: Any = None
        self.loop_task: asyncio.Task[None] | None = None
        self.leftover_bytes = b""
        self.session_id: Any = None
        self.metadatas: dict[str, dict[str, Any]] = {}
        self._flush_complete_event = asyncio.Event()
        self._flush_complete_event.set()
        self._put_lock = asyncio.Lock()
        self.request_states: dict[str, RequestState] = {}
        self._processing_request_id: str | None = None
        self._pending_messages: dict[str, list[TTSTextInput]] = {}
        self.output_characters = 0
        self.input_characters = 0
        self.recv_audio_duration: float = 0
        self.recv_audio_chunks_len = 0
        self.total_output_characters = 0
        self.total_input_characters = 0
        self.total_recv_audio_duration: float = 0
        self.total_recv_audio_chunks_len = 0
        self.current_audio_request_id: str | None = None

    # -- request states --------------------------------------------------------------------

    def _can_transition_to(self, request_id: str, new_state: RequestState) -> bool:
        current = self.request_states.get(request_id)
        if current is None:
            return new_state == RequestState.QUEUED
        return new_state in _ALLOWED.get(current, ())

    def _transition_state(self, request_id: str, new_state: RequestState, reason: str = "") -> bool:
        current = self.request_states.get(request_id)
        was = current.value if current else "None"
        if not self._can_transition_to(request_id, new_state):
            self.ten_env.log_warn(
                f"Invalid state transition for request {request_id}: {was} -> {new_state.value}"
            )
            return False
        self.request_states[request_id] = new_state
        message = f"Request {request_id} state: {was} -> {new_state.value}"
        if reason:
            message += f" (reason: {reason})"
        self.ten_env.log_info(message, category=LOG_CATEGORY_KEY_POINT)
        return True

    def _cleanup_completed_states(self) -> None:
        done = [
            rid for rid, state in self.request_states.items() if state == RequestState.COMPLETED
        ]
        if not done:
            return
        for rid in done:
            self.request_states.pop(rid, None)
            self.metadatas.pop(rid, None)
        self.ten_env.log_debug(f"Cleaned up {len(done)} COMPLETED states: {done}")

    # -- lifecycle -------------------------------------------------------------------------

    async def on_init(self, ten_env: AsyncTenEnv) -> None:
        await super().on_init(ten_env)
        self.ten_env = ten_env

    async def on_start(self, ten_env: AsyncTenEnv) -> None:
        await super().on_start(ten_env)
        if self.loop_task is None:
            self.loop = asyncio.get_event_loop()
            self.loop_task = self.loop.create_task(self._process_input_queue(ten_env))

    async def on_stop(self, ten_env: AsyncTenEnv) -> None:
        await self.send_usage_metrics()
        await super().on_stop(ten_env)
        await self._flush_input_items()
        if self.loop_task:
            self.loop_task.cancel()
        await self.input_queue.put(None)

    async def on_deinit(self, ten_env: AsyncTenEnv) -> None:
        await super().on_deinit(ten_env)

    # -- inbound ---------------------------------------------------------------------------

    async def on_cmd(self, ten_env: AsyncTenEnv, cmd: Cmd) -> None:
        cmd_name = cmd.get_name()
        ten_env.log_info(f"on_cmd: {cmd_name}")
        if cmd_name != CMD_UPDATE_CONFIGS:
            await ten_env.return_result(CmdResult.create(StatusCode.OK, cmd))
            return
        try:
            content, err = cmd.get_property_to_json("")
            if err:
                raise RuntimeError(f"Failed to get cmd property: {err}")
            await self.update_configs(json.loads(content))
            await ten_env.return_result(CmdResult.create(StatusCode.OK, cmd))
        except Exception as e:
            ten_env.log_error(f"update_configs failed: {e}")
            result = CmdResult.create(StatusCode.ERROR, cmd)
            result.set_property_from_json("", json.dumps({"message": str(e)}))
            await ten_env.return_result(result)

    async def on_data(self, ten_env: AsyncTenEnv, data: Data) -> None:
        data_name = data.get_name()
        ten_env.log_debug(f"on_data:{data_name}")

        if data.get_name() == DATA_TTS_TEXT_INPUT:
            payload, err = data.get_property_to_json("")
            if err:
                raise RuntimeError(f"Failed to get data payload: {err}")
            try:
                t = TTSTextInput.model_validate_json(payload)
                self.ten_env.log_info(
                    f"on_data tts_text_input:  {t}", category=LOG_CATEGORY_KEY_POINT
                )
            except Exception as e:
                ten_env.log_warn(f"invalid data {data_name} payload, err {e}")
                return
            async with self._put_lock:
                await self._flush_complete_event.wait()
                if t.request_id not in self.request_states:
                    self._cleanup_completed_states()
                    self._transition_state(t.request_id, RequestState.QUEUED, "request received")
                    if t.metadata:
                        self.metadatas[t.request_id] = t.metadata
                self.ten_env.log_debug("on_data tts_text_input put to queue")
                await self.input_queue.put(t)

        if data.get_name() == DATA_FLUSH:
            payload, err = data.get_property_to_json("")
            if err:
                raise RuntimeError(f"Failed to get data payload: {err}")
            try:
                flush = TTSFlush.model_validate_json(payload)
            except Exception as e:
                ten_env.log_warn(f"invalid data {data_name} payload, err {e}")
                return
            ten_env.log_info(f"receive tts_flush {payload} ", category=LOG_CATEGORY_KEY_POINT)
            try:
                async with self._put_lock:
                    self._flush_complete_event.clear()
                await self._flush_input_items()
                result = Data.create(DATA_FLUSH_RESULT)
                json_data = json.dumps({"flush_id": flush.flush_id, "metadata": flush.metadata})
                result.set_property_from_json(None, json_data)
                ten_env.log_info(f"send tts_flush_end {json_data}", category=LOG_CATEGORY_KEY_POINT)
                await ten_env.send_data(result)
                self._flush_complete_event.set()
                ten_env.log_debug("on_data sent flush result")
            except Exception as e:
                self._flush_complete_event.set()
                ten_env.log_error(f"Flush operation failed: {e}")
                raise

    async def _flush_input_items(self) -> None:
        """Empty the queue and the held-back messages; cancel the current request if live."""
        await self.input_queue.flush()
        self._pending_messages.clear()
        if self._processing_request_id:
            current_id = self._processing_request_id
            state = self.request_states.get(current_id)
            if state and state != RequestState.COMPLETED:
                self.ten_env.log_info(
                    f"Cancelling current request {current_id} in state {state.value}",
                    category=LOG_CATEGORY_KEY_POINT,
                )
                await self._cancel_current_task()
                await self.cancel_tts()
        self.request_states.clear()
        self.metadatas.clear()
        self._processing_request_id = None
        self.current_audio_request_id = None
        self.ten_env.log_debug(
            "Cleared all request states, metadata, and pending messages after flush"
        )

    async def _cancel_current_task(self) -> None:
        if self.current_task:
            self.current_task.cancel()
            self.current_task = None
        self.leftover_bytes = b""

    async def _process_input_queue(self, ten_env: AsyncTenEnv) -> None:
        """One message at a time; messages of other ids wait until the current id finishes."""
        while True:
            t: TTSTextInput | None = await self.input_queue.get()
            if t is None:
                break
            if (
                self._processing_request_id is not None
                and t.request_id != self._processing_request_id
            ):
                self._pending_messages.setdefault(t.request_id, []).append(t)
                ten_env.log_debug(
                    f"Buffered message for request {t.request_id} (currently processing "
                    f"{self._processing_request_id}), buffer size: "
                    f"{len(self._pending_messages[t.request_id])}"
                )
                continue
            if self._processing_request_id is None and t.request_id not in self._pending_messages:
                ten_env.log_debug(
                    f"Processing message for request {t.request_id} immediately "
                    "(no active request, no buffered messages for this request)"
                )
            if self._processing_request_id != t.request_id:
                self._processing_request_id = t.request_id
                self._transition_state(t.request_id, RequestState.PROCESSING, "start processing")
            try:
                if t.text_input_end:
                    self._transition_state(
                        t.request_id,
                        RequestState.FINALIZING,
                        "received text_input_end, generating final audio",
                    )
                await self.request_tts(t)
            except asyncio.CancelledError:
                ten_env.log_info(f"Task cancelled: {t.text}")
            except Exception:
                ten_env.log_error(f"Task failed: {t.text}, err: {traceback.format_exc()}")

    # -- outbound --------------------------------------------------------------------------

    async def send_tts_audio_data(self, audio_data: bytes, timestamp: int = 0) -> None:
        """One ``pcm_frame`` of whole samples; an incomplete sample waits for the next call."""
        try:
            sample_rate = self.synthesize_audio_sample_rate()
            width = self.synthesize_audio_sample_width()
            channels = self.synthesize_audio_channels()
            frame_size = width * channels
            combined = self.leftover_bytes + audio_data
            cut = len(combined) - len(combined) % frame_size
            self.leftover_bytes = combined[cut:]
            combined = combined[:cut]
            if not combined:
                return
            f = AudioFrame.create("pcm_frame")
            f.set_sample_rate(sample_rate)
            f.set_bytes_per_sample(width)
            f.set_number_of_channels(channels)
            f.set_data_fmt(AudioFrameDataFmt.INTERLEAVE)
            f.set_samples_per_channel(len(combined) // frame_size)
            f.alloc_buf(len(combined))
            f.set_timestamp(timestamp)
            metadata = self.metadatas.get(cast(str, self.current_audio_request_id), {})
            f.set_property_from_json("metadata", json.dumps(metadata))
            buf = f.lock_buf()
            buf[:] = combined
            f.unlock_buf(buf)
            await self.ten_env.send_audio_frame(f)
        except Exception:
            self.ten_env.log_error(f"error send audio frame, {traceback.format_exc()}")

    async def send_tts_text_result(self, t: TTSTextResult) -> None:
        data = Data.create(DATA_TTS_TEXT_RESULT)
        data.set_property_from_json("", t.model_dump_json())
        await self.ten_env.send_data(data)

    async def send_tts_ttfb_metrics(
        self,
        request_id: str,
        ttfb_ms: int,
        turn_id: int = -1,
        extra_metadata: dict[str, Any] | None = None,
    ) -> None:
        metrics = ModuleMetrics(
            id=self.get_uuid(),
            module=ModuleType.TTS,
            vendor=self.vendor(),
            metrics={ModuleMetricKey.TTS_TTFB: ttfb_ms},
            metadata=self.update_metadata(request_id, extra_metadata),
        )
        self.ten_env.log_info(
            f"tts_ttfb:  {ttfb_ms} of request_id: {request_id}", category=LOG_CATEGORY_KEY_POINT
        )
        await self.send_metrics(metrics, request_id)

    async def send_tts_audio_start(
        self, request_id: str, turn_id: int = -1, extra_metadata: dict[str, Any] | None = None
    ) -> None:
        self.current_audio_request_id = request_id
        json_data = json.dumps(
            {"request_id": request_id, "metadata": self.update_metadata(request_id, extra_metadata)}
        )
        data = Data.create("tts_audio_start")
        data.set_property_from_json(None, json_data)
        self.ten_env.log_info(
            f"tts_audio_start:  {json_data} of request_id: {request_id}",
            category=LOG_CATEGORY_KEY_POINT,
        )
        await self.ten_env.send_data(data)

    async def send_tts_audio_end(
        self,
        request_id: str,
        request_event_interval_ms: int,
        request_total_audio_duration_ms: int,
        turn_id: int = -1,
        reason: TTSAudioEndReason = TTSAudioEndReason.REQUEST_END,
        extra_metadata: dict[str, Any] | None = None,
    ) -> None:
        json_data = json.dumps(
            {
                "request_id": request_id,
                "request_event_interval_ms": request_event_interval_ms,
                "request_total_audio_duration_ms": request_total_audio_duration_ms,
                "reason": reason.value,
                "metadata": self.update_metadata(request_id, extra_metadata),
            }
        )
        data = Data.create("tts_audio_end")
        data.set_property_from_json(None, json_data)
        self.ten_env.log_info(
            f"tts_audio_end:  {json_data} of request_id: {request_id}",
            category=LOG_CATEGORY_KEY_POINT,
        )
        await self.ten_env.send_data(data)
        if self.current_audio_request_id == request_id:
            self.current_audio_request_id = None

    async def send_tts_error(
        self,
        request_id: str | None,
        error: ModuleError,
        turn_id: int = -1,
        extra_metadata: dict[str, Any] | None = None,
    ) -> None:
        metadata = self.update_metadata(request_id, extra_metadata)
        vendor = error.vendor_info
        vendor_info = (
            {"vendor": vendor.vendor, "code": vendor.code, "message": vendor.message}
            if vendor
            else {}
        )
        json_data = json.dumps(
            {
                "id": request_id or "",
                "code": error.code,
                "module": ModuleType.TTS,
                "message": error.message,
                "vendor_info": vendor_info,
                "metadata": metadata,
            }
        )
        error_data = Data.create("error")
        error_data.set_property_from_json(None, json_data)
        self.ten_env.log_error(f"tts_error:  msg: \t{json_data}", category=LOG_CATEGORY_KEY_POINT)
        await self.ten_env.send_data(error_data)

    async def send_char_audio_metrics(self, request_id: str = "") -> None:
        await self.send_usage_metrics(request_id)

    async def send_usage_metrics(
        self, request_id: str = "", extra_metadata: dict[str, Any] | None = None
    ) -> None:
        metadata = self.update_metadata(request_id, extra_metadata)
        await self.metrics_calculate_duration()
        metrics = ModuleMetrics(
            id=self.get_uuid(),
            module=ModuleType.TTS,
            vendor=self.vendor(),
            metrics={
                "output_characters": self.output_characters,
                "input_characters": self.input_characters,
                "recv_audio_duration": self.recv_audio_duration,
                "total_output_characters": self.total_output_characters,
                "total_input_characters": self.total_input_characters,
                "total_recv_audio_duration": self.total_recv_audio_duration,
            },
            metadata=metadata,
        )
        await self.send_metrics(metrics, request_id)
        self.metrics_reset()

    async def send_metrics(self, metrics: ModuleMetrics, request_id: str = "") -> None:
        data = Data.create("metrics")
        self.ten_env.log_info(
            f"tts_metrics:  {metrics} of request_id: {request_id}", category=LOG_CATEGORY_KEY_POINT
        )
        data.set_property_from_json(None, metrics.model_dump_json())
        await self.ten_env.send_data(data)

    async def metrics_calculate_duration(self) -> None:
        """Milliseconds of audio from the byte counters (floats, as in the real base)."""
        channels = self.synthesize_audio_channels()
        width = self.synthesize_audio_sample_width()
        rate = self.synthesize_audio_sample_rate()
        self.recv_audio_duration = (self.recv_audio_chunks_len / channels * 1000 / width) / rate
        self.total_recv_audio_duration = (
            self.total_recv_audio_chunks_len / channels * 1000 / width
        ) / rate

    def metrics_add_output_characters(self, characters: int) -> None:
        self.output_characters += characters
        self.total_output_characters += characters

    def metrics_add_input_characters(self, characters: int) -> None:
        self.input_characters += characters
        self.total_input_characters += characters

    def metrics_add_recv_audio_chunks(self, chunks: bytes) -> None:
        self.total_recv_audio_chunks_len += len(chunks)
        self.recv_audio_chunks_len += len(chunks)

    def metrics_reset(self) -> None:
        self.output_characters = 0
        self.input_characters = 0
        self.recv_audio_duration = 0
        self.recv_audio_chunks_len = 0

    async def metrics_connect_delay(
        self,
        connect_delay_ms: int,
        extra_metadata: dict[str, Any] | None = None,
        request_id: str = "",
    ) -> None:
        metrics = ModuleMetrics(
            id=self.get_uuid(),
            module=ModuleType.TTS,
            vendor=self.vendor(),
            metrics={"connect_delay": connect_delay_ms},
            metadata=self.update_metadata(request_id, extra_metadata),
        )
        await self.send_metrics(metrics, request_id)
        self.ten_env.log_debug(f"metrics_connect_delay: {metrics}")

    async def finish_request(
        self,
        request_id: str,
        reason: TTSAudioEndReason = TTSAudioEndReason.REQUEST_END,
        error: ModuleError | None = None,
    ) -> None:
        """Error (if any) -> COMPLETED -> release the first held-back request id.

        It sends no ``tts_audio_end``: subclasses send that first.
        """
        if error:
            await self.send_tts_error(request_id, error)
            self.ten_env.log_info(
                f"Finishing request {request_id} with error: {error.message}",
                category=LOG_CATEGORY_KEY_POINT,
            )
        self._transition_state(
            request_id, RequestState.COMPLETED, f"request finished with reason={reason.value}"
        )
        if self.current_audio_request_id == request_id:
            self.current_audio_request_id = None
        if self._processing_request_id != request_id:
            return
        self._processing_request_id = None
        if not self._pending_messages:
            return
        waiting = list(self._pending_messages)
        self.ten_env.log_info(
            f"Request {request_id} finished, _pending_messages keys (in order): {waiting}, "
            f"will release first: {waiting[0]}",
            category=LOG_CATEGORY_KEY_POINT,
        )
        next_id = waiting[0]
        messages = self._pending_messages.pop(next_id)
        self.ten_env.log_info(
            f"Request {request_id} finished, releasing buffered request {next_id} with "
            f"{len(messages)} messages. Remaining pending messages keys: "
            f"{list(self._pending_messages)}",
            category=LOG_CATEGORY_KEY_POINT,
        )
        self._processing_request_id = next_id
        async with self._put_lock:
            for msg in messages:
                await self.input_queue.put(msg)

    # -- for subclasses --------------------------------------------------------------------

    @abstractmethod
    def vendor(self) -> str:
        raise NotImplementedError("This method should be implemented in subclasses.")

    @abstractmethod
    async def request_tts(self, t: TTSTextInput) -> None:
        raise NotImplementedError("request_tts must be implemented in the subclass")

    @abstractmethod
    def synthesize_audio_sample_rate(self) -> int:
        raise NotImplementedError("This method should be implemented in subclasses.")

    def synthesize_audio_channels(self) -> int:
        return 1

    def synthesize_audio_sample_width(self) -> int:
        return 2

    def get_uuid(self) -> str:
        return uuid.uuid4().hex

    def update_metadata(
        self, request_id: str | None, metadata: dict[str, Any] | None
    ) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        if request_id and request_id in self.metadatas:
            merged = self.metadatas[request_id].copy()
        if metadata:
            merged.update(metadata)
        return merged

    async def cancel_tts(self) -> None:
        """Called by a flush (and by ``on_stop``) while a request is live."""

    async def update_configs(self, configs: dict[str, Any]) -> None:
        """Called by the ``update_configs`` cmd."""

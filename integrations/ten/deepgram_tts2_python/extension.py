"""``deepgram_tts2_python``: a TEN TTS2 extension, a thin adapter over ``deepgram_tts2``.

Each TEN request id is one :class:`deepgram_tts2.SpeakStream`. Chunks are pushed as they
arrive (audio flows before ``text_input_end``; the library segments and keeps Deepgram's Flush
and character budgets); ``text_input_end`` ends the stream and ``request_tts`` waits for the
request's audio to finish, so requests stay serialized as the base class expects. Library
events map 1:1 onto TEN messages::

    AudioStart   -> tts_audio_start
    Metric(ttfb) -> metrics {"ttfb": ms}
    AudioChunk   -> dump write, usage counters, pcm_frame
    Error        -> error (AUTH: FATAL -1000 with vendor_info.code = HTTP status; else NON_FATAL)
    AudioEnd     -> tts_audio_end (1 or 3), usage metrics, finish_request

``tts_flush`` calls :meth:`cancel_tts`: the stream is interrupted (Deepgram ``Clear``), the
request's forwarding stops at once, ``tts_audio_end`` reason 2 is sent and the dump closed.
No Deepgram protocol knowledge lives here.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import pathlib
import re
import time
from collections import OrderedDict
from typing import Any

from pydantic import ValidationError
from ten_ai_base.const import LOG_CATEGORY_KEY_POINT, LOG_CATEGORY_VENDOR
from ten_ai_base.message import ModuleError, ModuleErrorCode, ModuleErrorVendorInfo, ModuleType
from ten_ai_base.struct import TTSAudioEndReason, TTSTextInput
from ten_ai_base.tts2 import AsyncTTS2BaseExtension, RequestState
from ten_runtime import AsyncTenEnv

from deepgram_tts2 import (
    AudioChunk,
    AudioEnd,
    AudioStart,
    ConfigurationError,
    DeepgramTTS,
    EndReason,
    Error,
    Metric,
    SpeakStream,
)

from .config import DeepgramTTS2Config

VENDOR = "deepgram"
DEFAULT_SAMPLE_RATE = 24000
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def dump_file_name(request_id: str) -> str:
    """A file name for ``request_id`` that cannot leave the dump directory.

    Unsafe characters become ``_``; a short hash of the original id keeps distinct ids distinct.
    """
    digest = hashlib.sha256(request_id.encode()).hexdigest()[:10]
    safe = _SAFE.sub("_", request_id).lstrip(".")[:80] or "request"
    return f"{VENDOR}_dump_{safe}_{digest}.pcm"


class _Run:
    """One request id in flight: its stream, forwarding task and bookkeeping."""

    def __init__(self, request_id: str, stream: SpeakStream) -> None:
        self.request_id = request_id
        self.stream = stream
        self.task: asyncio.Task[None] | None = None
        self.audio_started = False
        self.audio_bytes = 0
        self.first_audio_at: float | None = None
        self.cancelled = False
        self.dump: Any = None  # an open binary file, created on the first audio

    def interval_ms(self) -> int:
        if self.first_audio_at is None:
            return 0
        return int((time.monotonic() - self.first_audio_at) * 1000)


class DeepgramTTS2Extension(AsyncTTS2BaseExtension):
    """See the module docstring."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.config: DeepgramTTS2Config | None = None
        self.client: DeepgramTTS | None = None
        self._run: _Run | None = None
        self._finished: OrderedDict[str, None] = OrderedDict()

    # -- TTS2 surface ------------------------------------------------------------------------

    def vendor(self) -> str:
        return VENDOR

    def synthesize_audio_sample_rate(self) -> int:
        # Must never raise, even with a broken config (it is called from on_stop).
        if self.config is None or self.config.sample_rate <= 0:
            return DEFAULT_SAMPLE_RATE
        return self.config.sample_rate

    # -- lifecycle ---------------------------------------------------------------------------

    async def on_init(self, ten_env: AsyncTenEnv) -> None:
        await super().on_init(ten_env)
        config_json, _ = await ten_env.get_property_to_json("")
        try:
            config = DeepgramTTS2Config.model_validate_json(config_json or "{}")
            config.update_params()
            self.config = config
            ten_env.log_info(f"config: {config.to_str()}", category=LOG_CATEGORY_KEY_POINT)
            if not config.api_key:
                raise ConfigurationError("the Deepgram API key (params.api_key) is missing")
            self.client = await self._start_client(config)
        except (ValidationError, ConfigurationError, ValueError) as exc:
            message = f"Initialization failed: {_plain(exc)}"
            ten_env.log_error(message, category=LOG_CATEGORY_KEY_POINT)
            await self.send_tts_error("", _fatal(message, code=""))

    async def on_stop(self, ten_env: AsyncTenEnv) -> None:
        await super().on_stop(ten_env)
        if self.client is not None:
            await self.client.aclose()
            self.client = None

    async def _start_client(self, config: DeepgramTTS2Config) -> DeepgramTTS:
        client = DeepgramTTS(config.to_options())
        await client.start()  # pre-warm; a failure surfaces on the first request
        return client

    # -- requests ----------------------------------------------------------------------------

    async def request_tts(self, t: TTSTextInput) -> None:
        if t.request_id in self._finished or (
            self.request_states.get(t.request_id) is RequestState.COMPLETED
        ):
            # A message for a finished request: ignore it, but unpin the queue (spec 1.5).
            self.ten_env.log_info(f"ignoring input for finished request {t.request_id}")
            await self.finish_request(t.request_id)
            return
        if self.client is None:
            await self._fail_unconfigured(t.request_id)
            return
        run = self._run
        if run is None or run.request_id != t.request_id:
            run = self._begin(t.request_id)
        if t.text.strip():
            self.metrics_add_input_characters(len(t.text))
            self.metrics_add_output_characters(len(t.text))
            self.ten_env.log_debug(
                f"send_text_to_tts_server: {t.request_id} {len(t.text)} chars",
                category=LOG_CATEGORY_VENDOR,
            )
            await run.stream.push(t.text)
        if t.text_input_end:
            await run.stream.end()
            if run.task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(run.task)

    def _begin(self, request_id: str) -> _Run:
        assert self.client is not None
        run = _Run(request_id, self.client.stream(request_id))
        run.task = asyncio.create_task(self._forward(run))
        self._run = run
        return run

    async def _forward(self, run: _Run) -> None:
        """Turn the stream's events into TEN messages until the request ends."""
        error: Error | None = None
        async for event in run.stream:
            if run.cancelled:
                return
            if isinstance(event, AudioChunk):
                await self._on_chunk(run, event.data)
            elif isinstance(event, AudioStart):
                run.audio_started = True
                run.first_audio_at = time.monotonic()
                await self.send_tts_audio_start(run.request_id)
            elif isinstance(event, Metric) and event.name == "ttfb":
                await self.send_tts_ttfb_metrics(
                    run.request_id, int(event.value), extra_metadata={"model": self._model()}
                )
            elif isinstance(event, Error):
                error = event
            elif isinstance(event, AudioEnd):
                if event.reason is EndReason.INTERRUPTED:
                    return  # cancel_tts reports the interruption
                await self._end(run, error)

    async def _on_chunk(self, run: _Run, data: bytes) -> None:
        if run.cancelled:
            return
        self._write_dump(run, data)
        run.audio_bytes += len(data)
        self.metrics_add_recv_audio_chunks(data)
        await self.send_tts_audio_data(data)

    async def _end(self, run: _Run, error: Error | None) -> None:
        if not run.audio_started:
            await self.send_tts_audio_start(run.request_id)  # keeps start -> end ordering
        reason = TTSAudioEndReason.REQUEST_END if error is None else TTSAudioEndReason.ERROR
        await self.send_tts_audio_end(
            run.request_id, run.interval_ms(), self._duration_ms(run.audio_bytes), reason=reason
        )
        await self.send_usage_metrics(run.request_id)
        self._close_dump(run)
        self._remember_finished(run.request_id)
        if self._run is run:
            self._run = None
        module_error = None if error is None else _module_error(error)
        await self.finish_request(
            run.request_id,
            reason=reason,
            error=module_error,
        )

    async def _fail_unconfigured(self, request_id: str) -> None:
        await self.send_tts_audio_start(request_id)
        await self.send_tts_audio_end(request_id, 0, 0, reason=TTSAudioEndReason.ERROR)
        self._remember_finished(request_id)
        await self.finish_request(
            request_id,
            reason=TTSAudioEndReason.ERROR,
            error=_fatal("the extension is not configured: see the initialization error", ""),
        )

    # -- flush -------------------------------------------------------------------------------

    async def cancel_tts(self) -> None:
        run = self._run
        if run is None:
            return
        self._run = None
        run.cancelled = True
        await run.stream.interrupt()  # Deepgram Clear; nothing more of this request is yielded
        if run.task is not None and run.task is not asyncio.current_task():
            run.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await run.task
        if run.audio_started:
            await self.send_tts_audio_end(
                run.request_id,
                run.interval_ms(),
                self._duration_ms(run.audio_bytes),
                reason=TTSAudioEndReason.INTERRUPTED,
            )
        self._close_dump(run)
        self._remember_finished(run.request_id)
        await run.stream.aclose()

    # -- configuration -----------------------------------------------------------------------

    async def update_configs(self, configs: dict[str, Any]) -> None:
        """Apply a new key, model, sample rate or params without restarting the graph.

        Raises:
            ValueError: the new configuration is invalid (the base answers ERROR with it).
        """
        if self.config is None:
            base: dict[str, Any] = {}
        else:
            base = self.config.model_dump()
            base["params"] = {
                **{k: base[k] for k in ("api_key", "base_url", "model", "encoding", "sample_rate")},
                **base["params"],
            }
        merged = {**base, **{k: v for k, v in configs.items() if k != "params"}}
        merged["params"] = {**base.get("params", {}), **configs.get("params", {})}
        try:
            config = DeepgramTTS2Config.model_validate(merged)
            config.update_params()
            if not config.api_key:
                raise ConfigurationError("the Deepgram API key (params.api_key) is missing")
            options = config.to_options()
        except (ValidationError, ConfigurationError) as exc:
            raise ValueError(f"invalid configuration: {_plain(exc)}") from None
        old_client, old_config = self.client, self.config
        self.config = config
        self.ten_env.log_info(f"config: {config.to_str()}", category=LOG_CATEGORY_KEY_POINT)
        if old_client is not None and old_config is not None and old_client.options == options:
            return
        new_client = DeepgramTTS(options)
        await new_client.start()
        self.client = new_client
        if old_client is not None:
            asyncio.get_running_loop().create_task(self._retire(old_client))

    async def _retire(self, client: DeepgramTTS) -> None:
        run = self._run
        if run is not None and run.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(run.task)
        await client.aclose()

    # -- helpers -----------------------------------------------------------------------------

    def _model(self) -> str:
        return self.config.model if self.config else ""

    def _duration_ms(self, nbytes: int) -> int:
        width = self.synthesize_audio_sample_width() * self.synthesize_audio_channels()
        return int(nbytes / (self.synthesize_audio_sample_rate() * width) * 1000)

    def _write_dump(self, run: _Run, data: bytes) -> None:
        if self.config is None or not self.config.dump:
            return
        if run.dump is None:
            directory = pathlib.Path(self.config.dump_path).resolve()
            directory.mkdir(parents=True, exist_ok=True)
            path = (directory / dump_file_name(run.request_id)).resolve()
            if path.parent != directory:  # defence in depth: the name is already safe
                raise ValueError("dump path escapes dump_path")
            run.dump = open(path, "ab")  # noqa: SIM115 - closed at the request's end
        run.dump.write(data)

    def _close_dump(self, run: _Run) -> None:
        if run.dump is not None:
            run.dump.flush()
            run.dump.close()
            run.dump = None

    def _remember_finished(self, request_id: str) -> None:
        self._finished[request_id] = None
        while len(self._finished) > 1000:
            self._finished.popitem(last=False)


def _plain(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _fatal(message: str, code: str) -> ModuleError:
    return ModuleError(
        module=ModuleType.TTS,
        code=int(ModuleErrorCode.FATAL_ERROR.value),
        message=message,
        vendor_info=ModuleErrorVendorInfo(vendor=VENDOR, code=code, message=message),
    )


def _module_error(error: Error) -> ModuleError:
    """AUTH -> FATAL -1000 with the HTTP status as the vendor code; anything else NON_FATAL."""
    code = "" if error.code is None else str(error.code)
    if error.fatal:
        return _fatal(error.message, code)
    return ModuleError(
        module=ModuleType.TTS,
        code=int(ModuleErrorCode.NON_FATAL_ERROR.value),
        message=error.message,
        vendor_info=ModuleErrorVendorInfo(
            vendor=VENDOR, code=error.vendor_code or code, message=error.message
        ),
    )


__all__ = ["DeepgramTTS2Extension", "dump_file_name"]

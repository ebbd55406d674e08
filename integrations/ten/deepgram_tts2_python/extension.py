"""``deepgram_tts2_python``: a TEN TTS2 extension, a thin adapter over ``deepgram_tts2``.

Both of Deepgram's streaming TTS APIs are served with the same properties: an Aura model
(``aura-2-thalia-en``) speaks over ``/v1/speak``, a Flux one (``flux-alexis-en``) over
``/v2/speak``; the library picks the API from the model. Each TEN request id is one
:class:`deepgram_tts2.SpeakStream` (on Flux, one turn). Chunks are pushed as they
arrive (audio flows before ``text_input_end``; the library segments and keeps Deepgram's Flush
and character budgets); ``text_input_end`` ends the stream and ``request_tts`` waits for the
request's audio to finish, so requests stay serialized as the base class expects. Library
events map 1:1 onto TEN messages::

    AudioStart   -> tts_audio_start
    Metric(ttfb) -> metrics {"ttfb": ms}
    AudioChunk   -> dump write, usage counters, pcm_frame
    Error        -> error (AUTH: FATAL -1000 with vendor_info.code = HTTP status; else NON_FATAL)
    AudioEnd     -> [error], tts_audio_end (1, or 3 after an error), usage metrics,
                    finish_request

``tts_flush`` calls :meth:`cancel_tts`: the request's forwarding stops at once and the stream is
interrupted with the audio delivered for the request as the played position (Aura: ``Clear``;
Flux: ``Interrupt`` with that offset, answered by ``SpeechInterrupted``); its end is awaited
(at most the library's ``clear_s`` and a margin), then, when Deepgram said what was heard
(Flux), a ``tts_text_result`` with that text (``text_result_end``, ``metadata.turn_status`` 2),
then ``tts_audio_end`` reason 2; the dump is closed. All of it comes before the base's
``tts_flush_end``.
When the extension is stopping (``on_stop`` also calls ``cancel_tts``, through the base's flush)
the request is interrupted the same way but nothing is sent for it: the graph is going away.

A dump file is created lazily, without following symlinks and without ever overwriting a file
(``O_EXCL | O_NOFOLLOW``, mode 0600; a taken name gets a numeric suffix); a dump failure is
reported once as a NON_FATAL error and the request goes on without its dump. No Deepgram
protocol knowledge lives here.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import json
import os
import re
import time
from collections import OrderedDict
from typing import Any

from ten_ai_base.const import LOG_CATEGORY_KEY_POINT, LOG_CATEGORY_VENDOR
from ten_ai_base.message import (
    ModuleError,
    ModuleErrorCode,
    ModuleErrorVendorInfo,
    ModuleType,
    TTSAudioEndReason,
)
from ten_ai_base.struct import TTSTextInput, TTSTextResult
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

from .config import ConfigError, DeepgramTTS2Config, merge_properties

VENDOR = "deepgram"
DEFAULT_SAMPLE_RATE = 24000
MAX_DUMP_SUFFIX = 100
# How much longer than the library's own bound (``timeouts.clear_s``, within which an
# interrupted stream always ends) a flush waits for the stream's end before it stops waiting.
END_WAIT_MARGIN_S = 0.5
# TEN's ``tts_text_result`` convention (tts_guarder's test_subtitle_alignment, cartesia_tts):
# ``metadata.turn_status`` 1 = the request ended, 2 = it was interrupted.
TURN_STATUS_INTERRUPTED = 2
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")
_DUMP_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def dump_file_name(request_id: str, suffix: int = 0) -> str:
    """A file name for ``request_id`` that cannot leave the dump directory.

    Unsafe characters become ``_``; a short hash of the original id keeps distinct ids distinct;
    ``suffix`` (when a name is already taken) is appended as ``_<n>``.
    """
    digest = hashlib.sha256(request_id.encode()).hexdigest()[:10]
    safe = _SAFE.sub("_", request_id).lstrip(".")[:80] or "request"
    tail = f"_{suffix}" if suffix else ""
    return f"{VENDOR}_dump_{safe}_{digest}{tail}.pcm"


def open_dump_file(directory: str, request_id: str) -> tuple[int, str]:
    """Create a new dump file in ``directory``: never through a symlink, never over a file.

    Returns:
        The open file descriptor and the file's path.

    Raises:
        OSError: the file cannot be created.
    """
    for suffix in range(MAX_DUMP_SUFFIX):
        path = os.path.join(directory, dump_file_name(request_id, suffix))
        try:
            return os.open(path, _DUMP_FLAGS, 0o600), path
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # a symlink (O_NOFOLLOW): leave it, take another name
                continue
            raise
    raise FileExistsError(errno.EEXIST, f"no free dump file name for request in {directory}")


def prepare_dump_directory(path: str) -> str:
    """The absolute dump directory, created (mode 0700) when missing.

    Raises:
        OSError: ``path`` is not a usable directory.
    """
    directory = os.path.abspath(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    if not os.path.isdir(directory):
        raise NotADirectoryError(errno.ENOTDIR, "not a directory")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, "not writable")
    return directory


class _Run:
    """One request id in flight: its stream, forwarding task and bookkeeping."""

    def __init__(self, request_id: str, stream: SpeakStream, end_wait_s: float) -> None:
        self.request_id = request_id
        self.stream = stream
        self.end_wait_s = end_wait_s
        self.task: asyncio.Task[None] | None = None
        self.audio_started = False
        self.audio_bytes = 0
        self.first_audio_at: float | None = None
        self.cancelled = False
        self.reported = False  # its tts_audio_end is (being) sent by _end
        self.end: AudioEnd | None = None  # the stream's end, once it came after cancellation
        self.dump_fd: int | None = None
        self.dump_failed = False

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
        self._properties: dict[str, Any] = {}
        self._run: _Run | None = None
        self._finished: OrderedDict[str, None] = OrderedDict()
        self._stopping = False
        self._dump_dir: str | None = None
        self._dump_error_reported = False

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
        try:
            config_json, err = await ten_env.get_property_to_json("")
            if err is not None:
                raise ConfigError("the extension's properties could not be read")
            config = DeepgramTTS2Config.from_properties(config_json)
            self._properties = json.loads(config_json or "{}")
            self.config = config
            ten_env.log_info(f"config: {config.to_str()}", category=LOG_CATEGORY_KEY_POINT)
            if not config.key:
                raise ConfigError("the Deepgram API key (params.api_key) is missing")
            options = config.to_options()
        except (ConfigError, ConfigurationError) as exc:
            await self._init_failed(_plain(exc))
            return
        except Exception as exc:  # never let on_init raise: the runtime would exit
            await self._init_failed(f"unexpected {type(exc).__name__} while reading the config")
            return
        await self._prepare_dump(config)
        try:
            client = DeepgramTTS(options)
            await client.start()  # pre-warm; a connection failure surfaces on the first request
        except Exception as exc:
            await self._init_failed(f"the client could not start ({type(exc).__name__})")
            return
        self.client = client

    async def _init_failed(self, reason: str) -> None:
        message = f"Initialization failed: {reason}"
        self.ten_env.log_error(message, category=LOG_CATEGORY_KEY_POINT)
        await self.send_tts_error("", _fatal(message, code=""))

    async def _prepare_dump(self, config: DeepgramTTS2Config) -> None:
        self._dump_dir = None
        if not config.dump:
            return
        try:
            self._dump_dir = prepare_dump_directory(config.dump_path)
        except OSError as exc:
            self._dump_error_reported = True
            await self._report_dump_failure(
                "", f"dump_path is not a usable directory ({_why(exc)})"
            )

    async def on_stop(self, ten_env: AsyncTenEnv) -> None:
        # A request cancelled because the graph is stopping is not reported (no tts_audio_end):
        # the base's on_stop flushes and calls cancel_tts, which checks this flag.
        self._stopping = True
        await super().on_stop(ten_env)
        run = self._run
        if run is not None:  # not cancelled by the base (its state was already gone)
            await self._abandon(run)
        if self.client is not None:
            await self.client.aclose()
            self.client = None

    # -- requests ----------------------------------------------------------------------------

    async def request_tts(self, t: TTSTextInput) -> None:
        if t.request_id in self._finished or (
            self.request_states.get(t.request_id) is RequestState.COMPLETED
        ):
            # A message for a finished request: ignore it, but unpin the queue (ten §1.5).
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
        end_wait_s = self.client.options.timeouts.clear_s + END_WAIT_MARGIN_S
        run = _Run(request_id, self.client.stream(request_id), end_wait_s)
        run.task = asyncio.create_task(self._forward(run))
        self._run = run
        return run

    async def _forward(self, run: _Run) -> None:
        """Turn the stream's events into TEN messages until the request ends."""
        try:
            await self._forward_events(run)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug must not wedge the queue: end the request
            if run.cancelled:
                return
            self.ten_env.log_error(f"request {run.request_id} failed: {type(exc).__name__}")
            error = _non_fatal(f"internal error ({type(exc).__name__})", code="")
            await self._end(run, error)

    async def _forward_events(self, run: _Run) -> None:
        error: ModuleError | None = None
        async for event in run.stream:
            if isinstance(event, AudioEnd) and (
                run.cancelled or event.reason is EndReason.INTERRUPTED
            ):
                run.end = event  # cancel_tts reports the interruption
                return
            if run.cancelled:
                continue  # only the end matters now (the library yields no more audio)
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
                error = _module_error(event)
            elif isinstance(event, AudioEnd):
                await self._end(run, error)

    async def _on_chunk(self, run: _Run, data: bytes) -> None:
        if run.cancelled:
            return
        await self._write_dump(run, data)
        run.audio_bytes += len(data)
        self.metrics_add_recv_audio_chunks(data)
        await self.send_tts_audio_data(data)

    async def _end(self, run: _Run, error: ModuleError | None) -> None:
        """Error first (if any), then start (if none yet), end, usage metrics, finish."""
        run.reported = True
        if error is not None:
            await self.send_tts_error(run.request_id, error)
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
        await self.finish_request(run.request_id, reason=reason)

    async def _fail_unconfigured(self, request_id: str) -> None:
        await self.send_tts_error(
            request_id, _fatal("the extension is not configured: see the initialization error", "")
        )
        await self.send_tts_audio_start(request_id)
        await self.send_tts_audio_end(request_id, 0, 0, reason=TTSAudioEndReason.ERROR)
        self._remember_finished(request_id)
        await self.finish_request(request_id, reason=TTSAudioEndReason.ERROR)

    # -- flush and stop ----------------------------------------------------------------------

    async def cancel_tts(self) -> None:
        run = self._run
        if run is None:
            return
        if self._stopping:
            await self._abandon(run)
            return
        delivered_ms = await self._interrupt(run, wait_for_end=True)
        if run.reported:  # it ended by itself just before: its tts_audio_end is out
            await self._release(run)
            return
        if not run.audio_started:  # interrupted before its audio: keep start -> end
            await self.send_tts_audio_start(run.request_id)
        end = run.end
        if end is not None and end.text_spoken is not None:
            await self._send_spoken(run, end, delivered_ms)
        await self.send_tts_audio_end(
            run.request_id,
            run.interval_ms(),
            delivered_ms,
            reason=TTSAudioEndReason.INTERRUPTED,
        )
        await self._release(run)

    async def _interrupt(self, run: _Run, wait_for_end: bool = False) -> int:
        """Stop the request's audio at once and its forwarding task.

        The stream is interrupted with the audio delivered for the request as the played
        position (what the extension knows of the playback; Aura ignores it). With
        ``wait_for_end`` the stream's end is awaited first (``run.end``: on Flux it carries
        what was spoken), within ``run.end_wait_s``.

        Returns:
            The audio delivered for the request, in ms.
        """
        self._run = None
        run.cancelled = True  # no audio is forwarded from now on
        delivered_ms = self._duration_ms(run.audio_bytes)
        with contextlib.suppress(Exception):
            await run.stream.interrupt(played_ms=delivered_ms)
        task = run.task
        if task is not None and task is not asyncio.current_task():
            if wait_for_end and not task.done():
                await asyncio.wait({task}, timeout=run.end_wait_s)
            if not task.done():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        return delivered_ms

    async def _send_spoken(self, run: _Run, end: AudioEnd, delivered_ms: int) -> None:
        """What the listener heard of an interrupted request, as TEN's ``tts_text_result``."""
        extra: dict[str, Any] = {"turn_seq_id": 0, "turn_status": TURN_STATUS_INTERRUPTED}
        if end.text_remaining is not None:
            extra["text_remaining"] = end.text_remaining
        result = TTSTextResult(
            request_id=run.request_id,
            text=end.text_spoken or "",
            start_ms=0,
            duration_ms=delivered_ms,
            words=[],
            text_result_end=True,
            metadata=self.update_metadata(run.request_id, extra),
        )
        self.ten_env.log_info(
            f"request {run.request_id} interrupted after {delivered_ms} ms: "
            f"{len(result.text)} characters spoken",
            category=LOG_CATEGORY_KEY_POINT,
        )
        await self.send_tts_text_result(result)

    async def _release(self, run: _Run) -> None:
        self._close_dump(run)
        self._remember_finished(run.request_id)
        with contextlib.suppress(Exception):
            await run.stream.aclose()

    async def _abandon(self, run: _Run) -> None:
        """The graph is stopping: interrupt the request and send nothing for it."""
        self.ten_env.log_info(
            f"request {run.request_id} interrupted by on_stop (not reported)",
            category=LOG_CATEGORY_KEY_POINT,
        )
        await self._interrupt(run)
        await self._release(run)

    # -- configuration -----------------------------------------------------------------------

    async def update_configs(self, configs: dict[str, Any]) -> None:
        """Apply a new key, model, sample rate or params without restarting the graph.

        Raises:
            ValueError: the new configuration is invalid (the base answers ERROR with it).
        """
        try:
            if not isinstance(configs, dict):
                raise ConfigError("the configs must be a JSON object")
            merged = merge_properties(self._properties, configs)
            config = DeepgramTTS2Config.from_properties(merged)
            if not config.key:
                raise ConfigError("the Deepgram API key (params.api_key) is missing")
            options = config.to_options()
        except (ConfigError, ConfigurationError) as exc:
            raise ValueError(f"invalid configuration: {_plain(exc)}") from None
        old_client = self.client
        self._properties, self.config = merged, config
        self.ten_env.log_info(f"config: {config.to_str()}", category=LOG_CATEGORY_KEY_POINT)
        await self._prepare_dump(config)
        if old_client is not None and old_client.options == options:
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

    # -- dumps -------------------------------------------------------------------------------

    async def _write_dump(self, run: _Run, data: bytes) -> None:
        """Append ``data`` to the request's dump; any failure is reported once, then ignored."""
        if self._dump_dir is None or run.dump_failed:
            return
        try:
            if run.dump_fd is None:
                run.dump_fd, _ = open_dump_file(self._dump_dir, run.request_id)
            view = memoryview(data)
            while view:
                written = os.write(run.dump_fd, view)
                view = view[written:]
        except OSError as exc:
            run.dump_failed = True
            self._close_dump(run)
            message = f"the dump of request {run.request_id} failed ({_why(exc)})"
            if self._dump_error_reported:
                self.ten_env.log_warn(message)
                return
            self._dump_error_reported = True
            await self._report_dump_failure(run.request_id, message)

    async def _report_dump_failure(self, request_id: str, message: str) -> None:
        self.ten_env.log_warn(message, category=LOG_CATEGORY_KEY_POINT)
        await self.send_tts_error(request_id, _non_fatal(f"{message}; audio is not dumped", ""))

    def _close_dump(self, run: _Run) -> None:
        if run.dump_fd is not None:
            with contextlib.suppress(OSError):
                os.close(run.dump_fd)
            run.dump_fd = None

    # -- helpers -----------------------------------------------------------------------------

    def _model(self) -> str:
        return self.config.model if self.config else ""

    def _duration_ms(self, nbytes: int) -> int:
        width = self.synthesize_audio_sample_width() * self.synthesize_audio_channels()
        return int(nbytes / (self.synthesize_audio_sample_rate() * width) * 1000)

    def _remember_finished(self, request_id: str) -> None:
        self._finished[request_id] = None
        while len(self._finished) > 1000:
            self._finished.popitem(last=False)


def _plain(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _fatal(message: str, code: str) -> ModuleError:
    return ModuleError(
        module=ModuleType.TTS,
        code=int(ModuleErrorCode.FATAL_ERROR.value),
        message=message,
        vendor_info=ModuleErrorVendorInfo(vendor=VENDOR, code=code, message=message),
    )


def _non_fatal(message: str, code: str) -> ModuleError:
    return ModuleError(
        module=ModuleType.TTS,
        code=int(ModuleErrorCode.NON_FATAL_ERROR.value),
        message=message,
        vendor_info=ModuleErrorVendorInfo(vendor=VENDOR, code=code, message=message),
    )


def _module_error(error: Error) -> ModuleError:
    """AUTH -> FATAL -1000 with the HTTP status as the vendor code; anything else NON_FATAL."""
    code = "" if error.code is None else str(error.code)
    if error.fatal:
        return _fatal(error.message, code)
    return _non_fatal(error.message, error.vendor_code or code)


__all__ = ["DeepgramTTS2Extension", "dump_file_name", "open_dump_file", "prepare_dump_directory"]

"""Options of the client: one frozen, validated object.

``TTSOptions()`` (or ``TTSOptions.create(...)``) with ``DEEPGRAM_API_KEY`` set talks to Deepgram
with sensible defaults: the key is read from the environment by pydantic-settings whenever it is
not given. Every number in the failure table of ``docs/client.md`` (attempts, windows, thresholds,
deadlines) is an option here, with its default documented on the field. Invalid options raise
:class:`~deepgram_tts2.exceptions.ConfigurationError` (a ``ValueError``) from either
construction; its message names the fields and the problems, never their values.

The API key is a ``SecretStr``: it never appears in ``repr``, ``str``, a model dump or an error.
Surrounding whitespace (a key read from a file ends in a newline) is stripped; any other
control character, or a character outside ASCII, is refused, since it cannot travel in an HTTP
header.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from deepgram_tts2.exceptions import ConfigurationError
from deepgram_tts2.fleet.options import FleetOptions
from deepgram_tts2.protocol.audio import ENCODING_RULES, Container, Encoding, PcmFormat
from deepgram_tts2.protocol.v1.limits import (
    BUDGET_WINDOW_S,
    CHARS_PER_WINDOW,
    CONNECTION_LIFETIME_S,
    FLUSHES_PER_WINDOW,
    MAX_SPEAK_CHARS,
)
from deepgram_tts2.protocol.v1.models import DEFAULT_CLIENT_MODEL, is_well_formed_model
from deepgram_tts2.protocol.v1.segmenter import SegmenterPolicy
from deepgram_tts2.protocol.v1.url import SPEED_RANGE, ExtraValue, SpeakParams, format_extra
from deepgram_tts2.protocol.v2 import audio as flux_audio
from deepgram_tts2.protocol.v2 import url as flux_url
from deepgram_tts2.protocol.v2.models import is_flux_model
from deepgram_tts2.resilience.backoff import BackoffPolicy
from deepgram_tts2.resilience.breaker import BreakerPolicy

DEFAULT_URL = "wss://api.deepgram.com/v1/speak"
API_KEY_ENV = "DEEPGRAM_API_KEY"
BASE_URL_ENV = "DEEPGRAM_TTS_BASE_URL"  # e.g. a local emulator for every client of a process
Generation = Literal["v1", "v2"]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Timeouts(BaseModel):
    """Per-phase deadlines, in seconds.

    Attributes:
        connect_s: getting a socket: the wait in the pool's queue plus TCP, TLS and the
            WebSocket handshake (5 s). Past it a waiting request fails with phase ``queue``
            (every socket busy) or ``connect``; with ``transport="auto"`` it goes to REST.
        first_audio_s: from the first Flush of a request to its first audio byte (5 s).
        stall_s: longest silence between two audio frames while audio is owed (5 s).
        flush_s: from the final Flush to its ``Flushed`` once audio stopped (10 s).
        clear_s: from ``Clear`` to ``Cleared``; past it the socket is replaced (1 s).
        close_s: graceful close of a socket (2 s).
        rest_s: one REST request, body included (30 s); between body chunks ``stall_s``, before
            the first audio ``first_audio_s`` (from when it was sent).
        request_s: optional overall deadline of one request from its creation, over every
            transport and retry (None = off; every phase is bounded anyway).
        consumer_s: longest time a stream's audio queue may stay full because nobody reads it;
            past it the request is abandoned and its socket freed (30 s; None = wait forever).
            Time spent waiting on the consumer never counts against the server's deadlines.
    """

    model_config = _FROZEN

    connect_s: float = Field(default=5.0, gt=0)
    first_audio_s: float = Field(default=5.0, gt=0)
    stall_s: float = Field(default=5.0, gt=0)
    flush_s: float = Field(default=10.0, gt=0)
    clear_s: float = Field(default=1.0, gt=0)
    close_s: float = Field(default=2.0, gt=0)
    rest_s: float = Field(default=30.0, gt=0)
    request_s: float | None = Field(default=None, gt=0)
    consumer_s: float | None = Field(default=30.0, gt=0)


class RetryOptions(BaseModel):
    """Reconnect policy: exponential backoff with full jitter, bounded by attempts and time.

    Attributes:
        max_attempts: connection attempts per request, the first included (4).
        initial_s / max_s / multiplier: the backoff curve (0.1 s doubling up to 2 s).
        max_elapsed_s: give up once this much time went into retrying (10 s).
    """

    model_config = _FROZEN

    max_attempts: int = Field(default=4, ge=1)
    initial_s: float = Field(default=0.1, gt=0)
    max_s: float = Field(default=2.0, gt=0)
    multiplier: float = Field(default=2.0, ge=1)
    max_elapsed_s: float = Field(default=10.0, gt=0)

    def policy(self) -> BackoffPolicy:
        """The pure backoff policy these options describe."""
        return BackoffPolicy(
            initial_s=self.initial_s,
            max_s=self.max_s,
            multiplier=self.multiplier,
            max_attempts=self.max_attempts,
            max_elapsed_s=self.max_elapsed_s,
        )


class BreakerOptions(BaseModel):
    """Circuit breaker of the WebSocket endpoint.

    Attributes:
        failure_threshold: failures within ``failure_window_s`` that open it (5 in 30 s).
        cooldown_s: how long it stays open before a probe (10 s).
        half_open_max_probes: requests admitted while probing (1).
    """

    model_config = _FROZEN

    failure_threshold: int = Field(default=5, ge=1)
    failure_window_s: float = Field(default=30.0, gt=0)
    cooldown_s: float = Field(default=10.0, gt=0)
    half_open_max_probes: int = Field(default=1, ge=1)

    def policy(self) -> BreakerPolicy:
        """The pure breaker policy these options describe."""
        return BreakerPolicy(
            failure_threshold=self.failure_threshold,
            failure_window_s=self.failure_window_s,
            cooldown_s=self.cooldown_s,
            half_open_max_probes=self.half_open_max_probes,
        )


class Limits(BaseModel):
    """Bounds on resources and Deepgram's per-connection budgets.

    Attributes:
        pool_size: most WebSockets open at once; one stream uses one socket at a time (4).
        prewarm: sockets opened when the client starts (1).
        max_queued_requests: streams waiting for a socket before ``QueueFullError`` (64).
        audio_queue_bytes: audio buffered per stream before the socket's reader waits for the
            consumer (backpressure, 1 MiB, about 20 s of 24 kHz linear16).
        max_frame_bytes: largest WebSocket frame accepted from the server; a bigger one closes
            the socket (1009) and fails the request (256 KiB; Deepgram's frames are a few KB).
        budget_move_s: a request whose next message would wait longer than this for its
            socket's budget moves, at a sentence boundary, to another socket (0.25 s).
        rest_parallel: REST requests of one stream in flight at once (pieces are delivered in
            order; 2).
        rest_buffer_bytes: audio of later REST pieces held while an earlier one plays (8 MiB).
        max_pending_chars: text pushed but not yet sent, per stream, before ``push`` waits (20000).
        max_age_s: sockets are replaced between requests after this age, before Deepgram's
            60-minute lifetime closes them (3300).
        ping_interval_s / ping_timeout_s: WebSocket pings on idle sockets (20 s / 10 s).
        chars_per_window / flushes_per_window / window_s: Deepgram's budgets (2400 characters
            and 20 Flushes per 60 s), accounted per socket.
        max_speak_chars: longest Speak text (2000).
    """

    model_config = _FROZEN

    pool_size: int = Field(default=4, ge=1, le=1024)
    prewarm: int = Field(default=1, ge=0)
    max_queued_requests: int = Field(default=64, ge=0)
    audio_queue_bytes: int = Field(default=1 << 20, ge=1024)
    max_frame_bytes: int = Field(default=256 * 1024, ge=1024)
    budget_move_s: float = Field(default=0.25, ge=0)
    rest_parallel: int = Field(default=2, ge=1, le=16)
    rest_buffer_bytes: int = Field(default=8 << 20, ge=1024)
    max_pending_chars: int = Field(default=20_000, ge=1)
    max_age_s: float = Field(default=CONNECTION_LIFETIME_S - 300.0, gt=0)
    ping_interval_s: float | None = Field(default=20.0, gt=0)
    ping_timeout_s: float | None = Field(default=10.0, gt=0)
    chars_per_window: int = Field(default=CHARS_PER_WINDOW, ge=1)
    flushes_per_window: int = Field(default=FLUSHES_PER_WINDOW, ge=1)
    window_s: float = Field(default=BUDGET_WINDOW_S, gt=0)
    max_speak_chars: int = Field(default=MAX_SPEAK_CHARS, ge=1, le=MAX_SPEAK_CHARS)

    @model_validator(mode="after")
    def _prewarm_fits(self) -> Limits:
        if self.prewarm > self.pool_size:
            raise ValueError("prewarm must not exceed pool_size")
        return self


_ILLEGAL_KEY_CHARS = re.compile(r"[^\x21-\x7e]")


def _describe(exc: ValidationError) -> str:
    """pydantic's errors as ``field: problem`` lines, without values or pydantic's prefixes."""
    problems = []
    for err in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(p) for p in err["loc"])
        message = str(err["msg"])
        for prefix in ("Value error, ", "Assertion failed, "):
            message = message.removeprefix(prefix)
        problems.append(f"{where}: {message}" if where else message)
    return "invalid options: " + "; ".join(problems)


class TTSOptions(BaseSettings):
    """Everything :class:`~deepgram_tts2.DeepgramTTS` can be told.

    Attributes:
        api_key: Deepgram API key; defaults to ``$DEEPGRAM_API_KEY``. Never shown.
        base_url: Deepgram's endpoint (``wss://api.deepgram.com/v1/speak``; default from
            ``$DEEPGRAM_TTS_BASE_URL`` when set, e.g. a local emulator); ``ws://`` and
            ``http(s)://`` are accepted (the scheme is mapped for each transport); the path is
            the model's API (``/v1/speak`` or ``/v2/speak``) when the URL has none or names
            the other one.
        model: the voice; it also picks the API: ``aura-*`` / ``aura-2-*`` speak on Aura
            (``/v1/speak``), ``flux-*`` on Flux TTS (``/v2/speak``, turn-based).
        encoding / sample_rate / speed / mip_opt_out: Deepgram's query parameters. The socket
            streams only linear16, mulaw and alaw. ``speed`` is 0.7-1.5 on Aura, 0.5-1.5 in 0.05
            steps on Flux (where a stream can also change it mid-session).
        expressivity: Flux only (an integer, flux §1.3).
        container / bit_rate: sent as given when set (the socket only knows ``container=none``;
            ``bit_rate`` is accepted leniently there, aura §2.1); unset by default.
        extra_query: other query parameters, passed through as given.
        transport: ``auto`` (WebSocket, REST when the socket is unavailable), ``websocket``
            (never REST) or ``rest`` (REST only).
        metrics_port / metrics_host: when a port is set (0 = any free one), ``start()`` serves
            ``/metrics``, ``/healthz`` and ``/readyz`` there (default host 127.0.0.1).
        permessage_deflate: offer WebSocket compression (off: PCM hardly compresses, and
            deflate doubles the CPU spent per audio chunk; whether Deepgram accepts it is not
            documented).
        fleet: fleet coordination (docs/fleet.md): the concurrency governor every socket and
            REST request takes a lease from (in-process by default; Redis shared by every
            process naming the same ``fleet.redis_url`` and ``fleet.project``), and the phrase
            cache (nothing cached unless ``fleet.cache.max_chars`` or ``phrases`` is set).
    """

    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",
        hide_input_in_errors=True,
        populate_by_name=True,
        env_prefix="DEEPGRAM_TTS_UNUSED_",  # only api_key and base_url (aliases) come from env
        env_ignore_empty=True,
    )

    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("api_key", API_KEY_ENV)
    )
    base_url: str = Field(
        default=DEFAULT_URL, validation_alias=AliasChoices("base_url", BASE_URL_ENV)
    )
    model: str = DEFAULT_CLIENT_MODEL
    encoding: Literal["linear16", "mulaw", "alaw"] = "linear16"
    sample_rate: int | None = None
    speed: float | None = None
    expressivity: int | None = None
    mip_opt_out: bool | None = None
    container: Literal["none"] | None = None
    bit_rate: int | None = Field(default=None, gt=0)
    extra_query: dict[str, ExtraValue] = Field(default_factory=dict)
    transport: Literal["auto", "websocket", "rest"] = "auto"
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"
    permessage_deflate: bool = False
    timeouts: Timeouts = Timeouts()
    retry: RetryOptions = RetryOptions()
    breaker: BreakerOptions = BreakerOptions()
    limits: Limits = Limits()
    segmenter: SegmenterPolicy = Field(default_factory=SegmenterPolicy)
    fleet: FleetOptions = FleetOptions()

    def __init__(self, **values: Any) -> None:
        """Validate ``values`` (and read ``DEEPGRAM_API_KEY`` when no key is given).

        Raises:
            ConfigurationError: invalid options; the message never contains a value.
        """
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise ConfigurationError(_describe(exc)) from None

    @field_validator("api_key", mode="before")
    @classmethod
    def _clean_key(cls, value: object) -> object:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError("must be a string")  # never echo what it was
        # Only what a file or a shell leaves around a key (spaces, tabs, line ends) is dropped;
        # any other surrounding character is refused below, never silently removed.
        key = value.strip(" \t\r\n")
        if not key:
            return None
        bad = _ILLEGAL_KEY_CHARS.search(key)
        if bad is not None:
            char = ord(bad.group())
            kind = (
                "a space"
                if char == 0x20
                else "a control character"
                if char < 0x80
                else "a non-ASCII character"
            )
            raise ValueError(
                f"contains {kind} at position {bad.start()} (an HTTP header cannot carry it)"
            )
        return key

    @field_validator("base_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        # The messages never quote the URL: it may carry credentials.
        parts = urlsplit(value)
        if parts.scheme not in ("ws", "wss", "http", "https") or not parts.netloc:
            raise ValueError("base_url must be a ws://, wss://, http:// or https:// URL")
        try:
            port = parts.port  # raises ValueError for a port that is not a number in 0-65535
        except ValueError:
            raise ValueError("base_url has a port that is not a number from 1 to 65535") from None
        if not parts.hostname or port == 0:
            raise ValueError("base_url needs a host name (and a port from 1 to 65535, if any)")
        if parts.username is not None or parts.password is not None:
            raise ValueError("base_url must not carry credentials: the key goes in api_key")
        if parts.query or parts.fragment:
            raise ValueError("base_url must not carry a query: use extra_query for parameters")
        return value

    @field_validator("model")
    @classmethod
    def _check_model(cls, value: str) -> str:
        if not (is_well_formed_model(value) or is_flux_model(value)):
            raise ValueError(  # the value is not quoted: a key pasted in the wrong field
                "model is neither an Aura model id (aura[-2]-<voice>-<lang>, /v1/speak) nor a "
                "Flux one (flux-<voice>-<lang>, /v2/speak)"
            )
        return value

    @field_validator("extra_query")
    @classmethod
    def _check_extra(cls, value: dict[str, ExtraValue]) -> dict[str, ExtraValue]:
        format_extra(value)  # raises ValueError on collisions or non-scalars
        return value

    @model_validator(mode="after")
    def _check_generation(self) -> TTSOptions:
        """Rates, speed and expressivity as the model's API allows them (aura §2.1, flux §1.3)."""
        encoding = Encoding(self.encoding)
        if self.generation == "v2":
            rates = flux_audio.sample_rates(encoding)
            if self.speed is not None and (why := flux_url.check_speed(self.speed)) is not None:
                raise ValueError(f"speed: {why[1]} for Flux")
            bad = (
                None
                if self.expressivity is None
                else flux_url.check_expressivity(self.expressivity)
            )
            if bad is not None:
                raise ValueError(f"expressivity: {bad[1]}")
            if set(self.extra_query) - {"tag"}:  # the v2 query has no pass-through (flux §1.3)
                raise ValueError("extra_query takes only 'tag' for Flux (/v2/speak)")
        else:
            rates = ENCODING_RULES[encoding].sample_rates
            if self.speed is not None and not SPEED_RANGE[0] <= self.speed <= SPEED_RANGE[1]:
                low, high = SPEED_RANGE
                raise ValueError(f"speed must be within {low}..{high} for Aura")
            if self.expressivity is not None:
                raise ValueError("expressivity is a Flux (/v2/speak) parameter, not an Aura one")
        if self.sample_rate is not None and self.sample_rate not in rates:
            allowed = ", ".join(str(r) for r in rates)
            raise ValueError(f"sample_rate for {self.encoding} must be one of {allowed}")
        return self

    @classmethod
    def create(cls, **kwargs: Any) -> TTSOptions:
        """Build options; the same as ``TTSOptions(**kwargs)``.

        Raises:
            ConfigurationError: invalid options, naming the fields, never their values.
        """
        return cls(**kwargs)

    def segmenter_policy(self) -> SegmenterPolicy:
        """The segmenter's policy with Speak texts bounded by every limit that applies."""
        limit = min(
            self.segmenter.max_speak_chars,
            self.limits.max_speak_chars,
            self.limits.chars_per_window,
        )
        return dataclasses.replace(self.segmenter, max_speak_chars=limit)

    # -- derived values -----------------------------------------------------------------------

    @property
    def generation(self) -> Generation:
        """``v2`` (Flux, ``/v2/speak``) for a ``flux-*`` model, else ``v1`` (Aura)."""
        return "v2" if is_flux_model(self.model) else "v1"

    @property
    def pcm_format(self) -> PcmFormat:
        """The PCM format of the audio this client yields."""
        encoding = Encoding(self.encoding)
        if self.generation == "v2":
            # Flux's socket default for G.711 is undocumented (flux Q-11): ask explicitly.
            rate = self.sample_rate or (
                flux_audio.NATIVE_SAMPLE_RATE if encoding is Encoding.LINEAR16 else 8000
            )
            return flux_audio.FluxPcmFormat(encoding, rate)
        rate = self.sample_rate or ENCODING_RULES[encoding].default_sample_rate
        return PcmFormat(encoding, rate)

    def flux_params(self, rest: bool = False) -> flux_url.FluxParams:
        """The ``/v2/speak`` query (REST asks for raw PCM, ``container=none``)."""
        extra = format_extra(self.extra_query)
        tags = tuple(value for key, value in extra if key == "tag")
        return flux_url.FluxParams(
            model=self.model,
            encoding=Encoding(self.encoding),
            sample_rate=self.pcm_format.sample_rate,
            speed=self.speed,
            expressivity=self.expressivity,
            mip_opt_out=self.mip_opt_out,
            tags=tags,
            container=Container.NONE if rest else None,
        )

    def speak_params(self) -> SpeakParams:
        """The query parameters of both transports (REST adds ``container=none``)."""
        return SpeakParams(
            model=self.model,
            encoding=Encoding(self.encoding),
            sample_rate=self.pcm_format.sample_rate,
            speed=self.speed,
            mip_opt_out=self.mip_opt_out,
            container=None if self.container is None else Container(self.container),
            bit_rate=self.bit_rate,
            extra=format_extra(self.extra_query),
        )

    @property
    def websocket_url(self) -> str:
        """The endpoint with a ``ws``/``wss`` scheme and the model's path (no query)."""
        return _with_scheme(self.base_url, {"http": "ws", "https": "wss"}, self.generation)

    @property
    def rest_url(self) -> str:
        """The endpoint with an ``http``/``https`` scheme and the model's path (no query)."""
        return _with_scheme(self.base_url, {"ws": "http", "wss": "https"}, self.generation)

    def require_key(self) -> str:
        """The API key in clear, for the Authorization header only.

        Raises:
            ConfigurationError: when no key was given and ``DEEPGRAM_API_KEY`` is unset.
        """
        if self.api_key is None or not self.api_key.get_secret_value():
            raise ConfigurationError(f"no Deepgram API key: pass api_key or set {API_KEY_ENV}")
        return self.api_key.get_secret_value()


def _with_scheme(url: str, mapping: dict[str, str], generation: Generation) -> str:
    """``url`` with the transport's scheme; the path of the model's API when the URL names
    none or the other API's (``.../v1/speak`` <-> ``.../v2/speak``), else as given."""
    parts = urlsplit(url)
    scheme = mapping.get(parts.scheme, parts.scheme)
    path = parts.path
    if path in ("", "/"):
        path = f"/{generation}/speak"
    elif path.rstrip("/").endswith(("/v1/speak", "/v2/speak")):
        path = path.rstrip("/")[: -len("v1/speak")] + f"{generation}/speak"
    return urlunsplit((scheme, parts.netloc, path, "", ""))

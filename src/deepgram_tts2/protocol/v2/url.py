"""Query parameters of ``/v2/speak``: building them (client) and validating them (server).

The socket accepts only ``model`` (required, ``flux-{voice}-{language}``), ``encoding``,
``sample_rate`` (an integer), ``speed`` (0.5-1.5 in 0.05 steps), ``expressivity`` (-2..2,
integral), ``mip_opt_out`` and repeatable ``tag``; unknown, misspelled or batch-only parameters
(``container``, ``bit_rate``, ``callback``, ``callback_method``, ``priority``) fail the
connection (flux §1.3). REST adds those five (flux §5.1). Rejections are HTTP 400 with
Deepgram's body ``{"err_code","err_msg","request_id"}`` (flux §8 item 1); codes of flux §2.4
"Connection-rejection codes" where Deepgram names them, ``INVALID_QUERY_PARAMETER`` with v1's
wording elsewhere (the exact codes are unpublished, Q-5).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from deepgram_tts2.compat import StrEnum
from deepgram_tts2.protocol.audio import ENCODING_RULES, Container, Encoding
from deepgram_tts2.protocol.errors import QueryError as QueryError  # re-exported
from deepgram_tts2.protocol.fields import query_float, query_unsigned
from deepgram_tts2.protocol.v2.audio import (
    MP3_BIT_RATES,
    NATIVE_SAMPLE_RATE,
    STREAMING_ENCODINGS,
    default_container,
    sample_rates,
)
from deepgram_tts2.protocol.v2.codes import HandshakeCode
from deepgram_tts2.protocol.v2.models import is_flux_model, is_known_model

SPEED_RANGE = (0.5, 1.5)  # since 2026-08-31 (flux §1.3)
LEGACY_SPEED_RANGE = (0.85, 1.15)  # GA 2026-08-12 .. 08-31
SPEED_STEP = 0.05
EXPRESSIVITY_RANGE = (-2, 2)
WS_PARAMS = frozenset(
    {"model", "encoding", "sample_rate", "speed", "expressivity", "mip_opt_out", "tag"}
)
REST_ONLY_PARAMS = frozenset({"container", "bit_rate", "callback", "callback_method", "priority"})
PATH = "/v2/speak"


class Transport(StrEnum):
    """Which transport of ``/v2/speak`` a parameter set is for."""

    WEBSOCKET = "websocket"
    REST = "rest"


@dataclass(frozen=True)
class FluxParams:
    """One parameter set. ``None`` means "not sent: Deepgram's default"."""

    model: str
    encoding: Encoding | None = None
    sample_rate: int | None = None
    speed: float | None = None
    expressivity: int | None = None
    mip_opt_out: bool | None = None
    tags: tuple[str, ...] = ()
    container: Container | None = None  # REST only
    bit_rate: int | None = None  # REST only
    callback: str | None = None  # REST only
    callback_method: str | None = None  # REST only
    priority: str | None = None  # REST only

    def effective_encoding(self, transport: Transport) -> Encoding:
        """linear16 on the socket, mp3 on REST unless set (flux §1.3, §5.1)."""
        if self.encoding is not None:
            return self.encoding
        return Encoding.LINEAR16 if transport is Transport.WEBSOCKET else Encoding.MP3

    def effective_sample_rate(self, transport: Transport, g711_default: int = 8000) -> int:
        """The rate the server uses: as set, else 24000 for linear16 ("model native"),
        ``g711_default`` for mulaw/alaw (undocumented, Q-11), the codec's fixed rate otherwise."""
        if self.sample_rate is not None:
            return self.sample_rate
        encoding = self.effective_encoding(transport)
        if encoding is Encoding.LINEAR16:
            return NATIVE_SAMPLE_RATE
        if encoding in (Encoding.MULAW, Encoding.ALAW):
            return g711_default
        return ENCODING_RULES[encoding].default_sample_rate

    def effective_container(self, transport: Transport) -> Container | None:
        """Always none on the socket; the encoding's default on REST unless set."""
        if transport is Transport.WEBSOCKET:
            return Container.NONE
        return (
            self.container
            if self.container is not None
            else default_container(self.effective_encoding(transport))
        )

    def to_query(self) -> list[tuple[str, str]]:
        """Query items in a stable order; unset parameters omitted, booleans lowercase."""
        items: list[tuple[str, str]] = [("model", self.model)]
        optional: list[tuple[str, object]] = [
            ("encoding", self.encoding),
            ("sample_rate", self.sample_rate),
            ("speed", None if self.speed is None else repr(float(self.speed))),
            ("expressivity", self.expressivity),
            ("mip_opt_out", None if self.mip_opt_out is None else str(self.mip_opt_out).lower()),
            ("container", self.container),
            ("bit_rate", self.bit_rate),
            ("callback", self.callback),
            ("callback_method", self.callback_method),
            ("priority", self.priority),
        ]
        items.extend((k, str(v)) for k, v in optional if v is not None)
        items.extend(("tag", tag) for tag in self.tags)
        return items


def build_url(base_url: str, params: FluxParams) -> str:
    """Full request URL: ``base_url`` (any path is replaced by ``/v2/speak``, flux §1.1:
    "a client must swap the path segment") plus the query."""
    parts = urlsplit(base_url)
    return urlunsplit((parts.scheme, parts.netloc, PATH, urlencode(params.to_query()), ""))


def _deserialize_error(detail: str) -> QueryError:
    return QueryError(
        HandshakeCode.INVALID_QUERY_PARAMETER, f"Failed to deserialize query parameters: {detail}"
    )


def _format_error(detail: str) -> QueryError:
    return QueryError(HandshakeCode.INVALID_QUERY_PARAMETER, f"Unsupported audio format: {detail}")


def check_speed(
    speed: float, speed_range: tuple[float, float] = SPEED_RANGE
) -> tuple[HandshakeCode, str] | None:
    """Why ``speed`` is refused (code and Deepgram's wording, flux §2.3), or None.

    Any decimal that is a 0.05 multiple inside the range is accepted (flux §1.3 note: "accept
    any decimal that parses to a 0.05 multiple").
    """
    low, high = speed_range
    if not math.isfinite(speed) or not low - 1e-9 <= speed <= high + 1e-9:
        return HandshakeCode.SPEED_OUT_OF_RANGE, f"'speed' must be between {low} and {high}"
    steps = speed / SPEED_STEP
    if abs(steps - round(steps)) > 1e-6:
        return (
            HandshakeCode.SPEED_INCREMENT_INVALID,
            f"'speed' must be provided in increments of {SPEED_STEP}",
        )
    return None


def check_expressivity(value: float) -> tuple[HandshakeCode, str] | None:
    """Why ``expressivity`` is refused: out of range first, then not integral (flux §1.3:
    "parsed as a float and then checked for integrality")."""
    low, high = EXPRESSIVITY_RANGE
    if not math.isfinite(value) or not low <= value <= high:
        return (
            HandshakeCode.EXPRESSIVITY_OUT_OF_RANGE,
            f"'expressivity' must be between {low} and {high}",
        )
    if value != int(value):
        return HandshakeCode.EXPRESSIVITY_INCREMENT_INVALID, "'expressivity' must be an integer"
    return None


@dataclass(frozen=True)
class QueryRules:
    """Server-side choices where Deepgram is silent (see the emulator's v2 options)."""

    require_known_model: bool = True
    speed_range: tuple[float, float] = SPEED_RANGE
    runtime_speed_supported: bool = True
    g711_default_sample_rate: int | None = 8000  # None: an omitted rate is refused


class _Rejected(Exception):
    """Internal: carries a :class:`QueryError` out of a helper; never escapes this module."""

    def __init__(self, error: QueryError) -> None:
        super().__init__(error.err_msg)
        self.error = error


def _collect(
    items: Iterable[tuple[str, str]], transport: Transport
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Raw values (last one wins) and tags; an unknown or batch-only parameter is refused."""
    allowed = WS_PARAMS | (REST_ONLY_PARAMS if transport is Transport.REST else frozenset())
    raw: dict[str, str] = {}
    tags: list[str] = []
    for key, value in items:
        if key not in allowed:
            where = "streaming" if key in REST_ONLY_PARAMS else "this endpoint"
            raise _Rejected(
                QueryError(
                    HandshakeCode.INVALID_QUERY_PARAMETER,
                    f"Unsupported query parameter `{key}` for {where}.",
                )
            )
        if key == "tag":
            tags.append(value)
        else:
            raw[key] = value
    return raw, tuple(tags)


def _check_model(raw: dict[str, str], rules: QueryRules) -> str:
    model = raw.get("model")
    if not model:
        raise _Rejected(
            QueryError(HandshakeCode.BAD_REQUEST, "Missing required query parameter `model`.")
        )
    if model.startswith("aura"):
        raise _Rejected(
            QueryError(
                HandshakeCode.BAD_REQUEST,
                "Aura models are not supported on /v2/speak; use /v1/speak for Aura voices.",
            )
        )
    if not is_flux_model(model) or (rules.require_known_model and not is_known_model(model)):
        raise _Rejected(
            QueryError(
                HandshakeCode.BAD_REQUEST,
                "Bad Request: No such model/language/tier combination found.",
            )
        )
    return model


def _number(raw: dict[str, str], key: str) -> float | None:
    if key not in raw:
        return None
    value = query_float(raw[key])
    if value is None:
        raise _Rejected(_deserialize_error(f"invalid float literal for `{key}`"))
    return value


def _integer(raw: dict[str, str], key: str) -> int | None:
    if key not in raw:
        return None
    value = query_unsigned(raw[key])  # "24000.0" is refused: the type is unsigned (flux §1.3)
    if value is None:
        raise _Rejected(_deserialize_error(f"invalid digit found in `{key}`"))
    return value


def _encoding(raw: dict[str, str]) -> Encoding | None:
    if "encoding" not in raw:
        return None
    try:
        return Encoding(raw["encoding"])
    except ValueError:
        detail = f"unknown variant `{raw['encoding']}` for `encoding`"
        raise _Rejected(_deserialize_error(detail)) from None


def _container(raw: dict[str, str]) -> Container | None:
    if "container" not in raw:
        return None
    try:
        return Container(raw["container"])
    except ValueError:
        detail = f"unknown variant `{raw['container']}` for `container`"
        raise _Rejected(_deserialize_error(detail)) from None


def _flag(raw: dict[str, str]) -> bool | None:
    if "mip_opt_out" not in raw:
        return None
    lowered = raw["mip_opt_out"].lower()
    if lowered not in ("true", "false"):
        raise _Rejected(_deserialize_error("provided string was not `true` or `false`"))
    return lowered == "true"


def _controls(raw: dict[str, str], rules: QueryRules) -> tuple[float | None, int | None]:
    """``speed`` and ``expressivity`` with their 400 codes (flux §2.4)."""
    speed, expressivity = _number(raw, "speed"), _number(raw, "expressivity")
    if expressivity is not None:
        problem = check_expressivity(expressivity)
        if problem is not None:
            raise _Rejected(QueryError(problem[0], problem[1]))
    if speed is not None:
        if not rules.runtime_speed_supported:
            raise _Rejected(
                QueryError(
                    HandshakeCode.SPEED_NOT_SUPPORTED, "'speed' is not supported for this model."
                )
            )
        speed_problem = check_speed(speed, rules.speed_range)
        if speed_problem is not None:
            raise _Rejected(QueryError(speed_problem[0], speed_problem[1]))
    return speed, None if expressivity is None else int(expressivity)


def parse_query(
    items: Iterable[tuple[str, str]], transport: Transport, rules: QueryRules | None = None
) -> FluxParams | QueryError:
    """Parse and validate query items as the server does. Never raises.

    Order: unknown/batch-only parameters, model, value syntax, expressivity, speed, then the
    encoding / sample_rate / container / bit_rate combination.
    """
    rules = rules or QueryRules()
    try:
        raw, tags = _collect(items, transport)
        model = _check_model(raw, rules)
        encoding, container = _encoding(raw), _container(raw)
        rate, bit_rate, flag = _integer(raw, "sample_rate"), _integer(raw, "bit_rate"), _flag(raw)
        speed, expressivity = _controls(raw, rules)
    except _Rejected as rejected:
        return rejected.error
    params = FluxParams(
        model=model,
        encoding=encoding,
        sample_rate=rate,
        speed=speed,
        expressivity=expressivity,
        mip_opt_out=flag,
        tags=tags,
        container=container,
        bit_rate=bit_rate,
        callback=raw.get("callback"),
        callback_method=raw.get("callback_method"),
        priority=raw.get("priority"),
    )
    problem = validate_format(params, transport, rules)
    return problem if problem is not None else params


def validate_format(
    params: FluxParams, transport: Transport, rules: QueryRules | None = None
) -> QueryError | None:
    """Check encoding / container / sample_rate / bit_rate / REST extras (flux §1.3, §5.1)."""
    rules = rules or QueryRules()
    encoding = params.effective_encoding(transport)
    if transport is Transport.WEBSOCKET and encoding not in STREAMING_ENCODINGS:
        return _format_error(f"`encoding={encoding}` is not supported for streaming")
    allowed = sample_rates(encoding)
    if params.sample_rate is not None:
        if not allowed:
            return _format_error(f"`sample_rate` is not applicable when `encoding={encoding}`")
        if params.sample_rate not in allowed:
            listed = ", ".join(str(r) for r in allowed)
            return _format_error(f"`sample_rate` must be [{listed}] when `encoding={encoding}`")
    elif (
        transport is Transport.WEBSOCKET
        and encoding in (Encoding.MULAW, Encoding.ALAW)
        and rules.g711_default_sample_rate is None
    ):
        return _format_error(f"`sample_rate` is required when `encoding={encoding}`")
    if transport is Transport.REST:
        return _validate_rest(params, encoding)
    return None


def _validate_rest(params: FluxParams, encoding: Encoding) -> QueryError | None:
    rules = ENCODING_RULES[encoding]
    if params.container is not None and params.container not in rules.containers:
        return _format_error(
            f"`container={params.container}` is invalid when `encoding={encoding}`"
        )
    if params.bit_rate is not None:
        if encoding is Encoding.MP3:
            if params.bit_rate not in MP3_BIT_RATES:
                listed = ", ".join(str(r) for r in MP3_BIT_RATES)
                return _format_error(f"`bit_rate` must be [{listed}] when `encoding=mp3`")
        elif rules.bit_rate_range is not None:
            low, high = rules.bit_rate_range
            if not low <= params.bit_rate <= high:
                return _format_error(
                    f"`bit_rate` must be [{low}..{high}] when `encoding={encoding}`"
                )
        else:
            return _format_error(f"`bit_rate` is not applicable when `encoding={encoding}`")
    if params.callback_method is not None and params.callback_method.upper() not in ("POST", "PUT"):
        return _deserialize_error(
            f"unknown variant `{params.callback_method}` for `callback_method`"
        )
    if params.priority is not None and params.priority != "low":
        return _deserialize_error(f"unknown variant `{params.priority}` for `priority`")
    return None

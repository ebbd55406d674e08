"""Query parameters of ``/v1/speak``: building them (client) and validating them (server).

"All configuration is fixed at connect time" (aura §2.1). Parameters (aura §2.1, 3.1, 4.1):
``model``, ``encoding``, ``sample_rate``, ``container``, ``bit_rate``, ``speed`` (0.7-1.5),
``mip_opt_out``; unknown scalar parameters (``tag``, future ones) are passed through by the client
and ignored by the server. Validation errors carry Deepgram's REST wording (aura §3.4), e.g.
``INVALID_QUERY_PARAMETER`` / "Unsupported audio format: `sample_rate` must be [...] when
`encoding=mulaw`".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit, urlunsplit

from deepgram_tts2.compat import StrEnum
from deepgram_tts2.protocol.audio import ENCODING_RULES, Container, Encoding
from deepgram_tts2.protocol.errors import QueryError as QueryError  # re-exported
from deepgram_tts2.protocol.fields import query_float, query_unsigned
from deepgram_tts2.protocol.v1.models import DEFAULT_MODEL, is_known_model

SPEED_RANGE = (0.7, 1.5)  # aura §2.1: "speed float, 0.7-1.5"
KNOWN_PARAMS = frozenset(
    {"model", "encoding", "sample_rate", "container", "bit_rate", "speed", "mip_opt_out"}
)
ExtraValue = str | int | float | bool


class Api(StrEnum):
    """Which of the two APIs a parameter set is for."""

    WEBSOCKET = "websocket"
    REST = "rest"


@dataclass(frozen=True)
class SpeakParams:
    """One validated-or-not parameter set. ``None`` means "not sent: Deepgram's default".

    Attributes:
        extra: pass-through parameters the library does not model, sent as given (booleans
            lower-cased, as Deepgram's examples write them).
    """

    model: str = DEFAULT_MODEL
    encoding: Encoding | None = None
    sample_rate: int | None = None
    container: Container | None = None
    bit_rate: int | None = None
    speed: float | None = None
    mip_opt_out: bool | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())

    def effective_encoding(self, api: Api) -> Encoding:
        """The encoding the server will use: linear16 on the socket, mp3 on REST by default."""
        if self.encoding is not None:
            return self.encoding
        return Encoding.LINEAR16 if api is Api.WEBSOCKET else Encoding.MP3

    def effective_sample_rate(self, api: Api) -> int:
        """The sample rate the server will use for this parameter set."""
        if self.sample_rate is not None:
            return self.sample_rate
        return ENCODING_RULES[self.effective_encoding(api)].default_sample_rate

    def effective_container(self, api: Api) -> Container | None:
        """The container of the output: always none on the socket, the encoding's default on
        REST."""
        if api is Api.WEBSOCKET:
            return Container.NONE
        if self.container is not None:
            return self.container
        return ENCODING_RULES[self.effective_encoding(api)].default_container

    def to_query(self) -> list[tuple[str, str]]:
        """Query items in a stable order; unset parameters are omitted."""
        items: list[tuple[str, str]] = [("model", self.model)]
        if self.encoding is not None:
            items.append(("encoding", self.encoding.value))
        if self.sample_rate is not None:
            items.append(("sample_rate", str(self.sample_rate)))
        if self.container is not None:
            items.append(("container", self.container.value))
        if self.bit_rate is not None:
            items.append(("bit_rate", str(self.bit_rate)))
        if self.speed is not None:
            items.append(("speed", repr(float(self.speed))))
        if self.mip_opt_out is not None:
            items.append(("mip_opt_out", "true" if self.mip_opt_out else "false"))
        items.extend(self.extra)
        return items


def format_extra(extra: Mapping[str, ExtraValue]) -> tuple[tuple[str, str], ...]:
    """Turn extra parameters into query items; booleans become ``true``/``false``.

    Raises:
        ValueError: for a name that collides with a modelled parameter, or a non-scalar value.
    """
    items: list[tuple[str, str]] = []
    for key, value in sorted(extra.items()):
        if key in KNOWN_PARAMS:
            raise ValueError(f"extra query parameter {key!r} must be set through its own option")
        if isinstance(value, bool):
            items.append((key, "true" if value else "false"))
        elif isinstance(value, str | int | float):
            items.append((key, str(value)))
        else:
            raise ValueError(f"extra query parameter {key!r} must be a scalar")
    return tuple(items)


def build_url(base_url: str, params: SpeakParams) -> str:
    """Full request URL: ``base_url`` (path defaults to ``/v1/speak``) plus the query."""
    parts = urlsplit(base_url)
    path = parts.path if parts.path not in ("", "/") else "/v1/speak"
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(params.to_query()), ""))


def _deserialize_error(detail: str) -> QueryError:
    return QueryError(
        "INVALID_QUERY_PARAMETER", f"Failed to deserialize query parameters: {detail}"
    )


def _format_error(detail: str) -> QueryError:
    return QueryError("INVALID_QUERY_PARAMETER", f"Unsupported audio format: {detail}")


def parse_query(
    items: Iterable[tuple[str, str]], api: Api, require_known_model: bool = True
) -> SpeakParams | QueryError:
    """Parse and validate query items as the server does. Never raises.

    Args:
        items: decoded query items (a repeated key keeps its last value, except ``tag``).
        api: WebSocket or REST: the socket only streams linear16/mulaw/alaw without container.
        require_known_model: reject model ids outside the published list (Deepgram does).
    """
    raw: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    for key, value in items:
        if key in KNOWN_PARAMS:
            raw[key] = value
        else:
            extra.append((key, value))
    model = raw.get("model", DEFAULT_MODEL)
    if require_known_model and not is_known_model(model):
        return QueryError("Bad Request", "Bad Request: No such model/version combination found.")
    params = _parse_scalars(raw, model, tuple(extra))
    if isinstance(params, QueryError):
        return params
    problem = validate_format(params, api)
    return problem if problem is not None else params


def _parse_scalars(
    raw: dict[str, str], model: str, extra: tuple[tuple[str, str], ...]
) -> SpeakParams | QueryError:
    encoding = container = None
    if "encoding" in raw:
        try:
            encoding = Encoding(raw["encoding"])
        except ValueError:
            return _deserialize_error(f"unknown variant `{raw['encoding']}` for `encoding`")
    if "container" in raw:
        try:
            container = Container(raw["container"])
        except ValueError:
            return _deserialize_error(f"unknown variant `{raw['container']}` for `container`")
    ints: dict[str, int | None] = {"sample_rate": None, "bit_rate": None}
    for name in ints:
        if name in raw:
            ints[name] = query_unsigned(raw[name])
            if ints[name] is None:
                return _deserialize_error(f"invalid digit found in `{name}`")
    speed = None
    if "speed" in raw:
        speed = query_float(raw["speed"])
        if speed is None:
            return _deserialize_error("invalid float literal for `speed`")
    mip_opt_out = None
    if "mip_opt_out" in raw:
        lowered = raw["mip_opt_out"].lower()
        if lowered not in ("true", "false"):
            return _deserialize_error("provided string was not `true` or `false`")
        mip_opt_out = lowered == "true"
    return SpeakParams(
        model=model,
        encoding=encoding,
        sample_rate=ints["sample_rate"],
        container=container,
        bit_rate=ints["bit_rate"],
        speed=speed,
        mip_opt_out=mip_opt_out,
        extra=extra,
    )


def validate_format(params: SpeakParams, api: Api) -> QueryError | None:
    """Check encoding / container / sample_rate / bit_rate / speed against aura §4.1.

    On the socket ``bit_rate`` is accepted and ignored (aura §7: "accept ... bit_rate
    (leniently)"), and only ``container=none`` is allowed.
    """
    encoding = params.effective_encoding(api)
    rules = ENCODING_RULES[encoding]
    if api is Api.WEBSOCKET and not encoding.streamable:
        return _format_error(f"`encoding={encoding}` is not supported for streaming")
    if params.container is not None:
        if api is Api.WEBSOCKET and params.container is not Container.NONE:
            return _format_error(f"`container={params.container}` is invalid when streaming")
        if api is Api.REST:
            if not rules.containers:
                return _format_error(f"`container` is not applicable when `encoding={encoding}`")
            if params.container not in rules.containers:
                return _format_error(
                    f"`container={params.container}` is invalid when `encoding={encoding}`"
                )
    if params.sample_rate is not None:
        if not rules.sample_rate_settable:
            return _format_error(f"`sample_rate` is not applicable when `encoding={encoding}`")
        if params.sample_rate not in rules.sample_rates:
            allowed = ", ".join(str(r) for r in rules.sample_rates)
            return _format_error(f"`sample_rate` must be [{allowed}] when `encoding={encoding}`")
    if params.bit_rate is not None and api is Api.REST:
        problem = _check_bit_rate(params.bit_rate, encoding)
        if problem is not None:
            return problem
    if params.speed is not None and not SPEED_RANGE[0] <= params.speed <= SPEED_RANGE[1]:
        return _deserialize_error(f"`speed` must be between {SPEED_RANGE[0]} and {SPEED_RANGE[1]}")
    return None


def _check_bit_rate(bit_rate: int, encoding: Encoding) -> QueryError | None:
    rules = ENCODING_RULES[encoding]
    if rules.bit_rates is not None:
        if bit_rate not in rules.bit_rates:
            allowed = ", ".join(str(r) for r in rules.bit_rates)
            return _format_error(f"`bit_rate` must be [{allowed}] when `encoding={encoding}`")
        return None
    if rules.bit_rate_range is not None:
        low, high = rules.bit_rate_range
        if not low <= bit_rate <= high:
            return _format_error(f"`bit_rate` must be [{low}..{high}] when `encoding={encoding}`")
        return None
    return _format_error(f"`bit_rate` is not applicable when `encoding={encoding}`")

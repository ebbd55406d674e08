"""REST ``POST /v2/speak`` shapes: request body, inline controls, headers, errors (flux §5).

Body: ``{"text": string}`` with ``Content-Type: application/json``, "nothing else" (flux §5.1;
v1 also took ``url`` and ``text/plain``, undocumented for v2: :data:`BodyRules.lenient`).
Batch honours inline pauses ``{pause:500ms}`` (500-3000 ms in 100 ms steps, at most 8,
speed capped at 1.15 with a pause) and pronunciations (not with a pause nor with speed != 1.0);
violations are 400s whose ``err_code`` names the rule (flux §5.2). Errors use the platform body
``{"err_code","err_msg","request_id"}`` (shared with v1: :func:`error_body`,
:func:`parse_error_body`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from deepgram_tts2.protocol.fields import has_lone_surrogate, load_json
from deepgram_tts2.protocol.v1.rest import error_body, parse_error_body
from deepgram_tts2.protocol.v2.controls import CharUnit, count_chars, scan_controls

# Response headers (flux §5.2; by analogy to v1, uncertain for v2: Q-13).
HEADER_REQUEST_ID = "dg-request-id"
HEADER_ERROR = "dg-error"
HEADER_MODEL_NAME = "dg-model-name"
HEADER_MODEL_UUID = "dg-model-uuid"
HEADER_CHAR_COUNT = "dg-char-count"
HEADER_PRONUNCIATIONS = "dg-pronunciations-applied"
HEADER_BREAKS = "dg-breaks-applied"
HEADER_WARNINGS = "dg-warnings"
EXPOSED_HEADERS = ",".join(
    (
        HEADER_MODEL_NAME,
        HEADER_MODEL_UUID,
        HEADER_CHAR_COUNT,
        HEADER_REQUEST_ID,
        HEADER_ERROR,
        HEADER_PRONUNCIATIONS,
        HEADER_BREAKS,
        HEADER_WARNINGS,
    )
)
PAUSE_RANGE_MS = (500, 3000)
PAUSE_STEP_MS = 100
MAX_PAUSES = 8
PAUSE_SPEED_CAP = 1.15
_PAUSE_RE = re.compile(r"\\?\{\s*pause\s*:([^}]*?)\\?\}", re.IGNORECASE)
_PAUSE_VALUE = re.compile(r"^\s*(\d+)\s*ms\s*$")

__all__ = ["BatchText", "BodyRules", "RestError", "error_body", "parse_error_body"]


@dataclass(frozen=True)
class RestError:
    """A rejected REST request: HTTP ``status`` with Deepgram's ``err_code``/``err_msg``."""

    status: int
    err_code: str
    err_msg: str


@dataclass(frozen=True)
class BodyRules:
    """How the server reads a body. ``lenient``: also ``text/plain`` and extra JSON fields
    (v1's behaviour); ``max_chars``: text limit (None: only the body size, flux Q-6)."""

    lenient: bool = False
    max_chars: int | None = 2000
    max_bytes: int = 2 * 1024 * 1024
    char_unit: CharUnit = CharUnit.CODE_POINTS


def request_body(text: str) -> bytes:
    """The JSON body a client sends."""
    return json.dumps({"text": text}, ensure_ascii=False).encode()


def _json_text(decoded: str, lenient: bool) -> str | RestError:
    try:
        obj = load_json(decoded)
    except ValueError:
        obj = None
    text = obj.get("text") if isinstance(obj, dict) else None
    if not isinstance(text, str) or has_lone_surrogate(text):  # serde_json refuses lone ones
        return RestError(
            400, "PAYLOAD_ERROR", "Failed to deserialize JSON payload: `text` is required."
        )
    extra = set(obj) - {"text"}
    if extra and not lenient:
        return RestError(
            400,
            "PAYLOAD_ERROR",
            f"Failed to deserialize JSON payload: unknown field(s) {sorted(extra)}.",
        )
    return text


def parse_request_body(
    content_type: str | None, body: bytes, rules: BodyRules | None = None
) -> str | RestError:
    """The text of a REST request as the server reads it. Never raises."""
    rules = rules or BodyRules()
    if len(body) > rules.max_bytes:
        return RestError(413, "PAYLOAD_TOO_LARGE", "Payload size exceeds limit of 2 MB.")
    media = (content_type or "").split(";", 1)[0].strip().lower()
    accepted = ("application/json", "text/plain") if rules.lenient else ("application/json",)
    if media not in accepted:
        wanted = " or ".join(f"`{m}`" for m in accepted)
        return RestError(
            415, "UNSUPPORTED_MEDIA_TYPE", f"`Content-Type` header is not supported. Use {wanted}."
        )
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError:
        return RestError(400, "PAYLOAD_ERROR", "Failed to decode payload as UTF-8.")
    text = _json_text(decoded, rules.lenient) if media == "application/json" else decoded
    if isinstance(text, RestError):
        return text
    if not text.strip():
        return RestError(400, "Bad Request", "Input text contains no characters.")
    if rules.max_chars is not None and count_chars(text, rules.char_unit) > rules.max_chars:
        return RestError(
            413,
            "Payload Too Large",
            f"Input text exceeds maximum character limit of {rules.max_chars}.",
        )
    return text


@dataclass(frozen=True)
class BatchText:
    """A batch text ready to synthesise: ``pieces`` of cleaned text, each followed by
    ``pause_ms`` of silence (0 for the last), and what the headers report."""

    pieces: tuple[tuple[str, int], ...]
    pronunciations: int
    breaks: int
    billable: int


def _pause_ms(raw: str) -> int | RestError:
    match = _PAUSE_VALUE.match(raw)
    if match is None:
        return RestError(400, "BREAK_SYNTAX_INVALID", f"Invalid pause control `{raw.strip()}`.")
    value = int(match.group(1))
    low, high = PAUSE_RANGE_MS
    if not low <= value <= high:
        return RestError(400, "BREAK_OUT_OF_RANGE", f"Pauses must be between {low} and {high} ms.")
    if value % PAUSE_STEP_MS:
        return RestError(
            400, "BREAK_INCREMENT_INVALID", f"Pauses must be in {PAUSE_STEP_MS} ms steps."
        )
    return value


def plan_batch_text(
    text: str, speed: float | None, unit: CharUnit = CharUnit.CODE_POINTS
) -> BatchText | RestError:
    """Check the inline controls of a batch text (flux §3.9, §5.2) and split it at pauses."""
    matches = list(_PAUSE_RE.finditer(text))
    if len(matches) > MAX_PAUSES:
        return RestError(400, "BREAKS_LIMIT_EXCEEDED", f"At most {MAX_PAUSES} pauses per request.")
    scan = scan_controls(_PAUSE_RE.sub("", text))
    if scan.malformed is not None:
        return RestError(400, "CONTROL_SYNTAX_INVALID", scan.malformed)
    effective = 1.0 if speed is None else speed
    if scan.pronunciations and (matches or effective != 1.0):
        return RestError(
            400,
            "CONTROL_COMBINATION_INVALID",
            "Pronunciation cannot be combined with pause or with a speed other than 1.0.",
        )
    if matches and effective > PAUSE_SPEED_CAP:
        return RestError(
            400, "PAUSE_SPEED_CAP_EXCEEDED", f"'speed' is capped at {PAUSE_SPEED_CAP} with a pause."
        )
    pieces: list[tuple[str, int]] = []
    pos = 0
    for match in matches:
        pause = _pause_ms(match.group(1))
        if isinstance(pause, RestError):
            return pause
        pieces.append((scan_controls(text[pos : match.start()]).cleaned, pause))
        pos = match.end()
    pieces.append((scan_controls(text[pos:]).cleaned, 0))
    billable = sum(count_chars(piece, unit) for piece, _ in pieces)
    return BatchText(tuple(pieces), scan.pronunciations, len(matches), billable)


def callback_ack(request_id: str) -> bytes:
    """The JSON body of a 200 for a request with ``callback`` (flux §5.2)."""
    return json.dumps({"request_id": request_id}).encode()

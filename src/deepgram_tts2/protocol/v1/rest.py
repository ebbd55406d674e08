"""REST ``POST /v1/speak`` shapes: request bodies, response headers, error bodies (aura §3).

Body: ``{"text": "..."}`` with ``Content-Type: application/json``, or the raw text with
``text/plain`` (anything else -> 415). Limits: 2 MB body (413 ``PAYLOAD_TOO_LARGE``), 2000
characters (413 "Input text exceeds maximum character limit of 2000."), empty text -> 400 "Input
text contains no characters.". Errors use the legacy body ``{"err_code","err_msg","request_id"}``;
clients must also read the modern ``{"category","message","details","request_id"}`` and plain text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from deepgram_tts2.protocol.errors import ErrorBody
from deepgram_tts2.protocol.fields import has_lone_surrogate, load_json
from deepgram_tts2.protocol.v1.limits import REST_MAX_BODY_BYTES, REST_MAX_CHARS

# Response headers Deepgram sets (aura §1.3, 3.2).
HEADER_REQUEST_ID = "dg-request-id"
HEADER_ERROR = "dg-error"
HEADER_MODEL_NAME = "dg-model-name"
HEADER_MODEL_UUID = "dg-model-uuid"
HEADER_CHAR_COUNT = "dg-char-count"
EXPOSED_HEADERS = "dg-model-name,dg-model-uuid,dg-char-count,dg-request-id,dg-error"


@dataclass(frozen=True)
class RestError:
    """A rejected REST request: HTTP ``status`` with Deepgram's ``err_code``/``err_msg``."""

    status: int
    err_code: str
    err_msg: str


def request_body(text: str) -> bytes:
    """The JSON body a client sends."""
    return json.dumps({"text": text}, ensure_ascii=False).encode()


def parse_request_body(
    content_type: str | None,
    body: bytes,
    max_chars: int = REST_MAX_CHARS,
    max_bytes: int = REST_MAX_BODY_BYTES,
) -> str | RestError:
    """The text of a REST request as the server reads it. Never raises."""
    if len(body) > max_bytes:
        return RestError(413, "PAYLOAD_TOO_LARGE", "Payload size exceeds limit of 2 MB.")
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media not in ("application/json", "text/plain"):
        return RestError(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "`Content-Type` header is not supported. "
            "`Content-Type` must be either `text/plain` or `application/json`.",
        )
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError:
        return RestError(400, "PAYLOAD_ERROR", "Failed to decode payload as UTF-8.")
    if media == "application/json":
        try:
            obj = load_json(decoded)
        except ValueError:
            obj = None
        text = obj.get("text") if isinstance(obj, dict) else None
        # Text that is not Unicode (an unpaired surrogate escaped in the JSON) cannot be
        # deserialised: Deepgram's answer to an undecodable JSON body (aura §3.4; which of its
        # two PAYLOAD_ERROR wordings applies is inferred: a strict JSON parser fails on the
        # escape, before any UTF-8 check).
        if not isinstance(text, str) or has_lone_surrogate(text):
            return RestError(
                400,
                "PAYLOAD_ERROR",
                "Failed to deserialize JSON payload. "
                "Please specify exactly one of `text` or `url` in the JSON body.",
            )
    else:
        text = decoded
    if not text.strip():
        return RestError(400, "Bad Request", "Input text contains no characters.")
    if len(text) > max_chars:
        return RestError(
            413,
            "Payload Too Large",
            f"Input text exceeds maximum character limit of {max_chars}.",
        )
    return text


def error_body(err_code: str, err_msg: str, request_id: str) -> bytes:
    """Deepgram's legacy error body."""
    return json.dumps({"err_code": err_code, "err_msg": err_msg, "request_id": request_id}).encode()


def parse_error_body(body: bytes) -> ErrorBody:
    """Read any of Deepgram's three error body shapes (legacy, modern, plain text). Never raises."""
    text = body.decode("utf-8", errors="replace")
    try:
        obj = load_json(text)
    except ValueError:
        return ErrorBody("", text.strip()[:500], "")
    if not isinstance(obj, dict):
        return ErrorBody("", text.strip()[:500], "")

    def field(*keys: str) -> str:
        for key in keys:
            value = obj.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                return str(value)
        return ""

    return ErrorBody(
        err_code=field("err_code", "error_code", "category"),
        err_msg=field("err_msg", "message", "details"),
        request_id=field("request_id"),
    )

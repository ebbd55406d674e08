"""Redis URLs without their secrets, for logs, reprs and error messages."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "***"
_SECRET_QUERY = frozenset({"password", "username"})


def redact_url(url: str) -> str:
    """``url`` with the user name and password (in the authority or the query) replaced.

    ``redis://:s3cret@cache:6379/0`` -> ``redis://***@cache:6379/0``. A URL that cannot be
    parsed is replaced whole.
    """
    try:
        parts = urlsplit(url)
        host = parts.netloc.rsplit("@", 1)[-1]
        netloc = f"{REDACTED}@{host}" if "@" in parts.netloc else host
        query = [
            (k, REDACTED if k.lower() in _SECRET_QUERY else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ]
        return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="*"), ""))
    except ValueError:
        return REDACTED


def url_secrets(url: str) -> list[str]:
    """The secret parts of ``url`` (password, user name), to scrub from any text."""
    found: list[str] = []
    try:
        parts = urlsplit(url)
        if parts.password:
            found.append(parts.password)
        if parts.username:
            found.append(parts.username)
        for key, value in parse_qsl(parts.query):
            if key.lower() in _SECRET_QUERY and value:
                found.append(value)
    except ValueError:
        pass
    return [s for s in found if len(s) >= 2]


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every one of ``secrets`` replaced (longest first)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text

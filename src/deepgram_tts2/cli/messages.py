"""How ``dgtts`` words a failure: one line per fact, the endpoint the user gave first, no secret.

A failed request can involve two endpoints: the WebSocket the user asked for and, with
``--transport auto``, the REST fallback the client tried after it. The rendering says which URL
failed and why (the socket's cause, e.g. "connection refused", "Name or service not known"),
then what the fallback did. pydantic's ``Value error, `` prefix never reaches a person.
"""

from __future__ import annotations

import os
import re
import socket

from deepgram_tts2.compat import TimeoutErrors
from deepgram_tts2.exceptions import CircuitOpenError, ConnectError, DeepgramTTSError

_MIN_SECRET = 8
_PYDANTIC_PREFIX = re.compile(r"\b(?:Value error|Assertion failed), ")


def clean(text: str, secrets: tuple[str, ...] = ()) -> str:
    """One line, without pydantic's ``Value error,`` prefix and with every secret (of at least
    8 characters: the library never prints keys, this is a second guard) masked."""
    text = _PYDANTIC_PREFIX.sub("", " ".join(text.split()))
    for secret in secrets:
        if len(secret) >= _MIN_SECRET:  # masking "k" would garble every word with a k
            text = text.replace(secret, "***")
    return text


def _behind(exc: BaseException) -> list[BaseException]:
    """What ``exc`` was raised from or while handling (depth first: cause, then context),
    without entering another library error (an earlier failure, e.g. the socket's before a
    fallback, has its own causes)."""
    found: list[BaseException] = []

    def visit(node: BaseException) -> None:
        for link in (node.__cause__, node.__context__):
            if link is None or isinstance(link, DeepgramTTSError):
                continue
            if any(link is seen for seen in found):
                continue
            found.append(link)
            visit(link)

    visit(exc)
    return found


def os_cause(exc: BaseException) -> str | None:
    """Plain words for the deepest OS-level error behind ``exc`` ("connection refused")."""
    found: str | None = None
    for current in [exc, *_behind(exc)]:
        if isinstance(current, socket.gaierror):
            found = f"cannot resolve the host ({current.strerror or current})"
        elif isinstance(current, OSError) and current.errno is not None and current.errno > 0:
            found = os.strerror(current.errno).lower()
        elif isinstance(current, TimeoutErrors) and found is None:
            found = "timed out"
    return found


def describe(exc: BaseException, url: str | None = None) -> str:
    """One clause for one failure; ``url`` is the endpoint it concerns."""
    if isinstance(exc, CircuitOpenError):
        behind = chained_error(exc)
        if behind is not None:
            return f"{describe(behind, url)} (the circuit breaker is open now)"
        where = f"{url}: " if url else ""
        return f"{where}the endpoint kept failing; {exc.message}"
    if isinstance(exc, ConnectError):
        cause = os_cause(exc) or exc.message
        where = f" to {url}" if url else ""
        return f"cannot connect{where}: {cause}"
    if isinstance(exc, DeepgramTTSError):
        text = exc.message
        if exc.request_id:
            text += f" (deepgram request id {exc.request_id})"
        return f"{url}: {text}" if url and url not in text else text
    return f"{type(exc).__name__}: {exc}"


def chained_error(exc: BaseException) -> DeepgramTTSError | None:
    """The earlier library failure behind ``exc``, when the library chains it.

    For the REST fallback's error, the WebSocket failure that sent the request to REST; for a
    ``CircuitOpenError``, the failure that opened the breaker. The library is asked to raise
    these ``from`` that failure (``__cause__``). Until it does, the first library error in the
    implicit context chain is used when there is one; otherwise this returns None and the
    rendering says only what it knows.
    """
    if isinstance(exc.__cause__, DeepgramTTSError):
        return exc.__cause__
    seen: list[BaseException] = [exc]
    current = exc.__context__
    while current is not None and all(current is not e for e in seen):
        if isinstance(current, DeepgramTTSError):
            return current
        seen.append(current)
        current = current.__cause__ or current.__context__
    return None


def failure_lines(
    exc: BaseException,
    *,
    websocket_url: str,
    rest_url: str,
    fell_back: bool,
    rest_only: bool = False,
    secrets: tuple[str, ...] = (),
) -> list[str]:
    """The lines that explain a failed request, the endpoint the user gave first."""
    if rest_only:
        return [clean(describe(exc, rest_url), secrets)]
    if not fell_back:
        return [clean(describe(exc, websocket_url), secrets)]
    socket_error = chained_error(exc)
    if socket_error is not None:
        first = describe(socket_error, websocket_url)
    else:
        first = f"the WebSocket at {websocket_url} was unavailable (cause not reported)"
    second = f"then the REST fallback to {rest_url} failed: {describe(exc)}"
    return [clean(first, secrets), clean(second, secrets)]

"""How failures are worded (pure): the URL and the cause first, the fallback second."""

from __future__ import annotations

import socket

from deepgram_tts2.cli.messages import clean, describe, failure_lines, os_cause
from deepgram_tts2.exceptions import AuthError, CircuitOpenError, ConnectError

WS = "wss://api.example.com/v1/speak"
REST = "https://api.example.com/v1/speak"


def raised(exc: BaseException, cause: BaseException | None = None) -> BaseException:
    """``exc`` as Python leaves it after ``raise exc from cause``."""
    try:
        raise exc from cause
    except BaseException as caught:
        return caught


def refused() -> ConnectionRefusedError:
    return ConnectionRefusedError(111, "Connect call failed ('203.0.113.1', 443)")


def test_pydantic_prefixes_and_secrets_are_removed() -> None:
    text = clean(
        "invalid options: model: Value error, model 'x' is bad; key abcdef123456", ("abcdef123456",)
    )
    assert text == "invalid options: model: model 'x' is bad; key ***"


def test_os_causes_in_plain_words() -> None:
    assert os_cause(raised(ConnectError("cannot connect"), refused())) == "connection refused"
    dns = socket.gaierror(-2, "Name or service not known")
    assert os_cause(raised(ConnectError("x"), dns)) == (
        "cannot resolve the host (Name or service not known)"
    )
    assert os_cause(ConnectError("x")) is None


def test_a_connect_error_names_the_url_and_the_cause() -> None:
    exc = raised(ConnectError("cannot connect for REST: ConnectError"), refused())
    assert describe(exc, WS) == f"cannot connect to {WS}: connection refused"


def test_other_errors_name_the_url_first() -> None:
    exc = AuthError("handshake rejected with HTTP 401", status=401, request_id="r-1")
    assert describe(exc, WS) == f"{WS}: handshake rejected with HTTP 401 (deepgram request id r-1)"


def fallback_error(socket_error: BaseException) -> BaseException:
    """A REST failure raised while handling its own OS error, ``from`` the socket's failure."""
    try:
        try:
            raise refused()
        except OSError:
            raise ConnectError("cannot connect for REST") from socket_error
    except ConnectError as rest_error:
        return rest_error


def test_a_chained_websocket_failure_comes_before_the_fallback() -> None:
    socket_error = raised(ConnectError("cannot connect: refused"), refused())
    rest_error = fallback_error(socket_error)
    assert isinstance(rest_error.__context__, ConnectionRefusedError)
    lines = failure_lines(rest_error, websocket_url=WS, rest_url=REST, fell_back=True)
    assert lines == [
        f"cannot connect to {WS}: connection refused",
        f"then the REST fallback to {REST} failed: cannot connect: connection refused",
    ]


def test_without_the_chain_the_socket_is_only_called_unavailable() -> None:
    rest_error = raised(ConnectError("cannot connect for REST"), refused())
    lines = failure_lines(rest_error, websocket_url=WS, rest_url=REST, fell_back=True)
    assert lines[0] == f"the WebSocket at {WS} was unavailable (cause not reported)"


def test_an_open_breaker_reports_the_failure_behind_it() -> None:
    opened_by = raised(ConnectError("cannot connect"), refused())
    exc = raised(
        CircuitOpenError("circuit breaker open: not connecting for another 9 s"), opened_by
    )
    assert describe(exc, WS) == (
        f"cannot connect to {WS}: connection refused (the circuit breaker is open now)"
    )
    bare = CircuitOpenError("circuit breaker open: not connecting for another 9 s")
    assert describe(bare, WS) == (
        f"{WS}: the endpoint kept failing; circuit breaker open: not connecting for another 9 s"
    )


def test_a_secret_in_a_message_is_masked() -> None:
    exc = ConnectError("cannot connect with key 0123456789abcdef")
    lines = failure_lines(
        exc, websocket_url=WS, rest_url=REST, fell_back=False, secrets=("0123456789abcdef",)
    )
    assert "0123456789abcdef" not in lines[0]

"""A wrong ``--url`` with a key: the URL the user gave and the socket's cause come first, then
what the REST fallback did."""

from __future__ import annotations

import pathlib

from tests.cli.support import free_port, leftovers, run


def speak_to_a_closed_port(tmp_path: pathlib.Path) -> tuple[str, int, list[str]]:
    port = free_port()
    url = f"ws://127.0.0.1:{port}/v1/speak"
    result = run(
        "speak", "Hi.", "--url", url, "--api-key", "a-key-0123456789", "-o", str(tmp_path / "x.wav")
    )
    assert "Traceback" not in result.stderr
    assert leftovers(tmp_path) == []
    return url, result.returncode, result.stderr.strip().splitlines()


def test_a_wrong_url_names_the_url_first_then_the_fallback(tmp_path: pathlib.Path) -> None:
    url, code, lines = speak_to_a_closed_port(tmp_path)
    port = url.split(":")[2].split("/")[0]
    assert code == 4
    assert len(lines) == 2, lines
    assert url in lines[0]
    assert lines[1] == (
        f"dgtts speak: then the REST fallback to http://127.0.0.1:{port}/v1/speak failed: "
        "cannot connect: connection refused"
    )
    assert not any("ConnectError" in line for line in lines)  # a class name is not a cause
    assert "a-key-0123456789" not in " ".join(lines)


def test_a_wrong_url_gives_the_websocket_cause_first(tmp_path: pathlib.Path) -> None:
    url, code, lines = speak_to_a_closed_port(tmp_path)
    assert code == 4
    assert lines[0] == f"dgtts speak: cannot connect to {url}: connection refused"

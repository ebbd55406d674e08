"""``dgtts bench``: the report on stdout in readable columns, and exit codes for failed runs."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import urllib.request

import pytest

from tests.cli.conftest import SERVED_KEY
from tests.cli.support import DGTTS, environment, run, wait_until


def test_the_table_goes_to_stdout_with_flat_columns(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    url, _ = served
    result = run("bench", "--url", url, "--api-key", SERVED_KEY, "--requests", "4")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("dgtts bench: 4 requests, 0 failed")
    header = next(line for line in lines if line.startswith("distribution"))
    assert header.split() == ["distribution", "p50", "p90", "p99", "max"]
    ttfb = next(line for line in lines if line.startswith("ttfb_ms"))
    assert len(ttfb.split()) == 5
    assert next(line for line in lines if line.startswith("outcomes.completed")).split() == [
        "outcomes.completed",
        "4",
    ]
    assert "{" not in result.stdout
    assert "ttfb_ms" not in result.stderr


def test_every_request_rejected_exits_3(served: tuple[str, subprocess.Popen[str]]) -> None:
    url, _ = served
    result = run(
        "bench",
        "--url",
        url,
        "--api-key",
        "wrong",
        "--requests",
        "3",
        "--concurrency",
        "1",
        "--json",
    )
    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    assert report["errors_by_class"] == {"auth": 3}
    assert report["error_rate"] == 1.0
    assert "3 of 3 requests failed" in result.stderr
    assert "most failures: auth (" in result.stderr
    assert "401" in result.stderr
    assert "401" in report["error_examples"]["auth"]
    assert "wrong" not in result.stderr.replace("wrong-", "")


def test_failures_within_max_error_rate_pass(served: tuple[str, subprocess.Popen[str]]) -> None:
    url, _ = served
    args = ["--url", url, "--api-key", "wrong", "--requests", "2", "--concurrency", "1", "--json"]
    result = run("bench", *args, "--max-error-rate", "1")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["config"]["max_error_rate"] == 1.0


def test_bad_bench_numbers_are_usage_errors() -> None:
    for args in (["--max-error-rate", "2"], ["--concurrency", "0"], ["--duration", "-1"]):
        result = run("bench", *args)
        assert result.returncode == 2, args
        assert "Traceback" not in result.stderr


def health(url: str) -> dict[str, int]:
    http = url.replace("ws://", "http://").replace("/v1/speak", "/_emulator/health")
    with urllib.request.urlopen(http, timeout=5) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def audio_bytes_sent(url: str) -> float:
    """The emulator's own count of audio bytes sent over WebSocket (its /metrics)."""
    http = url.replace("ws://", "http://").replace("/v1/speak", "/metrics")
    with urllib.request.urlopen(http, timeout=5) as response:
        text = response.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("deepgram_tts2_emulator_audio_bytes_total{")
    )


@pytest.mark.timeout(180)
def test_sigterm_stops_the_run_and_still_reports(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    url, _ = served
    before = audio_bytes_sent(url)
    with subprocess.Popen(
        [*DGTTS, "bench", "--url", url, "--api-key", SERVED_KEY, "--duration", "600"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(),
    ) as process:
        # Requests have completed: about 4 s of audio sent since the run began, several short
        # replies (a socket being open is not enough: the pool pre-warms before the first
        # request). Counted from before the spawn: under Deepgram's flush budget the run sends
        # a burst, then waits for its window, so a later baseline could miss the burst.
        try:  # a hang guard: on a loaded machine a first handshake can time out and back off
            wait_until(lambda: audio_bytes_sent(url) - before > 200_000, within_s=90)
        except AssertionError:
            process.send_signal(signal.SIGTERM)  # its report says what the requests met
            out, err = process.communicate(timeout=60)
            raise AssertionError(f"no audio within 90 s; the run reported:\n{out}\n{err}") from None
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert stdout.startswith("dgtts bench: ")
    assert "outcomes.completed" in stdout
    assert "interrupted by SIGTERM" in stderr


def children(pid: int) -> list[int]:
    path = pathlib.Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@pytest.mark.skipif(not pathlib.Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_sigterm_never_orphans_the_spawned_emulator() -> None:
    with subprocess.Popen(
        [*DGTTS, "bench", "--duration", "600", "--pacing", "instant"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(),
    ) as process:
        wait_until(lambda: bool(children(process.pid)))
        (child,) = children(process.pid)
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
    try:
        assert process.returncode == 143
        wait_until(lambda: not pathlib.Path(f"/proc/{child}").exists() or is_zombie(child))
    finally:
        if pathlib.Path(f"/proc/{child}").exists() and not is_zombie(child):
            os.kill(child, signal.SIGKILL)  # the emulator this test's bench left behind


def is_zombie(pid: int) -> bool:
    try:
        return pathlib.Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True

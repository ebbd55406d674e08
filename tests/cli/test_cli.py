"""The dgtts command line, run as a real subprocess: speak, serve, doctor, exit codes."""

from __future__ import annotations

import json
import pathlib
import signal
import subprocess

import numpy as np
import pytest
import soundfile

from tests.cli.support import free_port, leftovers, run


def test_speak_writes_a_playable_wav_of_real_speech(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "hello.wav"
    result = run("speak", "Hello from the emulator.", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "embedded emulator" in result.stderr
    assert "ttfb" in result.stderr
    assert f"to {out}" in result.stderr
    assert leftovers(tmp_path) == []
    samples, rate = soundfile.read(out, dtype="int16")
    assert rate == 24000
    assert 0.8 < len(samples) / rate < 4.0
    assert np.sqrt(np.mean(samples.astype(np.float64) ** 2)) > 500


def test_speak_json_prints_the_documented_object(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "out.raw"
    result = run("speak", "Hi there.", "-o", str(out), "--json", "--sample-rate", "16000")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert {"request_id", "ttfb_ms", "audio_ms", "bytes", "transport", "model"} <= set(report)
    assert report["transport"] == "websocket"
    assert report["model"] == "aura-2-thalia-en"
    assert report["bytes"] == out.stat().st_size  # raw output: no header
    assert report["audio_ms"] == pytest.approx(report["bytes"] / 32, abs=0.2)
    assert report["ttfb_ms"] > 0


def test_speak_streams_stdin_line_by_line(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "lines.wav"
    result = run("speak", "-", "-o", str(out), "--json", stdin="First line.\nSecond line.\n")
    assert result.returncode == 0, result.stderr
    one = run("speak", "First line.", "-o", str(tmp_path / "one.wav"), "--json")
    assert json.loads(result.stdout)["audio_ms"] > json.loads(one.stdout)["audio_ms"]


def test_blank_text_is_bad_input() -> None:
    result = run("speak", "   ")
    assert result.returncode == 2
    assert "nothing to say" in result.stderr


def test_bad_options_are_bad_input(tmp_path: pathlib.Path) -> None:
    result = run(
        "speak",
        "Hi.",
        "--encoding",
        "mulaw",
        "--sample-rate",
        "48000",
        "-o",
        str(tmp_path / "x.wav"),
    )
    assert result.returncode == 2
    assert "sample_rate" in result.stderr


def test_serve_answers_and_stops_cleanly_on_sigterm(
    served: tuple[str, subprocess.Popen[str]], tmp_path: pathlib.Path
) -> None:
    url, process = served
    result = run(
        "speak",
        "Served.",
        "--url",
        url,
        "--api-key",
        "right-key",
        "-o",
        str(tmp_path / "s.wav"),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["bytes"] == len("Served.") * 1200 * 2
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0


def test_wrong_key_exits_3_with_one_line(
    served: tuple[str, subprocess.Popen[str]], tmp_path: pathlib.Path
) -> None:
    url, _ = served
    out = tmp_path / "x.wav"
    result = run("speak", "Hi.", "--url", url, "--api-key", "wrong", "-o", str(out))
    assert result.returncode == 3
    assert "401" in result.stderr
    assert url in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "wrong" not in result.stderr
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_unreachable_endpoint_exits_4(tmp_path: pathlib.Path) -> None:
    url = f"ws://127.0.0.1:{free_port()}/v1/speak"
    out = tmp_path / "x.wav"
    result = run(
        "speak",
        "Hi.",
        "--url",
        url,
        "--api-key",
        "k",
        "--transport",
        "websocket",
        "-o",
        str(out),
    )
    assert result.returncode == 4
    assert f"cannot connect to {url}: connection refused" in result.stderr
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_doctor_on_the_embedded_emulator() -> None:
    result = run("doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all checks passed" in result.stdout
    assert "synthesis (websocket)" in result.stdout


def test_doctor_explains_a_rejected_key(served: tuple[str, subprocess.Popen[str]]) -> None:
    url, _ = served
    result = run("doctor", "--url", url, "--api-key", "wrong")
    assert result.returncode == 3
    assert "API key was rejected" in result.stdout


def test_bench_reports_json_against_a_spawned_emulator() -> None:
    result = run("bench", "--requests", "12", "--concurrency", "3", "--pacing", "instant", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["requests"] == 12
    assert report["outcomes"] == {"completed": 12}
    for key in (
        "ttfb_ms",
        "first_token_to_audio_ms",
        "audio_realtime_factor",
        "inter_chunk_gap_ms",
        "cpu_s_per_audio_minute",
        "peak_rss_mb",
        "event_loop_lag_ms",
        "errors_by_class",
        "reconnects",
    ):
        assert key in report
    assert report["ttfb_ms"]["p50"] is not None


def test_bench_token_stream_with_interrupts() -> None:
    result = run(
        "bench",
        "--requests",
        "4",
        "--concurrency",
        "2",
        "--pacing",
        "fast",
        "--corpus",
        "tokens",
        "--tokens-per-s",
        "200",
        "--interrupt-after-ms",
        "50",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["outcomes"].get("interrupted", 0) >= 1
    assert report["interrupt_to_end_ms"]["p50"] is not None

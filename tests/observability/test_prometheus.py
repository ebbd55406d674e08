"""Prometheus: every metric after real traffic, promtool on the scrape, /readyz following the
endpoint, a real Prometheus server scraping us, and OpenTelemetry spans. (The alert rules and
the dashboard: test_alerts.py.)"""

from __future__ import annotations

import asyncio
import json
import pathlib
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from deepgram_tts2 import DeepgramTTS
from deepgram_tts2.emulator.config import FaultPlan
from deepgram_tts2.emulator.server import Emulator
from tests.client.conftest import options_for, speak
from tests.conftest import EmulatorFactory, eventually, timeout

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROMTOOL = shutil.which("promtool")
PROMETHEUS = shutil.which("prometheus")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="scripts/test installs promtool")


async def _traffic(emulator: Emulator, client: DeepgramTTS) -> None:
    """Completed, interrupted, failed-after-audio, retried and REST-served requests."""
    await speak(client, "Hello there. How are you?")
    stream = client.stream()
    await stream.push("A long sentence to interrupt right away. " * 5)
    await stream.end()
    async for event in stream:
        if type(event).__name__ == "AudioChunk":
            await stream.interrupt()
    emulator.set_faults(
        FaultPlan.model_validate(
            {"faults": [{"kind": "close", "code": 1011, "reason": "NET-0000", "connections": 1}]}
        )
    )
    emulator.drop_all()  # faults apply to new connections: make the client open one
    await speak(client, "Retried once.")
    emulator.set_faults(
        FaultPlan.model_validate(
            {
                "faults": [
                    {
                        "kind": "close",
                        "code": 1011,
                        "reason": "NET-0000",
                        "after_audio_bytes": 2400,
                    }
                ]
            }
        )
    )
    emulator.drop_all()
    await speak(client, "This one breaks after some audio.")
    emulator.clear_faults()
    await client.synthesize("REST too.")


def _samples(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = sample.name + json.dumps(sample.labels, sort_keys=True)
            out[key] = sample.value
    return out


def _total(samples: dict[str, float], name: str) -> float:
    return sum(v for k, v in samples.items() if k.split("{", 1)[0] == name)


async def test_scrape_after_traffic_shows_every_metric(
    emulator: Emulator,
) -> None:
    client = DeepgramTTS(
        options_for(emulator, metrics_port=0, breaker={"failure_threshold": 1, "cooldown_s": 60})
    )
    async with client:
        await _traffic(emulator, client)
        # breaker open -> the next request goes to REST
        emulator.set_faults(
            FaultPlan.model_validate(
                {"faults": [{"kind": "reject_handshake", "status": 503, "api": "websocket"}]}
            )
        )
        emulator.drop_all()
        await speak(client, "Served over REST.")
        async with httpx.AsyncClient() as http:
            text = (await http.get(f"{client.metrics_url}/metrics")).text
    samples = _samples(text)
    for name in [
        "deepgram_tts2_ttfb_seconds_count",
        "deepgram_tts2_first_token_to_audio_seconds_count",
        "deepgram_tts2_requests_total",
        "deepgram_tts2_errors_total",
        "deepgram_tts2_audio_seconds_total",
        "deepgram_tts2_characters_total",
        "deepgram_tts2_reconnects_total",
        "deepgram_tts2_rest_fallbacks_total",
        "deepgram_tts2_stale_audio_bytes_total",
    ]:
        assert _total(samples, name) > 0, name
    outcomes = {
        json.loads(k.split("total", 1)[1])["outcome"]
        for k in samples
        if k.startswith("deepgram_tts2_requests_total{")
    }
    assert outcomes >= {"completed", "interrupted", "error"}
    assert samples["deepgram_tts2_breaker_state{}"] == 2
    assert "deepgram_tts2_flush_budget_remaining{}" in samples
    assert "deepgram_tts2_queue_depth{}" in samples
    assert "deepgram_tts2_connection_rtt_seconds_count{}" in samples
    assert any(k.startswith("deepgram_tts2_connections{") for k in samples)
    assert not any("request_id" in k for k in samples)
    if PROMTOOL is not None:
        _promtool_check_metrics(text)


def _promtool_check_metrics(text: str) -> None:
    assert PROMTOOL is not None
    check = subprocess.run(
        [PROMTOOL, "check", "metrics"], input=text, text=True, capture_output=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr


async def test_readyz_follows_the_endpoint(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory()
    port = emulator.port
    client = DeepgramTTS(
        options_for(
            emulator, metrics_port=0, limits={"max_age_s": 4.0}, breaker={"failure_threshold": 50}
        )
    )
    async with client, httpx.AsyncClient() as http:
        url = f"{client.metrics_url}/readyz"
        assert (await http.get(url)).status_code == 200
        assert (await http.get(f"{client.metrics_url}/healthz")).status_code == 200
        await emulator.stop(abort=True)
        await eventually(lambda: not client.state.ready, within_s=10)
        assert (await http.get(url)).status_code == 503
        await emulator_factory(port=port)
        await eventually(lambda: client.state.ready, within_s=10)
        assert (await http.get(url)).status_code == 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def prometheus_dir() -> Iterator[pathlib.Path]:
    with tempfile.TemporaryDirectory() as directory:
        yield pathlib.Path(directory)


@pytest.mark.skipif(PROMETHEUS is None, reason="scripts/test installs prometheus")
async def test_a_real_prometheus_scrapes_the_endpoint(
    emulator: Emulator, prometheus_dir: pathlib.Path
) -> None:
    client = DeepgramTTS(options_for(emulator, metrics_port=0))
    async with client:
        await speak(client, "Scrape me.")
        target = client.metrics_url.removeprefix("http://")  # type: ignore[union-attr]
        config = prometheus_dir / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s}\n"
            "scrape_configs:\n"
            f"  - job_name: dgtts\n    static_configs: [{{targets: ['{target}']}}]\n"
        )
        web_port = _free_port()
        process = await asyncio.create_subprocess_exec(
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={prometheus_dir}/data",
            f"--web.listen-address=127.0.0.1:{web_port}",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            async with httpx.AsyncClient() as http, timeout(60):
                while True:
                    await asyncio.sleep(0.5)
                    try:
                        answer = await http.get(
                            f"http://127.0.0.1:{web_port}/api/v1/query",
                            params={"query": 'deepgram_tts2_requests_total{outcome="completed"}'},
                        )
                    except httpx.TransportError:
                        continue
                    result = answer.json().get("data", {}).get("result", [])
                    if result:
                        break
            assert float(result[0]["value"][1]) >= 1
        finally:
            process.terminate()
            await process.wait()


async def test_emulator_exports_its_own_metrics(emulator: Emulator) -> None:
    client = DeepgramTTS(options_for(emulator))
    async with client:
        await speak(client, "Count me.")
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"{emulator.http_url}/metrics")).text
    samples = _samples(text)
    assert _total(samples, "deepgram_tts2_emulator_connections_total") >= 1
    assert _total(samples, "deepgram_tts2_emulator_audio_bytes_total") > 0


async def test_one_span_per_request_with_events(emulator: Emulator) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from deepgram_tts2.observability.tracing import OtelTracer

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    client = DeepgramTTS(options_for(emulator), tracer=OtelTracer(provider))
    async with client:
        await speak(client, "Traced. Twice.", request_id="t1")
        stream = client.stream("t2")
        await stream.push("Interrupted.")
        await stream.interrupt()
        async for _ in stream:
            pass
        emulator.set_faults(
            FaultPlan.model_validate(
                {
                    "faults": [
                        {"kind": "close", "code": 1011, "reason": "NET-0000", "connections": 1}
                    ]
                }
            )
        )
        emulator.drop_all()
        await speak(client, "Reconnected.", request_id="t3")
    spans = {s.attributes["deepgram_tts2.request_id"]: s for s in exporter.get_finished_spans()}
    assert set(spans) == {"t1", "t2", "t3"}
    first = [e.name for e in spans["t1"].events]
    assert "flush" in first
    assert "first_audio" in first
    assert spans["t1"].attributes["deepgram_tts2.outcome"] == "completed"
    assert [e.name for e in spans["t2"].events] == ["interrupt"]
    assert "reconnect" in [e.name for e in spans["t3"].events]
    provider.shutdown()

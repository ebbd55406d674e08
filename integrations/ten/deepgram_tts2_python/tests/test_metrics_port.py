"""``metrics_port``/``metrics_host``: the client serves Prometheus ``/metrics`` there."""

from __future__ import annotations

import socket

import httpx
from ten_runtime import AsyncTenEnvTester

from .support import HELLO, ScriptTester, load_config, run_tester, text_input


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ScrapeTester(ScriptTester):
    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port
        self.text = ""

    async def script(self, ten_env: AsyncTenEnvTester) -> None:
        await ten_env.send_data(text_input("m", HELLO, True, {"session_id": "s", "turn_id": 1}))
        await self.wait_for(lambda: self.ended("m"))
        async with httpx.AsyncClient() as http:
            self.text = (await http.get(f"http://127.0.0.1:{self.port}/metrics")).text


def test_metrics_port_serves_prometheus_on_metrics_host() -> None:
    port = _free_port()
    config = load_config(
        "property_basic_audio_setting1.json", metrics_port=port, metrics_host="0.0.0.0"
    )
    tester = ScrapeTester(port)
    run_tester(tester, config)
    assert 'deepgram_tts2_requests_total{outcome="completed",transport="websocket"} 1.0' in (
        tester.text
    )

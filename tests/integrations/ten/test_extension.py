"""Per-extension cases (contract spec 2.5) and the issue's extras: params, robustness, faults
mid-request, update_configs rotating the key, the config's redaction, addon registration."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from deepgram_tts2.protocol.v1.url import build_url
from tests.conftest import EmulatorFactory
from tests.integrations.ten.conftest import TesterFactory
from tests.integrations.ten.harness import HELLO, check_requests


def test_params_passthrough() -> None:
    from deepgram_tts2_python.config import DeepgramTTS2Config

    config = DeepgramTTS2Config(
        params={
            "api_key": "super-secret-key-12345",
            "base_url": "wss://api.deepgram.com/v1/speak",
            "model": "aura-2-thalia-en",
            "encoding": "linear16",
            "sample_rate": 24000,
            "bit_rate": 64000,
            "container": "none",
        }
    )
    config.update_params()
    options = config.to_options()
    url = build_url(options.websocket_url, options.speak_params())
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("wss://api.deepgram.com/v1/speak?")
    assert query == {
        "model": ["aura-2-thalia-en"],
        "encoding": ["linear16"],
        "sample_rate": ["24000"],
        "bit_rate": ["64000"],
        "container": ["none"],
    }
    shown = config.to_str()
    assert "super-secret-key-12345" not in shown
    assert "aura-2-thalia-en" in shown


async def test_config_is_logged_only_masked(tester_factory: TesterFactory) -> None:
    from tests.conftest import TEST_KEY

    tester = await tester_factory("property_basic_audio_setting1.json")
    config_lines = [m for _, m, c in tester.env.logs if m.startswith("config:")]
    assert config_lines
    assert all(c == "key_point" for _, m, c in tester.env.logs if m.startswith("config:"))
    assert all(TEST_KEY not in m for _, m, _ in tester.env.logs)


async def test_robustness(tester_factory: TesterFactory) -> None:
    tester = await tester_factory("property_basic_audio_setting1.json")
    cases = {
        "blank": "",
        "spaces": "   \n\t   ",
        "long": "This is a longer piece of text. " * 20,
        "special": "Hello! How are you? I'm fine, thanks. $100 is 100%.",
    }
    for rid, text in cases.items():
        tester.send_text(rid, text, True, {"session_id": "s", "turn_id": 1})
    await tester.wait_for(lambda t: len(t.ends()) == 4, within_s=60)
    assert tester.errors() == []
    assert [e["request_id"] for e in tester.ends()] == list(cases)
    assert tester.ends()[2]["request_total_audio_duration_ms"] > 10_000


async def test_sequential_ids_each_sent_on_the_previous_end(tester_factory: TesterFactory) -> None:
    tester = await tester_factory("property_basic_audio_setting1.json")
    for n in (1, 2, 3):
        tester.send_text(f"seq_req_{n}", HELLO, True, {"session_id": "s", "turn_id": n})
        await tester.wait_for(lambda t, n=n: t.ended(f"seq_req_{n}"), within_s=30)
    assert [s["request_id"] for s in tester.data("tts_audio_start")] == [
        "seq_req_1",
        "seq_req_2",
        "seq_req_3",
    ]
    check_requests(tester, [(f"seq_req_{n}", {"session_id": "s", "turn_id": n}) for n in (1, 2, 3)])


async def test_fault_mid_request_ends_it_once_and_the_next_works(
    tester_factory: TesterFactory, emulator_factory: EmulatorFactory
) -> None:
    emulator = await emulator_factory(
        faults={
            "faults": [
                {
                    "kind": "close",
                    "code": 1011,
                    "reason": "NET-0000",
                    "after_audio_bytes": 4800,
                    "connections": 1,
                }
            ]
        }
    )
    tester = await tester_factory("property_basic_audio_setting1.json", emulator=emulator)
    meta = {"session_id": "s", "turn_id": 1}
    tester.send_text("broken", HELLO, True, meta)
    await tester.wait_for(lambda t: t.ended("broken"), within_s=30)
    assert [e["reason"] for e in tester.ends()] == [3]
    errors = tester.errors()
    assert len(errors) == 1
    assert errors[0]["code"] == 1000
    assert errors[0]["vendor_info"]["code"] == "NET-0000"
    tester.send_text("healthy", HELLO, True, meta)
    await tester.wait_for(lambda t: t.ended("healthy"), within_s=30)
    assert tester.ends()[-1]["reason"] == 1
    assert len(tester.errors()) == 1


async def test_update_configs_rotates_the_key(
    tester_factory: TesterFactory, emulator_factory: EmulatorFactory
) -> None:
    emulator = await emulator_factory(api_keys=("rotated-key-2",))
    tester = await tester_factory("property_basic_audio_setting1.json", emulator=emulator)
    meta = {"session_id": "s", "turn_id": 1}
    tester.send_text("before", HELLO, True, meta)
    await tester.wait_for(lambda t: t.ended("before"), within_s=30)
    assert tester.errors()[0]["code"] == -1000  # the old key is rejected
    result = await tester.cmd("update_configs", {"params": {"api_key": "rotated-key-2"}})
    assert result.name == "0"  # StatusCode.OK
    tester.send_text("after", HELLO, True, meta)
    await tester.wait_for(lambda t: t.ended("after"), within_s=30)
    assert tester.ends()[-1]["reason"] == 1
    assert len(tester.errors()) == 1


async def test_update_configs_changes_the_sample_rate_and_rejects_bad_values(
    tester_factory: TesterFactory,
) -> None:
    tester = await tester_factory("property_basic_audio_setting1.json")
    ok = await tester.cmd("update_configs", {"params": {"sample_rate": 16000}})
    assert ok.name == "0"
    tester.send_text("r16", HELLO, True, {"session_id": "s", "turn_id": 1})
    await tester.wait_for(lambda t: t.ended("r16"), within_s=30)
    assert {f.sample_rate for f in tester.frames()} == {16000}
    bad = await tester.cmd("update_configs", {"params": {"sample_rate": 44100}})
    assert bad.name == "1"  # StatusCode.ERROR
    assert "sample_rate" in bad.payload["message"]
    other = await tester.cmd("some_other_cmd", {})
    assert other.name == "0"


def test_addon_registers_the_extension() -> None:
    import deepgram_tts2_python  # noqa: F401 - registers the addon
    import ten_runtime
    from deepgram_tts2_python.extension import DeepgramTTS2Extension

    addon_class = ten_runtime.ADDONS["deepgram_tts2_python"]
    env = ten_runtime.TenEnv()
    addon_class().on_create_instance(env, "tts", "ctx")
    instance, context = env.created[0]
    assert isinstance(instance, DeepgramTTS2Extension)
    assert context == "ctx"


@pytest.mark.parametrize("rate", [16000, 24000, 48000])
async def test_sample_rates(tester_factory: TesterFactory, rate: int) -> None:
    tester = await tester_factory("property_basic_audio_setting1.json")
    assert (await tester.cmd("update_configs", {"params": {"sample_rate": rate}})).name == "0"
    tester.send_text("r", HELLO, True, {"session_id": "s", "turn_id": 1})
    await tester.wait_for(lambda t: t.ended("r"), within_s=30)
    assert {f.sample_rate for f in tester.frames()} == {rate}
    check_requests(tester, [("r", {"session_id": "s", "turn_id": 1})])


async def test_a_vendor_failure_on_a_non_final_chunk_is_recovered_silently(
    tester_factory: TesterFactory, emulator_factory: EmulatorFactory
) -> None:
    """The socket dies before any audio: the library retries; TEN sees no error at all."""
    emulator = await emulator_factory(
        faults={"faults": [{"kind": "close", "code": 1011, "reason": "NET-0000", "connections": 1}]}
    )
    tester = await tester_factory("property_basic_audio_setting1.json", emulator=emulator)
    meta = {"session_id": "s", "turn_id": 1}
    tester.send_text("r", "First part of the answer.", False, meta)
    tester.send_text("r", " And the rest of it.", True, meta)
    await tester.wait_for(lambda t: t.ended("r"), within_s=30)
    assert tester.errors() == []
    assert tester.ends()[0]["reason"] == 1


async def test_metrics_port_property_serves_prometheus(tester_factory: TesterFactory) -> None:
    import httpx

    tester = await tester_factory("property_basic_audio_setting1.json", metrics_port=0)
    tester.send_text("m", HELLO, True, {"session_id": "s", "turn_id": 1})
    await tester.wait_for(lambda t: t.ended("m"), within_s=30)
    client = tester.extension.client
    assert client is not None
    assert client.metrics_url is not None
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"{client.metrics_url}/metrics")).text
    assert 'deepgram_tts2_requests_total{outcome="completed",transport="websocket"} 1.0' in text

"""``update_configs``: a new key, sample rate or params take effect for the next request; an
invalid value is answered with ERROR and a message that names the field, never its value;
any other cmd is answered OK."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ten_runtime import AsyncTenEnvTester, Cmd, StatusCode

from deepgram_tts2.emulator.server import Emulator

from .support import (
    HELLO,
    ScriptTester,
    load_config,
    run_tester,
    text_input,
    update_configs_cmd,
    with_params,
)

META = {"session_id": "s", "turn_id": 1}
SETTING = "property_basic_audio_setting1.json"


class UpdateTester(ScriptTester):
    def __init__(self, steps: Callable[[UpdateTester, AsyncTenEnvTester], Any]) -> None:
        super().__init__()
        self.steps = steps
        self.results: list[tuple[StatusCode, dict[str, Any]]] = []

    async def script(self, ten_env: AsyncTenEnvTester) -> None:
        await self.steps(self, ten_env)

    async def speak(self, ten_env: AsyncTenEnvTester, request_id: str) -> None:
        await ten_env.send_data(text_input(request_id, HELLO, True, META))
        await self.wait_for(lambda: self.ended(request_id))

    async def cmd(self, ten_env: AsyncTenEnvTester, cmd: Cmd) -> StatusCode:
        result, err = await ten_env.send_cmd(cmd)
        assert err is None
        assert result is not None
        payload, _ = result.get_property_to_json("")
        self.results.append((result.get_status_code(), json.loads(payload or "{}")))
        return result.get_status_code()


def test_update_configs_rotates_the_key(emulator_factory: Callable[..., Emulator]) -> None:
    emulator = emulator_factory(api_keys=("rotated-key-2",))

    async def steps(t: UpdateTester, env: AsyncTenEnvTester) -> None:
        await t.speak(env, "before")
        code = await t.cmd(env, update_configs_cmd({"params": {"api_key": "rotated-key-2"}}))
        assert code == StatusCode.OK
        await t.speak(env, "after")

    tester = UpdateTester(steps)
    run_tester(tester, with_params(load_config(SETTING), base_url=emulator.ws_url))
    assert [(e["request_id"], e["reason"]) for e in tester.ends()] == [("before", 3), ("after", 1)]
    (error,) = tester.errors()
    assert error["code"] == -1000


def test_update_configs_changes_the_sample_rate_and_rejects_bad_values() -> None:
    async def steps(t: UpdateTester, env: AsyncTenEnvTester) -> None:
        assert await t.cmd(env, update_configs_cmd({"params": {"sample_rate": 16000}})) == 0
        await t.speak(env, "r16")
        assert await t.cmd(env, update_configs_cmd({"params": {"sample_rate": 44100}})) == 1
        assert await t.cmd(env, Cmd.create("some_other_cmd")) == StatusCode.OK

    tester = UpdateTester(steps)
    run_tester(tester, load_config(SETTING))
    assert {f.sample_rate for f in tester.frames()} == {16000}
    assert "sample_rate" in tester.results[1][1]["message"]


def test_a_bad_key_type_in_update_configs_is_not_echoed() -> None:
    secret = "list-held-secret-0123456789"

    async def steps(t: UpdateTester, env: AsyncTenEnvTester) -> None:
        bad = update_configs_cmd({"params": {"api_key": [secret]}, "api_key": {"k": secret}})
        assert await t.cmd(env, bad) == StatusCode.ERROR
        await t.speak(env, "still-works")

    tester = UpdateTester(steps)
    run_tester(tester, load_config(SETTING))
    message = tester.results[0][1]["message"]
    assert "api_key" in message
    assert secret not in message
    assert tester.ends()[0]["reason"] == 1


def test_update_configs_moves_between_aura_and_flux() -> None:
    """A Flux model picks /v2/speak for the next request, an Aura one /v1/speak again; a
    speed outside Flux's range is refused for a Flux model and the old config stays."""

    async def steps(t: UpdateTester, env: AsyncTenEnvTester) -> None:
        await t.speak(env, "aura-1")
        assert await t.cmd(env, update_configs_cmd({"params": {"model": "flux-alexis-en"}})) == (
            StatusCode.OK
        )
        await t.speak(env, "flux-1")
        bad = {"params": {"speed": 3.0}}
        assert await t.cmd(env, update_configs_cmd(bad)) == StatusCode.ERROR
        await t.speak(env, "flux-2")
        assert await t.cmd(env, update_configs_cmd({"params": {"model": "aura-2-luna-en"}})) == (
            StatusCode.OK
        )
        await t.speak(env, "aura-2")

    tester = UpdateTester(steps)
    run_tester(tester, load_config(SETTING))
    assert [(e["request_id"], e["reason"]) for e in tester.ends()] == [
        ("aura-1", 1),
        ("flux-1", 1),
        ("flux-2", 1),
        ("aura-2", 1),
    ]
    assert tester.errors() == []
    assert "speed" in tester.results[1][1]["message"]

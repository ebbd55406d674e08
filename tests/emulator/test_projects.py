"""Per-project concurrency (issue #14 item 3): every key of a project shares one limit, separately
for streaming and REST (aura §2.6), and past it the handshake gets Deepgram's 429."""

from __future__ import annotations

import json
from contextlib import AsyncExitStack

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from deepgram_tts2.emulator.server import Emulator
from tests.conftest import EmulatorFactory, eventually, within
from tests.emulator.conftest import raw_connect, rest_head, session

ALPHA, BETA, LONER = "key-alpha-1", "key-alpha-2", "key-loner"
PROJECTS = {"alpha": (ALPHA, BETA)}


async def _ws_status(emulator: Emulator, key: str) -> int:
    try:
        async with connect(emulator.ws_url, additional_headers={"Authorization": f"Token {key}"}):
            return 101
    except InvalidStatus as exc:
        return exc.response.status_code


async def test_keys_of_one_project_share_its_streaming_limit(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory(
        api_keys=(LONER,), projects=PROJECTS, project_max_concurrent_ws=2
    )
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(session(emulator, key=ALPHA))
        await stack.enter_async_context(session(emulator, key=BETA))
        assert await _ws_status(emulator, ALPHA) == 429  # the project's two are in use
        assert await _ws_status(emulator, BETA) == 429
        assert await _ws_status(emulator, LONER) == 101  # another project is not affected
    await eventually(lambda: emulator.active_sessions == 0)
    assert await _ws_status(emulator, BETA) == 101


async def test_the_429_is_deepgram_shaped(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory(projects=PROJECTS, project_max_concurrent_ws=1)
    async with session(emulator, key=ALPHA):
        with pytest.raises(InvalidStatus) as info:
            async with connect(
                emulator.ws_url, additional_headers={"Authorization": f"Token {BETA}"}
            ):
                pass
    response = info.value.response
    body = json.loads(response.body)
    assert response.status_code == 429
    assert body["err_code"] == "Too Many Requests"
    assert body["err_msg"] == "Please try again later."
    assert body["request_id"] == response.headers["dg-request-id"]
    assert response.headers["dg-error"] == body["err_msg"]


async def test_rest_has_its_own_project_limit(emulator_factory: EmulatorFactory) -> None:
    emulator = await emulator_factory(
        projects=PROJECTS, project_max_concurrent_rest=1, project_max_concurrent_ws=5
    )
    body = json.dumps({"text": "Held."}).encode()
    held = await raw_connect(emulator)  # ALPHA's request waits for its body: a slot in use
    await held.send(rest_head(len(body), key=ALPHA, query="encoding=linear16&container=none"))
    try:
        await eventually(lambda: emulator.active_rest_requests == 1)
        async with httpx.AsyncClient() as client:
            refused = await client.post(
                f"{emulator.http_url}/v1/speak",
                json={"text": "hi"},
                headers={"Authorization": f"Token {BETA}"},
            )
            async with session(emulator, key=BETA) as ws:  # streaming is counted apart
                assert "Metadata" in str(await ws.recv())
            await held.send(body)
            assert await within(held.status(), 10) == 200
            await eventually(lambda: emulator.active_rest_requests == 0)
            allowed = await client.post(
                f"{emulator.http_url}/v1/speak",
                json={"text": "hi"},
                headers={"Authorization": f"Token {BETA}"},
            )
    finally:
        held.close()
    assert refused.status_code == 429
    assert refused.json()["err_code"] == "Too Many Requests"
    assert allowed.status_code == 200


async def test_without_a_project_limit_a_project_shares_the_per_key_number(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory(projects=PROJECTS, max_concurrent_ws=1)
    async with session(emulator, key=ALPHA):
        assert await _ws_status(emulator, BETA) == 429


async def test_keys_named_in_projects_are_the_accepted_keys(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory(api_keys=(), projects=PROJECTS)
    assert await _ws_status(emulator, ALPHA) == 101
    assert await _ws_status(emulator, "anyone-else") == 401

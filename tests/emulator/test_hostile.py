"""Hostile input (issue #11): the emulator answers as Deepgram would, stays bounded, keeps serving
other clients and never logs a key. Real loopback sockets only; faults come from the inputs."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from deepgram_tts2.emulator.config import Pacing
from deepgram_tts2.emulator.server import Emulator
from tests.conftest import TEST_KEY, EmulatorFactory, eventually, within
from tests.emulator.conftest import (
    FLUSH,
    SPEAK,
    collect,
    raw_connect,
    rest_head,
    send,
    session,
)

AUTH = {"Authorization": f"Token {TEST_KEY}"}
LONE_SURROGATE_SPEAK = '{"type": "Speak", "text": "before \\ud800 after"}'


async def speak_once(emulator: Emulator, text: str = "Hello there.") -> tuple[int, bytes]:
    """One Speak + Flush on a fresh socket: (Flushed sequence id, audio)."""
    async with session(emulator) as ws:
        await send(ws, {"type": "Speak", "text": text}, FLUSH)
        got = await within(collect(ws, until="Flushed"), 10)
    flushed = [m for m in got.messages if m["type"] == "Flushed"]
    assert flushed, got.types()
    return int(str(flushed[-1]["sequence_id"])), got.audio


# -- item 5: a lone surrogate ---------------------------------------------------------------


async def test_a_lone_surrogate_in_speak_closes_1008_and_other_sessions_go_on(
    emulator: Emulator,
) -> None:
    async with session(emulator) as bystander, session(emulator) as hostile:
        await hostile.send(LONE_SURROGATE_SPEAK)
        await send(hostile, FLUSH)
        got = await within(collect(hostile), 5)  # today: silence until the guard fires
        await send(bystander, SPEAK, FLUSH)
        ok = await within(collect(bystander, until="Flushed"), 5)
    assert (got.close_code, got.close_reason) == (1008, "DATA-0000")
    assert got.types() == ["Metadata"]
    assert ok.types() == ["Metadata", "audio", "Flushed"]


async def test_a_lone_surrogate_over_rest_gets_deepgrams_400(emulator: Emulator) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{emulator.http_url}/v1/speak",
            content=b'{"text": "bad \\ud800"}',
            headers={**AUTH, "Content-Type": "application/json"},
        )
    assert response.status_code == 400
    assert response.json()["err_code"] == "PAYLOAD_ERROR"
    assert response.headers["dg-error"] == response.json()["err_msg"]


# -- item 6: REST concurrency under a burst --------------------------------------------------


async def test_rest_concurrency_limit_holds_under_a_burst(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory(max_concurrent_rest=15)
    body = json.dumps({"text": "Burst."}).encode()
    query = "encoding=linear16&container=none"
    connections = [await raw_connect(emulator) for _ in range(40)]
    for conn in connections:  # 40 requests whose bodies have not arrived yet
        await conn.send(rest_head(len(body), query=query))
    statuses = [asyncio.create_task(conn.status()) for conn in connections]
    try:
        await eventually(lambda: sum(t.done() for t in statuses) >= 25)
        early = [t.result() for t in statuses if t.done()]
        assert early == [429] * 25  # refused before their bodies, not counted after them
        waiting = [c for c, t in zip(connections, statuses, strict=True) if not t.done()]
        for conn in waiting:
            await conn.send(body)
        late = await within(asyncio.gather(*(t for t in statuses if not t.done())), 10)
        assert late == [200] * 15
    finally:
        for conn in connections:
            conn.close()
    await eventually(lambda: emulator.active_rest_requests == 0)


# -- item 7: slow request headers ------------------------------------------------------------


async def test_a_connection_that_never_finishes_its_headers_is_closed(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory(header_timeout_s=0.2)
    conn = await raw_connect(emulator)
    await conn.send(b"GET /v1/speak HTTP/1.1\r\nHost: emulator\r\n")  # and nothing more
    assert await within(conn.reader.read(), 5) == b""  # closed by the server
    conn.close()
    _, audio = await speak_once(emulator)  # a prompt client is served as usual
    assert audio


async def test_connections_waiting_for_headers_are_capped_oldest_first(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory(header_timeout_s=30, max_pending_connections=5)
    slow = []
    for _ in range(10):
        conn = await raw_connect(emulator)
        await conn.send(b"POST /v1/speak HTTP/1.1\r\nHost: emul")
        slow.append(conn)
    closed = [asyncio.create_task(conn.reader.read()) for conn in slow]
    try:
        await eventually(lambda: sum(t.done() for t in closed) == 5)
        await eventually(lambda: emulator.pending_connections == 5)
        assert all(t.done() for t in closed[:5])  # the oldest five went
        _, audio = await speak_once(emulator)
        assert audio
    finally:
        for conn in slow:
            conn.close()
        await asyncio.gather(*closed, return_exceptions=True)


# -- item 8: CRLF in a query value -----------------------------------------------------------

CRLF_QUERY = "encoding=lin%0d%0aX-Injected:%20yes"


async def test_crlf_in_a_query_value_gets_a_400_on_the_socket(emulator: Emulator) -> None:
    with pytest.raises(InvalidStatus) as info:
        async with connect(f"{emulator.ws_url}?{CRLF_QUERY}", additional_headers=AUTH):
            pass
    response = info.value.response
    assert response.status_code == 400
    assert "x-injected" not in {k.lower() for k in response.headers}
    assert json.loads(response.body)["err_code"] == "INVALID_QUERY_PARAMETER"
    assert "\\r\\n" in response.headers["dg-error"]


async def test_crlf_in_a_query_value_gets_a_400_over_rest(emulator: Emulator) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{emulator.http_url}/v1/speak?{CRLF_QUERY}", json={"text": "hi"}, headers=AUTH
        )
    assert response.status_code == 400
    assert "x-injected" not in response.headers
    assert response.json()["err_msg"] == response.headers["dg-error"]


# -- item 9: bodies over 2 MB ------------------------------------------------------------------


async def _chunks(total: int) -> AsyncIterator[bytes]:
    for _ in range(total // 65536):
        yield b"x" * 65536


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_body_over_2_mb_gets_deepgrams_413(emulator: Emulator, chunked: bool) -> None:
    size = 3 * 1024 * 1024
    content = _chunks(size) if chunked else b"x" * size
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{emulator.http_url}/v1/speak",
            content=content,
            headers={**AUTH, "Content-Type": "text/plain"},
        )
    assert response.status_code == 413
    assert response.json()["err_code"] == "PAYLOAD_TOO_LARGE"
    assert response.json()["err_msg"] == "Payload size exceeds limit of 2 MB."
    assert response.headers["dg-request-id"] == response.json()["request_id"]


# -- item 10: client disconnects are routine ---------------------------------------------------


async def _disconnect_mid_answer(emulator: Emulator) -> None:
    async with (
        httpx.AsyncClient() as client,
        client.stream(
            "POST",
            f"{emulator.http_url}/v1/speak?encoding=linear16&container=none",
            json={"text": "A long answer that the client will not wait for. " * 4},
            headers=AUTH,
        ) as response,
    ):
        async for _ in response.aiter_raw():
            break  # the first piece arrived; hang up


async def test_a_rest_client_that_hangs_up_costs_one_line_and_no_traceback(
    emulator_factory: EmulatorFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    pacing = Pacing(first_audio_ms=0, per_char_ms=0, realtime_factor=1.0, rest_first_byte_ms=0)
    emulator = await emulator_factory(pacing=pacing)
    for _ in range(3):
        await _disconnect_mid_answer(emulator)
        await eventually(lambda: emulator.active_rest_requests == 0)
    ours = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert [r for r in ours if r.exc_info or r.levelno >= logging.WARNING] == []
    went_away = [r for r in ours if r.getMessage() == "REST client went away mid-answer"]
    assert len(went_away) == 3
    assert all(r.levelno == logging.INFO for r in went_away)


async def test_the_rest_close_fault_logs_no_traceback(
    emulator_factory: EmulatorFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    emulator = await emulator_factory(
        faults={"faults": [{"kind": "close", "after_audio_bytes": 1000, "api": "rest"}]}
    )
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post(
                f"{emulator.http_url}/v1/speak?encoding=linear16&container=none",
                json={"text": "Hello there, a longer text."},
                headers=AUTH,
            )
    await eventually(lambda: emulator.active_rest_requests == 0)
    assert [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING] == []


# -- item 11: the render cache is bounded in bytes ---------------------------------------------


async def test_the_render_cache_never_holds_more_than_its_bound(
    emulator_factory: EmulatorFactory,
) -> None:
    bound = 300_000  # about three one-second renders at 48 kHz
    emulator = await emulator_factory(render_cache_bytes=bound, flushes_per_window=1000)
    held = []
    async with session(emulator, "sample_rate=48000") as ws:
        for i in range(40):
            await send(ws, {"type": "Speak", "text": f"Distinct text {i:04d}."}, FLUSH)
            await within(collect(ws, until="Flushed"), 10)
            held.append(emulator.render_cache.held_bytes)
    assert max(held) <= bound
    assert len(emulator.render_cache) >= 1  # it is used, just bounded


# -- all of it at once, while a normal client keeps talking -----------------------------------


async def _hostile_traffic(emulator: Emulator) -> None:
    slow = [await raw_connect(emulator) for _ in range(30)]
    for conn in slow:
        await conn.send(b"GET /v1/speak HTTP/1.1\r\nHost: x\r\n")
    async with httpx.AsyncClient() as client:
        for _ in range(3):
            async with session(emulator) as ws:
                await ws.send(LONE_SURROGATE_SPEAK)
                await within(collect(ws), 5)
            async with session(emulator) as ws:
                await ws.send(b"\x00binary")
                await within(collect(ws), 5)
            await client.post(
                f"{emulator.http_url}/v1/speak?{CRLF_QUERY}", json={"text": "x"}, headers=AUTH
            )
            await client.post(
                f"{emulator.http_url}/v1/speak",
                content=b"y" * (2 * 1024 * 1024 + 1),
                headers={**AUTH, "Content-Type": "text/plain"},
            )
            await _disconnect_mid_answer(emulator)
    await asyncio.gather(*(within(conn.reader.read(), 10) for conn in slow))
    for conn in slow:
        conn.close()


async def test_a_normal_client_keeps_getting_audio_while_hostile_ones_hit_the_server(
    emulator_factory: EmulatorFactory,
) -> None:
    pacing = Pacing(first_audio_ms=0, per_char_ms=0, realtime_factor=8.0, rest_first_byte_ms=0)
    emulator = await emulator_factory(
        pacing=pacing, header_timeout_s=0.5, render_cache_bytes=500_000
    )
    hostile = asyncio.create_task(_hostile_traffic(emulator))
    rounds: list[tuple[int, int]] = []
    async with session(emulator) as ws:
        for i in range(12):
            await send(ws, {"type": "Speak", "text": f"Round {i} of normal talk."}, FLUSH)
            got = await within(collect(ws, until="Flushed"), 10)
            rounds.append((int(str(got.messages[-1]["sequence_id"])), len(got.audio)))
    await within(hostile, 30)
    assert [seq for seq, _ in rounds] == list(range(12))
    assert all(audio > 0 for _, audio in rounds)
    assert emulator.render_cache.held_bytes <= 500_000
    await eventually(lambda: emulator.pending_connections == 0)
    async with httpx.AsyncClient() as client:
        health = await client.get(f"{emulator.http_url}/_emulator/health")
    assert health.json()["status"] == "ok"


# -- secrets -------------------------------------------------------------------------------------

SECRET = "dgk-Distinctive-Secret-7f3a9c21e4b8"
WRONG_SECRET = "dgk-Wrong-But-Also-Secret-55aa"


async def test_the_emulators_logs_never_contain_a_clients_key(
    emulator_factory: EmulatorFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    emulator = await emulator_factory(api_keys=(SECRET,), header_timeout_s=0.3)
    headers = {"Authorization": f"Token {SECRET}"}
    async with connect(emulator.ws_url, additional_headers=headers) as ws:
        await send(ws, SPEAK, FLUSH)
        await collect(ws, until="Flushed")
        await ws.send(LONE_SURROGATE_SPEAK)
        await collect(ws)
    async with connect(emulator.ws_url, subprotocols=["token", SECRET]) as ws:  # type: ignore[list-item]
        await ws.send(b"\x01")
        await collect(ws)
    for query, key in [("", WRONG_SECRET), (CRLF_QUERY, SECRET), ("model=aura-x", SECRET)]:
        with pytest.raises(InvalidStatus):
            async with connect(
                f"{emulator.ws_url}?{query}", additional_headers={"Authorization": f"Token {key}"}
            ):
                pass
    async with httpx.AsyncClient() as client:
        for key in (SECRET, WRONG_SECRET):
            await client.post(
                f"{emulator.http_url}/v1/speak",
                json={"text": "hi"},
                headers={"Authorization": f"Bearer {key}"},
            )
    conn = await raw_connect(emulator)
    await conn.send(b"POST /v1/speak HTTP/1.1\r\nAuthorization: Token " + SECRET.encode())
    await within(conn.reader.read(), 5)
    conn.close()
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    server_side = [r for r in caplog.records if not r.name.startswith(("websockets", "http"))]
    assert server_side  # the emulator did log
    for record in server_side:
        text = formatter.format(record) + repr(record.__dict__)
        assert SECRET not in text
        assert WRONG_SECRET not in text

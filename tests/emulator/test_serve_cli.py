"""``dgtts serve``: every emulator option as a flag, and ``--workers N`` behind one port."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import sys
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.client import connect

from deepgram_tts2.cli import serve as serve_command
from deepgram_tts2.emulator.cli_options import config_from_args, parse_projects
from deepgram_tts2.emulator.config import EmulatorConfig, MetadataTiming
from deepgram_tts2.protocol.v1.server_session import ClearId, EmptyFlush, SynthesisStart
from tests.conftest import TEST_KEY, within
from tests.emulator.conftest import FLUSH, SPEAK, collect, send

DGTTS = [sys.executable, "-m", "deepgram_tts2.cli"]


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    serve_command.register(parser.add_subparsers())
    return parser.parse_args(["serve", *argv])


def test_defaults_are_the_configs_defaults() -> None:
    args = parse()
    built = config_from_args(args)
    assert built == EmulatorConfig(port=built.port)
    assert args.workers == 1


def test_every_switch_has_a_flag() -> None:
    config = config_from_args(
        parse(
            *("--clear-id", "own", "--empty-flush", "ignored", "--flushed-delay-ms", "250"),
            *("--metadata", "after_audio", "--frame-bytes", "1", "--permessage-deflate", "off"),
            *("--synthesis-start", "sentence", "--synthesis-start-chars", "40"),
            *("--header-timeout-s", "2.5", "--max-pending-connections", "9"),
            *("--render-cache-mb", "1.5", "--project", "a=k1,k2", "--project", "b=k3"),
            *("--project-max-concurrent-ws", "7", "--project-max-concurrent-rest", "3"),
        )
    )
    assert config.clear_id is ClearId.OWN
    assert config.empty_flush is EmptyFlush.IGNORED
    assert config.flushed_delay_ms == 250
    assert config.metadata is MetadataTiming.AFTER_AUDIO
    assert config.frame_bytes == 1
    assert config.permessage_deflate is False
    assert config.synthesis_start is SynthesisStart.SENTENCE
    assert config.synthesis_start_chars == 40
    assert (config.header_timeout_s, config.max_pending_connections) == (2.5, 9)
    assert config.render_cache_bytes == int(1.5 * 1024 * 1024)
    assert config.projects == {"a": ("k1", "k2"), "b": ("k3",)}
    assert config.api_keys == ("k1", "k2", "k3")
    assert (config.project_max_concurrent_ws, config.project_max_concurrent_rest) == (7, 3)


@pytest.mark.parametrize("spec", ["noequals", "=k1", "a=", "a=k1,,k2"])
def test_bad_project_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="NAME=KEY1,KEY2"):
        parse_projects([spec])
    with pytest.raises(ValueError, match="one project"):
        config_from_args(parse("--project", "a=k1", "--project", "b=k1"))


async def _run(*argv: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *DGTTS, "serve", *argv, stdin=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, err = await within(process.communicate(), 60)
    return process.returncode or 0, err.decode()


async def test_a_bad_flag_value_exits_2() -> None:
    code, err = await _run("--project", "broken")
    assert code == 2
    assert "NAME=KEY1,KEY2" in err
    code, err = await _run("--workers", "2", "--metrics-port", "0")
    assert code == 2
    assert "--workers 1" in err


@pytest.fixture
async def two_workers() -> AsyncIterator[tuple[int, asyncio.subprocess.Process]]:
    process = await asyncio.create_subprocess_exec(
        *DGTTS,
        *("serve", "--workers", "2", "--port", "0", "--api-key", TEST_KEY),
        *("--voice-engine", "tone", "--instant"),
        stdin=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,  # its own process group, so cleanup reaches the workers too
    )
    assert process.stderr is not None
    try:
        line = (await within(process.stderr.readline(), 120)).decode()
        match = re.search(r"listening on ws://127\.0\.0\.1:(\d+)/v1/speak .* with 2 workers", line)
        assert match, line
        yield int(match.group(1)), process
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        await within(process.stderr.read(), 30)  # EOF: every writer (worker) has exited


async def test_two_workers_accept_on_one_port_and_both_serve_sessions(
    two_workers: tuple[int, asyncio.subprocess.Process],
) -> None:
    port, process = two_workers
    served: dict[str, int] = {}
    for _ in range(200):  # the kernel spreads connections; stop once both workers answered
        async with connect(
            f"ws://127.0.0.1:{port}/v1/speak",
            additional_headers={"Authorization": f"Token {TEST_KEY}"},
        ) as ws:
            worker = ws.response.headers["x-emulator-worker"]
            await send(ws, SPEAK, FLUSH)
            got = await within(collect(ws, until="Flushed"), 10)
        assert got.types() == ["Metadata", "audio", "Flushed"]
        served[worker] = served.get(worker, 0) + 1
        if len(served) == 2:
            break
    assert set(served) == {"0", "1"}
    process.send_signal(signal.SIGTERM)
    assert await within(process.wait(), 30) == 0
    with pytest.raises(ConnectionRefusedError):  # every worker is gone with the parent
        await asyncio.open_connection("127.0.0.1", port)


def test_the_config_repr_shows_no_key() -> None:
    config = EmulatorConfig(api_keys=("key-Aaaa1111",), projects={"p": ("key-Bbbb2222",)})
    assert "key-" not in repr(config)
    assert "key-" not in str(config)

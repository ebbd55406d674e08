"""The ``/v2/speak`` options are ``EmulatorConfig.flux``: a ``dgtts serve`` flag, settable at
runtime for new connections, and the emulator's own counters and ``drop_all`` cover v2 too."""

from __future__ import annotations

import argparse
import json

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from deepgram_tts2.cli import serve as serve_command
from deepgram_tts2.emulator.cli_options import config_from_args, parse_flux_options
from deepgram_tts2.emulator.server import Emulator
from deepgram_tts2.protocol.v2.codes import CloseScheme
from tests.conftest import eventually, within
from tests.emulator.v2.conftest import MODEL, FluxFactory, flux_session


def _serve_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    serve_command.register(parser.add_subparsers())
    return parser.parse_args(["serve", *argv])


def test_flux_option_flags_build_the_v2_options() -> None:
    config = config_from_args(
        _serve_args(
            *("--flux-option", "close_scheme=normal", "--flux-option", "interrupt_tail_frames=3"),
            *("--flux-option", "g711_default_sample_rate=null"),
        )
    )
    assert config.flux.close_scheme is CloseScheme.NORMAL
    assert config.flux.interrupt_tail_frames == 3
    assert config.flux.g711_default_sample_rate is None
    assert config_from_args(_serve_args()).flux == type(config.flux)()  # defaults without flags


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (["close_scheme"], "NAME=VALUE"),
        (["=normal"], "NAME=VALUE"),
        (["close_scheme=normal", "close_scheme=v1"], "given twice"),
        (["no_such_option=1"], "no_such_option"),
        (["interrupt_tail_frames=-1"], "interrupt_tail_frames"),
    ],
)
def test_bad_flux_options_are_refused_by_name(specs: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_flux_options(specs)


async def _connected(emulator: Emulator) -> dict[str, object]:
    async with flux_session(emulator) as ws:
        connected: dict[str, object] = json.loads(await within(ws.recv(), 5))
    return connected


async def test_flux_options_change_at_runtime_for_new_connections(flux: Emulator) -> None:
    assert (await _connected(flux))["model_name"] == "alexis"
    async with httpx.AsyncClient() as client:
        changed = await client.post(
            f"{flux.http_url}/_emulator/config", json={"flux": {"connected_model_name": "model"}}
        )
        invalid = await client.post(
            f"{flux.http_url}/_emulator/config", json={"flux": {"close_scheme": "v9"}}
        )
    assert changed.status_code == 200
    assert changed.json()["flux"]["connected_model_name"] == "model"
    assert invalid.status_code == 400
    assert (await _connected(flux))["model_name"] == MODEL


async def test_the_emulator_counts_and_drops_v2_sockets(flux_factory: FluxFactory) -> None:
    emulator = await flux_factory()
    before = emulator.total_connections
    async with flux_session(emulator) as ws:
        await within(ws.recv(), 5)  # Connected
        await eventually(lambda: emulator.active_sessions == 1)
        assert emulator.total_connections == before + 1
        emulator.drop_all()
        with pytest.raises(ConnectionClosed) as info:
            await within(ws.recv(), 5)
    assert info.value.rcvd is None  # dropped without a close frame
    await eventually(lambda: emulator.active_sessions == 0)


@pytest.mark.parametrize("deflate", [True, False])
async def test_v2_follows_the_permessage_deflate_switch(
    flux_factory: FluxFactory, deflate: bool
) -> None:
    emulator = await flux_factory(permessage_deflate=deflate)
    async with flux_session(emulator) as ws:  # websockets offers permessage-deflate by default
        extensions = ws.response.headers.get("Sec-WebSocket-Extensions", "")
        await within(ws.recv(), 5)
    assert ("permessage-deflate" in extensions) is deflate

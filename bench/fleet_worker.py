"""One worker process of the fleet scenario: ``python -m bench.fleet_worker``.

A worker runs the agents of one process of a fleet, each agent one conversation whose turns the
scenario scheduled (``bench.scenarios.fleet``). Ours runs as its users deploy it in a process:
one ``DeepgramTTS`` for every agent of the process (its fleet options given by the scenario);
every other client as its users deploy it: one instance per agent, opened when the agent's
conversation starts and closed when it ends.

Protocol (so that imports and start-up are not timed, and every worker starts together): the
arguments as one JSON line on stdin (they hold the Redis password, so not on the command line);
``READY`` on stdout once the client libraries are imported; then ``GO`` on stdin; at the end one
line ``RESULT {json}`` with a record per turn. Logs go to files in ``log_dir``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import pathlib
import sys
import time
from typing import Any

from bench.adapters import HEAVY_MODULES, by_key
from bench.core import Client, Endpoint, Sizing, TurnRecord
from bench.drive import run_turn

OPEN_TIMEOUT_S = 15.0


def turn_row(agent: int, turn: dict[str, Any], record: TurnRecord) -> dict[str, Any]:
    """What the scenario aggregates of one turn."""
    first = record.first_audio_ms
    return {
        "agent": agent,
        "repeated": bool(turn.get("repeated")),
        "first_audio_ms": None if first is None else round(first, 2),
        "error": record.error,
        "transport": record.transport,
    }


async def open_agent(client: Client) -> str | None:
    """Open one instance; why it failed (its framework carries on with it regardless)."""
    try:
        await asyncio.wait_for(client.open(), OPEN_TIMEOUT_S)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:200]
    return None


async def conversation(
    client: Client | None, args: dict[str, Any], agent: int, start: float
) -> dict[str, Any]:
    """One agent's turns at their scheduled times (a late turn starts when the last ended).

    ``client`` is the process's shared instance (ours), or None: the agent opens its own.
    """
    turns = args["script"][agent]
    await asyncio.sleep(max(0.0, start + turns[0]["at"] - time.monotonic()))
    own = client is None
    spec = by_key(args["client"])
    instance = spec.factory(endpoint_of(args), Sizing()) if own else client
    assert instance is not None
    open_error = await open_agent(instance) if own else None
    rows = []
    try:
        for k, turn in enumerate(turns):
            await asyncio.sleep(max(0.0, start + turn["at"] - time.monotonic()))
            record = await run_turn(
                instance,
                turn["text"],
                tokens_per_s=turn["tokens_per_s"],
                index=k,
                timeout_s=args["turn_timeout_s"],
            )
            rows.append(turn_row(agent, turn, record))
    finally:
        if own:
            with contextlib.suppress(Exception):
                await instance.close()
    return {"open_error": open_error, "turns": rows}


def endpoint_of(args: dict[str, Any]) -> Endpoint:
    e = args["endpoint"]
    return Endpoint(e["ws_url"], e["http_base"], e["key"])


def counters_of(client: Client | None) -> dict[str, Any]:
    """What our client reported through its hooks (None for the others)."""
    counters = getattr(client, "counters", None)
    if counters is None:
        return {}
    return {
        "throttled": counters.throttled,
        "reconnects": counters.reconnects,
        "errors": dict(counters.errors),
    }


async def run(args: dict[str, Any]) -> dict[str, Any]:
    """Every agent of this worker, at once, from now."""
    from bench.adapters.livekit import close_shared_session
    from bench.adapters.ours import OursClient

    shared: Client | None = None
    if args["client"] == "ours":
        sizing = Sizing(streams=len(args["script"]))
        fleet = {"fleet": args["fleet"]} if args.get("fleet") is not None else {}
        shared = OursClient(endpoint_of(args), sizing, name=args["name"], **fleet)
        await shared.open()
    start = time.monotonic()
    try:
        agents = await asyncio.gather(
            *(conversation(shared, args, a, start) for a in range(len(args["script"])))
        )
        counted = counters_of(shared)
    finally:
        if shared is not None:
            await shared.close()
        await close_shared_session()
    return {"worker": args["worker"], "agents": agents, "client_reported": counted}


def configure_logging(log_dir: pathlib.Path, worker: int) -> None:
    """Standard logging and Pipecat's loguru into this worker's own files."""
    import bench.adapters.pipecat as pipecat

    log_dir.mkdir(parents=True, exist_ok=True)
    pipecat.LOG_PATH = log_dir / f"pipecat-{worker}.log"
    with contextlib.suppress(ImportError):
        pipecat.configure_logging()
    logging.basicConfig(
        filename=log_dir / f"python-{worker}.log", filemode="w", level=logging.INFO, force=True
    )


def preload(client: str) -> None:
    """Import the client's libraries now (an import inside the running loop would stall every
    socket meanwhile); only its own, so that a worker of ours does not import Pipecat."""
    spec = by_key(client)
    roots = {module.split(".")[0] for module in spec.requires}
    for module in (*spec.requires, *(m for m in HEAVY_MODULES if m.split(".")[0] in roots)):
        with contextlib.suppress(ImportError):
            importlib.import_module(module)


def main() -> int:
    args = json.loads(sys.stdin.readline())
    configure_logging(pathlib.Path(args["log_dir"]), args["worker"])
    preload(args["client"])
    print("READY", flush=True)
    if sys.stdin.readline().strip() != "GO":
        return 1
    result = asyncio.run(run(args))
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The scenarios of the comparison: each one states its server conditions, runs every client it
names side by side, and returns JSON-ready figures that :mod:`bench.report` renders.

A scenario is a :class:`Scenario` in :data:`SCENARIOS` (report order). Its ``run`` gets a
:class:`Context` (the options of the run, the clients to include, how to start an emulator) and
returns a dict with at least ``conditions`` (one or more :meth:`ServerConditions.as_dict`) and
``command`` (how to reproduce it alone). New rows (Flux, a fleet of worker processes) are new
entries here.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any

from bench.adapters import select
from bench.core import AdapterSpec, Dialect, Endpoint
from deepgram_tts2.loadtest.emulator import ServerConditions, SpawnedEmulator, spawned_emulator


@dataclass
class Context:
    """What a scenario needs from the run.

    Attributes:
        quick: the short variant (a few seconds per scenario, for development).
        clients: client keys to include (None: all).
        key: the API key every emulator of the run accepts.
        options: scenario-specific overrides (``--set name=value``).
    """

    quick: bool = False
    clients: list[str] | None = None
    key: str = field(default_factory=lambda: secrets.token_hex(16))
    options: dict[str, str] = field(default_factory=dict)

    def specs(self, dialect: Dialect = "v1") -> list[AdapterSpec]:
        """The clients of this run, in report order."""
        return select(self.clients, dialect)

    def number(self, name: str, full: float, quick: float) -> float:
        """A scenario parameter: ``--set name=value`` wins, else the quick or full default."""
        if name in self.options:
            return float(self.options[name])
        return quick if self.quick else full

    def count(self, name: str, full: int, quick: int) -> int:
        """:meth:`number` as a whole number."""
        return int(self.number(name, full, quick))

    @contextlib.contextmanager
    def emulator(self, conditions: ServerConditions) -> Iterator[Served]:
        """A ``dgtts serve`` child with ``conditions`` for the block."""
        with spawned_emulator(self.key, conditions) as spawned:
            yield Served(spawned, Endpoint(spawned.ws_url, spawned.http_base, self.key))


@dataclass
class Served:
    """A spawned emulator and the endpoint clients use."""

    emulator: SpawnedEmulator
    endpoint: Endpoint


@dataclass(frozen=True)
class Scenario:
    """One section of BENCHMARKS.md.

    Attributes:
        key: ``--only`` name.
        title: section heading.
        run: the measurement.
        minutes: rough duration of the full variant on an idle 2-CPU machine.
    """

    key: str
    title: str
    run: Callable[[Context], Coroutine[Any, Any, dict[str, Any]]]
    minutes: float = 1.0


def registry() -> list[Scenario]:
    """Every scenario, in report order (imported here so each module stays independent)."""
    from bench.scenarios import (
        conversation,
        fleet,
        flux,
        interrupts,
        latency,
        longtext,
        realtime,
        resources,
        scale,
    )

    return [
        Scenario("warm", "Warm single request", latency.warm, 0.5),
        Scenario("tokens", "LLM token stream at 30 tokens/s", latency.tokens, 1.5),
        Scenario("conversation", "A conversation under Deepgram's budgets", conversation.run, 3.5),
        Scenario("interrupts", "Interrupts: one definition for every client", interrupts.run, 2.5),
        Scenario("concurrency", "Concurrent streams", scale.run, 3.0),
        Scenario("fleet", "A fleet of 4 processes over a project limit of 15", fleet.run, 5.0),
        Scenario("realtime", "Real-time streams: capacity and cost per chunk", realtime.run, 6.0),
        Scenario("longtext", "A long text", longtext.run, 5.0),
        Scenario("sequential", "Sequential requests: leaks", resources.run, 1.5),
        Scenario("flux", "Flux (/v2/speak)", flux.run, 3.0),
    ]

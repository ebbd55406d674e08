"""The fleet's Prometheus side: promtool checks the alert rules and runs their unit tests, the
rules use only metrics the fleet exports, and the exposition after real activity is valid."""

from __future__ import annotations

import asyncio
import pathlib
import re
import shutil
import subprocess

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from deepgram_tts2.fleet import (
    GovernorTimeoutError,
    Kind,
    LocalGovernor,
    MemoryPhraseCache,
    PhraseKey,
    Priority,
)
from deepgram_tts2.fleet.prometheus import FleetPrometheusHooks
from deepgram_tts2.protocol.v1.url import SpeakParams
from tests.fleet.conftest import FakeClock

ROOT = pathlib.Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="scripts/system-deps installs it")


@needs_promtool
@pytest.mark.parametrize(
    "command", [["check", "rules", "fleet-alerts.yml"], ["test", "rules", "fleet-alerts.test.yml"]]
)
def test_promtool_accepts_the_fleet_rules_and_their_unit_tests(command: list[str]) -> None:
    assert PROMTOOL is not None
    result = subprocess.run(
        [PROMTOOL, *command], cwd=RULES, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_rules_use_only_metrics_the_fleet_exports() -> None:
    text = (RULES / "fleet-alerts.yml").read_text()
    used = set(re.findall(r"deepgram_tts2_fleet_[a-z_]+", text))
    assert used
    exported: set[str] = set()
    for family in FleetPrometheusHooks().registry.collect():
        exported.update(sample.name for sample in family.samples)
        exported.add(family.name)
    histogram_parts = {f"deepgram_tts2_fleet_wait_seconds{s}" for s in ("_count", "_sum")}
    assert used <= exported | histogram_parts, used - exported


def test_every_alert_has_a_runbook_section_in_the_docs() -> None:
    rules = (RULES / "fleet-alerts.yml").read_text()
    docs = (ROOT / "docs" / "fleet.md").read_text().lower()
    for name in re.findall(r"alert: (\w+)", rules):
        assert f"docs/fleet.md#{name.lower()}" in rules
        assert f"### {name.lower()}" in docs, name


async def _activity(hooks: FleetPrometheusHooks) -> None:
    clock = FakeClock()
    gov = LocalGovernor({Kind.WEBSOCKET: 1, Kind.REST: 1}, clock=clock, hooks=hooks)
    lease = await gov.acquire(Kind.WEBSOCKET)
    waiter = asyncio.ensure_future(gov.acquire(Kind.WEBSOCKET, Priority.LIVE, clock.now() + 1))
    await clock.advance(2)
    with pytest.raises(GovernorTimeoutError):
        await waiter
    lease.release()
    cache = MemoryPhraseCache(100, clock=clock, hooks=hooks)
    key = PhraseKey.for_v1(SpeakParams(), "Hi.")
    assert await cache.get(key) is None
    for text in ("Hi.", "Hello.", "Hey."):
        async with cache.writer(PhraseKey.for_v1(SpeakParams(), text)) as writer:
            writer.append(b"x" * 40)
            await writer.commit()
    await cache.get(PhraseKey.for_v1(SpeakParams(), "Hey."))


def test_activity_shows_in_the_metrics_and_the_scrape_is_valid() -> None:
    hooks = FleetPrometheusHooks()
    asyncio.run(_activity(hooks))
    text = generate_latest(hooks.registry).decode()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("deepgram_tts2_fleet_throttled_total", (("kind", "websocket"),))] == 1
    timeout = (("kind", "websocket"), ("outcome", "timeout"), ("priority", "live"))
    assert samples[("deepgram_tts2_fleet_wait_seconds_count", timeout)] == 1
    assert samples[("deepgram_tts2_fleet_leases", (("kind", "websocket"),))] == 0
    assert samples[("deepgram_tts2_fleet_budget_limit", (("kind", "websocket"),))] == 1
    assert samples[("deepgram_tts2_fleet_cache_lookups_total", (("outcome", "miss"),))] == 1
    assert samples[("deepgram_tts2_fleet_cache_lookups_total", (("outcome", "hit"),))] == 1
    assert samples[("deepgram_tts2_fleet_cache_evictions_total", ())] == 1
    assert samples[("deepgram_tts2_fleet_cache_bytes", ())] == 80
    assert samples[("deepgram_tts2_fleet_degraded", ())] == 0
    if PROMTOOL is not None:
        check = subprocess.run(
            [PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True, check=False
        )
        assert check.returncode == 0, check.stdout + check.stderr

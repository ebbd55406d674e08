"""The client's alert rules and Grafana dashboard (deploy/): promtool checks the rules, the example
Prometheus configuration and every dashboard query, and runs the rules' unit tests; every alert
is unit-tested both firing and quiet, points its ``runbook_url`` at a runbook section of
docs/operations.md, and uses only metrics the client exports; the dashboard selects processes
by ``$job`` and ``$instance`` and never aggregates them away. (The fleet's rules have their own
test in tests/fleet/test_alerts.py.)"""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess
from typing import Any

import pytest

from deepgram_tts2.observability.prometheus import PrometheusHooks
from tests.test_docs import github_anchors

ROOT = pathlib.Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus"
DASHBOARD = ROOT / "deploy" / "grafana" / "deepgram-tts2.json"
OPERATIONS = ROOT / "docs" / "operations.md"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="scripts/system-deps installs it")

AGGREGATIONS = ("sum", "min", "max", "avg", "count", "group", "stddev", "stdvar")
AGGREGATIONS += ("topk", "bottomk", "quantile", "count_values")
METRIC = re.compile(r"\b(deepgram_tts2_[a-z_]+|up)\b(\{[^}]*\})?")


def _promtool(*args: str, cwd: pathlib.Path = RULES) -> None:
    assert PROMTOOL is not None
    result = subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def _alerts() -> dict[str, str]:
    """Alert name -> its rule text (name to the next rule) in alerts.yml."""
    text = (RULES / "alerts.yml").read_text()
    parts = re.split(r"^\s*- alert: ", text, flags=re.M)[1:]
    return {part.split("\n", 1)[0].strip(): part for part in parts}


def _exported() -> set[str]:
    """Every series name the client's exporter can produce."""
    names: set[str] = set()
    for family in PrometheusHooks().registry.collect():
        names.add(family.name)
        suffixes = {
            "counter": ("_total", "_created"),
            "histogram": ("_bucket", "_sum", "_count", "_created"),
            "gauge": (),
        }[family.type]
        names.update(family.name + s for s in suffixes)
    return names


@needs_promtool
@pytest.mark.parametrize(
    "command",
    [
        ["check", "rules", "alerts.yml"],
        ["test", "rules", "alerts.test.yml"],
        ["check", "config", "prometheus.yml"],
    ],
)
def test_promtool_accepts_the_rules_their_unit_tests_and_the_example_config(
    command: list[str],
) -> None:
    _promtool(*command)


def test_the_rules_cover_a_target_down_and_absent_metrics() -> None:
    rules = _alerts()
    assert len(rules) >= 7
    assert any(re.search(r"expr: up\{[^}]*\} == 0", r) for r in rules.values())
    assert any("expr: absent(deepgram_tts2_" in r for r in rules.values())


def test_every_alert_is_unit_tested_firing_and_quiet() -> None:
    tests = (RULES / "alerts.test.yml").read_text()
    cases = re.findall(r"alertname: (\w+)\n\s+exp_alerts:(.*)", tests)
    firing = {name for name, rest in cases if rest.strip() != "[]"}
    quiet = {name for name, rest in cases if rest.strip() == "[]"}
    alerts = set(_alerts())
    assert alerts <= firing, f"never tested firing: {alerts - firing}"
    assert alerts <= quiet, f"never tested quiet: {alerts - quiet}"
    assert firing | quiet <= alerts, "tests of alerts that do not exist"


def test_every_alert_has_a_runbook_url_to_its_section_in_operations_md() -> None:
    anchors = github_anchors(OPERATIONS.read_text())
    for name, rule in _alerts().items():
        assert "runbook:" not in rule, f"{name}: use runbook_url"
        urls = re.findall(r'runbook_url: "([^"]+)"', rule)
        assert urls == [f"docs/operations.md#{name.lower()}"], (name, urls)
        assert name.lower() in anchors, f"docs/operations.md has no section {name}"
        assert re.search(r"\n\s+summary: ", rule), f"{name} has no summary"
        assert re.search(r"severity: (page|warning)\n", rule), f"{name} has no severity"


def test_the_rules_use_only_metrics_the_client_exports() -> None:
    exported = _exported() | {"up"}
    lines = (RULES / "alerts.yml").read_text().splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    used = {m.group(1) for m in METRIC.finditer(text)}
    assert used
    assert used <= exported, used - exported


# -- the dashboard ----------------------------------------------------------------------------


def _dashboard() -> dict[str, Any]:
    return dict(json.loads(DASHBOARD.read_text()))


def _targets() -> list[tuple[str, str]]:
    return [(p["title"], t["expr"]) for p in _dashboard()["panels"] for t in p["targets"]]


def test_the_dashboard_has_job_and_instance_variables() -> None:
    variables = {v["name"]: v for v in _dashboard()["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    for name in ("job", "instance"):
        variable = variables[name]
        assert variable["type"] == "query"
        assert variable["multi"]
        assert variable["includeAll"]
        assert variable["allValue"] == ".*"
        assert f", {name})" in variable["definition"]
    assert '{job=~"$job"}' in variables["instance"]["definition"]  # instances of the chosen jobs


def test_every_panel_selects_job_and_instance_and_never_aggregates_them_away() -> None:
    dashboard = _dashboard()
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
    targets = _targets()
    assert len(targets) >= 20
    for title, expr in targets:
        selectors = list(METRIC.finditer(expr))
        assert selectors, (title, expr)
        for match in selectors:
            labels = match.group(2) or ""
            assert 'job=~"$job"' in labels, (title, expr)
            assert 'instance=~"$instance"' in labels, (title, expr)
        for op in re.finditer(rf"\b({'|'.join(AGGREGATIONS)})\b\s*(by|without)?\s*\(", expr):
            assert op.group(2) == "by", f"{title}: {op.group(1)} without `by`: {expr}"
            grouping = expr[op.end() : expr.index(")", op.end())]
            kept = {label.strip() for label in grouping.split(",")}
            assert {"job", "instance"} <= kept, f"{title}: {op.group(0)}{grouping})"


def test_the_dashboard_queries_only_known_metrics() -> None:
    exported = _exported()
    for title, expr in _targets():
        for match in METRIC.finditer(expr):
            assert match.group(1) in exported, (title, match.group(1))


@needs_promtool
def test_every_dashboard_query_is_valid_promql(tmp_path: pathlib.Path) -> None:
    """Each query, with the variables filled in, as a recording rule: promtool parses it."""
    lines = ["groups:", "  - name: dashboard", "    rules:"]
    for index, (_title, expr) in enumerate(_targets()):
        filled = expr.replace("$job", ".*").replace("$instance", ".*")
        lines += [f"      - record: dashboard:query{index}", f"        expr: {json.dumps(filled)}"]
    rules = tmp_path / "dashboard.yml"
    rules.write_text("\n".join(lines) + "\n")
    _promtool("check", "rules", str(rules), cwd=tmp_path)

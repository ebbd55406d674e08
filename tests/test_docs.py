"""The documentation against the code, so a documented example or table cannot go stale.

* Every ```` ```python ```` block of README.md and docs/*.md runs, as a script in its own
  process (top-level ``await`` allowed, as in ``python -m asyncio``), against an emulator this
  test starts on a free port, with ``DEEPGRAM_API_KEY`` set to a test key. A block that talks to
  Deepgram's default URL is pointed at the emulator through ``DEEPGRAM_TTS_BASE_URL``
  (``TTSOptions`` reads it as its ``base_url`` default, as a user's process would). The
  address of the documented local emulator, ``127.0.0.1:8787``, is replaced by the
  test emulator's. Blocks marked ```` ```python no-run ```` must compile and are counted.
* The options tables of docs/client.md list every field of ``TTSOptions`` and its nested models
  with the code's defaults; docs/operations.md lists exactly the metrics (names, types' suffixes
  and labels) the Prometheus exporter registers, the emulator's, and every connection state.
* The README's command-line table names only real flags, its exit codes are ``ExitCode``'s.
* Every ``aura §N.N`` (or older ``spec N.N``) citation in src/ and docs/ has its section in
  docs/aura.md, every ``ten §N.N`` its section in docs/protocol-notes.md, and every relative
  link of README.md and docs/ resolves (file and anchor).
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import dataclasses
import os
import pathlib
import re
import sys
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import BaseModel

from deepgram_tts2 import MetricsHooks, TTSOptions
from deepgram_tts2.cli import build_parser
from deepgram_tts2.cli.exit_codes import ExitCode
from deepgram_tts2.client.connection import ConnectionState
from deepgram_tts2.emulator.config import Pacing
from deepgram_tts2.emulator.metrics import EmulatorMetrics
from deepgram_tts2.observability.prometheus import PrometheusHooks
from tests.conftest import TEST_KEY, EmulatorFactory, within

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOCUMENTED_EMULATOR = "127.0.0.1:8787"
BASE_URL_ENV = "DEEPGRAM_TTS_BASE_URL"

# Blocks in pages other engineers own that cannot run yet, by a line they contain: treated as
# no-run (compiled and counted) until their page marks them. The reason is the fix.
PENDING_NO_RUN: dict[str, str] = {}
# Pages that still link outside the repository (issue #12 item 11), with the fix.
PENDING_SHARED_LINKS: dict[str, str] = {}

RUNNER = f"""
import ast, asyncio, os, sys
from deepgram_tts2 import options
assert options.TTSOptions(api_key="k").base_url == os.environ[{BASE_URL_ENV!r}]
path = sys.argv[1]
source = open(path, encoding="utf-8").read()
code = compile(source, path, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
result = eval(code, {{"__name__": "__main__"}})
if asyncio.iscoroutine(result):
    asyncio.run(result)
"""


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: str
    line: int
    info: str
    code: str

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.info == "python" and not any(key in self.code for key in PENDING_NO_RUN)


def blocks(path: pathlib.Path) -> list[Block]:
    """The fenced blocks of a Markdown page (``` or ~~~ fences of any length)."""
    found: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = re.match(r"^(`{3,}|~{3,})\s*(.*)$", lines[index])
        if opening is None:
            index += 1
            continue
        fence, info = opening.group(1), opening.group(2).strip()
        start = index
        index += 1
        body: list[str] = []
        while index < len(lines) and not lines[index].startswith(fence):
            body.append(lines[index])
            index += 1
        index += 1
        page = str(path.relative_to(ROOT))
        found.append(Block(page, start + 1, info, "\n".join(body) + "\n"))
    return found


def prose(text: str) -> str:
    """``text`` without its fenced blocks (a ``#`` in a shell block is not a heading)."""
    return re.sub(r"^(`{3,}|~{3,}).*?^\1[ \t]*$", "", text, flags=re.M | re.S)


def github_anchors(text: str) -> set[str]:
    """The anchors GitHub gives a page's headings (``## A `b`: c`` -> ``a-b-c``)."""
    anchors: set[str] = set()
    for heading in re.findall(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", prose(text), flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in anchors:
            n += 1
            candidate = f"{slug}-{n}"
        anchors.add(candidate)
    return anchors


ALL_BLOCKS = [b for page in DOCS for b in blocks(page)]
PYTHON_BLOCKS = [b for b in ALL_BLOCKS if b.info.split(" ")[0] == "python"]
RUNNABLE = [b for b in PYTHON_BLOCKS if b.runs]


# -- the examples -----------------------------------------------------------------------------


def test_python_blocks_are_tagged_python_or_python_no_run() -> None:
    """A block tagged anything else (``py``, ``python3``, ``pycon``) would silently never run."""
    for block in ALL_BLOCKS:
        first = block.info.split(" ")[0] if block.info else ""
        assert first not in ("py", "python3", "pycon", "ipython"), block.id
        if first == "python":
            assert block.info in ("python", "python no-run"), block.id


def test_blocks_not_meant_to_run_compile_and_are_counted() -> None:
    skipped = [b for b in PYTHON_BLOCKS if not b.runs]
    for block in skipped:
        compile(block.code, block.id, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    print(f"{len(RUNNABLE)} python blocks run, {len(skipped)} not:", [b.id for b in skipped])
    assert len(RUNNABLE) >= 4  # README (Aura, Flux), docs/client.md (overview, fake clock)


@pytest.mark.parametrize("block", RUNNABLE, ids=[b.id for b in RUNNABLE])
async def test_python_block_runs(
    block: Block, emulator_factory: EmulatorFactory, tmp_path: pathlib.Path
) -> None:
    # Four times real time: an interrupt after some audio lands mid-turn, as with Deepgram.
    pacing = Pacing(first_audio_ms=0, per_char_ms=0, realtime_factor=4.0, rest_first_byte_ms=0)
    emulator = await emulator_factory(pacing=pacing)
    address = f"{emulator.host}:{emulator.port}"
    script = tmp_path / "example.py"
    script.write_text(block.code.replace(DOCUMENTED_EMULATOR, address), encoding="utf-8")
    runner = tmp_path / "run_example.py"
    runner.write_text(RUNNER, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEEPGRAM_", "PYTEST_"))}
    env.update({"DEEPGRAM_API_KEY": TEST_KEY, BASE_URL_ENV: f"ws://{address}"})
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(runner),
        str(script),
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await within(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = stdout.decode() + stderr.decode()
    assert process.returncode == 0, f"{block.id} failed:\n{output}"
    assert "Traceback" not in output, output
    assert "error 0.0" not in output, output  # an Error event printed without its reason


# -- options ----------------------------------------------------------------------------------


def _defaults(model: Any, prefix: str, out: dict[str, dict[str, Any]]) -> None:
    """Path -> {field: default} for ``model`` and every model nested in it."""
    fields: dict[str, Any] = {}
    if dataclasses.is_dataclass(model):
        for f in dataclasses.fields(model):
            factory = f.default_factory
            fields[f.name] = factory() if factory is not dataclasses.MISSING else f.default
    else:
        for name, info in model.model_fields.items():
            fields[name] = info.get_default(call_default_factory=True)
    out[prefix or "TTSOptions"] = fields
    for name, default in fields.items():
        if isinstance(default, BaseModel) or dataclasses.is_dataclass(default):
            _defaults(type(default), f"{prefix}.{name}" if prefix else name, out)


def _tables_by_heading(text: str) -> dict[str, list[list[str]]]:
    """First code span of each heading -> the rows of the tables under it."""
    tables: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for line in prose(text).splitlines():
        heading = re.match(r"^#{1,6}\s+(.*)$", line)
        if heading:
            span = re.search(r"`([^`]+)`", heading.group(1))
            current = tables.setdefault(span.group(1), []) if span else None
        elif current is not None and line.startswith("|") and not re.match(r"^\|[-| :]+\|$", line):
            current.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return tables


def _value(cell: str) -> object:
    """The first code span of a table cell as a Python value (bare words are strings)."""
    span = re.search(r"`([^`]*)`", cell)
    assert span, f"no code span in {cell!r}"
    try:
        return ast.literal_eval(span.group(1))
    except (ValueError, SyntaxError):
        return span.group(1)


def test_client_md_options_tables_match_the_code() -> None:
    expected: dict[str, dict[str, Any]] = {}
    _defaults(TTSOptions, "", expected)
    tables = _tables_by_heading((ROOT / "docs" / "client.md").read_text())
    for path, fields in expected.items():
        rows = [row for row in tables.get(path, []) if row[0] not in ("option",)]
        assert rows, f"docs/client.md has no options table under a heading `{path}`"
        documented = {str(_value(row[0])): row[1] for row in rows}
        assert set(documented) == set(fields), (path, set(documented) ^ set(fields))
        for name, default in fields.items():
            cell = documented[name]
            if isinstance(default, BaseModel) or dataclasses.is_dataclass(default):
                assert _value(cell) == f"{type(default).__name__}()", (path, name, cell)
            else:
                assert _value(cell) == default, f"{path}.{name}: docs {cell}, code {default!r}"


def test_client_md_lists_every_metrics_hook() -> None:
    text = (ROOT / "docs" / "client.md").read_text()
    hooks = {name for name in dir(MetricsHooks) if name.startswith("on_")}
    documented = set(re.findall(r"`(on_[a-z_]+)`", text))
    assert hooks <= documented, hooks - documented


# -- operations: metrics and states ------------------------------------------------------------


def _section(text: str, title: str) -> str:
    """The part of ``text`` from the ``## title`` heading to the next level-2 heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", prose(text), re.M | re.S)
    assert match, f"no section {title!r}"
    return match.group(1)


def _metric_wrappers(*owners: object) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Metric name -> (type, label names), from the metric objects the exporters hold."""
    found: dict[str, tuple[str, tuple[str, ...]]] = {}
    for owner in owners:
        for value in vars(owner).values():
            if hasattr(value, "_labelnames") and hasattr(value, "_type"):
                found[value._name] = (value._type, tuple(value._labelnames))
    return found


def _exposed(registry: Any, wrappers: dict[str, tuple[str, tuple[str, ...]]]) -> set[str]:
    """``name{label,...}`` as exposed (counters with ``_total``) for each family of ``registry``."""
    names = set()
    for family in registry.collect():
        assert family.name in wrappers, f"{family.name}: registered by an object not walked here"
        kind, labels = wrappers[family.name]
        name = family.name + ("_total" if kind == "counter" else "")
        names.add(name + ("{" + ",".join(labels) + "}" if labels else ""))
    return names


def test_operations_md_lists_exactly_the_exported_metrics() -> None:
    hooks = PrometheusHooks()
    expected = _exposed(hooks.registry, _metric_wrappers(hooks, hooks.fleet))
    section = _section((ROOT / "docs" / "operations.md").read_text(), "Metrics")
    documented = {
        str(_value(row[0]))
        for row in (
            [c.strip() for c in line.strip().strip("|").split("|")]
            for line in section.splitlines()
            if line.startswith("| `deepgram_tts2_")
        )
    }
    assert documented == expected, (
        f"missing: {sorted(expected - documented)}; not exported: {sorted(documented - expected)}"
    )


def test_operations_md_lists_the_emulator_metrics() -> None:
    metrics = EmulatorMetrics()
    expected = _exposed(metrics.registry, _metric_wrappers(metrics))
    text = (ROOT / "docs" / "operations.md").read_text()
    documented = set(re.findall(r"`(deepgram_tts2_emulator_[a-z_]+(?:\{[a-z_,]+\})?)`", text))
    assert documented == expected, documented ^ expected


def test_operations_md_lists_every_connection_state() -> None:
    section = _section((ROOT / "docs" / "operations.md").read_text(), "Metrics")
    states = _tables_by_heading("### `x`\n" + section.split("### Connection states", 1)[1])
    documented = {str(_value(row[0])) for row in states["x"] if row[0] != "state"}
    assert documented == {state.value for state in ConnectionState}


def test_the_connections_gauge_starts_with_every_connection_state() -> None:
    families = PrometheusHooks().registry.collect()
    samples = [s for f in families if f.name == "deepgram_tts2_connections" for s in f.samples]
    assert {s.labels["state"] for s in samples} == {state.value for state in ConnectionState}


# -- the README's command line ----------------------------------------------------------------


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_readme_command_line_table_names_real_flags() -> None:
    commands = _subcommands()
    section = _section((ROOT / "README.md").read_text(), "The command line")
    rows = [line for line in section.splitlines() if line.startswith("| `dgtts ")]
    assert {row.split("`dgtts ", 1)[1].split()[0].rstrip("`") for row in rows} == set(commands)
    for row in rows:
        name = row.split("`dgtts ", 1)[1].split()[0].rstrip("`")
        known = {s for action in commands[name]._actions for s in action.option_strings}
        flags = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*|-o)\b", row))
        assert flags <= known, f"dgtts {name}: {sorted(flags - known)} do not exist"


def test_readme_exit_codes_are_the_cli_exit_codes() -> None:
    section = _section((ROOT / "README.md").read_text(), "The command line")
    paragraph = section.split("Exit codes", 1)[1].split("\n\n", 1)[0]
    codes = {int(n) for n in re.findall(r"(?<![\w.-])(\d{1,3})(?= [a-zA-Z])", paragraph)}
    assert codes == {int(code) for code in ExitCode}


# -- citations and links ----------------------------------------------------------------------


def _numbered_sections(path: pathlib.Path) -> set[str]:
    """Section numbers of a page's headings (``### 2.4.4 `Cleared``` -> ``2.4.4``)."""
    found = set()
    for heading in re.findall(r"^#{1,6}\s+(.*)$", prose(path.read_text()), flags=re.M):
        number = re.match(r"(?:ten §)?(\d+(?:\.\d+)*)\.?\s", heading)
        if number:
            found.add(number.group(1))
    return found


CITED = r"(\d+(?:\.\d+)*)((?:,?\s*(?:and\s+)?§\d+(?:\.\d+)*)*)"


def _citations(pattern: str, roots: list[pathlib.Path]) -> dict[str, list[str]]:
    """Cited section -> where, for every match of ``pattern`` (and its ``, §N`` continuations)."""
    cited: dict[str, list[str]] = {}
    files = [p for root in roots for p in ([root] if root.is_file() else root.rglob("*"))]
    for path in files:
        if path.suffix not in (".py", ".md") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(pattern + CITED, text):
            numbers = [match.group(1), *re.findall(r"§(\d+(?:\.\d+)*)", match.group(2))]
            line = text.count("\n", 0, match.start()) + 1
            for number in numbers:
                cited.setdefault(number.rstrip("."), []).append(f"{path.relative_to(ROOT)}:{line}")
    return cited


def test_every_aura_citation_has_a_section_in_aura_md() -> None:
    sections = _numbered_sections(ROOT / "docs" / "aura.md")
    roots = [ROOT / "src", *[p for p in DOCS if p.name not in ("flux.md", "flux-protocol.md")]]
    cited = _citations(r"\b(?:aura|spec)\s+§?\s?", roots)
    assert len(cited) > 20
    missing = {n: where for n, where in cited.items() if n not in sections}
    assert not missing, missing


def test_every_flux_citation_has_a_section_in_flux_protocol_md() -> None:
    sections = _numbered_sections(ROOT / "docs" / "flux-protocol.md")
    cited = _citations(r"\bflux\s+§", [ROOT / "src", ROOT / "integrations", *DOCS])
    assert len(cited) > 10
    missing = {n: where for n, where in cited.items() if n not in sections}
    assert not missing, missing


def test_every_ten_citation_has_a_section_in_protocol_notes() -> None:
    sections = _numbered_sections(ROOT / "docs" / "protocol-notes.md")
    cited = _citations(r"\bten\s+§", [ROOT / "src", ROOT / "integrations", *DOCS])
    missing = {n: where for n, where in cited.items() if n not in sections}
    assert not missing, missing


def test_no_page_links_outside_the_repository() -> None:
    for page in DOCS:
        name = str(page.relative_to(ROOT))
        if name in PENDING_SHARED_LINKS:
            continue
        assert "../shared" not in page.read_text(), f"{name} refers to ../shared"


def test_every_relative_link_resolves() -> None:
    for page in DOCS:
        text = prose(page.read_text())
        text = re.sub(r"`[^`\n]*`", "", text)  # code spans are not links
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"^[a-z]+:", target):
                continue
            file_part, _, anchor = target.partition("#")
            path = (page.parent / file_part).resolve() if file_part else page
            assert path.exists(), f"{page.relative_to(ROOT)}: {target} does not exist"
            if anchor and path.suffix == ".md":
                anchors = github_anchors(path.read_text())
                assert anchor in anchors, f"{page.relative_to(ROOT)}: no #{anchor} in {path.name}"

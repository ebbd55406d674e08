"""The stand-in runtime behaves like TEN's where the extension's tests depend on it.

Each case names the real source it follows (TEN-framework/ten-framework at 0.11.71):
properties = the addon's ``property.json`` with the graph's properties merged in
(``extension/ten_env/on_xxx.c``, ``value_merge.c``), whole-string ``${env:VAR|default}``
placeholders resolved and a missing variable without default ending the process with status 1
(``placeholder.c``); messages sent before ``on_init_done`` delivered after it
(``msg_handling.c``); ``stop_test`` keeping the first error, a success not locking the result
(``ten_extension_tester_set_test_result``); the tester's timeout (``ErrorCodeTimeout``); an
exception escaping an async callback ending the process with status 1 (``async_extension.py``).

Two more were found on the real runtime (built from those sources, 0.11.71) and were missing
here: an app run from another thread than the one that created it aborts the process
(``app.c`` ``ten_py_app_run``: thread check), and a property that cannot be adjusted to the
type the addon's ``manifest.json`` declares aborts it at ``on_configure_done`` (``on_xxx.c``).
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from tests.integrations.ten.conftest import STANDIN

ADDON = "standin_probe"
PROBE = textwrap.dedent(
    '''
    """A probe extension: reports its properties and the messages it got, and obeys cmds."""
    import asyncio, json
    from ten_runtime import (Addon, AsyncExtension, AsyncTenEnv, Cmd, CmdResult, Data,
                             StatusCode, TenEnv, register_addon_as_extension)

    class Probe(AsyncExtension):
        initialized = False

        async def on_init(self, ten_env: AsyncTenEnv) -> None:
            await asyncio.sleep(0.3)
            self.initialized = True

        async def on_start(self, ten_env: AsyncTenEnv) -> None:
            props, _ = await ten_env.get_property_to_json("")
            out = Data.create("properties")
            out.set_property_from_json(None, props)
            await ten_env.send_data(out)

        async def on_data(self, ten_env: AsyncTenEnv, data: Data) -> None:
            if data.get_name() == "boom":
                raise RuntimeError("boom")
            out = Data.create("got")
            out.set_property_bool("initialized", self.initialized)
            await ten_env.send_data(out)

        async def on_cmd(self, ten_env: AsyncTenEnv, cmd: Cmd) -> None:
            result = CmdResult.create(StatusCode.OK, cmd)
            result.set_property_string("echo", cmd.get_name())
            await ten_env.return_result(result)

    @register_addon_as_extension("standin_probe")
    class ProbeAddon(Addon):
        def on_create_instance(self, ten_env: TenEnv, name: str, context: object) -> None:
            ten_env.on_create_instance_done(Probe(name), context)
    '''
)


MANIFEST = {
    "type": "extension",
    "name": ADDON,
    "version": "0.1.0",
    "api": {
        "property": {
            "properties": {
                "count": {"type": "int32"},
                "ratio": {"type": "float64"},
                "nested": {"type": "object", "properties": {"flag": {"type": "bool"}}},
            }
        }
    },
}


@pytest.fixture(scope="module")
def probe_dir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    root = tmp_path_factory.mktemp("probe")
    package = root / ADDON
    package.mkdir()
    (package / "__init__.py").write_text(PROBE)
    (package / "manifest.json").write_text(json.dumps(MANIFEST))
    (package / "property.json").write_text(
        json.dumps(
            {
                "plain": "kept",
                "from_env": "${env:STANDIN_PROBE_VAR|fallback}",
                "inline": "x${env:STANDIN_PROBE_VAR}",
                "nested": {"a": 1, "b": 2},
            }
        )
    )
    return root


@pytest.fixture
def probe(probe_dir: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(probe_dir))
    __import__(ADDON)


def _tester(script: Any) -> Any:
    from ten_runtime import AsyncExtensionTester, AsyncTenEnvTester, Data

    class Tester(AsyncExtensionTester):
        def __init__(self) -> None:
            super().__init__()
            self.got: list[tuple[str, dict[str, Any]]] = []

        async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
            await script(self, ten_env, "start", None)

        async def on_data(self, ten_env: AsyncTenEnvTester, data: Data) -> None:
            payload, _ = data.get_property_to_json("")
            self.got.append((data.get_name(), json.loads(payload or "{}")))
            await script(self, ten_env, data.get_name(), data)

    return Tester()


def _run(tester: Any, properties: dict[str, Any]) -> Any:
    tester.set_test_mode_single(ADDON, json.dumps(properties))
    return tester.run()


@pytest.mark.usefixtures("probe")
def test_properties_are_merged_and_placeholders_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    from ten_runtime import Data

    monkeypatch.delenv("STANDIN_PROBE_VAR", raising=False)

    async def script(t: Any, env: Any, event: str, data: Any) -> None:
        if event == "start":
            await env.send_data(Data.create("early"))  # before the probe's on_init is done
        elif event == "got":
            env.stop_test()

    tester = _tester(script)
    assert _run(tester, {"nested": {"b": 3, "c": "${env:STANDIN_PROBE_VAR|}"}}) is None
    properties = dict(tester.got)["properties"]
    assert properties == {
        "plain": "kept",
        "from_env": "fallback",
        "inline": "x${env:STANDIN_PROBE_VAR}",  # not a whole-string placeholder
        "nested": {"a": 1, "b": 3, "c": ""},
    }
    assert dict(tester.got)["got"] == {"initialized": True}  # held until on_init_done


@pytest.mark.usefixtures("probe")
def test_stop_test_keeps_the_first_error_and_a_success_does_not_lock() -> None:
    from ten_runtime import TenError, TenErrorCode

    async def script(t: Any, env: Any, event: str, data: Any) -> None:
        if event == "properties":
            env.stop_test()
            env.stop_test(TenError.create(TenErrorCode.ErrorCodeGeneric, "first"))
            env.stop_test(TenError.create(TenErrorCode.ErrorCodeGeneric, "second"))

    error = _run(_tester(script), {})
    assert error is not None
    assert error.error_message() == "first"


@pytest.mark.usefixtures("probe")
def test_the_timeout_stops_the_test_with_a_timeout_error() -> None:
    from ten_runtime import TenErrorCode

    async def script(t: Any, env: Any, event: str, data: Any) -> None:
        pass

    tester = _tester(script)
    tester.set_timeout(500_000)
    error = _run(tester, {})
    assert error is not None
    assert error.error_code() == TenErrorCode.ErrorCodeTimeout
    assert error.error_message() == "Test timeout."


@pytest.mark.usefixtures("probe")
def test_a_cmd_gets_its_result() -> None:
    from ten_runtime import Cmd, StatusCode

    results: list[Any] = []

    async def script(t: Any, env: Any, event: str, data: Any) -> None:
        if event == "properties":
            result, err = await env.send_cmd(Cmd.create("ping"))
            results.append((err, result.get_status_code(), result.get_property_string("echo")))
            env.stop_test()

    assert _run(_tester(script), {}) is None
    assert results == [(None, StatusCode.OK, ("ping", None))]


CHILD = textwrap.dedent(
    """
    import json, sys
    sys.path[:0] = [sys.argv[1], sys.argv[2]]
    import standin_probe
    from ten_runtime import AsyncExtensionTester, Data

    class T(AsyncExtensionTester):
        async def on_start(self, env):
            await env.send_data(Data.create("boom"))

    t = T()
    t.set_test_mode_single("standin_probe", sys.argv[3])
    t.run()
    print("run returned")
    """
)


def _child(probe_dir: pathlib.Path, properties: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "STANDIN_PROBE_VAR"}
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(STANDIN), str(probe_dir), json.dumps(properties)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_an_unset_variable_without_default_ends_the_process(probe_dir: pathlib.Path) -> None:
    result = _child(probe_dir, {"key": "${env:STANDIN_PROBE_VAR}"})
    assert result.returncode == 1
    assert "Environment variable STANDIN_PROBE_VAR is not found" in result.stdout
    assert "run returned" not in result.stdout


def test_an_exception_in_a_callback_ends_the_process(probe_dir: pathlib.Path) -> None:
    result = _child(probe_dir, {})
    assert result.returncode == 1
    assert "Uncaught exception: boom" in result.stdout
    assert "run returned" not in result.stdout


@pytest.mark.usefixtures("probe")
def test_properties_the_manifest_types_are_adjusted_between_numbers() -> None:
    async def script(t: Any, env: Any, event: str, data: Any) -> None:
        if event == "properties":
            env.stop_test()

    tester = _tester(script)
    assert _run(tester, {"count": 7, "ratio": 2, "nested": {"flag": True}}) is None
    properties = dict(tester.got)["properties"]
    assert (properties["count"], properties["ratio"]) == (7, 2.0)
    assert isinstance(properties["ratio"], float)  # the runtime makes it a float64


@pytest.mark.parametrize(
    ("properties", "problem"),
    [
        ({"count": "7"}, ".count: unsupported conversion from `string` to `int32`"),
        ({"count": 1.5}, ".count: unsupported conversion from `float64` to `int32`"),
        ({"count": 2**40}, ".count: out of range of int32"),
        ({"nested": {"flag": 1}}, ".nested.flag: unsupported conversion from `uint64` to `bool`"),
        ({"nested": {"flag": -1}}, ".nested.flag: unsupported conversion from `int64` to `bool`"),
        ({"nested": "x"}, ".nested: unsupported conversion from `string` to `object`"),
    ],
    ids=[
        "text-for-int",
        "float-for-int",
        "out-of-range",
        "uint-for-bool",
        "int-for-bool",
        "text-for-object",
    ],
)
def test_a_property_of_another_type_than_the_manifest_declares_aborts(
    probe_dir: pathlib.Path, properties: dict[str, Any], problem: str
) -> None:
    result = _child(probe_dir, properties)
    assert result.returncode == -signal.SIGABRT
    assert f"Failed to adjust property type: {problem}" in result.stdout
    assert "Invalid property." in result.stdout
    assert "run returned" not in result.stdout


APP_CHILD = textwrap.dedent(
    """
    import sys, threading
    sys.path[:0] = [sys.argv[1]]
    from ten_runtime import App, TenEnv

    class A(App):
        def on_init(self, ten_env: TenEnv) -> None:
            print("app initialized", flush=True)
            ten_env.on_init_done()

    app = A()  # created here, run in another thread
    thread = threading.Thread(target=app.run, args=(False,))
    thread.start()
    thread.join(5)
    print("run returned")
    """
)


def test_an_app_run_from_another_thread_than_its_creator_aborts() -> None:
    result = subprocess.run(
        [sys.executable, "-c", APP_CHILD, str(STANDIN)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == -signal.SIGABRT
    assert "Access object across threads" in result.stdout
    assert "app initialized" not in result.stdout
    assert "run returned" not in result.stdout

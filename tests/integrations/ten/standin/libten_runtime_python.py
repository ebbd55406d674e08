"""Stand-in of the TEN runtime's native Python module ``libten_runtime_python``.

Mirrors the surface declared by ``libten_runtime_python.pyi`` in TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/libten_runtime_python.pyi`` (tag
0.11.71, commit 9f1ff4e7; unchanged at 2e56d965), and implements in Python the part of the C
runtime a standalone extension test needs. Written for these tests from a reading of the C
sources at that commit; no code of them is reused. What it does, and where it comes from:

* messages (``_Msg``/``_Cmd``/``_CmdResult``/``_Data``/``_AudioFrame``/``_VideoFrame``) hold a
  property tree; an empty path replaces the whole tree (``msg/msg.c``); getters return
  ``(value, TenError | None)``; a sent message reaches its receiver as a copy, wrapped in the
  Python class registered with ``_ten_py_*_register_type``;
* ``_ExtensionTester.run_internal`` builds the single-extension test graph of
  ``test/extension_tester.c`` (the test extension and the extension under test, in two
  extension threads), creates the extension from the addon registered with
  ``register_addon_as_extension`` (importing ``ten_packages.extension.<name>`` when the name
  is unknown, as the Python addon loader does), and drives the lifecycle: ``on_configure`` ->
  (``property.json`` of the addon's base dir unless ``init_property_from_json`` was called in
  ``on_configure``, then the graph's properties merged in like ``ten_value_object_merge_with_
  clone``, then ``${env:VAR|default}`` placeholders resolved like ``placeholder.c``: a whole
  string value ``${env:VAR}`` whose variable is unset and has no default ends the process with
  status 1) -> ``on_init`` -> ``on_start``; messages sent to an extension before its
  ``on_init_done`` are held and delivered then (``msg_handling.c``), messages reaching one in
  ``on_deinit`` are dropped (a cmd is answered with an error result);
* ``stop_test`` records the first *error* it is given (a success does not lock the result,
  ``ten_extension_tester_set_test_result``) and closes the graph; the 3-minute default timeout
  (``TEN_EXTENSION_TESTER_DEFAULT_TIMEOUT_US``) stops the test with ``ErrorCodeTimeout``;
* closing skips the stages not yet reached (after ``on_init_done`` it goes straight to
  ``on_stop``), runs ``on_stop`` on every extension, and only once all have finished
  ``on_stop`` runs ``on_deinit`` (the order of the real runtime's ``sync_stop_before_deinit``;
  without it the real runtime may deinit the test extension earlier, so messages an extension
  sends from ``on_stop`` reach the tester here always and there only sometimes);
* ``_App.run_internal`` runs ``on_configure``/``on_init`` and waits for ``close_internal``; an
  app run from another thread than the one that created it aborts the process, as the C
  runtime's thread check does (``ten_py_app_run`` asserts ``ten_py_app_check_integrity(py_app,
  true)``: "Access object across threads", then SIGABRT; found on the real runtime);
* logs go to stdout, one line each.

* at ``on_configure_done`` the properties are checked against the ``api.property`` schema of the
  addon's ``manifest.json`` (``extension/ten_env/on_xxx.c``
  ``ten_extension_adjust_and_validate_property_on_configure_done``): a value of another type
  is converted only between numeric types (``ten_type_is_compatible``: an integer to any
  integer type in range, an integer or a float to a float type, an integer then reading back
  as a float), anything else logs
  ``Failed to adjust property type: .<path>: unsupported conversion from `<type>` to
  `<type>``` and aborts the process (``TEN_ASSERT``, active in release builds; found on the
  real runtime, where this had been thought a warning).

Not mirrored: graph test mode (``set_test_mode_graph``), message conversions, path timeouts,
schema keywords other than ``type``/``properties``/``items``, schemas of ``api.interface``
imports.
"""

from __future__ import annotations

import copy
import importlib
import itertools
import json
import os
import queue
import sys
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

_OK = None
_ERR_GENERIC = 1
_ERR_INVALID_JSON = 2
_ERR_INVALID_ARGUMENT = 3
_ERR_INVALID_TYPE = 4
_ERR_TEN_IS_CLOSED = 6
_ERR_MSG_NOT_CONNECTED = 7
_ERR_TIMEOUT = 8

_DEFAULT_TIMEOUT_US = 3 * 60 * 1000 * 1000
_LEVEL_LETTERS = {0: "?", 1: "D", 2: "I", 3: "W", 4: "E"}
_TEST_EXTENSION_NAME = "ten:test_extension"

# Python classes registered by the interface layer (``_ten_py_*_register_type``).
_types: dict[str, type[Any]] = {}
_print_lock = threading.Lock()


def _new_error(code: int, message: str | None) -> Any:
    cls: Any = _types.get("error", _TenError)
    return cls.__new__(cls, code, message)


def _log_line(
    level: int,
    where: str,
    func: str | None,
    file: str | None,
    line: int,
    category: str | None,
    msg: str,
) -> None:
    stamp = time.strftime("%m-%d %H:%M:%S", time.localtime())
    origin = f"{func}@{os.path.basename(file)}:{line}" if func and file else "-"
    tag = f"[{where}]" + (f"[{category}]" if category else "")
    text = f"{stamp} {os.getpid()}({threading.get_ident()}) {_LEVEL_LETTERS.get(level, '?')} "
    with _print_lock:
        sys.stdout.write(f"{text}{origin} {tag} {msg}\n")
        sys.stdout.flush()


def _runtime_log(level: int, where: str, msg: str) -> None:
    _log_line(level, where, None, None, 0, None, msg)


# -- errors --------------------------------------------------------------------------------


class _TenError:
    _code: int
    _message: str | None

    def __new__(cls, error_code: int, error_message: str | None) -> _TenError:
        self = object.__new__(cls)
        self._code = int(error_code)
        self._message = error_message
        return self

    def __str__(self) -> str:
        return f"TenError({self._code}): {self._message or ''}"

    def error_code(self) -> int:
        return self._code

    def error_message(self) -> str:
        return self._message or ""


# -- property trees -----------------------------------------------------------------------


def _parse_path(path: str) -> list[str | int]:
    """``a.b[2].c`` -> ``['a', 'b', 2, 'c']``."""
    items: list[str | int] = []
    for part in path.split("."):
        if not part:
            raise ValueError(f"invalid path {path!r}")
        name, _, rest = part.partition("[")
        if name:
            items.append(name)
        while rest:
            index, _, rest = rest.partition("]")
            items.append(int(index))
            rest = rest[1:] if rest.startswith("[") else rest
    return items


def _tree_get(tree: dict[str, Any], path: str | None) -> Any:
    if not path:
        return tree
    node: Any = tree
    for item in _parse_path(path):
        if isinstance(item, int):
            if not isinstance(node, list) or item >= len(node):
                raise KeyError(path)
        elif not isinstance(node, dict) or item not in node:
            raise KeyError(path)
        node = node[item]
    return node


def _tree_set(tree: dict[str, Any], path: str | None, value: Any) -> None:
    if not path:
        if not isinstance(value, dict):
            raise TypeError("the root of a property tree must be an object")
        tree.clear()
        tree.update(value)
        return
    items = _parse_path(path)
    node: Any = tree
    for here, following in itertools.pairwise(items):
        if isinstance(here, int):
            node = node[here]
            continue
        if not isinstance(node.get(here), (dict, list)):
            node[here] = [] if isinstance(following, int) else {}
        node = node[here]
    last = items[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
    node[last] = value


def _merge(dest: dict[str, Any], src: dict[str, Any]) -> None:
    """Objects merge key by key, recursively; any other value replaces (value_merge.c)."""
    for key, value in src.items():
        if isinstance(value, dict) and isinstance(dest.get(key), dict):
            _merge(dest[key], value)
        else:
            dest[key] = copy.deepcopy(value)


class _PlaceholderError(Exception):
    pass


def _unescape(text: str) -> str:
    """Drop each unescaped backslash; ``\\\\`` keeps one (placeholder.c)."""
    out: list[str] = []
    escape = False
    for ch in text:
        if ch == "\\" and not escape:
            escape = True
            continue
        out.append(ch)
        escape = False
    return "".join(out)


def _resolve_placeholders(node: Any, where: str) -> Any:
    """Resolve ``${env:VAR}`` / ``${env:VAR|default}`` whole-string values (placeholder.c)."""
    if isinstance(node, dict):
        for key in list(node):
            node[key] = _resolve_placeholders(node[key], where)
        return node
    if isinstance(node, list):
        return [_resolve_placeholders(item, where) for item in node]
    if not (isinstance(node, str) and node.startswith("${") and node.endswith("}")):
        return node
    content = node[2:-1]
    scope, colon, rest = content.partition(":")
    if not colon or scope != "env":
        raise _PlaceholderError(f"Unsupported placeholder: {node}")
    unescaped = _unescape(rest)
    variable, bar, default = unescaped.partition("|")
    value = os.environ.get(variable)
    if value is not None:
        return value
    if not bar:
        _runtime_log(
            4,
            where,
            f"Environment variable {variable} is not found, neither default value is provided.",
        )
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)  # the C runtime calls exit(EXIT_FAILURE) here
    _runtime_log(2, where, f"Environment variable {variable} is not found, using default value.")
    return default


_INT_RANGES = {
    f"{sign}int{bits}": (
        (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if sign == "" else (0, 2**bits - 1)
    )
    for sign in ("", "u")
    for bits in (8, 16, 32, 64)
}
_FLOAT_TYPES = ("float32", "float64")


def _ten_type(value: Any) -> str:
    """The TEN type of a value parsed from JSON (``ten_value_from_json``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):  # yyjson: a non-negative integer is a uint, a huge one a real
        if 0 <= value < 2**64:
            return "uint64"
        return "int64" if value >= -(2**63) else "float64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _schema_problem(schema: dict[str, Any], value: Any, path: str) -> str | None:
    """Adjust ``value`` in place to ``schema`` (keyword_type.c, value_convert.c: an integer
    declared as a float becomes a float); why it cannot be, with the value's path, or None."""
    problem = _type_problem(schema.get("type"), value, path)
    if problem is not None:
        return problem
    if isinstance(value, dict):
        for key, item in value.items():
            sub = schema.get("properties", {}).get(key)
            if sub is None:
                continue
            if (found := _schema_problem(sub, item, f"{path}.{key}")) is not None:
                return found
            if sub.get("type") in _FLOAT_TYPES:
                value[key] = float(item)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        items = schema["items"]
        for index, item in enumerate(value):
            if (found := _schema_problem(items, item, f"{path}[{index}]")) is not None:
                return found
            if items.get("type") in _FLOAT_TYPES:
                value[index] = float(item)
    return None


def _type_problem(wanted: str | None, value: Any, path: str) -> str | None:
    actual = _ten_type(value)
    if wanted is None or wanted == actual:
        return None
    if wanted in _INT_RANGES and actual in ("int64", "uint64"):  # value_convert.c
        low, high = _INT_RANGES[wanted]
        return None if low <= value <= high else f"{path}: out of range of {wanted}"
    if wanted in _FLOAT_TYPES and actual in ("int64", "uint64", "float64"):
        return None
    return f"{path}: unsupported conversion from `{actual}` to `{wanted}`"


def _value_type_error(path: str, wanted: str) -> Any:
    return _new_error(_ERR_INVALID_TYPE, f"the property {path!r} is not of type {wanted}")


class _PropertyStore:
    """A thread-safe property tree with the runtime's typed accessors."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.tree: dict[str, Any] = {}

    def to_json(self, path: str | None) -> tuple[str, Any]:
        with self._lock:
            try:
                value = _tree_get(self.tree, path)
            except (KeyError, ValueError):
                return "", _new_error(_ERR_GENERIC, f"the property {path!r} is not found")
            try:
                return json.dumps(value, separators=(",", ":"), ensure_ascii=False), _OK
            except TypeError:
                return "", _new_error(_ERR_INVALID_TYPE, f"{path!r} is not JSON")

    def from_json(self, path: str | None, json_str: str) -> Any:
        try:
            value = json.loads(json_str)
        except (TypeError, ValueError):
            return _new_error(_ERR_INVALID_JSON, "invalid JSON")
        return self.set(path, value)

    def set(self, path: str | None, value: Any) -> Any:
        with self._lock:
            try:
                _tree_set(self.tree, path, value)
            except (TypeError, ValueError, IndexError, AttributeError) as exc:
                return _new_error(_ERR_INVALID_ARGUMENT, str(exc))
        return _OK

    def get_typed(self, path: str, kind: type[Any], wanted: str, empty: Any) -> tuple[Any, Any]:
        with self._lock:
            try:
                value = _tree_get(self.tree, path)
            except (KeyError, ValueError):
                return empty, _new_error(_ERR_GENERIC, f"the property {path!r} is not found")
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            return empty, _value_type_error(path, wanted)
        if kind is float and (isinstance(value, bool) or not isinstance(value, (int, float))):
            return empty, _value_type_error(path, wanted)
        if kind is float:
            return float(value), _OK
        if kind in (str, bool, bytes) and not isinstance(value, kind):
            return empty, _value_type_error(path, wanted)
        return value, _OK

    def exists(self, path: str) -> bool:
        with self._lock:
            try:
                _tree_get(self.tree, path)
            except (KeyError, ValueError):
                return False
            return True

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self.tree)


# -- messages -----------------------------------------------------------------------------


class _Msg:
    _msg_name: str
    _props: _PropertyStore
    _source: tuple[str | None, str | None, str | None]
    _dests: list[tuple[str | None, str | None, str | None]]
    _kind: str = "msg"

    def _init_msg(self, name: str) -> None:
        self._msg_name = name
        self._props = _PropertyStore()
        self._source = (None, None, None)
        self._dests = []

    def _copy_into(self, other: _Msg) -> None:
        other._msg_name = self._msg_name
        other._props = _PropertyStore()
        other._props.tree = self._props.snapshot()
        other._source = self._source
        other._dests = list(self._dests)

    def _delivered_copy(self) -> Any:
        cls = _types.get(self._kind, type(self))
        other = object.__new__(cls)
        self._copy_into(other)
        return other

    def get_name(self) -> str:
        return self._msg_name

    def set_name(self, name: str) -> None:
        self._msg_name = name

    def get_source_internal(self) -> tuple[str | None, str | None, str | None]:
        return self._source

    def set_dests_internal(self, locs: list[tuple[str | None, str | None, str | None]]) -> Any:
        self._dests = list(locs)
        return _OK

    def set_property_from_json(self, path: str | None, json_str: str) -> Any:
        return self._props.from_json(path, json_str)

    def get_property_to_json(self, path: str | None = None) -> tuple[str, Any]:
        return self._props.to_json(path)

    def get_property_int(self, path: str) -> tuple[int, Any]:
        value, err = self._props.get_typed(path, int, "int", 0)
        return int(value), err

    def set_property_int(self, path: str, value: int) -> Any:
        return self._props.set(path, int(value))

    def get_property_string(self, path: str) -> tuple[str, Any]:
        value, err = self._props.get_typed(path, str, "string", "")
        return str(value), err

    def set_property_string(self, path: str, value: str) -> Any:
        if not isinstance(value, str):
            return _value_type_error(path, "string")
        return self._props.set(path, value)

    def get_property_bool(self, path: str) -> tuple[bool, Any]:
        value, err = self._props.get_typed(path, bool, "bool", False)
        return bool(value), err

    def set_property_bool(self, path: str, value: int) -> Any:
        return self._props.set(path, bool(value))

    def get_property_float(self, path: str) -> tuple[float, Any]:
        value, err = self._props.get_typed(path, float, "float", 0.0)
        return float(value), err

    def set_property_float(self, path: str, value: float) -> Any:
        return self._props.set(path, float(value))

    def get_property_buf(self, path: str) -> tuple[bytearray, Any]:
        value, err = self._props.get_typed(path, bytes, "buf", b"")
        return bytearray(value), err

    def set_property_buf(self, path: str, value: bytes) -> Any:
        return self._props.set(path, bytes(value))


class _Cmd(_Msg):
    _kind = "cmd"
    _cmd_id: str

    def __new__(cls, name: str) -> _Cmd:
        self = object.__new__(cls)
        self._init_msg(name)
        self._cmd_id = uuid.uuid4().hex
        return self

    def _copy_into(self, other: _Msg) -> None:
        super()._copy_into(other)
        assert isinstance(other, _Cmd)
        other._cmd_id = self._cmd_id

    def clone(self) -> _Cmd:
        other = self._delivered_copy()
        other._cmd_id = uuid.uuid4().hex
        return other  # type: ignore[no-any-return]


class _CmdResult(_Msg):
    _kind = "cmd_result"
    _status: int
    _final: bool
    _cmd_id: str

    def __new__(cls, status_code: int, target_cmd: _Cmd) -> _CmdResult:
        self = object.__new__(cls)
        self._init_msg(target_cmd.get_name())
        self._status = int(status_code)
        self._final = True
        self._cmd_id = target_cmd._cmd_id
        return self

    def _copy_into(self, other: _Msg) -> None:
        super()._copy_into(other)
        assert isinstance(other, _CmdResult)
        other._status, other._final, other._cmd_id = self._status, self._final, self._cmd_id

    def clone(self) -> _CmdResult:
        return self._delivered_copy()  # type: ignore[no-any-return]

    def get_status_code(self) -> int:
        return self._status

    def set_final(self, is_final: bool) -> None:
        self._final = bool(is_final)

    def is_final(self) -> bool:
        return self._final

    def is_completed(self) -> bool:
        return self._final


class _StartGraphCmd(_Cmd):
    _kind = "start_graph"

    def __new__(cls) -> _StartGraphCmd:
        self = object.__new__(cls)
        self._init_msg("ten:start_graph")
        self._cmd_id = uuid.uuid4().hex
        return self

    def set_predefined_graph_name(self, predefined_graph_name: str) -> bool:
        return self._props.set("ten.predefined_graph", predefined_graph_name) is None

    def set_graph_from_json(self, json_str: str) -> bool:
        return self._props.from_json("ten.graph", json_str) is None

    def set_sync_stop_before_deinit(self, sync_stop_before_deinit: bool) -> bool:
        return self._props.set("ten.sync_stop_before_deinit", bool(sync_stop_before_deinit)) is None


class _StopGraphCmd(_Cmd):
    _kind = "stop_graph"

    def __new__(cls) -> _StopGraphCmd:
        self = object.__new__(cls)
        self._init_msg("ten:stop_graph")
        self._cmd_id = uuid.uuid4().hex
        return self

    def set_graph_id(self, graph_id: str) -> bool:
        return self._props.set("ten.graph_id", graph_id) is None


class _TriggerLifeCycleCmd(_Cmd):
    _kind = "trigger_life_cycle"

    def __new__(cls) -> _TriggerLifeCycleCmd:
        self = object.__new__(cls)
        self._init_msg("ten:trigger_life_cycle")
        self._cmd_id = uuid.uuid4().hex
        return self

    def set_stage(self, stage: str) -> bool:
        return self._props.set("ten.stage", stage) is None


class _BufMsg(_Msg):
    """The buffer shared by data, audio and video frames."""

    _buf: bytearray
    _locked: bool

    def _init_buf(self, name: str) -> None:
        self._init_msg(name)
        self._buf = bytearray()
        self._locked = False

    def _copy_into(self, other: _Msg) -> None:
        super()._copy_into(other)
        assert isinstance(other, _BufMsg)
        other._buf = bytearray(self._buf)
        other._locked = False

    def alloc_buf(self, size: int) -> None:
        self._buf = bytearray(size)

    def lock_buf(self) -> memoryview:
        self._locked = True
        return memoryview(self._buf)

    def unlock_buf(self, buf: memoryview) -> None:
        buf.release()
        self._locked = False

    def get_buf(self) -> bytearray:
        return bytearray(self._buf)


class _Data(_BufMsg):
    _kind = "data"

    def __new__(cls, name: str) -> _Data:
        self = object.__new__(cls)
        self._init_buf(name)
        return self

    def clone(self) -> _Data:
        return self._delivered_copy()  # type: ignore[no-any-return]


class _VideoFrame(_BufMsg):
    _kind = "video_frame"
    _fields: dict[str, Any]

    def __new__(cls, name: str) -> _VideoFrame:
        self = object.__new__(cls)
        self._init_buf(name)
        self._fields = {"width": 0, "height": 0, "timestamp": 0, "pixel_fmt": 1, "eof": False}
        return self

    def _copy_into(self, other: _Msg) -> None:
        super()._copy_into(other)
        assert isinstance(other, _VideoFrame)
        other._fields = dict(self._fields)

    def clone(self) -> _VideoFrame:
        return self._delivered_copy()  # type: ignore[no-any-return]

    def get_width(self) -> int:
        return int(self._fields["width"])

    def set_width(self, width: int) -> None:
        self._fields["width"] = int(width)

    def get_height(self) -> int:
        return int(self._fields["height"])

    def set_height(self, height: int) -> None:
        self._fields["height"] = int(height)

    def get_timestamp(self) -> int:
        return int(self._fields["timestamp"])

    def set_timestamp(self, timestamp: int) -> None:
        self._fields["timestamp"] = int(timestamp)

    def get_pixel_fmt(self) -> int:
        return int(self._fields["pixel_fmt"])

    def set_pixel_fmt(self, pixel_fmt: int) -> None:
        self._fields["pixel_fmt"] = int(pixel_fmt)

    def is_eof(self) -> bool:
        return bool(self._fields["eof"])

    def set_eof(self, eof: bool) -> None:
        self._fields["eof"] = bool(eof)


class _AudioFrame(_BufMsg):
    _kind = "audio_frame"
    _fields: dict[str, Any]

    def __new__(cls, name: str) -> _AudioFrame:
        self = object.__new__(cls)
        self._init_buf(name)
        self._fields = {
            "timestamp": 0,
            "sample_rate": 0,
            "samples_per_channel": 0,
            "bytes_per_sample": 0,
            "number_of_channels": 0,
            "data_fmt": 1,
            "line_size": 0,
            "eof": False,
        }
        return self

    def _copy_into(self, other: _Msg) -> None:
        super()._copy_into(other)
        assert isinstance(other, _AudioFrame)
        other._fields = dict(self._fields)

    def clone(self) -> _AudioFrame:
        return self._delivered_copy()  # type: ignore[no-any-return]

    def get_timestamp(self) -> int:
        return int(self._fields["timestamp"])

    def set_timestamp(self, timestamp: int) -> None:
        self._fields["timestamp"] = int(timestamp)

    def get_sample_rate(self) -> int:
        return int(self._fields["sample_rate"])

    def set_sample_rate(self, sample_rate: int) -> None:
        self._fields["sample_rate"] = int(sample_rate)

    def get_samples_per_channel(self) -> int:
        return int(self._fields["samples_per_channel"])

    def set_samples_per_channel(self, samples_per_channel: int) -> None:
        self._fields["samples_per_channel"] = int(samples_per_channel)

    def get_bytes_per_sample(self) -> int:
        return int(self._fields["bytes_per_sample"])

    def set_bytes_per_sample(self, bytes_per_sample: int) -> None:
        self._fields["bytes_per_sample"] = int(bytes_per_sample)

    def get_number_of_channels(self) -> int:
        return int(self._fields["number_of_channels"])

    def set_number_of_channels(self, number_of_channels: int) -> None:
        self._fields["number_of_channels"] = int(number_of_channels)

    def get_data_fmt(self) -> int:
        return int(self._fields["data_fmt"])

    def set_data_fmt(self, data_fmt: int) -> None:
        self._fields["data_fmt"] = int(data_fmt)

    def get_line_size(self) -> int:
        return int(self._fields["line_size"])

    def set_line_size(self, line_size: int) -> None:
        self._fields["line_size"] = int(line_size)

    def is_eof(self) -> bool:
        return bool(self._fields["eof"])

    def set_eof(self, is_eof: bool) -> None:
        self._fields["eof"] = bool(is_eof)


# -- runloops -----------------------------------------------------------------------------


class _Runloop:
    """A queue of tasks run one at a time on one thread (the C runtime's runloop)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._tasks: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self.thread: threading.Thread | None = None

    def post(self, task: Callable[[], None]) -> None:
        self._tasks.put(task)

    def stop(self) -> None:
        self._tasks.put(None)

    def run(self) -> None:
        """Run tasks on the calling thread until ``stop``."""
        self.thread = threading.current_thread()
        while True:
            task = self._tasks.get()
            if task is None:
                return
            task()

    def start_thread(self) -> None:
        thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        thread.start()

    def on_own_thread(self) -> bool:
        return self.thread is threading.current_thread()


# -- addons -------------------------------------------------------------------------------


class _AddonRecord:
    def __init__(self, name: str, base_dir: str | None, instance: Any) -> None:
        self.name = name
        self.base_dir = base_dir
        self.instance = instance


_addon_lock = threading.Lock()
_known_addons: set[str] = set()
_addons: dict[str, _AddonRecord] = {}


def _ten_py_addon_manager_add_extension_addon(name: str) -> None:
    with _addon_lock:
        _known_addons.add(name)


def _ten_py_addon_manager_register_addon_as_extension(
    name: str, base_dir: str | None, instance: Any, register_ctx: object
) -> None:
    with _addon_lock:
        _addons[name] = _AddonRecord(name, base_dir, instance)


def _find_addon(name: str) -> _AddonRecord | None:
    with _addon_lock:
        record = _addons.get(name)
        known = name in _known_addons
    if record is not None:
        return record
    if not known:
        # The Python addon loader's on_load_addon: import ten_packages.extension.<name>.
        try:
            importlib.import_module(f"ten_packages.extension.{name}")
        except ImportError as exc:
            _runtime_log(1, "addon_loader", f"Failed to import module for {name}: {exc}")
    addon_manager = importlib.import_module("ten_runtime.addon_manager")
    addon_manager._AddonManager._register_addon(name, None)
    with _addon_lock:
        return _addons.get(name)


def _ten_py_msg_register_type(cls: type) -> None:
    _types["msg"] = cls


def _ten_py_cmd_register_type(cls: type) -> None:
    _types["cmd"] = cls


def _ten_py_cmd_result_register_type(cls: type) -> None:
    _types["cmd_result"] = cls


def _ten_py_cmd_start_graph_register_type(cls: type) -> None:
    _types["start_graph"] = cls


def _ten_py_cmd_stop_graph_register_type(cls: type) -> None:
    _types["stop_graph"] = cls


def _ten_py_cmd_trigger_life_cycle_register_type(cls: type) -> None:
    _types["trigger_life_cycle"] = cls


def _ten_py_data_register_type(cls: type) -> None:
    _types["data"] = cls


def _ten_py_video_frame_register_type(cls: type) -> None:
    _types["video_frame"] = cls


def _ten_py_audio_frame_register_type(cls: type) -> None:
    _types["audio_frame"] = cls


def _ten_py_ten_env_register_type(cls: type) -> None:
    _types["ten_env"] = cls


def _ten_py_ten_env_tester_register_type(cls: type) -> None:
    _types["ten_env_tester"] = cls


def _ten_py_error_register_type(cls: type) -> None:
    _types["error"] = cls


# -- graph nodes --------------------------------------------------------------------------

# Lifecycle states, in order (extension/extension.h).
_CREATED, _CONFIGURE, _CONFIGURE_DONE, _INIT, _INIT_DONE = 0, 1, 2, 3, 4
_START, _START_DONE, _STOP, _STOP_DONE, _DEINIT, _DEINIT_DONE = 5, 6, 7, 8, 9, 10


class _Node:
    """One extension of the test graph (the tester's test extension or the one under test)."""

    def __init__(self, graph: _Graph, name: str, runloop: _Runloop) -> None:
        self.graph = graph
        self.name = name
        self.runloop = runloop
        self.state = _CREATED
        self.close_triggered = False
        self.pending: list[Callable[[], None]] = []
        self.released = False

    # Called on the node's runloop.
    def deliver(self, deliver: Callable[[], None], on_drop: Callable[[], None] | None) -> None:
        def task() -> None:
            if self.state >= _DEINIT or self.released:
                if on_drop is not None:
                    on_drop()
                return
            if self.state < _INIT_DONE:
                self.pending.append(deliver)
                return
            deliver()

        self.runloop.post(task)

    def flush_pending(self) -> None:
        pending, self.pending = self.pending, []
        for deliver in pending:
            deliver()

    def trigger_close(self) -> None:
        def task() -> None:
            if self.state == _START_DONE:
                self.enter_stop()
            elif self.state < _START_DONE:
                self.close_triggered = True

        self.runloop.post(task)

    # Lifecycle hooks implemented by the subclasses.
    def enter_stop(self) -> None:
        raise NotImplementedError

    def enter_deinit(self) -> None:
        raise NotImplementedError


class _ExtensionNode(_Node):
    """The extension under test: created from its addon, run on its own extension thread."""

    def __init__(self, graph: _Graph, addon_name: str, graph_property: dict[str, Any]) -> None:
        super().__init__(graph, addon_name, _Runloop(f"extension-thread-{addon_name}"))
        self.graph_property = graph_property
        self.properties = _PropertyStore()
        self.init_from_json = False
        self.base_dir: str | None = None
        self.extension: Any = None
        self.native_env = _TenEnv(self)
        self.py_env: Any = None

    def start(self) -> None:
        self.runloop.start_thread()
        self.runloop.post(self._create)

    def _create(self) -> None:
        record = _find_addon(self.name)
        if record is None:
            _runtime_log(4, self.name, f"Failed to find addon {self.name!r}")
            self.graph.on_node_failed(self)
            return
        self.base_dir = record.base_dir
        addon_env = _TenEnv(_AddonOwner(self))
        env_cls = _types["ten_env"]
        record.instance.on_create_instance(env_cls(addon_env), self.name, None)

    def on_instance(self, instance: Any) -> None:
        def task() -> None:
            self.extension = instance
            self.py_env = _types["ten_env"](self.native_env)
            self.state = _CONFIGURE
            self.extension._proxy_on_configure(self.py_env)

        self.runloop.post(task)

    def _check_schema(self) -> None:
        """Abort like the runtime when a property cannot be adjusted to its declared type."""
        if not self.base_dir:
            return
        path = os.path.join(self.base_dir, "manifest.json")
        if not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as handle:
            schema = json.load(handle).get("api", {}).get("property")
        problem = _schema_problem(schema, self.properties.tree, "") if schema else None
        if problem is None:
            return
        _runtime_log(
            3,
            "ten_extension_adjust_and_validate_property_on_configure_done@on_xxx.c:48",
            f"[{self.name}] Failed to adjust property type: {problem}",
        )
        _runtime_log(
            4,
            "ten_extension_adjust_and_validate_property_on_configure_done@on_xxx.c:64",
            "Invalid property.",
        )
        sys.stdout.flush()
        sys.stderr.flush()
        os.abort()

    def _load_properties(self) -> None:
        if not self.init_from_json and self.base_dir:
            path = os.path.join(self.base_dir, "property.json")
            if os.path.exists(path):
                with open(path, encoding="utf-8") as handle:
                    self.properties.tree = json.load(handle)
        _merge(self.properties.tree, self.graph_property)
        try:
            _resolve_placeholders(self.properties.tree, self.name)
        except _PlaceholderError as exc:
            _runtime_log(
                3,
                self.name,
                f"Failed to resolve properties in graph: {exc}, use the raw property data instead.",
            )

    def done(self, stage: int) -> bool:
        def task() -> None:
            self._after_done(stage)

        if stage == _DEINIT and self.state == _DEINIT:
            self.native_env.closed = True
        self.runloop.post(task)
        return True

    def _after_done(self, stage: int) -> None:
        if self.state != stage:
            _runtime_log(2, self.name, f"on_xxx_done() called at an incorrect time: {stage}")
            return
        if stage == _CONFIGURE:
            self.state = _CONFIGURE_DONE
            self._load_properties()
            self._check_schema()
            if self.close_triggered:
                self.enter_stop()
                return
            self.state = _INIT
            self.extension._proxy_on_init(self.py_env)
        elif stage == _INIT:
            self.state = _INIT_DONE
            self.flush_pending()
            if self.close_triggered:
                self.enter_stop()
                return
            self.state = _START
            self.extension._proxy_on_start(self.py_env)
        elif stage == _START:
            self.state = _START_DONE
            if self.close_triggered:
                self.enter_stop()
        elif stage == _STOP:
            self.state = _STOP_DONE
            self.graph.on_node_stopped(self)
        elif stage == _DEINIT:
            self.state = _DEINIT_DONE
            self.released = True
            # The runtime calls the release handler once on_deinit_done has been processed.
            self.py_env._on_release()
            self.graph.on_node_finished(self)

    def enter_stop(self) -> None:
        self.state = _STOP
        self.extension._proxy_on_stop(self.py_env)

    def enter_deinit(self) -> None:
        def task() -> None:
            self.state = _DEINIT
            self.extension._proxy_on_deinit(self.py_env)

        self.runloop.post(task)

    # Messages from the tester.
    def receive(self, msg: Any, kind: str) -> None:
        def deliver() -> None:
            if kind == "data":
                self.extension._proxy_on_data(self.py_env, msg)
            elif kind == "cmd":
                self.extension._proxy_on_cmd(self.py_env, msg)
            elif kind == "audio_frame":
                self.extension._proxy_on_audio_frame(self.py_env, msg)
            elif kind == "video_frame":
                self.extension._proxy_on_video_frame(self.py_env, msg)

        def dropped() -> None:
            if kind == "cmd":
                self.graph.answer_dropped_cmd(msg, to_tester=True)

        self.deliver(deliver, dropped)


class _AddonOwner:
    """What an addon's ``ten_env`` is attached to: only ``on_create_instance_done`` works."""

    def __init__(self, node: _ExtensionNode) -> None:
        self.node = node
        self.name = f"addon:{node.name}"


class _TesterNode(_Node):
    """The test extension: forwards everything to the ExtensionTester on the tester runloop."""

    def __init__(self, graph: _Graph, tester: Any) -> None:
        super().__init__(graph, _TEST_EXTENSION_NAME, _Runloop("extension-tester"))
        self.tester = tester
        self.native_env = _TenEnvTester(self)
        self.py_env: Any = _types["ten_env_tester"](self.native_env)

    def start(self) -> None:
        def task() -> None:
            self.state = _INIT
            self.tester._proxy_on_init(self.py_env)

        self.runloop.post(task)

    def done(self, stage: int) -> bool:
        self.runloop.post(lambda: self._after_done(stage))
        return True

    def _after_done(self, stage: int) -> None:
        if self.state != stage:
            _runtime_log(2, "tester", f"on_xxx_done() called at an incorrect time: {stage}")
            return
        if stage == _INIT:
            self.state = _INIT_DONE
            self.flush_pending()
            if self.close_triggered:
                self.enter_stop()
                return
            self.state = _START
            self.tester._proxy_on_start(self.py_env)
        elif stage == _START:
            self.state = _START_DONE
            if self.close_triggered:
                self.enter_stop()
        elif stage == _STOP:
            self.state = _STOP_DONE
            self.graph.on_node_stopped(self)
        elif stage == _DEINIT:
            self.state = _DEINIT_DONE
            self.released = True
            self.native_env.closed = True
            self.graph.on_node_finished(self)

    def enter_stop(self) -> None:
        self.state = _STOP
        self.tester._proxy_on_stop(self.py_env)

    def enter_deinit(self) -> None:
        def task() -> None:
            self.state = _DEINIT
            self.tester._proxy_on_deinit(self.py_env)

        self.runloop.post(task)

    def receive(self, msg: Any, kind: str) -> None:
        def deliver() -> None:
            if kind == "data":
                self.tester._proxy_on_data(self.py_env, msg)
            elif kind == "cmd":
                self.tester._proxy_on_cmd(self.py_env, msg)
            elif kind == "audio_frame":
                self.tester._proxy_on_audio_frame(self.py_env, msg)
            elif kind == "video_frame":
                self.tester._proxy_on_video_frame(self.py_env, msg)

        def dropped() -> None:
            if kind == "cmd":
                self.graph.answer_dropped_cmd(msg, to_tester=False)

        self.deliver(deliver, dropped)


class _Graph:
    """The standalone test graph of one ``run_internal``."""

    def __init__(self, tester: Any, addon_name: str, graph_property: dict[str, Any]) -> None:
        self.graph_id = uuid.uuid4().hex
        self.tester_node = _TesterNode(self, tester)
        self.target = _ExtensionNode(self, addon_name, graph_property)
        self.nodes: list[_Node] = [self.tester_node, self.target]
        self.lock = threading.Lock()
        self.closing = False
        self.stopped: set[str] = set()
        self.finished: set[str] = set()
        self.result: Any = None
        # cmd_id -> (node waiting for the result, handler)
        self.pending_cmds: dict[str, tuple[_Node, Any]] = {}

    # -- results ---------------------------------------------------------------------------

    def set_result(self, error: Any) -> None:
        with self.lock:
            if self.result is None and error is not None:
                self.result = error

    def close(self) -> None:
        with self.lock:
            if self.closing:
                return
            self.closing = True
        for node in self.nodes:
            node.trigger_close()

    def on_node_failed(self, node: _Node) -> None:
        self.set_result(_new_error(_ERR_GENERIC, f"failed to create {node.name}"))
        with self.lock:
            self.stopped.add(node.name)
            self.finished.add(node.name)
            node.released = True
        self.close()
        self._check_progress()

    def on_node_stopped(self, node: _Node) -> None:
        with self.lock:
            self.stopped.add(node.name)
        self._check_progress()

    def on_node_finished(self, node: _Node) -> None:
        with self.lock:
            self.finished.add(node.name)
        self._check_progress()

    def _check_progress(self) -> None:
        with self.lock:
            all_stopped = len(self.stopped) == len(self.nodes)
            all_finished = len(self.finished) == len(self.nodes)
            deinit_now = all_stopped and not getattr(self, "_deinit_started", False)
            if deinit_now:
                self._deinit_started = True
        if deinit_now:
            for node in self.nodes:
                if node.name not in self.finished:
                    node.enter_deinit()
        if all_finished:
            self.tester_node.runloop.stop()
            self.target.runloop.stop()

    # -- routing ---------------------------------------------------------------------------

    def peer_of(self, node: _Node) -> _Node:
        return self.target if node is self.tester_node else self.tester_node

    def send(self, sender: _Node, msg: _Msg, kind: str, handler: Any, is_ex: bool = False) -> Any:
        if sender.released:
            return _new_error(_ERR_TEN_IS_CLOSED, "The TEN world is closed.")
        receiver = self.peer_of(sender)
        if receiver.released:
            return _new_error(_ERR_MSG_NOT_CONNECTED, "The destination is closed.")
        copy_ = msg._delivered_copy()
        copy_._source = (None, self.graph_id, sender.name)
        if kind == "cmd":
            with self.lock:
                self.pending_cmds[copy_._cmd_id] = (sender, handler)
        elif handler is not None:
            env = sender.py_env  # type: ignore[attr-defined]
            sender.runloop.post(lambda: handler(env, None))
        receiver.receive(copy_, kind)  # type: ignore[attr-defined]
        return _OK

    def return_result(self, sender: _Node, result: _CmdResult, handler: Any) -> Any:
        if sender.released:
            return _new_error(_ERR_TEN_IS_CLOSED, "The TEN world is closed.")
        with self.lock:
            waiting = self.pending_cmds.get(result._cmd_id)
            if waiting is not None and result.is_final():
                del self.pending_cmds[result._cmd_id]
        if handler is not None:
            env = sender.py_env  # type: ignore[attr-defined]
            sender.runloop.post(lambda: handler(env, None))
        if waiting is None:
            return _OK
        node, result_handler = waiting
        delivered = result._delivered_copy()
        if result_handler is not None and not node.released:
            env = node.py_env  # type: ignore[attr-defined]
            node.runloop.post(lambda: result_handler(env, delivered, None))
        return _OK

    def answer_dropped_cmd(self, cmd: _Cmd, to_tester: bool) -> None:
        with self.lock:
            waiting = self.pending_cmds.pop(cmd._cmd_id, None)
        if waiting is None:
            return
        node, result_handler = waiting
        result = _CmdResult.__new__(_types.get("cmd_result", _CmdResult), 1, cmd)
        result._props.set("detail", "The destination extension is in its de-initialization phase.")
        if result_handler is not None and not node.released:
            env = node.py_env  # type: ignore[attr-defined]
            node.runloop.post(lambda: result_handler(env, result, None))


# -- ten_env ------------------------------------------------------------------------------


class _TenEnv:
    """The native half of ``TenEnv``, attached to an extension, an app or an addon."""

    def __new__(cls, owner: Any = None) -> _TenEnv:
        self = object.__new__(cls)
        self._owner = owner
        self.closed = False
        return self

    def __init__(self, owner: Any = None) -> None:
        pass

    _owner: Any
    closed: bool

    # Helpers.
    def _where(self) -> str:
        return str(getattr(self._owner, "name", "app"))

    def _node(self) -> _ExtensionNode | None:
        return self._owner if isinstance(self._owner, _ExtensionNode) else None

    def _store(self) -> _PropertyStore:
        owner = self._owner
        if isinstance(owner, (_ExtensionNode, _App)):
            return owner.properties
        raise RuntimeError("this ten_env has no properties")

    def _closed_error(self) -> Any:
        return _new_error(_ERR_TEN_IS_CLOSED, "The ten_env is closed.")

    def _post_callback(self, callback: Callable[[], None]) -> None:
        owner = self._owner
        runloop = getattr(owner, "runloop", None)
        if runloop is not None:
            runloop.post(callback)
        else:
            callback()

    # Lifecycle.
    def _done(self, stage: int) -> None:
        owner = self._owner
        if isinstance(owner, (_ExtensionNode, _App)):
            owner.done(stage)

    def on_configure_done(self) -> None:
        self._done(_CONFIGURE)

    def on_init_done(self) -> None:
        self._done(_INIT)

    def on_start_done(self) -> None:
        self._done(_START)

    def on_stop_done(self) -> None:
        self._done(_STOP)

    def on_deinit_done(self) -> None:
        self._done(_DEINIT)

    def on_create_instance_done(self, instance: Any, context: object) -> None:
        owner = self._owner
        if isinstance(owner, _AddonOwner):
            owner.node.on_instance(instance)

    # Properties.
    def get_property_to_json(self, path: str | None = None) -> tuple[str, Any]:
        if self.closed:
            return "", self._closed_error()
        return self._store().to_json(path)

    def set_property_from_json(self, path: str, json_str: str) -> Any:
        if self.closed:
            return self._closed_error()
        return self._store().from_json(path, json_str)

    def get_property_int(self, path: str) -> tuple[int, Any]:
        value, err = self._store().get_typed(path, int, "int", 0)
        return int(value), err

    def set_property_int(self, path: str, value: int) -> Any:
        return self._store().set(path, int(value))

    def get_property_string(self, path: str) -> tuple[str, Any]:
        value, err = self._store().get_typed(path, str, "string", "")
        return str(value), err

    def set_property_string(self, path: str, value: str) -> Any:
        return self._store().set(path, value)

    def get_property_bool(self, path: str) -> tuple[bool, Any]:
        value, err = self._store().get_typed(path, bool, "bool", False)
        return bool(value), err

    def set_property_bool(self, path: str, value: int) -> Any:
        return self._store().set(path, bool(value))

    def get_property_float(self, path: str) -> tuple[float, Any]:
        value, err = self._store().get_typed(path, float, "float", 0.0)
        return float(value), err

    def set_property_float(self, path: str, value: float) -> Any:
        return self._store().set(path, float(value))

    def is_property_exist(self, path: str) -> tuple[bool, Any]:
        return self._store().exists(path), _OK

    def init_property_from_json(self, json_str: str) -> Any:
        owner = self._owner
        try:
            tree = json.loads(json_str)
        except ValueError:
            return _new_error(_ERR_INVALID_JSON, "invalid JSON")
        if not isinstance(tree, dict):
            return _new_error(_ERR_INVALID_ARGUMENT, "the property must be an object")
        if isinstance(owner, _ExtensionNode):
            owner.init_from_json = True
        self._store().tree = tree
        return _OK

    def _async(self, callback: Callable[..., None], *result: Any) -> Any:
        if self.closed:
            return self._closed_error()
        self._post_callback(lambda: callback(*result))
        return _OK

    def get_property_to_json_async(
        self, path: str | None, callback: Callable[[str, Any], None]
    ) -> Any:
        if self.closed:
            return self._closed_error()
        return self._async(callback, *self.get_property_to_json(path))

    def set_property_from_json_async(
        self, path: str, json_str: str, callback: Callable[[Any], None]
    ) -> Any:
        if self.closed:
            return self._closed_error()
        return self._async(callback, self.set_property_from_json(path, json_str))

    def get_property_int_async(self, path: str, callback: Callable[[int, Any], None]) -> Any:
        if self.closed:
            return self._closed_error()
        return self._async(callback, *self.get_property_int(path))

    def set_property_int_async(self, path: str, value: int, callback: Callable[[Any], None]) -> Any:
        if self.closed:
            return self._closed_error()
        return self._async(callback, self.set_property_int(path, value))

    def get_property_string_async(self, path: str, callback: Callable[[str, Any], None]) -> Any:
        if self.closed:
            return self._closed_error()
        return self._async(callback, *self.get_property_string(path))

    def set_property_string_async(
        self, path: str, value: str, callback: Callable[[Any], None]
    ) -> Any:
        if self.closed:
            return self._closed_error()
        return self._async(callback, self.set_property_string(path, value))

    def get_property_bool_async(self, path: str, callback: Callable[[bool, Any], None]) -> Any:
        if self.closed:
            return self._closed_error()
        return self._async(callback, *self.get_property_bool(path))

    def set_property_bool_async(
        self, path: str, value: int, callback: Callable[[Any], None]
    ) -> Any:
        if self.closed:
            return self._closed_error()
        return self._async(callback, self.set_property_bool(path, value))

    def get_property_float_async(self, path: str, callback: Callable[[float, Any], None]) -> Any:
        if self.closed:
            return self._closed_error()
        return self._async(callback, *self.get_property_float(path))

    def set_property_float_async(
        self, path: str, value: float, callback: Callable[[Any], None]
    ) -> Any:
        if self.closed:
            return self._closed_error()
        return self._async(callback, self.set_property_float(path, value))

    def is_property_exist_async(self, path: str, callback: Callable[[bool, Any], None]) -> Any:
        if self.closed:
            return self._closed_error()
        return self._async(callback, *self.is_property_exist(path))

    def init_property_from_json_async(self, json_str: str, callback: Callable[[Any], None]) -> Any:
        if self.closed:
            return self._closed_error()
        return self._async(callback, self.init_property_from_json(json_str))

    # Messages.
    def _send(self, msg: _Msg, kind: str, handler: Any, is_ex: bool = False) -> Any:
        node = self._node()
        if node is None:
            return _new_error(_ERR_MSG_NOT_CONNECTED, "only extensions send messages here")
        if self.closed:
            return self._closed_error()
        return node.graph.send(node, msg, kind, handler, is_ex)

    def send_cmd(self, cmd: _Cmd, result_handler: Any, is_ex: bool) -> Any:
        return self._send(cmd, "cmd", result_handler, is_ex)

    def send_data(self, data: _Data, error_handler: Any) -> Any:
        return self._send(data, "data", error_handler)

    def send_video_frame(self, video_frame: _VideoFrame, error_handler: Any) -> Any:
        return self._send(video_frame, "video_frame", error_handler)

    def send_audio_frame(self, audio_frame: _AudioFrame, error_handler: Any) -> Any:
        return self._send(audio_frame, "audio_frame", error_handler)

    def return_result(self, result: _CmdResult, error_handler: Any) -> Any:
        node = self._node()
        if node is None:
            return _new_error(_ERR_MSG_NOT_CONNECTED, "only extensions return results here")
        if self.closed:
            return self._closed_error()
        return node.graph.return_result(node, result, error_handler)

    def log(
        self,
        level: int,
        func_name: str | None,
        file_name: str | None,
        line_no: int,
        category: str | None,
        msg: str,
        sync: bool,
        fields_buf: bytes | None = None,
    ) -> Any:
        if self.closed:
            return self._closed_error()
        _log_line(int(level), self._where(), func_name, file_name, line_no, category, msg)
        return _OK


# -- the tester ---------------------------------------------------------------------------


class _TenEnvTester:
    """The native half of ``TenEnvTester``."""

    _node: _TesterNode
    closed: bool

    def __new__(cls, node: _TesterNode) -> _TenEnvTester:
        self = object.__new__(cls)
        self._node = node
        self.closed = False
        return self

    def on_init_done(self) -> None:
        self._node.done(_INIT)

    def on_start_done(self) -> None:
        self._node.done(_START)

    def on_stop_done(self) -> None:
        self._node.done(_STOP)

    def on_deinit_done(self) -> None:
        self._node.done(_DEINIT)

    def _send(self, msg: _Msg, kind: str, handler: Any, is_ex: bool = False) -> Any:
        if self.closed:
            return _new_error(_ERR_TEN_IS_CLOSED, "The test extension is closed.")
        return self._node.graph.send(self._node, msg, kind, handler, is_ex)

    def send_cmd(self, cmd: _Cmd, result_handler: Any, is_ex: bool) -> Any:
        return self._send(cmd, "cmd", result_handler, is_ex)

    def send_data(self, data: _Data, error_handler: Any) -> Any:
        return self._send(data, "data", error_handler)

    def send_audio_frame(self, audio_frame: _AudioFrame, error_handler: Any) -> Any:
        return self._send(audio_frame, "audio_frame", error_handler)

    def send_video_frame(self, video_frame: _VideoFrame, error_handler: Any) -> Any:
        return self._send(video_frame, "video_frame", error_handler)

    def return_result(self, result: _CmdResult, error_handler: Any) -> Any:
        if self.closed:
            return _new_error(_ERR_TEN_IS_CLOSED, "The test extension is closed.")
        return self._node.graph.return_result(self._node, result, error_handler)

    def stop_test(self, error: Any) -> Any:
        graph = self._node.graph
        graph.set_result(error)
        graph.close()
        return _OK

    def log(
        self,
        level: int,
        func_name: str | None,
        file_name: str | None,
        line_no: int,
        category: str | None,
        msg: str,
        sync: bool,
        fields_buf: bytes | None = None,
    ) -> Any:
        if self.closed:
            return _new_error(_ERR_TEN_IS_CLOSED, "The test extension is closed.")
        _log_line(int(level), "tester", func_name, file_name, line_no, category, msg)
        return _OK


class _ExtensionTester:
    """The native half of ``ExtensionTester``/``AsyncExtensionTester``."""

    _addon_name: str | None
    _property_json: str
    _timeout_us: int

    def __new__(cls, *args: Any, **kwargs: Any) -> _ExtensionTester:
        self = object.__new__(cls)
        self._addon_name = None
        self._property_json = "{}"
        self._timeout_us = _DEFAULT_TIMEOUT_US
        return self

    def set_test_mode_single_internal(self, addon_name: str, property_json_str: str | None) -> None:
        if property_json_str:
            tree = json.loads(property_json_str)  # the C runtime asserts on invalid JSON
            if not isinstance(tree, dict):
                raise ValueError("the property of the tested extension must be an object")
            self._property_json = property_json_str
        else:
            self._property_json = "{}"
        self._addon_name = addon_name

    def set_test_mode_graph_internal(self, graph_json: str) -> None:
        raise NotImplementedError("the TEN stand-in runs only set_test_mode_single")

    def set_timeout(self, timeout_us: int) -> None:
        self._timeout_us = int(timeout_us)

    def run_internal(self) -> Any:
        if self._addon_name is None:
            raise RuntimeError("set_test_mode_single() was not called")
        graph = _Graph(self, self._addon_name, json.loads(self._property_json))
        timer: threading.Timer | None = None
        if self._timeout_us > 0:

            def on_timeout() -> None:
                _runtime_log(2, "tester", f"Timeout triggered, timeout: {self._timeout_us} us.")
                graph.set_result(_new_error(_ERR_TIMEOUT, "Test timeout."))
                graph.close()

            timer = threading.Timer(self._timeout_us / 1_000_000, on_timeout)
            timer.daemon = True
            timer.start()
        graph.target.start()
        graph.tester_node.start()
        try:
            graph.tester_node.runloop.run()  # the tester's runloop is the calling thread
        finally:
            if timer is not None:
                timer.cancel()
        return graph.result


# -- extension, addon and app -------------------------------------------------------------


class _Extension:
    def __new__(cls, name: str) -> _Extension:
        self = object.__new__(cls)
        self._native_name = name
        return self

    def __init__(self, name: str) -> None:
        pass

    _native_name: str


class _Addon:
    def on_create_instance_internal(self, ten_env: _TenEnv, name: str, context: object) -> None:
        _runtime_log(4, name, "the addon does not create an instance (override on_create_instance)")


class _App:
    """The native half of ``App``: configure, init, wait for close, deinit."""

    name = "app"
    properties: _PropertyStore
    runloop: _Runloop
    _native_env: _TenEnv
    _py_env: Any
    _thread: threading.Thread | None
    _state: int
    _owner: int

    def __new__(cls, *args: Any, **kwargs: Any) -> _App:
        self = object.__new__(cls)
        self._owner = threading.get_ident()  # ten_app_create binds the app to this thread
        self.properties = _PropertyStore()
        self.runloop = _Runloop("app")
        self._native_env = _TenEnv(self)
        self._py_env = None
        self._thread = None
        self._state = _CREATED
        return self

    def done(self, stage: int) -> None:
        def task() -> None:
            if stage == _CONFIGURE and self._state == _CONFIGURE:
                self._state = _INIT
                self.on_init(self._py_env)  # type: ignore[attr-defined]
            elif stage == _INIT and self._state == _INIT:
                self._state = _START_DONE
            elif stage == _DEINIT and self._state == _DEINIT:
                self._state = _DEINIT_DONE
                self.runloop.stop()

        self.runloop.post(task)

    def run_internal(self, run_in_background_flag: bool) -> None:
        if threading.get_ident() != self._owner:  # app.c: ten_py_app_check_integrity(, true)
            _runtime_log(
                4,
                "ten_sanitizer_thread_check_do_check@thread_check.c:139",
                "Access object across threads, current thread "
                f"{{id({threading.get_native_id()})}}, but belonging thread {{id({self._owner})}}.",
            )
            _runtime_log(4, "ten_py_app_run@app.c:191", "Invalid argument.")
            sys.stdout.flush()
            sys.stderr.flush()
            os.abort()
        self._py_env = _types["ten_env"](self._native_env)

        def configure() -> None:
            self._state = _CONFIGURE
            self.on_configure(self._py_env)  # type: ignore[attr-defined]

        self.runloop.post(configure)
        if run_in_background_flag:
            self._thread = threading.Thread(target=self.runloop.run, name="app", daemon=True)
            self._thread.start()
        else:
            self.runloop.run()

    def wait_internal(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def close_internal(self) -> None:
        def task() -> None:
            self._state = _DEINIT
            self.on_deinit(self._py_env)  # type: ignore[attr-defined]

        self.runloop.post(task)

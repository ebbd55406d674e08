"""Stand-in of ``ten_runtime/value_buffer.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/value_buffer.py``, tag 0.11.71 =
commit 9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour (the value-buffer wire format: an 8-byte header, magic 0x010E, version 1, type, size;
then little-endian content).
"""

from __future__ import annotations

import struct

from .value import Value, ValueType

VALUE_BUFFER_MAGIC = 0x010E
VALUE_BUFFER_VERSION = 1
VALUE_BUFFER_HEADER_SIZE = 8

BUFFER_TYPE_INVALID = 0
BUFFER_TYPE_BOOL = 1
BUFFER_TYPE_INT8 = 2
BUFFER_TYPE_INT16 = 3
BUFFER_TYPE_INT32 = 4
BUFFER_TYPE_INT64 = 5
BUFFER_TYPE_UINT8 = 6
BUFFER_TYPE_UINT16 = 7
BUFFER_TYPE_UINT32 = 8
BUFFER_TYPE_UINT64 = 9
BUFFER_TYPE_FLOAT32 = 10
BUFFER_TYPE_FLOAT64 = 11
BUFFER_TYPE_STRING = 12
BUFFER_TYPE_BUF = 13
BUFFER_TYPE_ARRAY = 14
BUFFER_TYPE_OBJECT = 15
BUFFER_TYPE_PTR = 16
BUFFER_TYPE_JSON_STRING = 17

_TO_BUFFER = {
    ValueType.INVALID: BUFFER_TYPE_INVALID,
    ValueType.BOOL: BUFFER_TYPE_BOOL,
    ValueType.INT: BUFFER_TYPE_INT64,
    ValueType.FLOAT: BUFFER_TYPE_FLOAT64,
    ValueType.STRING: BUFFER_TYPE_STRING,
    ValueType.BYTES: BUFFER_TYPE_BUF,
    ValueType.ARRAY: BUFFER_TYPE_ARRAY,
    ValueType.OBJECT: BUFFER_TYPE_OBJECT,
    ValueType.JSON_STRING: BUFFER_TYPE_JSON_STRING,
}
_INT_FORMATS = {
    BUFFER_TYPE_INT8: "<b",
    BUFFER_TYPE_INT16: "<h",
    BUFFER_TYPE_INT32: "<i",
    BUFFER_TYPE_INT64: "<q",
    BUFFER_TYPE_UINT8: "<B",
    BUFFER_TYPE_UINT16: "<H",
    BUFFER_TYPE_UINT32: "<I",
    BUFFER_TYPE_UINT64: "<Q",
}


class ValueBufferHeader:
    """The fixed header in front of every serialized value."""

    magic: int
    version: int
    type_id: int
    size: int

    def __init__(self, magic: int, version: int, type_id: int, size: int) -> None:
        self.magic = magic
        self.version = version
        self.type_id = type_id
        self.size = size


def _encode(value: Value) -> bytes:
    kind = value.get_type()
    if kind == ValueType.BOOL:
        return struct.pack("<B", 1 if value.get_bool()[0] else 0)
    if kind == ValueType.INT:
        return struct.pack("<q", value.get_int()[0])
    if kind == ValueType.FLOAT:
        return struct.pack("<d", value.get_float()[0])
    if kind in (ValueType.STRING, ValueType.JSON_STRING, ValueType.BYTES):
        if kind == ValueType.BYTES:
            raw = value.get_buf()[0]
        elif kind == ValueType.STRING:
            raw = value.get_string()[0].encode()
        else:
            raw = value.get_json_string()[0].encode()
        return struct.pack("<I", len(raw)) + raw
    if kind == ValueType.ARRAY:
        items = value.get_array()[0]
        body = b"".join(struct.pack("<B", _TO_BUFFER[i.get_type()]) + _encode(i) for i in items)
        return struct.pack("<I", len(items)) + body
    if kind == ValueType.OBJECT:
        pairs = value.get_object()[0]
        parts = [struct.pack("<I", len(pairs))]
        for key, item in pairs.items():
            raw_key = key.encode()
            parts.append(struct.pack("<I", len(raw_key)) + raw_key)
            parts.append(struct.pack("<B", _TO_BUFFER[item.get_type()]) + _encode(item))
        return b"".join(parts)
    raise AssertionError(f"Unsupported value type for serialization: {kind}")


def serialize_to_buffer(value: Value) -> bytes:
    """A Value as a value buffer."""
    content = _encode(value)
    header = struct.pack(
        "<HBBI",
        VALUE_BUFFER_MAGIC,
        VALUE_BUFFER_VERSION,
        _TO_BUFFER[value.get_type()],
        len(content),
    )
    return header + content


def _decode(buffer: bytes, pos: int, type_id: int) -> tuple[Value, int]:
    if type_id == BUFFER_TYPE_BOOL:
        return Value.from_bool(buffer[pos] != 0), pos + 1
    if type_id in _INT_FORMATS:
        fmt = _INT_FORMATS[type_id]
        (number,) = struct.unpack_from(fmt, buffer, pos)
        return Value.from_int(int(number)), pos + struct.calcsize(fmt)
    if type_id in (BUFFER_TYPE_FLOAT32, BUFFER_TYPE_FLOAT64):
        fmt = "<f" if type_id == BUFFER_TYPE_FLOAT32 else "<d"
        (real,) = struct.unpack_from(fmt, buffer, pos)
        return Value.from_float(float(real)), pos + struct.calcsize(fmt)
    if type_id in (BUFFER_TYPE_STRING, BUFFER_TYPE_JSON_STRING, BUFFER_TYPE_BUF):
        (length,) = struct.unpack_from("<I", buffer, pos)
        raw = bytes(buffer[pos + 4 : pos + 4 + length])
        end = pos + 4 + length
        if type_id == BUFFER_TYPE_BUF:
            return Value.from_buf(raw), end
        text = raw.decode()
        made = (
            Value.from_string(text)
            if type_id == BUFFER_TYPE_STRING
            else (Value.from_json_string(text))
        )
        return made, end
    if type_id == BUFFER_TYPE_ARRAY:
        (count,) = struct.unpack_from("<I", buffer, pos)
        pos += 4
        items: list[Value] = []
        for _ in range(count):
            item, pos = _decode(buffer, pos + 1, buffer[pos])
            items.append(item)
        return Value.from_array(items), pos
    if type_id == BUFFER_TYPE_OBJECT:
        (count,) = struct.unpack_from("<I", buffer, pos)
        pos += 4
        pairs: dict[str, Value] = {}
        for _ in range(count):
            (key_len,) = struct.unpack_from("<I", buffer, pos)
            key = bytes(buffer[pos + 4 : pos + 4 + key_len]).decode()
            pos += 4 + key_len
            pairs[key], pos = _decode(buffer, pos + 1, buffer[pos])
        return Value.from_object(pairs), pos
    raise AssertionError("Invalid or unknown buffer type")


def deserialize_from_buffer(buffer: bytes) -> Value:
    """A value buffer back to a Value (asserts on a malformed buffer)."""
    if len(buffer) < VALUE_BUFFER_HEADER_SIZE:
        raise AssertionError("Buffer too small to contain header")
    magic, version, type_id, size = struct.unpack_from("<HBBI", buffer, 0)
    header = ValueBufferHeader(magic, version, type_id, size)
    if header.magic != VALUE_BUFFER_MAGIC or header.version != VALUE_BUFFER_VERSION:
        raise AssertionError("Invalid buffer magic number or version")
    if len(buffer) < VALUE_BUFFER_HEADER_SIZE + header.size:
        raise AssertionError("Buffer size doesn't match header specification")
    value, _ = _decode(buffer, VALUE_BUFFER_HEADER_SIZE, header.type_id)
    return value

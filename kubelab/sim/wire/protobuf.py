"""Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`) to JSON-shaped dicts.

kubectl 1.37's typed `create` subcommands (namespace, deployment, service, configmap, secret,
serviceaccount) send protobuf. The body is the magic `k8s\\x00` followed by a `runtime.Unknown`
(1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType); `raw` is the object
encoded with the field numbers of the `generated.proto` files of k8s.io/api and
k8s.io/apimachinery. `proto_fields.json` holds those numbers for every message the served types
reach: `{message: {number: [jsonName, type, repeated, flags...]}}`, where type is `s`, `i`, `b`,
`y` (bytes, base64 in JSON), `d`, `time`, `intstr`, `quantity`, `raw` (embedded JSON),
`msg:<schema>` or `map:<value type>`; flag `ptr` marks Go pointer scalars (kept even when zero)
and `inline` an embedded struct whose fields belong to the parent in JSON.

`proto_fields.json` is data, maintained by hand: the numbers were taken from the
`generated.proto` descriptors of k8s.io/api 1.16 and completed with the fields added since, copied
from the v0.37 `generated.proto` files (a new field is one entry; an unknown number is skipped, so
a missing entry loses that field, never the request). `tests/unit/sim_wire/test_protobuf.py`
checks that it covers the served kinds' schemas and that every reference resolves.

The result is the dict the JSON body would have decoded to: Go marshals non-pointer scalars even
when empty, so zero values of non-pointer scalars are dropped (JSON's `omitempty`), while empty
structs stay `{}` as in kubectl's JSON bodies. Unknown field numbers are skipped, as Go does.

CORE calls `decode_protobuf(body)` for a POST/PUT whose `Content-Type` is
`application/vnd.kubernetes.protobuf`; it raises `ApiError` 400 for a malformed body or a kind
with no table. Responses stay JSON (kubectl accepts them).
"""

from __future__ import annotations

import base64
import json
import struct
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any, Final

from kubelab.sim.errors import ApiError
from kubelab.sim.objects import Obj

MAGIC: Final = b"k8s\x00"
_MAX_DEPTH: Final = 64


class _DecodeError(Exception):
    pass


@cache
def _table() -> dict[str, dict[int, list[Any]]]:
    data = resources.files("kubelab.sim.wire").joinpath("proto_fields.json").read_bytes()
    raw: dict[str, dict[str, list[Any]]] = json.loads(data)
    return {name: {int(k): v for k, v in fields.items()} for name, fields in raw.items()}


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise _DecodeError("truncated or overlong varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int, Any]]:
    """Split a message into (field number, wire type, value) in order."""
    out: list[tuple[int, int, Any]] = []
    pos = 0
    value: Any
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise _DecodeError("invalid field number 0")
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 1:
            if pos + 8 > len(data):
                raise _DecodeError("truncated fixed64")
            value = data[pos : pos + 8]
            pos += 8
        elif wire == 2:
            size, pos = _varint(data, pos)
            if pos + size > len(data):
                raise _DecodeError("truncated length-delimited field")
            value = data[pos : pos + size]
            pos += size
        elif wire == 5:
            if pos + 4 > len(data):
                raise _DecodeError("truncated fixed32")
            value = data[pos : pos + 4]
            pos += 4
        else:
            raise _DecodeError(f"unsupported wire type {wire}")
        out.append((number, wire, value))
    return out


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _text(value: Any) -> str:
    if not isinstance(value, bytes):
        raise _DecodeError("expected a length-delimited string")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _DecodeError("invalid UTF-8 in a string field") from exc


def _ints(wire: int, value: Any) -> list[int]:
    if wire == 0:
        return [_signed(value)]
    if wire == 2:  # packed
        out: list[int] = []
        pos = 0
        while pos < len(value):
            item, pos = _varint(value, pos)
            out.append(_signed(item))
        return out
    raise _DecodeError("expected a varint")


def _time(data: Any) -> str | None:
    if not isinstance(data, bytes):
        raise _DecodeError("expected a Time message")
    seconds = 0
    nanos = 0
    for number, wire, value in _fields(data):
        if number == 1 and wire == 0:
            seconds = _signed(value)
        elif number == 2 and wire == 0:
            nanos = _signed(value)
    if seconds == 0 and nanos == 0:
        return None
    stamp = datetime.fromtimestamp(seconds, tz=UTC)
    if nanos:
        return stamp.strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos // 1000:06d}Z"
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _int_or_string(data: Any) -> int | str:
    if not isinstance(data, bytes):
        raise _DecodeError("expected an IntOrString message")
    kind = 0
    int_val = 0
    str_val = ""
    for number, wire, value in _fields(data):
        if number == 1 and wire == 0:
            kind = value
        elif number == 2 and wire == 0:
            int_val = _signed(value)
        elif number == 3 and wire == 2:
            str_val = _text(value)
    return str_val if kind == 1 else int_val


def _quantity(data: Any) -> str:
    if not isinstance(data, bytes):
        raise _DecodeError("expected a Quantity message")
    for number, wire, value in _fields(data):
        if number == 1 and wire == 2:
            return _text(value)
    return "0"


def _raw(data: Any) -> Any:
    if not isinstance(data, bytes):
        raise _DecodeError("expected an embedded object")
    for number, wire, value in _fields(data):
        if number == 1 and wire == 2:
            if not value:
                return None
            try:
                return json.loads(value)
            except ValueError as exc:
                raise _DecodeError("embedded object is not JSON") from exc
    return None


def _scalar(kind: str, wire: int, value: Any, depth: int) -> list[Any]:
    """Decode one occurrence of a field; packed repeated scalars yield several values."""
    if kind == "s":
        return [_text(value)]
    if kind == "i":
        return list(_ints(wire, value))
    if kind == "b":
        return [bool(v) for v in _ints(wire, value)]
    if kind == "y":
        if not isinstance(value, bytes):
            raise _DecodeError("expected bytes")
        return [base64.b64encode(value).decode("ascii")]
    if kind == "d":
        if wire == 1:
            return [struct.unpack("<d", value)[0]]
        raise _DecodeError("expected a double")
    if kind == "time":
        return [_time(value)]
    if kind == "intstr":
        return [_int_or_string(value)]
    if kind == "quantity":
        return [_quantity(value)]
    if kind == "raw":
        return [_raw(value)]
    if kind.startswith("msg:"):
        if not isinstance(value, bytes):
            raise _DecodeError("expected an embedded message")
        return [_message(value, kind[4:], depth + 1)]
    raise _DecodeError(f"unknown field type {kind}")


def _is_zero(value: Any) -> bool:
    return value is None or value == "" or value is False or (value == 0 and value is not True)


def _message(data: bytes, name: str, depth: int) -> Obj:
    if depth > _MAX_DEPTH:
        raise _DecodeError("message nesting too deep")
    table = _table().get(name)
    if table is None:
        raise _DecodeError(f"no field table for {name}")
    out: Obj = {}
    for number, wire, value in _fields(data):
        spec = table.get(number)
        if spec is None:
            continue  # a field this table does not know: skipped, as Go skips unknown fields
        json_name, kind, repeated = spec[0], spec[1], spec[2]
        flags = spec[3:]
        if kind.startswith("map:"):
            key, item = _map_entry(value, kind[4:], depth)
            out.setdefault(json_name, {})[key] = item
            continue
        values = _scalar(kind, wire, value, depth)
        if "inline" in flags:
            for item in values:
                out.update(item)
            continue
        if repeated:
            out.setdefault(json_name, []).extend(values)
            continue
        item = values[-1]
        if item is None or (not kind.startswith("msg:") and "ptr" not in flags and _is_zero(item)):
            out.pop(json_name, None)
            continue
        out[json_name] = item
    return out


def _map_entry(data: Any, kind: str, depth: int) -> tuple[str, Any]:
    if not isinstance(data, bytes):
        raise _DecodeError("expected a map entry")
    key = ""
    item: Any = "" if kind in ("s", "y", "quantity") else None
    for number, wire, value in _fields(data):
        if number == 1:
            key = _text(value)
        elif number == 2:
            item = _scalar(kind, wire, value, depth)[-1]
    if item is None and kind.startswith("msg:"):
        item = {}
    return key, item


@cache
def _kinds() -> dict[tuple[str, str], str]:
    """(apiVersion, kind) -> message name, for every message with a GVK."""
    from kubelab.sim.wire.schemas import _all_schemas

    out: dict[tuple[str, str], str] = {}
    for name, schema in _all_schemas().items():
        if name not in _table():
            continue
        for gvk in schema.get("x-kubernetes-group-version-kind", ()):
            api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            out.setdefault((api_version, gvk["kind"]), name)
    return out


def decode_protobuf(body: bytes) -> Obj:
    """Decode a Kubernetes protobuf body into the object's JSON form (with apiVersion/kind)."""
    if not body.startswith(MAGIC):
        raise ApiError(
            400,
            "BadRequest",
            "provided data does not appear to be a protobuf message, expected "
            "prefix [107 56 115 0]",
        )
    try:
        envelope = _fields(body[len(MAGIC) :])
        api_version = ""
        kind = ""
        raw = b""
        encoding = ""
        for number, wire, value in envelope:
            if number == 1 and wire == 2:
                for sub, sub_wire, sub_value in _fields(value):
                    if sub == 1 and sub_wire == 2:
                        api_version = _text(sub_value)
                    elif sub == 2 and sub_wire == 2:
                        kind = _text(sub_value)
            elif number == 2 and wire == 2:
                raw = value
            elif number == 3 and wire == 2:
                encoding = _text(value)
    except _DecodeError as exc:
        raise ApiError(400, "BadRequest", f"unable to decode protobuf body: {exc}") from exc
    if encoding:
        raise ApiError(400, "BadRequest", f"unsupported content encoding {encoding!r}")
    version = api_version.rsplit("/", 1)[-1]
    message = _kinds().get((api_version, kind))
    if message is None:
        raise ApiError(
            400,
            "BadRequest",
            f'no kind "{kind}" is registered for version "{api_version}" in scheme '
            '"k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30"',
        )
    try:
        obj = _message(raw, message, 0)
    except _DecodeError as exc:
        raise ApiError(
            400,
            "BadRequest",
            f'{kind} in version "{version}" cannot be handled as a {kind}: {exc}',
        ) from exc
    return {"kind": kind, "apiVersion": api_version, **obj}

"""`/openapi/v2`: a Swagger 2.0 document derived from the OpenAPI v3 documents, in JSON and in
the protobuf form kubectl asks for (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`,
gnostic's `openapi.v2.Document`).

kubectl validates client-side from it whatever the v3 documents do not cover, such as a
`kind: List` file given to `apply`/`create`/`replace -f` or `edit` of several objects; without
it those commands fail with `error validating data: the server could not find the requested
resource`. Only `definitions` are carried (what validation reads): `$ref`, type, format,
description, required, properties, items, additionalProperties and the `x-` extensions
(`x-kubernetes-group-version-kind` names each kind's model).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from kubelab.sim.objects import Obj
from kubelab.sim.wire.documents import group_version_paths, openapi_v3_document

V3_REF = "#/components/schemas/"
V2_REF = "#/definitions/"


def _convert(schema: Any) -> Obj:
    """One v3 schema as Swagger 2.0 (single-`$ref` `allOf` unwrapped, `oneOf` to a string)."""
    if not isinstance(schema, dict):
        return {}
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1 and "$ref" in all_of[0]:
        out: Obj = {"$ref": str(all_of[0]["$ref"]).replace(V3_REF, V2_REF)}
        if schema.get("description"):
            out["description"] = schema["description"]
        return out
    if "$ref" in schema:
        return {"$ref": str(schema["$ref"]).replace(V3_REF, V2_REF)}
    out = {}
    for key in ("description", "format", "type", "required"):
        if key in schema:
            out[key] = schema[key]
    if "oneOf" in schema and "type" not in out:
        out["type"] = "string"  # IntOrString, Quantity: strings in Swagger 2.0, as upstream
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {k: _convert(v) for k, v in schema["properties"].items()}
    if "items" in schema:
        out["items"] = _convert(schema["items"])
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        out["additionalProperties"] = _convert(extra)
    elif isinstance(extra, bool):
        out["additionalProperties"] = extra
    for key, value in schema.items():
        if key.startswith("x-"):
            out[key] = value
    return out


@cache
def swagger() -> Obj:
    """The Swagger 2.0 document (definitions of every served group-version's schemas)."""
    definitions: Obj = {}
    for path in group_version_paths():
        data = openapi_v3_document(path)
        if data is None:
            continue
        schemas = json.loads(data).get("components", {}).get("schemas", {})
        for name, schema in schemas.items():
            converted = _convert(schema)
            known = definitions.get(name)
            if known is not None:
                # The same model (e.g. DeleteOptions) lists the group-version-kinds of every
                # group that uses it: keep them all.
                kinds = known.get("x-kubernetes-group-version-kind", [])
                for gvk in converted.get("x-kubernetes-group-version-kind", []):
                    if gvk not in kinds:
                        kinds.append(gvk)
                continue
            definitions[name] = converted
    return {
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": "v1.37.0"},
        "paths": {},
        "definitions": dict(sorted(definitions.items())),
    }


@cache
def openapi_v2_json() -> bytes:
    return json.dumps(swagger(), separators=(",", ":")).encode()


# ---------------------------------------------------------------------------- protobuf


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        low = n & 0x7F
        n >>= 7
        if n:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (strings, bytes, messages)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _string(number: int, text: str) -> bytes:
    return _field(number, text.encode()) if text else b""


def _schema(schema: Obj) -> bytes:
    """gnostic `openapi.v2.Schema`."""
    out = _string(1, str(schema.get("$ref", "")))
    out += _string(2, str(schema.get("format", "")))
    out += _string(4, str(schema.get("description", "")))
    for name in schema.get("required") or []:
        out += _field(19, str(name).encode())
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        out += _field(21, _field(1, _schema(extra)))  # AdditionalPropertiesItem.schema
    elif isinstance(extra, bool):
        out += _field(21, _varint(2 << 3 | 0) + _varint(int(extra)))  # .boolean
    kind = schema.get("type")
    if kind:
        kinds = kind if isinstance(kind, list) else [kind]
        out += _field(22, b"".join(_field(1, str(k).encode()) for k in kinds))  # TypeItem
    if isinstance(schema.get("items"), dict):
        out += _field(23, _field(1, _schema(schema["items"])))  # ItemsItem.schema
    if isinstance(schema.get("properties"), dict):
        named = b"".join(
            _field(1, _string(1, k) + _field(2, _schema(v)))
            for k, v in schema["properties"].items()
        )
        out += _field(25, named)  # Properties.additional_properties (NamedSchema)
    for key, value in schema.items():
        if key.startswith("x-"):
            # NamedAny{name, value: Any{yaml}}; JSON is YAML.
            yaml_text = json.dumps(value, separators=(",", ":"))
            out += _field(31, _string(1, key) + _field(2, _string(2, yaml_text)))
    return out


@cache
def openapi_v2_protobuf() -> bytes:
    """gnostic `openapi.v2.Document`: swagger (1), info (2), definitions (9)."""
    doc = swagger()
    info = _string(1, doc["info"]["title"]) + _string(2, doc["info"]["version"])
    definitions = b"".join(
        _field(1, _string(1, name) + _field(2, _schema(schema)))
        for name, schema in doc["definitions"].items()
    )
    return _string(1, doc["swagger"]) + _field(2, info) + _field(9, definitions)

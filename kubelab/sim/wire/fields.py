"""Unknown fields, for `fieldValidation=Strict|Warn` (server-side field validation).

CORE calls `unknown_fields(body, group, version, kind)` on every create/update/patch result that
came from the client (the decoded body for POST/PUT, the patched object for PATCH) unless
`fieldValidation=Ignore`:

- Strict: any path -> 400 `BadRequest` via `strict_decoding_error(...)`:
  `Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field
  "spec.portz"` (paths joined with `, `, each `unknown field "<path>"`);
- Warn: one `Warning: unknown field "<path>"` header per path, and the field is dropped
  (`drop_unknown_fields`).

Whatever the validation mode, a value of the wrong JSON type (`"replicas": "two"`) is a 400:
`type_errors(body, group, version, kind)` lists them in the words of Go's JSON decoder and
`decoding_error(kind, version, errors[0])` builds the Status kube-apiserver answers with.
"""

from __future__ import annotations

import re
from typing import Any

from kubelab.sim.errors import ApiError
from kubelab.sim.wire._limits import nesting_guard
from kubelab.sim.wire.schemas import Schema, schema_for

_GO_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    '"': '\\"',
    "\\": "\\\\",
}


def go_escape(text: str) -> str:
    """`text` escaped as Go's `%q` escapes it, without the quotes: `a"b\n` -> `a\"b\\n`.

    Paths are returned this way, so `unknown field "<path>"` reads exactly as kube-apiserver's
    `unknown field %q` and is safe in a `Warning` header whatever the client sent as a key.
    """
    out: list[str] = []
    for char in text:
        code = ord(char)
        if char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif not char.isprintable():
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out)


def _walk(value: Any, schema: Schema, path: str, out: list[str], drop: bool) -> None:
    if schema.is_open:
        return
    if isinstance(value, dict):
        props = schema.properties
        if props:
            for key in list(value):
                sub = schema.field(key)
                shown = go_escape(key)
                child = f"{path}.{shown}" if path else shown
                if sub is None:
                    out.append(child)
                    if drop:
                        del value[key]
                    continue
                _walk(value[key], sub, child, out, drop)
            return
        values = schema.values()
        if values is not None:
            for key, item in value.items():
                _walk(item, values, f"{path}[{go_escape(key)}]", out, drop)
    elif isinstance(value, list):
        items = schema.items()
        if items is not None:
            for index, item in enumerate(value):
                _walk(item, items, f"{path}[{index}]", out, drop)


@nesting_guard
def unknown_fields(obj: dict[str, Any], group: str, version: str, kind: str) -> list[str]:
    """Paths of the fields of `obj` its kind's schema does not know (`spec.ports[0].prot`)."""
    schema = schema_for(group, version, kind)
    if schema is None:
        return []
    out: list[str] = []
    _walk(obj, schema, "", out, drop=False)
    return out


@nesting_guard
def drop_unknown_fields(obj: dict[str, Any], group: str, version: str, kind: str) -> list[str]:
    """Remove the unknown fields from `obj` in place (Warn/Ignore) and return their paths."""
    schema = schema_for(group, version, kind)
    if schema is None:
        return []
    out: list[str] = []
    _walk(obj, schema, "", out, drop=True)
    return out


def strict_decoding_error(kind: str, version: str, paths: list[str]) -> ApiError:
    """400 BadRequest as kube-apiserver words it for unknown fields under Strict validation."""
    fields = ", ".join(f'unknown field "{p}"' for p in paths)
    return ApiError(
        400,
        "BadRequest",
        f'{kind} in version "{version}" cannot be handled as a {kind}: '
        f"strict decoding error: {fields}",
    )


# Type errors, worded as encoding/json (sigs.k8s.io/json) words them when kube-apiserver decodes
# a body into the Go type: `json: cannot unmarshal string into Go struct field
# DeploymentSpec.spec.replicas of type int32`.
_QUANTITY = re.compile(r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$")
_BASE64 = re.compile(r"[A-Za-z0-9+/]")


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _go_type(schema: Schema) -> str:
    if schema.name:
        package, _, short = schema.name.rpartition(".")
        if schema.one_of_types or schema.type != "object" or schema.properties:
            return f"{package.rsplit('.', 1)[-1]}.{short}"
    if schema.one_of_types == {"integer", "string"}:
        return "intstr.IntOrString"
    kind = schema.type
    if kind == "array":
        items = schema.items()
        return "[]" + (_go_type(items) if items is not None else "interface {}")
    if kind == "object":
        values = schema.values()
        if values is not None:
            return "map[string]" + _go_type(values)
        return "map[string]interface {}"
    if kind == "integer":
        return str(schema.node.get("format", "int32"))
    if kind == "boolean":
        return "bool"
    if kind == "number":
        return "float64"
    if schema.node.get("format") == "byte":
        return "[]uint8"
    return "string"


def _base64_error(text: str) -> str | None:
    stripped = text.rstrip("=")
    for index, char in enumerate(stripped):
        if not _BASE64.match(char):
            return f"illegal base64 data at input byte {index}"
    padding = len(text) - len(stripped)
    if padding > 2 or (len(text) % 4 != 0) or (padding and len(stripped) % 4 in (0, 1)):
        return f"illegal base64 data at input byte {len(stripped) - len(stripped) % 4}"
    return None


def _type_walk(value: Any, schema: Schema, path: list[str], struct: str, out: list[str]) -> None:
    if value is None or schema.is_open:
        return

    def mismatch(value_text: str, go_type: str | None = None) -> None:
        field = ".".join(path)
        out.append(
            f"json: cannot unmarshal {value_text} into Go struct field {struct}.{field} "
            f"of type {go_type or _go_type(schema)}"
        )

    one_of = schema.one_of_types
    if one_of == {"integer", "string"}:
        if isinstance(value, bool) or not isinstance(value, int | str):
            mismatch(_json_type(value), "int32")
        return
    if one_of == {"string", "number"}:
        if isinstance(value, str):
            if not _QUANTITY.match(value):
                out.append(
                    "quantities must match the regular expression "
                    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
                )
        elif isinstance(value, bool) or not isinstance(value, int | float):
            mismatch(_json_type(value))
        return
    kind = schema.type
    if kind == "object":
        if not isinstance(value, dict):
            mismatch(_json_type(value))
            return
        if schema.properties:
            own = schema.name.rpartition(".")[2] if schema.name else struct
            for key, child in value.items():
                sub = schema.field(key)
                if sub is not None:
                    _type_walk(child, sub, [*path, key], own, out)
            return
        values = schema.values()
        if values is not None:
            for child in value.values():
                _type_walk(child, values, path, struct, out)
        return
    if kind == "array":
        if not isinstance(value, list):
            mismatch(_json_type(value))
            return
        items = schema.items()
        if items is not None:
            for child in value:
                _type_walk(child, items, path, struct, out)
        return
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int | float):
            mismatch(_json_type(value))
        elif isinstance(value, float):
            mismatch(f"number {value:g}")
        return
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            mismatch(_json_type(value))
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            mismatch(_json_type(value))
        return
    if kind == "string":
        if not isinstance(value, str):
            mismatch(_json_type(value))
        elif schema.node.get("format") == "byte":
            error = _base64_error(value)
            if error:
                out.append(error)


@nesting_guard
def type_errors(obj: dict[str, Any], group: str, version: str, kind: str) -> list[str]:
    """Values of the wrong JSON type for their field, in the words of Go's JSON decoder.

    kube-apiserver stops at the first one: CORE raises `decoding_error(kind, version,
    errors[0])` (400) when the list is not empty, on POST/PUT bodies and on patch results.
    """
    schema = schema_for(group, version, kind)
    if schema is None:
        return []
    out: list[str] = []
    _type_walk(obj, schema, [], kind, out)
    return out


def decoding_error(kind: str, version: str, message: str) -> ApiError:
    """400 BadRequest: `Service in version "v1" cannot be handled as a Service: <message>`."""
    return ApiError(
        400,
        "BadRequest",
        f'{kind} in version "{version}" cannot be handled as a {kind}: {message}',
    )

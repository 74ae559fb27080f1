"""Unknown fields, for `fieldValidation=Strict|Warn` (server-side field validation).

CORE calls `unknown_fields(body, group, version, kind)` on every create/update/patch result that
came from the client (the decoded body for POST/PUT, the patched object for PATCH) unless
`fieldValidation=Ignore`:

- Strict: any path -> 400 `BadRequest` via `strict_decoding_error(...)`:
  `Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field
  "spec.portz"` (paths joined with `, `, each `unknown field "<path>"`);
- Warn: one `Warning: unknown field "<path>"` header per path, and the field is dropped
  (`drop_unknown_fields`).
"""

from __future__ import annotations

from typing import Any

from kubelab.sim.errors import ApiError
from kubelab.sim.wire.schemas import Schema, schema_for


def _walk(value: Any, schema: Schema, path: str, out: list[str], drop: bool) -> None:
    if schema.is_open:
        return
    if isinstance(value, dict):
        props = schema.properties
        if props:
            for key in list(value):
                sub = schema.field(key)
                child = f"{path}.{key}" if path else key
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
                _walk(item, values, f"{path}[{key}]", out, drop)
    elif isinstance(value, list):
        items = schema.items()
        if items is not None:
            for index, item in enumerate(value):
                _walk(item, items, f"{path}[{index}]", out, drop)


def unknown_fields(obj: dict[str, Any], group: str, version: str, kind: str) -> list[str]:
    """Paths of the fields of `obj` its kind's schema does not know (`spec.ports[0].prot`)."""
    schema = schema_for(group, version, kind)
    if schema is None:
        return []
    out: list[str] = []
    _walk(obj, schema, "", out, drop=False)
    return out


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

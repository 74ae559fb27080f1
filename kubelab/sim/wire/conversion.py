"""Why a strategic-merge-patched object cannot become its Go type, in kube-apiserver's words.

A strategic merge patch is applied to the object as a `map[string]interface{}`; the result is
then converted to the typed object by `runtime.DefaultUnstructuredConverter`
(staging/src/k8s.io/apimachinery/pkg/runtime/converter.go, `fromUnstructured`). When a value has
the wrong type, kube-apiserver answers (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/
patch.go, `applyPatchToObject`) with a 422 whose only cause is
`patch: Invalid value: "<the patch as Go's %+v prints it>": <the converter's error>`.

CORE calls `conversion_error(patched, group, version, kind)` on a strategic-merge-patch result
and, when it is not None, `patch_value_text(patch)` for the Invalid value.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from kubelab.sim.wire._limits import nesting_guard
from kubelab.sim.wire.schemas import Schema, schema_for

_INT_KINDS = {"int32", "int64"}


def _go_kind(value: Any) -> str:
    """reflect.Kind of a decoded JSON value (patches keep integers as int64)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "slice"
    return "map"


def _leaf_kind(schema: Schema) -> str:
    kind = schema.type
    if kind == "integer":
        return str(schema.node.get("format", "int32"))
    if kind == "number":
        return "float64"
    if kind == "boolean":
        return "bool"
    return "string"


def _leaf_error(value: Any, target: str) -> str | None:
    """The simple-type branch of fromUnstructured: JSON's four groups (bool, integer, float,
    string) do not convert into one another, except integers into floats and whole floats
    into integers; Go's ConvertibleTo decides between the two wordings."""
    source = _go_kind(value)
    if source == target:
        return None
    numeric = source in ("int64", "float64")
    if numeric and (target in _INT_KINDS or target == "float64"):
        if source == "int64" or target == "float64":
            return None
        if math.trunc(value) == value:
            return None
        return f"cannot convert {source} to {target}"
    if source == "int64" and target == "string":  # Go converts an integer to a string (rune)
        return f"cannot convert {source} to {target}"
    return f"unrecognized type: {target}"


def _walk(value: Any, schema: Schema) -> str | None:
    if value is None or schema.is_open or schema.one_of_types:
        # null is the zero value; IntOrString and Quantity decode themselves (UnmarshalJSON)
        return None
    kind = schema.type
    if kind == "object":
        if not isinstance(value, dict):
            target = "struct" if schema.properties else "map"
            return f"cannot convert {_go_kind(value)} to {target}"
        if schema.properties:
            for key, child in value.items():
                sub = schema.field(key)
                found = _walk(child, sub) if sub is not None else None
                if found:
                    return found
            return None
        values = schema.values()
        for child in value.values() if values is not None else ():
            found = _walk(child, values)  # type: ignore[arg-type]
            if found:
                return found
        return None
    if kind == "array":
        if not isinstance(value, list):
            if isinstance(value, str) and schema.node.get("format") == "byte":
                return None
            return f"cannot convert {_go_kind(value)} to slice"
        items = schema.items()
        for child in value if items is not None else ():
            found = _walk(child, items)  # type: ignore[arg-type]
            if found:
                return found
        return None
    if isinstance(value, dict | list):
        return f"unrecognized type: {_leaf_kind(schema)}"
    return _leaf_error(value, _leaf_kind(schema))


@nesting_guard
def conversion_error(obj: dict[str, Any], group: str, version: str, kind: str) -> str | None:
    """The converter's error for the first value of `obj` its Go field cannot hold, or None."""
    schema = schema_for(group, version, kind)
    if schema is None:
        return None
    return _walk(obj, schema)


def _go_float(value: float) -> str:
    """A float64 as %v prints it (strconv 'g', shortest digits): an exponent below -4 or from
    6 up is written `1.5e+06`, others plainly (`0.25`, `100000`)."""
    if math.isinf(value) or math.isnan(value):
        return "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
    exact = Decimal(repr(value)).normalize()
    sign, digits, exponent = exact.as_tuple()
    assert isinstance(exponent, int)
    power = len(digits) - 1 + exponent
    if value != 0 and (power < -4 or power >= 6):
        first, rest = str(digits[0]), "".join(str(d) for d in digits[1:])
        mantissa = first + ("." + rest if rest else "")
        return f"{'-' if sign else ''}{mantissa}e{'-' if power < 0 else '+'}{abs(power):02d}"
    return format(exact, "f")


@nesting_guard
def patch_value_text(value: Any) -> str:
    """`fmt.Sprintf("%+v", patchMap)`: maps as `map[k:v ...]` in key order, slices as
    `[a b]`, strings bare, null as `<nil>`."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + " ".join(patch_value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{k}:{patch_value_text(value[k])}" for k in sorted(value))
        return "map[" + " ".join(pairs) + "]"
    return str(value)

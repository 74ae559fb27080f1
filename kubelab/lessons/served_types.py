"""The object types the lab's API serves, with their OpenAPI schemas, for checking manifests.

The schemas are the OpenAPI v3 documents the simulator serves (`kubelab/sim/wire/openapi/*.json`,
generated from the Kubernetes API by `scripts/gen_openapi.py`). They are read here as data files:
the lesson layer never imports simulator code.

`object_problems` finds what the API would refuse or silently drop in a manifest object: an unknown
field (`selecter:`, with a did-you-mean), a value of the wrong type. A string that is exactly one
`${placeholder}` stands for a value of any type.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from kubelab.lessons.marked_yaml import DataPath
from kubelab.lessons.render import whole_placeholder

OPENAPI_DIR = Path(__file__).resolve().parent.parent / "sim" / "wire" / "openapi"
_REF_PREFIX = "#/components/schemas/"

Schema = Mapping[str, Any]


@dataclass(frozen=True)
class ServedType:
    api_version: str
    kind: str
    schema: str
    """The name of its schema in `components/schemas`."""
    namespaced: bool


@dataclass(frozen=True)
class SchemaProblem:
    """A problem at `path` in an object; `at_key` when it belongs to the key, not its value."""

    path: DataPath
    message: str
    at_key: bool = False


@dataclass(frozen=True)
class ServedTypes:
    schemas: Mapping[str, Schema]
    types: Mapping[tuple[str, str], ServedType]

    def find(self, api_version: str, kind: str) -> ServedType | None:
        return self.types.get((api_version, kind))

    def kinds(self) -> list[str]:
        return sorted({kind for _, kind in self.types})

    def resolve(self, schema: Schema) -> Schema:
        """`schema` with `$ref` and single-entry `allOf` wrappers followed."""
        while True:
            if "$ref" in schema:
                schema = self.schemas.get(str(schema["$ref"]).removeprefix(_REF_PREFIX), {})
            elif isinstance(schema.get("allOf"), list) and len(schema["allOf"]) == 1:
                merged = {k: v for k, v in schema.items() if k != "allOf"}
                schema = {**self.resolve(schema["allOf"][0]), **merged}
            else:
                return schema

    def property_schema(self, schema: Schema, name: str) -> Schema | None:
        """The schema of field `name` of an object schema (None: no such field)."""
        resolved = self.resolve(schema)
        properties = resolved.get("properties")
        if isinstance(properties, Mapping) and name in properties:
            return self.resolve(properties[name])
        extra = resolved.get("additionalProperties")
        if isinstance(extra, Mapping):
            return self.resolve(extra)
        return None


def _gvk_api_version(gvk: Mapping[str, str]) -> str:
    group, version = gvk.get("group", ""), gvk.get("version", "")
    return f"{group}/{version}" if group else version


@cache
def served_types(folder: Path = OPENAPI_DIR) -> ServedTypes:
    """Every type with a create (POST) path in the documents of `folder`."""
    schemas: dict[str, Schema] = {}
    types: dict[tuple[str, str], ServedType] = {}
    for document in sorted(folder.glob("*.json")):
        data = json.loads(document.read_text(encoding="utf-8"))
        document_schemas = data.get("components", {}).get("schemas", {})
        schemas.update(document_schemas)
        for url, operations in data.get("paths", {}).items():
            post = operations.get("post") if isinstance(operations, dict) else None
            gvk = post.get("x-kubernetes-group-version-kind") if isinstance(post, dict) else None
            if not isinstance(gvk, dict) or url.rstrip("/").endswith("}"):
                continue
            api_version, kind = _gvk_api_version(gvk), gvk.get("kind", "")
            name = _schema_name(document_schemas, gvk)
            if name is None:
                continue
            namespaced = "{namespace}" in url
            known = types.get((api_version, kind))
            if known is None or (namespaced and not known.namespaced):
                types[(api_version, kind)] = ServedType(api_version, kind, name, namespaced)
    return ServedTypes(schemas, types)


def _schema_name(schemas: Mapping[str, Any], gvk: Mapping[str, str]) -> str | None:
    for name, schema in schemas.items():
        for listed in schema.get("x-kubernetes-group-version-kind") or []:
            if listed == gvk or (
                listed.get("kind") == gvk.get("kind")
                and listed.get("group", "") == gvk.get("group", "")
                and listed.get("version") == gvk.get("version")
            ):
                return str(name)
    return None


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _fits(value: Any, wanted: str) -> bool:
    if wanted == "string":
        return isinstance(value, str)
    if wanted == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if wanted == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if wanted == "boolean":
        return isinstance(value, bool)
    if wanted == "array":
        return isinstance(value, list)
    if wanted == "object":
        return isinstance(value, dict)
    return True


_SAID = {
    "string": "text (quote it)",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
}


def object_problems(served: ServedTypes, kind: ServedType, obj: Any) -> list[SchemaProblem]:
    """Everything in `obj` its type's schema does not allow (unknown fields, wrong types)."""
    return list(_walk(served, served.schemas[kind.schema], obj, ()))


def _walk(
    served: ServedTypes, schema: Schema, value: Any, path: DataPath
) -> Iterator[SchemaProblem]:
    schema = served.resolve(schema)
    if value is None or schema.get("x-kubernetes-preserve-unknown-fields"):
        return
    if isinstance(value, str) and whole_placeholder(value) is not None:
        return
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if isinstance(alternatives, list):
        wanted_types = [str(served.resolve(a).get("type", "")) for a in alternatives]
        if not any(_fits(value, wanted) for wanted in wanted_types):
            said = " or ".join(_SAID.get(w, w) for w in wanted_types)
            yield SchemaProblem(path, f"expected {said}, found {_type_name(value)}")
        return
    wanted = schema.get("type")
    if isinstance(wanted, str) and not _fits(value, wanted):
        yield SchemaProblem(
            path, f"expected {_SAID.get(wanted, wanted)}, found {_type_name(value)}"
        )
        return
    if isinstance(value, dict):
        yield from _walk_object(served, schema, value, path)
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            yield from _walk(served, schema["items"], item, (*path, index))


def _walk_object(
    served: ServedTypes, schema: Schema, value: dict[Any, Any], path: DataPath
) -> Iterator[SchemaProblem]:
    properties = schema.get("properties")
    extra = schema.get("additionalProperties")
    for key, item in value.items():
        if isinstance(properties, Mapping) and key in properties:
            yield from _walk(served, properties[key], item, (*path, key))
        elif isinstance(extra, Mapping):
            yield from _walk(served, extra, item, (*path, key))
        elif isinstance(properties, Mapping):
            close = difflib.get_close_matches(str(key), list(properties), n=1, cutoff=0.6)
            advice = f" (did you mean {close[0]!r}?)" if close else ""
            yield SchemaProblem((*path, key), f"unknown field {key!r}{advice}", at_key=True)

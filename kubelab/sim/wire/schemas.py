"""Schema look-ups over the served OpenAPI v3 documents.

A `Schema` is a resolved view of one node of a document: `$ref` and `allOf` are followed, so
callers ask for a property, the items of an array or the values of a map and get a `Schema`
back. Strategic merge, strict field validation and server-side apply all walk objects this way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Final

from kubelab.sim.objects import Obj
from kubelab.sim.wire.documents import group_version_paths, openapi_v3_document

_REF: Final = "#/components/schemas/"


@cache
def _all_schemas() -> dict[str, Obj]:
    out: dict[str, Obj] = {}
    for path in group_version_paths():
        data = openapi_v3_document(path)
        if data is not None:
            out.update(json.loads(data)["components"]["schemas"])
    return out


@cache
def _by_gvk() -> dict[tuple[str, str, str], str]:
    out: dict[tuple[str, str, str], str] = {}
    for name, schema in _all_schemas().items():
        for gvk in schema.get("x-kubernetes-group-version-kind", ()):
            out.setdefault((gvk["group"], gvk["version"], gvk["kind"]), name)
    return out


def _resolve(node: Obj) -> Obj:
    """Follow `$ref` and single-entry `allOf`, merging the referring node's own keys on top."""
    return _resolve_named(node)[0]


def _resolve_named(node: Obj) -> tuple[Obj, str]:
    """`_resolve`, plus the component name of the last schema a `$ref` led to ("" if none)."""
    name = ""
    seen = 0
    while True:
        ref = node.get("$ref")
        if ref is None and len(node.get("allOf", ())) == 1:
            ref = node["allOf"][0].get("$ref")
        if ref is None or not ref.startswith(_REF) or seen > 50:
            return node, name
        name = ref[len(_REF) :]
        target = _all_schemas().get(name, {})
        extras = {k: v for k, v in node.items() if k not in ("$ref", "allOf")}
        node = {**target, **extras}
        seen += 1


@dataclass(frozen=True)
class Schema:
    """One resolved schema node; `name` is its component name when it came from a `$ref`."""

    node: Obj
    name: str = ""

    @property
    def type(self) -> str | None:
        value = self.node.get("type")
        return value if isinstance(value, str) else None

    @property
    def properties(self) -> dict[str, Obj]:
        props = self.node.get("properties")
        return props if isinstance(props, dict) else {}

    @property
    def is_open(self) -> bool:
        """An object that takes any fields: RawExtension, FieldsV1, a schema-less object."""
        return (
            self.type == "object"
            and not self.properties
            and "additionalProperties" not in self.node
        ) or bool(self.node.get("x-kubernetes-preserve-unknown-fields"))

    def field(self, name: str) -> Schema | None:
        node = self.properties.get(name)
        return None if node is None else Schema(*_resolve_named(node))

    def items(self) -> Schema | None:
        node = self.node.get("items")
        return Schema(*_resolve_named(node)) if isinstance(node, dict) else None

    def values(self) -> Schema | None:
        node = self.node.get("additionalProperties")
        return Schema(*_resolve_named(node)) if isinstance(node, dict) else None

    @property
    def one_of_types(self) -> set[str]:
        """`{"integer", "string"}` for IntOrString, `{"string", "number"}` for Quantity."""
        return {str(o.get("type")) for o in self.node.get("oneOf", ()) if isinstance(o, dict)}

    @property
    def patch_strategies(self) -> list[str]:
        value = self.node.get("x-kubernetes-patch-strategy", "")
        return [s for s in str(value).split(",") if s]

    @property
    def patch_merge_key(self) -> str:
        return str(self.node.get("x-kubernetes-patch-merge-key", ""))

    @property
    def list_type(self) -> str:
        """`atomic`, `set` or `map` (`x-kubernetes-list-type`; arrays default to atomic)."""
        return str(self.node.get("x-kubernetes-list-type", "atomic"))

    @property
    def list_map_keys(self) -> list[str]:
        return [str(k) for k in self.node.get("x-kubernetes-list-map-keys", ())]

    @property
    def map_type(self) -> str:
        return str(self.node.get("x-kubernetes-map-type", "granular"))


def schema_for(group: str, version: str, kind: str) -> Schema | None:
    """The schema of a served kind (`("", "v1", "Service")`, `("autoscaling", "v1", "Scale")`)."""
    name = _by_gvk().get((group, version, kind))
    if name is None:
        return None
    return Schema(_all_schemas()[name], name)


def schema_named(name: str) -> Schema | None:
    """A schema by its component name, e.g. `io.k8s.api.core.v1.ServicePort`."""
    node = _all_schemas().get(name)
    return None if node is None else Schema(node, name)

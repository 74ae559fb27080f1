"""`/openapi/v2`: the Swagger 2.0 form of the v3 documents (JSON and gnostic protobuf)."""

from __future__ import annotations

import json
from typing import Any

from kubelab.sim.registry import load_registry
from kubelab.sim.wire.openapi_v2 import _varint, openapi_v2_json, openapi_v2_protobuf, swagger


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_every_reference_resolves_and_every_kind_has_a_model() -> None:
    doc = swagger()
    definitions = doc["definitions"]
    assert doc["swagger"] == "2.0"
    for ref in _refs(definitions):
        assert ref.startswith("#/definitions/") and ref[len("#/definitions/") :] in definitions
    kinds = {
        (g["group"], g["version"], g["kind"])
        for d in definitions.values()
        for g in d.get("x-kubernetes-group-version-kind", [])
    }
    for rt in load_registry().types:
        if not rt.ephemeral:
            assert (rt.group, rt.version, rt.kind) in kinds


def test_v3_shapes_are_swagger_2() -> None:
    definitions = swagger()["definitions"]
    service = definitions["io.k8s.api.core.v1.Service"]
    assert service["properties"]["spec"]["$ref"] == "#/definitions/io.k8s.api.core.v1.ServiceSpec"
    assert "allOf" not in json.dumps(definitions)
    assert definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["type"] == "string"
    json.loads(openapi_v2_json())


def test_protobuf_document_starts_with_the_swagger_version() -> None:
    data = openapi_v2_protobuf()
    assert data.startswith(b"\x0a\x032.0\x12")  # field 1 "2.0", then field 2 (info)
    assert b"io.k8s.api.core.v1.Service" in data and b"x-kubernetes-group-version-kind" in data
    assert _varint(300) == b"\xac\x02"

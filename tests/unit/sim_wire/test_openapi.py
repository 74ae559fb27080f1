"""The served OpenAPI v3 documents: index, per-group-version documents, what kubectl reads."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kubelab.sim.wire.documents import (
    group_version_paths,
    openapi_v3_document,
    openapi_v3_hash,
    openapi_v3_index,
)
from kubelab.sim.wire.schemas import schema_for, schema_named

ROOT = Path(__file__).resolve().parents[3]

SERVED = [
    ("", "v1", "Namespace", "namespaces"),
    ("", "v1", "Pod", "pods"),
    ("", "v1", "Service", "services"),
    ("", "v1", "Endpoints", "endpoints"),
    ("", "v1", "Node", "nodes"),
    ("", "v1", "Event", "events"),
    ("", "v1", "ConfigMap", "configmaps"),
    ("", "v1", "Secret", "secrets"),
    ("", "v1", "ServiceAccount", "serviceaccounts"),
    ("", "v1", "ReplicationController", "replicationcontrollers"),
    ("apps", "v1", "Deployment", "deployments"),
    ("apps", "v1", "ReplicaSet", "replicasets"),
    ("apps", "v1", "DaemonSet", "daemonsets"),
    ("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices"),
    ("events.k8s.io", "v1", "Event", "events"),
]


def _doc(path: str) -> dict[str, Any]:
    data = openapi_v3_document(path)
    assert data is not None
    out: dict[str, Any] = json.loads(data)
    return out


def test_index_points_at_every_group_version_with_its_hash() -> None:
    index = json.loads(openapi_v3_index())
    assert set(index["paths"]) == {
        "api/v1",
        "apis/apps/v1",
        "apis/coordination.k8s.io/v1",
        "apis/discovery.k8s.io/v1",
        "apis/events.k8s.io/v1",
        "apis/networking.k8s.io/v1",
    }
    for key, entry in index["paths"].items():
        url = entry["serverRelativeURL"]
        path, _, query = url.partition("?")
        assert path == f"/openapi/v3/{key}"
        data = openapi_v3_document(url)  # fetched exactly as given, query included
        assert data is not None
        assert query == "hash=" + hashlib.sha512(data).hexdigest().upper()
        assert openapi_v3_hash(key) == query[len("hash=") :]


def test_unknown_document_is_none() -> None:
    assert openapi_v3_document("apis/batch/v1") is None
    assert openapi_v3_document("../../etc/passwd") is None
    assert openapi_v3_hash("nope") is None
    assert "api/v1" in group_version_paths()


@pytest.mark.parametrize(("group", "version", "kind", "plural"), SERVED)
def test_every_served_kind_has_a_schema_and_patch_with_field_validation(
    group: str, version: str, kind: str, plural: str
) -> None:
    key = f"api/{version}" if not group else f"apis/{group}/{version}"
    doc = _doc(key)
    gvk = {"group": group, "version": version, "kind": kind}
    with_gvk = [
        schema
        for schema in doc["components"]["schemas"].values()
        if gvk in schema.get("x-kubernetes-group-version-kind", [])
    ]
    assert len(with_gvk) == 1
    assert {"apiVersion", "kind", "metadata"} <= set(with_gvk[0]["properties"])
    # kubectl's supportsQueryParamV3: the first PATCH operation for the GVK decides.
    patches = [
        item["patch"]
        for item in doc["paths"].values()
        if "patch" in item and item["patch"].get("x-kubernetes-group-version-kind") == gvk
    ]
    assert patches
    for op in patches:
        names = {p["name"] for p in op["parameters"]}
        assert {"fieldValidation", "fieldManager", "force", "dryRun"} <= names
        assert "application/strategic-merge-patch+json" in op["requestBody"]["content"]
    assert any(path.endswith(f"/{plural}/{{name}}") for path in doc["paths"])


def test_every_ref_resolves_inside_its_document() -> None:
    for key in group_version_paths():
        doc = _doc(key)
        text = json.dumps(doc)
        refs = set(text.split('"#/components/schemas/')[1:])
        for ref in refs:
            name = ref.split('"', 1)[0]
            assert name in doc["components"]["schemas"], (key, name)


def test_merge_keys_follow_the_go_types() -> None:
    spec = schema_for("", "v1", "Service")
    assert spec is not None
    ports = spec.field("spec")
    assert ports is not None
    ports_field = ports.field("ports")
    assert ports_field is not None
    assert ports_field.patch_merge_key == "port"
    assert ports_field.patch_strategies == ["merge"]
    assert ports_field.list_map_keys == ["port", "protocol"]
    pod_spec = schema_named("io.k8s.api.core.v1.PodSpec")
    assert pod_spec is not None
    containers = pod_spec.field("containers")
    volumes = pod_spec.field("volumes")
    assert containers is not None and volumes is not None
    assert containers.patch_merge_key == "name"
    assert volumes.patch_strategies == ["merge", "retainKeys"]
    assert pod_spec.field("tolerations") is not None
    tolerations = pod_spec.field("tolerations")
    assert tolerations is not None and tolerations.list_type == "atomic"
    container = containers.items()
    assert container is not None
    env = container.field("env")
    assert env is not None and env.patch_merge_key == "name"
    cports = container.field("ports")
    assert cports is not None and cports.patch_merge_key == "containerPort"
    deployment = schema_for("apps", "v1", "Deployment")
    assert deployment is not None
    dspec = deployment.field("spec")
    assert dspec is not None
    strategy = dspec.field("strategy")
    assert strategy is not None and strategy.patch_strategies == ["retainKeys"]
    template = dspec.field("template")
    assert template is not None
    assert template.field("spec") is not None
    meta = schema_named("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
    assert meta is not None
    finalizers = meta.field("finalizers")
    assert finalizers is not None and finalizers.patch_strategies == ["merge"]


def test_required_fields_and_descriptions_for_explain() -> None:
    port = schema_named("io.k8s.api.core.v1.ServicePort")
    assert port is not None
    assert port.node["required"] == ["port"]
    assert "service's port" in port.node["description"]
    target = port.field("targetPort")
    assert target is not None and target.node["format"] == "int-or-string"
    assert target.type is None  # oneOf integer|string: kubectl explain shows <IntOrString>
    scale = schema_for("autoscaling", "v1", "Scale")
    assert scale is not None


def test_committed_documents_match_the_generator() -> None:
    """The committed documents are what the generator makes from the installed client's models
    and the registry; files written by another patch release of the same client series count
    (their models are the same), another series does not."""
    import importlib.metadata

    generated_from = _doc("api/v1")["info"]["x-kubelab-generated-from"]
    installed = f"kubernetes=={importlib.metadata.version('kubernetes')}"
    series = generated_from.rpartition(".")[0]
    assert installed.startswith(series + "."), (
        f"documents generated from {generated_from}, {installed} is installed: "
        "run scripts/gen_openapi.py"
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_openapi.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_enums_for_explain() -> None:
    spec = schema_named("io.k8s.api.core.v1.ServiceSpec")
    assert spec is not None
    kind = spec.field("type")
    assert kind is not None
    assert kind.node["enum"] == ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
    assert "Possible enum values:" in kind.node["description"]
    port = schema_named("io.k8s.api.core.v1.ServicePort")
    assert port is not None
    protocol = port.field("protocol")
    assert protocol is not None and protocol.node["enum"] == ["SCTP", "TCP", "UDP"]


def test_every_stored_type_the_server_serves_has_a_schema() -> None:
    """`kubectl explain`, client-side apply and strategic merge need one (reviews, which are
    never stored, excepted)."""
    from kubelab.sim.registry import load_registry
    from kubelab.sim.wire.schemas import schema_for

    missing = [
        f"{rt.api_version} {rt.kind}"
        for rt in load_registry().types
        if not rt.ephemeral and schema_for(rt.group, rt.version, rt.kind) is None
    ]
    assert missing == []

"""Server-side apply and managedFields, with structured-merge-diff's ownership rules."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubelab.sim.errors import ApiError
from kubelab.sim.wire.apply import server_side_apply
from kubelab.sim.wire.field_sets import to_field_set
from kubelab.sim.wire.managed_fields import (
    fields_v1_to_set,
    record_managed_fields,
    set_to_fields_v1,
)

PORT80 = 'k:{"port":80,"protocol":"TCP"}'


def _svc(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "my-nginx", "namespace": "default", "labels": {"run": "my-nginx"}},
        "spec": {
            "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
            "selector": {"run": "my-nginx"},
            **spec,
        },
        "status": {"loadBalancer": {}},
    }


def _entries(obj: dict[str, Any]) -> dict[tuple[str, str], Any]:
    return {(e["manager"], e["operation"]): e for e in obj["metadata"]["managedFields"]}


def _apply(live: Any, applied: Any, manager: str = "kubectl", force: bool = False) -> Any:
    return server_side_apply(live, applied, manager, force, "", "v1", "Service", now="T2")


def test_create_records_an_update_entry_like_kube_apiserver() -> None:
    out = record_managed_fields(
        _svc(type="ClusterIP"),
        None,
        "kubectl-create",
        group="",
        version="v1",
        kind="Service",
        now="2026-01-01T00:00:00Z",
    )
    (entry,) = out["metadata"]["managedFields"]
    assert entry["manager"] == "kubectl-create"
    assert entry["operation"] == "Update"
    assert entry["apiVersion"] == "v1"
    assert entry["time"] == "2026-01-01T00:00:00Z"
    assert entry["fieldsType"] == "FieldsV1"
    assert entry["fieldsV1"] == {
        "f:metadata": {"f:labels": {".": {}, "f:run": {}}},
        "f:spec": {
            "f:ports": {
                ".": {},
                PORT80: {".": {}, "f:port": {}, "f:protocol": {}, "f:targetPort": {}},
            },
            "f:selector": {},
            "f:type": {},
        },
    }  # no status (a subresource), no name/namespace (never tracked)


def test_update_moves_changed_fields_to_the_writer() -> None:
    created = record_managed_fields(_svc(), None, "a", group="", version="v1", kind="Service")
    changed = copy.deepcopy(created)
    changed["spec"]["selector"] = {"run": "other"}
    changed["metadata"]["labels"]["tier"] = "web"
    out = record_managed_fields(changed, created, "b", group="", version="v1", kind="Service")
    entries = _entries(out)
    b = fields_v1_to_set(entries[("b", "Update")]["fieldsV1"])
    a = fields_v1_to_set(entries[("a", "Update")]["fieldsV1"])
    assert b == {("f:spec", "f:selector"), ("f:metadata", "f:labels", "f:tier")}
    assert ("f:spec", "f:selector") not in a
    assert ("f:metadata", "f:labels", "f:run") in a


def test_update_without_changes_keeps_entries() -> None:
    created = record_managed_fields(
        _svc(), None, "a", group="", version="v1", kind="Service", now="T1"
    )
    again = record_managed_fields(
        copy.deepcopy(created), created, "b", group="", version="v1", kind="Service", now="T9"
    )
    assert again["metadata"]["managedFields"] == created["metadata"]["managedFields"]


def test_apply_creates_and_reapply_is_a_no_op() -> None:
    applied = _svc()
    del applied["status"]
    out = _apply(None, applied)
    assert out["spec"] == applied["spec"]
    (entry,) = out["metadata"]["managedFields"]
    assert (entry["manager"], entry["operation"]) == ("kubectl", "Apply")
    assert entry["fieldsV1"]["f:metadata"] == {"f:labels": {"f:run": {}}}
    again = server_side_apply(out, applied, "kubectl", False, "", "v1", "Service", now="T3")
    assert again == out


def test_apply_conflicts_with_another_manager_unless_forced() -> None:
    live = record_managed_fields(
        _svc(), None, "kubectl-client-side-apply", group="", version="v1", kind="Service"
    )
    applied = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "my-nginx"},
        "spec": {"ports": [{"port": 80, "targetPort": 8080}], "selector": {"run": "my-nginx"}},
    }
    with pytest.raises(ApiError) as err:
        _apply(live, applied)
    assert err.value.code == 409
    assert err.value.reason == "Conflict"
    assert err.value.message == (
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: '
        '.spec.ports[port=80,protocol="TCP"].targetPort'
    )
    assert err.value.details == {
        "causes": [
            {
                "reason": "FieldManagerConflict",
                "message": 'conflict with "kubectl-client-side-apply" using v1',
                "field": '.spec.ports[port=80,protocol="TCP"].targetPort',
            }
        ]
    }
    forced = _apply(live, applied, force=True)
    assert forced["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 8080}]
    entries = _entries(forced)
    old = fields_v1_to_set(entries[("kubectl-client-side-apply", "Update")]["fieldsV1"])
    new = fields_v1_to_set(entries[("kubectl", "Apply")]["fieldsV1"])
    target = ("f:spec", "f:ports", PORT80, "f:targetPort")
    assert target in new and target not in old
    # the selector had the same value: both own it, no conflict
    assert ("f:spec", "f:selector") in new and ("f:spec", "f:selector") in old


def test_several_conflicts_are_listed_per_manager() -> None:
    live = record_managed_fields(_svc(), None, "editor", group="", version="v1", kind="Service")
    applied = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "my-nginx"},
        "spec": {"selector": {"run": "x"}, "ports": [{"port": 80, "targetPort": 81}]},
    }
    with pytest.raises(ApiError) as err:
        _apply(live, applied)
    assert err.value.message.startswith('Apply failed with 2 conflicts: conflicts with "editor"')
    assert "\n- .spec.selector" in err.value.message


def test_apply_prunes_fields_the_manager_stopped_applying() -> None:
    applied = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "my-nginx", "labels": {"run": "my-nginx", "tier": "web"}},
        "spec": {"ports": [{"port": 80}, {"port": 443}], "selector": {"run": "my-nginx"}},
    }
    first = _apply(None, applied)
    smaller = copy.deepcopy(applied)
    del smaller["metadata"]["labels"]["tier"]
    smaller["spec"]["ports"] = [{"port": 80}]
    second = _apply(first, smaller)
    assert second["metadata"]["labels"] == {"run": "my-nginx"}
    assert second["spec"]["ports"] == [{"port": 80}]


def test_fields_owned_by_others_survive_pruning() -> None:
    applied = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "my-nginx", "labels": {"run": "my-nginx", "tier": "web"}},
        "spec": {"selector": {"run": "my-nginx"}},
    }
    first = _apply(None, applied)
    # another writer sets the same label value: now both own it
    edited = copy.deepcopy(first)
    edited["metadata"]["labels"]["tier"] = "db"
    shared = record_managed_fields(
        edited, first, "kubectl-edit", group="", version="v1", kind="Service"
    )
    smaller = copy.deepcopy(applied)
    del smaller["metadata"]["labels"]["tier"]
    out = _apply(shared, smaller)
    assert out["metadata"]["labels"] == {"run": "my-nginx", "tier": "db"}


def test_apply_requires_manager_and_matching_kind() -> None:
    with pytest.raises(ApiError) as err:
        server_side_apply(None, _svc(), "", False, "", "v1", "Service")
    assert err.value.code == 422
    with pytest.raises(ApiError) as err:
        server_side_apply(
            None, {"apiVersion": "v1", "kind": "Pod"}, "m", False, "", "v1", "Service"
        )
    assert err.value.code == 400


def test_apply_ignores_status_of_the_main_resource() -> None:
    applied = _svc()
    applied["status"] = {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}
    live = _svc()
    out = _apply(live, applied)
    assert out["status"] == {"loadBalancer": {}}


def test_field_sets_and_fields_v1_round_trip() -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "finalizers": ["a"]},
        "spec": {
            "template": {
                "spec": {
                    "containers": [{"name": "c", "image": "i", "args": ["x"], "resources": {}}]
                }
            }
        },
    }
    paths = to_field_set(deployment, "apps", "v1", "Deployment")
    container = ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"c"}')
    assert container in paths
    assert (*container, "f:args") in paths  # atomic list: a leaf
    assert (*container, "f:resources") in paths  # empty struct
    assert ("f:metadata", "f:finalizers", 'v:"a"') in paths
    tree = set_to_fields_v1(paths)
    assert fields_v1_to_set(tree) == paths
    assert next(iter(tree["f:spec"]["f:template"]["f:spec"]["f:containers"][container[-1]])) == "."


def test_kubectl_create_deployment_owns_its_empty_structs() -> None:
    from pathlib import Path

    from kubelab.sim.wire.protobuf import decode_protobuf

    body = (Path(__file__).parent / "data" / "create-deployment.pb").read_bytes()
    created = record_managed_fields(
        decode_protobuf(body), None, "kubectl-create", group="apps", version="v1", kind="Deployment"
    )
    paths = fields_v1_to_set(created["metadata"]["managedFields"][0]["fieldsV1"])
    container = ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"nginx"}')
    assert ("f:spec", "f:strategy") in paths
    assert (*container, "f:resources") in paths
    assert (*container, "f:image") in paths
    port = 'k:{"containerPort":80,"protocol":"TCP"}'  # the key's protocol takes its default
    assert (*container, "f:ports", port, "f:containerPort") in paths
    assert ("f:status",) not in paths
    # a required list exists (empty) in Go's zero value, so only its items are added: no "."
    assert container[:-1] not in paths
    assert (*container, "f:ports") in paths


def test_unmanaged_live_object_belongs_to_before_first_apply() -> None:
    live = _svc()
    applied = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "my-nginx"},
        "spec": {"selector": {"run": "other"}},
    }
    with pytest.raises(ApiError) as err:
        _apply(live, applied)
    assert err.value.message == (
        'Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .spec.selector'
    )
    same = {**applied, "spec": {"selector": {"run": "my-nginx"}}}
    out = _apply(live, same)
    assert ("before-first-apply", "Update") in _entries(out)


def test_apply_merges_keyed_lists_in_the_configs_order() -> None:
    def config(*names: str) -> dict[str, Any]:
        env = [{"name": n, "value": n.lower()} for n in names]
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "d"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "env": env}]}}},
        }

    def env_names(obj: dict[str, Any]) -> list[str]:
        return [e["name"] for e in obj["spec"]["template"]["spec"]["containers"][0]["env"]]

    def apply(live: Any, names: tuple[str, ...], manager: str = "kubectl") -> Any:
        return server_side_apply(live, config(*names), manager, False, "apps", "v1", "Deployment")

    first = apply(None, ("A", "B"))
    assert env_names(first) == ["A", "B"]
    assert env_names(apply(first, ("B", "A"))) == ["B", "A"]
    # another manager's item stays right after the item it followed (B), new items go last
    other = apply(first, ("X",), "other")
    assert env_names(other) == ["A", "B", "X"]
    assert env_names(apply(other, ("B", "A", "C"))) == ["B", "X", "A", "C"]

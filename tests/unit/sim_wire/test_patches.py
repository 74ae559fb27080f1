"""Strategic merge, JSON merge and JSON patches with the semantics of kube-apiserver."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubelab.sim.errors import ApiError
from kubelab.sim.wire.jsonpatch import json_merge_patch, json_patch
from kubelab.sim.wire.strategic import strategic_merge_patch


def _svc(ports: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "my-nginx", "labels": {"run": "my-nginx", "tier": "web"}},
        "spec": {"ports": ports, "selector": {"run": "my-nginx"}, "type": "ClusterIP"},
    }


def _smp(original: dict[str, Any], patch: dict[str, Any], kind: str = "Service") -> Any:
    group = "apps" if kind == "Deployment" else ""
    return strategic_merge_patch(original, patch, group, "v1", kind)


def test_kubectl_apply_port_change_from_the_reference() -> None:
    live = _svc([{"port": 80, "protocol": "TCP", "targetPort": 80}])
    patch = {
        "spec": {
            "$setElementOrder/ports": [{"port": 8080}],
            "ports": [{"port": 8080, "protocol": "TCP"}, {"$patch": "delete", "port": 80}],
        }
    }
    before = copy.deepcopy(live)
    out = _smp(live, patch)
    assert out["spec"]["ports"] == [{"port": 8080, "protocol": "TCP"}]
    assert live == before  # the input is not modified
    assert "$setElementOrder/ports" not in out["spec"]


def test_list_items_merge_by_key_and_server_only_items_stay() -> None:
    live = _svc([{"port": 80, "protocol": "TCP", "name": "http"}, {"port": 443, "name": "https"}])
    out = _smp(live, {"spec": {"ports": [{"port": 443, "targetPort": 8443}]}})
    assert out["spec"]["ports"] == [
        {"port": 80, "protocol": "TCP", "name": "http"},
        {"port": 443, "name": "https", "targetPort": 8443},
    ]


def test_null_deletes_and_maps_merge() -> None:
    out = _smp(_svc([]), {"metadata": {"labels": {"tier": None, "new": "x"}}, "spec": {"x": None}})
    assert out["metadata"]["labels"] == {"run": "my-nginx", "new": "x"}
    assert "x" not in out["spec"]


def _deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "finalizers": ["a", "b"]},
        "spec": {
            "replicas": 2,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
            "template": {
                "spec": {
                    "containers": [
                        {"name": "a", "image": "nginx:1", "env": [{"name": "X", "value": "1"}]},
                        {"name": "b", "image": "busybox"},
                    ],
                    "tolerations": [{"key": "k1"}, {"key": "k2"}],
                }
            },
        },
    }


def test_containers_merge_by_name_env_by_name() -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "a", "image": "nginx:2", "env": [{"name": "Y", "value": "2"}]}
                    ]
                }
            }
        }
    }
    out = _smp(_deployment(), patch, "Deployment")
    containers = out["spec"]["template"]["spec"]["containers"]
    # As in apimachinery's mergeSortedSlice: an item only the patch has (Y) cannot be compared
    # with server-only items by live position, so it goes first; kubectl sends
    # $setElementOrder when the order matters.
    assert containers == [
        {
            "name": "a",
            "image": "nginx:2",
            "env": [{"name": "Y", "value": "2"}, {"name": "X", "value": "1"}],
        },
        {"name": "b", "image": "busybox"},
    ]


def test_lists_without_merge_strategy_are_replaced() -> None:
    patch = {"spec": {"template": {"spec": {"tolerations": [{"key": "k3"}]}}}}
    out = _smp(_deployment(), patch, "Deployment")
    assert out["spec"]["template"]["spec"]["tolerations"] == [{"key": "k3"}]


def test_retain_keys_clears_other_fields() -> None:
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    out = _smp(_deployment(), patch, "Deployment")
    assert out["spec"]["strategy"] == {"type": "Recreate"}
    with pytest.raises(ApiError) as err:
        _smp(
            _deployment(), {"spec": {"strategy": {"$retainKeys": ["x"], "type": "R"}}}, "Deployment"
        )
    assert err.value.code == 400


def test_primitive_lists_merge_and_delete_from_primitive_list() -> None:
    out = _smp(_deployment(), {"metadata": {"finalizers": ["b", "c"]}}, "Deployment")
    assert out["metadata"]["finalizers"] == ["a", "b", "c"]
    out = _smp(
        _deployment(), {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}, "Deployment"
    )
    assert out["metadata"]["finalizers"] == ["b"]


def test_patch_replace_directive_in_list_and_map() -> None:
    live = _svc([{"port": 80}, {"port": 81}])
    out = _smp(live, {"spec": {"ports": [{"port": 90}, {"$patch": "replace"}]}})
    assert out["spec"]["ports"] == [{"port": 90}]
    out = _smp(live, {"metadata": {"labels": {"$patch": "replace", "only": "this"}}})
    assert out["metadata"]["labels"] == {"only": "this"}
    with pytest.raises(ApiError):
        _smp(live, {"spec": {"ports": [{"$patch": "merge", "port": 1}]}})


def test_set_element_order_interleaves_server_only_items() -> None:
    live = _deployment()
    live["spec"]["template"]["spec"]["containers"] = [{"name": n} for n in "ABC"]
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "C"}, {"name": "A"}, {"name": "D"}],
                    "containers": [{"name": "D", "image": "x"}],
                }
            }
        }
    }
    out = _smp(live, patch, "Deployment")
    names = [c["name"] for c in out["spec"]["template"]["spec"]["containers"]]
    assert names == ["B", "C", "A", "D"]


def test_merge_key_missing_is_a_bad_request() -> None:
    with pytest.raises(ApiError) as err:
        _smp(_svc([{"port": 80}]), {"spec": {"ports": [{"protocol": "UDP"}]}})
    assert err.value.code == 400


def test_json_merge_patch() -> None:
    live = _svc([{"port": 80}])
    out = json_merge_patch(live, {"metadata": {"labels": {"tier": None, "a": "b"}}})
    assert out["metadata"]["labels"] == {"run": "my-nginx", "a": "b"}
    out = json_merge_patch(live, {"spec": {"ports": [{"port": 1}]}})
    assert out["spec"]["ports"] == [{"port": 1}]
    assert live["spec"]["ports"] == [{"port": 80}]
    assert json_merge_patch({"a": 1}, {"spec": {"replicas": 2}}) == {
        "a": 1,
        "spec": {"replicas": 2},
    }


def test_json_patch_operations() -> None:
    live = _svc([{"port": 80}])
    ops = [
        {"op": "test", "path": "/spec/type", "value": "ClusterIP"},
        {"op": "add", "path": "/spec/ports/-", "value": {"port": 81}},
        {"op": "replace", "path": "/spec/ports/0/port", "value": 8080},
        {"op": "add", "path": "/metadata/annotations", "value": {"a~b/c": "1"}},
        {"op": "copy", "from": "/metadata/annotations/a~0b~1c", "path": "/metadata/labels/x"},
        {"op": "move", "from": "/metadata/labels/tier", "path": "/metadata/labels/t"},
        {"op": "remove", "path": "/spec/selector"},
    ]
    out = json_patch(live, ops)
    assert out["spec"]["ports"] == [{"port": 8080}, {"port": 81}]
    assert out["metadata"]["labels"] == {"run": "my-nginx", "x": "1", "t": "web"}
    assert "selector" not in out["spec"]
    assert "selector" in live["spec"]


@pytest.mark.parametrize(
    ("ops", "code"),
    [
        ([{"op": "test", "path": "/spec/type", "value": "NodePort"}], 422),
        ([{"op": "remove", "path": "/spec/nope"}], 422),
        ([{"op": "replace", "path": "/nope/x", "value": 1}], 422),
        ([{"op": "add", "path": "/spec/ports/5", "value": 1}], 422),
        ([{"op": "frobnicate", "path": "/spec"}], 400),
        ([{"op": "add", "path": "spec"}], 400),
        ({"op": "add"}, 400),
    ],
)
def test_json_patch_errors(ops: Any, code: int) -> None:
    with pytest.raises(ApiError) as err:
        json_patch(_svc([{"port": 80}]), ops)
    assert err.value.code == code


def test_delete_directive_on_a_missing_or_scalar_field_drops_it() -> None:
    live = _svc([{"port": 80}])
    out = _smp(live, {"spec": {"externalName": {"$patch": "delete"}, "type": {"$patch": "delete"}}})
    assert "externalName" not in out["spec"]
    assert "type" not in out["spec"]
    out = _smp(live, {"spec": {"sessionAffinityConfig": {"$patch": "delete"}}})
    assert "sessionAffinityConfig" not in out["spec"]


def test_primitive_list_order_and_deletions_as_kubectl_sends_them() -> None:
    live = _deployment()
    live["metadata"]["finalizers"] = ["a", "b", "c"]
    patch = {
        "metadata": {
            "$setElementOrder/finalizers": ["c", "a", "d"],
            "finalizers": ["d"],
            "$deleteFromPrimitiveList/finalizers": ["b"],
        }
    }
    out = _smp(live, patch, "Deployment")
    assert out["metadata"]["finalizers"] == ["c", "a", "d"]
    assert set(out["metadata"]) == {"name", "finalizers"}

"""Strict field validation: unknown fields found at any depth, named as the API server does."""

from __future__ import annotations

import copy
from typing import Any

from kubelab.sim.wire.fields import drop_unknown_fields, strict_decoding_error, unknown_fields


def _service(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "my-nginx", "labels": {"run": "my-nginx"}},
        "spec": {"ports": [{"port": 80, "protocol": "TCP"}], "selector": {"run": "x"}, **spec},
    }


def test_valid_objects_have_no_unknown_fields() -> None:
    assert unknown_fields(_service(), "", "v1", "Service") == []
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "annotations": {"a": "b"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "d"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}},
            "template": {
                "metadata": {"labels": {"app": "d"}},
                "spec": {
                    "containers": [
                        {
                            "name": "nginx",
                            "image": "nginx",
                            "ports": [{"containerPort": 80}],
                            "env": [{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "x"}}}],
                            "resources": {"limits": {"cpu": "1"}},
                        }
                    ]
                },
            },
        },
        "status": {"replicas": 1, "conditions": [{"type": "Available", "status": "True"}]},
    }
    assert unknown_fields(deployment, "apps", "v1", "Deployment") == []


def test_nested_unknown_fields_are_reported_with_paths() -> None:
    svc = _service(portz=[1])
    svc["spec"]["ports"][0]["prot"] = "TCP"
    svc["metadata"]["labelz"] = {}
    svc["extra"] = True
    assert unknown_fields(svc, "", "v1", "Service") == [
        "metadata.labelz",
        "spec.ports[0].prot",
        "spec.portz",
        "extra",
    ]


def test_unknown_fields_inside_pod_templates() -> None:
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "spec": {
            "template": {
                "metadata": {"x": 1},
                "spec": {"containers": [{"name": "a", "ports": [{"containerPort": 1, "y": 2}]}]},
            }
        },
    }
    assert unknown_fields(obj, "apps", "v1", "Deployment") == [
        "spec.template.metadata.x",
        "spec.template.spec.containers[0].ports[0].y",
    ]


def test_open_objects_accept_anything() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "p",
            "managedFields": [{"manager": "m", "fieldsV1": {"f:spec": {"f:anything": {}}}}],
        },
        "spec": {"containers": [{"name": "c"}]},
    }
    assert unknown_fields(pod, "", "v1", "Pod") == []


def test_unknown_kind_has_no_schema_to_check() -> None:
    assert unknown_fields({"spec": {"x": 1}}, "batch", "v1", "Job") == []


def test_drop_unknown_fields_removes_them() -> None:
    svc = _service(portz=[1])
    original = copy.deepcopy(_service())
    assert drop_unknown_fields(svc, "", "v1", "Service") == ["spec.portz"]
    assert svc == original


def test_strict_decoding_error_message() -> None:
    err = strict_decoding_error("Service", "v1", ["spec.portz", "spec.ports[0].prot"])
    assert err.code == 400
    assert err.reason == "BadRequest"
    assert err.message == (
        'Service in version "v1" cannot be handled as a Service: strict decoding error: '
        'unknown field "spec.portz", unknown field "spec.ports[0].prot"'
    )

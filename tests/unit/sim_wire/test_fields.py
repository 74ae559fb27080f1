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


def test_type_errors_worded_like_go_json() -> None:
    from kubelab.sim.wire.fields import decoding_error, type_errors

    deployment = {
        "spec": {
            "replicas": "two",
            "template": {
                "spec": {"containers": [{"name": "a", "ports": [{"containerPort": "80"}]}]}
            },
        }
    }
    assert type_errors(deployment, "apps", "v1", "Deployment") == [
        "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas "
        "of type int32",
        "json: cannot unmarshal string into Go struct field "
        "ContainerPort.spec.template.spec.containers.ports.containerPort of type int32",
    ]
    assert type_errors({"spec": "x"}, "apps", "v1", "Deployment") == [
        "json: cannot unmarshal string into Go struct field Deployment.spec of type "
        "v1.DeploymentSpec"
    ]
    svc = {"metadata": {"labels": {"a": 1}}, "spec": {"ports": [{"port": 1.5}], "selector": []}}
    assert type_errors(svc, "", "v1", "Service") == [
        "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels "
        "of type string",
        "json: cannot unmarshal number 1.5 into Go struct field ServicePort.spec.ports.port "
        "of type int32",
        "json: cannot unmarshal array into Go struct field ServiceSpec.spec.selector "
        "of type map[string]string",
    ]
    err = decoding_error("Service", "v1", "boom")
    assert (err.code, err.message) == (
        400,
        'Service in version "v1" cannot be handled as a Service: boom',
    )


def test_type_errors_accept_valid_special_types() -> None:
    from kubelab.sim.wire.fields import type_errors

    pod = {
        "metadata": {"name": "p", "creationTimestamp": None, "labels": {"a": "b"}},
        "spec": {
            "containers": [
                {
                    "name": "c",
                    "ports": [{"containerPort": 80}],
                    "resources": {"limits": {"cpu": "500m", "memory": 128}},
                    "readinessProbe": {"httpGet": {"port": "http"}, "periodSeconds": 5},
                    "stdin": True,
                }
            ]
        },
    }
    assert type_errors(pod, "", "v1", "Pod") == []
    assert type_errors({"data": {"k": "aGVsbG8="}}, "", "v1", "Secret") == []
    assert type_errors({"data": {"k": "hello!"}}, "", "v1", "Secret") == [
        "illegal base64 data at input byte 5"
    ]
    bad_probe = {
        "spec": {"containers": [{"name": "c", "livenessProbe": {"tcpSocket": {"port": True}}}]}
    }
    assert type_errors(bad_probe, "", "v1", "Pod") == [
        "json: cannot unmarshal bool into Go struct field "
        "TCPSocketAction.spec.containers.livenessProbe.tcpSocket.port of type int32"
    ]
    quantity = {"spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": "1x"}}}]}}
    assert type_errors(quantity, "", "v1", "Pod")[0].startswith("quantities must match")


def test_paths_are_escaped_like_go_quoting() -> None:
    from kubelab.sim.wire.fields import go_escape

    obj = {"\f": None, 'a"b': 1, "data": {"ok": "x"}, "é\x01\\": 2}
    assert unknown_fields(obj, "", "v1", "ConfigMap") == ["\\f", 'a\\"b', "é\\x01\\\\"]
    err = strict_decoding_error("ConfigMap", "v1", ["\\f"])
    assert err.message.endswith('strict decoding error: unknown field "\\f"')
    assert go_escape("tab\there\u200b") == "tab\\there\\u200b"
    assert all(ch.isprintable() for p in unknown_fields(obj, "", "v1", "ConfigMap") for ch in p)

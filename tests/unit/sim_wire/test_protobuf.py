"""Protobuf request bodies: real kubectl 1.37 `create` bodies and hand-built messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kubelab.sim.errors import ApiError
from kubelab.sim.wire.protobuf import MAGIC, decode_protobuf
from kubelab.sim.wire.schemas import _all_schemas

DATA = Path(__file__).parent / "data"


def _load(name: str) -> dict[str, Any]:
    return decode_protobuf((DATA / name).read_bytes())


def test_create_namespace() -> None:
    assert _load("create-namespace.pb") == {
        "kind": "Namespace",
        "apiVersion": "v1",
        "metadata": {"name": "team-a"},
        "spec": {},
        "status": {},
    }


def test_create_deployment_keeps_explicit_zero_replicas() -> None:
    obj = _load("create-deployment.pb")
    assert obj["apiVersion"] == "apps/v1"
    assert obj["metadata"] == {"name": "my-nginx", "labels": {"app": "my-nginx"}}
    spec = obj["spec"]
    assert spec["replicas"] == 0  # a pointer in Go: explicit zero, not unset
    assert spec["selector"] == {"matchLabels": {"app": "my-nginx"}}
    assert spec["strategy"] == {}
    assert spec["template"] == {
        "metadata": {"labels": {"app": "my-nginx"}},
        "spec": {
            "containers": [
                {
                    "name": "nginx",
                    "image": "nginx:1.27",
                    "ports": [{"containerPort": 80}],
                    "resources": {},
                }
            ]
        },
    }


@pytest.mark.parametrize(
    ("name", "spec"),
    [
        (
            "create-service-clusterip.pb",
            {
                "ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
                "selector": {"app": "my-svc"},
                "type": "ClusterIP",
            },
        ),
        (
            "create-service-nodeport.pb",
            {
                "ports": [
                    {
                        "name": "80-http",
                        "protocol": "TCP",
                        "port": 80,
                        "targetPort": "http",
                        "nodePort": 30080,
                    }
                ],
                "selector": {"app": "np"},
                "type": "NodePort",
            },
        ),
        (
            "create-service-externalname.pb",
            {"selector": {"app": "ex"}, "type": "ExternalName", "externalName": "example.com"},
        ),
        (
            "create-service-loadbalancer.pb",
            {
                "ports": [{"name": "443-8443", "protocol": "TCP", "port": 443, "targetPort": 8443}],
                "selector": {"app": "lb"},
                "type": "LoadBalancer",
            },
        ),
    ],
)
def test_create_service(name: str, spec: dict[str, Any]) -> None:
    obj = _load(name)
    assert obj["kind"] == "Service"
    assert obj["spec"] == spec
    assert obj["status"] == {"loadBalancer": {}}


def test_create_configmap_secret_serviceaccount() -> None:
    assert _load("create-configmap.pb")["data"] == {"a": "b", "c": "d"}
    secret = _load("create-secret-generic.pb")
    assert secret["kind"] == "Secret"
    assert secret["data"] == {"pw": "aHVudGVyMg=="}  # bytes are base64 in JSON
    assert _load("create-serviceaccount.pb") == {
        "kind": "ServiceAccount",
        "apiVersion": "v1",
        "metadata": {"name": "sa1"},
    }


# A tiny encoder, with field numbers copied from k8s.io/api core/v1 generated.proto.
def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _f(number: int, value: bytes | str | int | bool) -> bytes:
    if isinstance(value, bool | int):
        return _varint(number << 3) + _varint(int(value))
    data = value.encode() if isinstance(value, str) else value
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    type_meta = _f(1, api_version) + _f(2, kind)
    return MAGIC + _f(1, type_meta) + _f(2, raw) + _f(3, "") + _f(4, "")


def test_pod_with_inline_volume_source_probe_handler_and_env_source() -> None:
    meta = _f(1, "p") + _f(3, "default") + _f(11, _f(1, "run") + _f(2, "p"))
    config_map_volume = _f(1, _f(1, "cfg")) + _f(3, 420)  # localObjectReference (inline)
    volume = _f(1, "config") + _f(2, _f(19, config_map_volume))  # volumeSource (inline)
    http_get = _f(1, "/healthz") + _f(2, _f(1, 0) + _f(2, 8080))  # port: IntOrString int
    probe = _f(1, _f(2, http_get)) + _f(2, 5)  # handler (inline), initialDelaySeconds
    env_from = _f(2, _f(1, _f(1, "cfg")))  # configMapRef{localObjectReference{name}}
    env = _f(1, "A") + _f(3, _f(1, _f(2, "metadata.name")))  # valueFrom.fieldRef.fieldPath
    container = (
        _f(1, "web")
        + _f(2, "nginx")
        + _f(3, "sh")
        + _f(3, "-c")
        + _f(7, env)
        + _f(19, env_from)
        + _f(11, probe)
        + _f(16, True)
        + _f(17, False)
    )
    spec = _f(1, volume) + _f(2, container) + _f(4, 0) + _f(21, False) + _f(3, "")
    pod = _f(1, meta) + _f(2, spec)
    obj = decode_protobuf(_envelope("v1", "Pod", pod))
    assert obj["metadata"] == {"name": "p", "namespace": "default", "labels": {"run": "p"}}
    assert obj["spec"]["volumes"] == [
        {"name": "config", "configMap": {"name": "cfg", "defaultMode": 420}}
    ]
    (c,) = obj["spec"]["containers"]
    assert c["command"] == ["sh", "-c"]
    assert c["env"] == [{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
    assert c["envFrom"] == [{"configMapRef": {"name": "cfg"}}]
    assert c["readinessProbe"] == {
        "httpGet": {"path": "/healthz", "port": 8080},
        "initialDelaySeconds": 5,
    }
    assert c["stdin"] is True
    assert "stdinOnce" not in c  # a plain bool: false is omitted, as in JSON
    # terminationGracePeriodSeconds and automountServiceAccountToken are pointers: zero kept
    assert obj["spec"]["terminationGracePeriodSeconds"] == 0
    assert obj["spec"]["automountServiceAccountToken"] is False
    assert "restartPolicy" not in obj["spec"]


def test_time_negative_ints_and_int_or_string_text() -> None:
    meta = _f(1, "d") + _f(8, _f(1, 1_700_000_000)) + _f(10, -1)
    rolling = _f(1, _f(1, 1) + _f(3, "25%"))
    spec = _f(4, _f(1, "RollingUpdate") + _f(2, rolling))
    obj = decode_protobuf(_envelope("apps/v1", "Deployment", _f(1, meta) + _f(2, spec)))
    assert obj["metadata"]["creationTimestamp"] == "2023-11-14T22:13:20Z"
    assert obj["metadata"]["deletionGracePeriodSeconds"] == -1
    assert obj["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%"},
    }


def test_lease_with_micro_times_and_explicit_zero() -> None:
    renew = _f(1, 1_700_000_000) + _f(2, 123_456_000)
    spec = _f(1, "node-a") + _f(2, 40) + _f(4, renew) + _f(5, 0)
    obj = decode_protobuf(
        _envelope("coordination.k8s.io/v1", "Lease", _f(1, _f(1, "l")) + _f(2, spec))
    )
    assert obj["kind"] == "Lease" and obj["metadata"]["name"] == "l"
    assert obj["spec"] == {
        "holderIdentity": "node-a",
        "leaseDurationSeconds": 40,
        "renewTime": "2023-11-14T22:13:20.123456Z",
        "leaseTransitions": 0,
    }


def test_unknown_field_numbers_are_skipped() -> None:
    raw = _f(1, _f(1, "x")) + _f(99, "future") + _f(2, b"")
    assert decode_protobuf(_envelope("v1", "ConfigMap", raw))["metadata"] == {"name": "x"}


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not protobuf",
        b"{}",
        MAGIC + b"\xff",
        MAGIC + _f(1, _f(1, "v1") + _f(2, "Pod")) + b"\x12\x05ab",
        _envelope("v1", "Frobnicator", b""),
        _envelope("batch/v1", "Job", b""),
        _envelope("v1", "Pod", b"\x0a\x03\xff\xfe\xfd"),
        _envelope("v1", "Pod", b"\x0b"),
        _envelope("v1", "Pod", _f(1, _f(1, 5))),
    ],
)
def test_malformed_bodies_are_bad_requests(body: bytes) -> None:
    with pytest.raises(ApiError) as err:
        decode_protobuf(body)
    assert err.value.code == 400
    assert err.value.reason == "BadRequest"


def test_table_covers_the_served_kinds_schemas() -> None:
    table = json.loads(
        (Path(__file__).parents[3] / "kubelab/sim/wire/proto_fields.json").read_text()
    )
    schemas = _all_schemas()
    served = [
        "io.k8s.api.core.v1.Namespace",
        "io.k8s.api.core.v1.Service",
        "io.k8s.api.core.v1.ServiceSpec",
        "io.k8s.api.core.v1.ServicePort",
        "io.k8s.api.core.v1.ConfigMap",
        "io.k8s.api.core.v1.Secret",
        "io.k8s.api.core.v1.ServiceAccount",
        "io.k8s.api.core.v1.Container",
        "io.k8s.api.apps.v1.DeploymentSpec",
        "io.k8s.api.discovery.v1.Endpoint",
        "io.k8s.api.events.v1.Event",
        "io.k8s.api.coordination.v1.Lease",
        "io.k8s.api.coordination.v1.LeaseSpec",
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
    ]
    for name in served:
        names = {spec[0] for spec in table[name].values()}
        props = set(schemas[name]["properties"]) - {"apiVersion", "kind"}
        assert props <= names, (name, props - names)


def test_table_is_consistent() -> None:
    table = json.loads(
        (Path(__file__).parents[3] / "kubelab/sim/wire/proto_fields.json").read_text()
    )
    kinds = {"s", "i", "b", "y", "d", "time", "intstr", "quantity", "raw"}
    for message, fields in table.items():
        names = [spec[0] for spec in fields.values()]
        assert len(names) == len(set(names)), message
        for number, spec in fields.items():
            assert int(number) > 0
            json_name, kind, repeated, *flags = spec
            assert repeated in (0, 1)
            assert set(flags) <= {"ptr", "inline"}, (message, json_name)
            target = kind.removeprefix("map:")
            if target.startswith("msg:"):
                assert target[4:] in table, (message, json_name, target)
            else:
                assert target in kinds, (message, json_name, kind)

"""Service defaults, allocation and validation: the exact messages of a real API server."""

from __future__ import annotations

import random
from typing import Any

from kubelab.sim.kinds import service_allocation as alloc
from kubelab.sim.kinds import service_rules as rules
from kubelab.sim.kinds.field_errors import aggregate_message

Obj = dict[str, Any]


def svc(name: str = "my-nginx", **spec: Any) -> Obj:
    base: Obj = {"metadata": {"name": name, "namespace": "default"}, "spec": spec}
    rules.default_service(base)
    return base


def existing(name: str, ip: str, node_ports: tuple[int, ...] = ()) -> Obj:
    ports = [{"port": 80 + i, "nodePort": p} for i, p in enumerate(node_ports)] or [{"port": 80}]
    return {
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"clusterIP": ip, "clusterIPs": [ip], "ports": ports},
    }


KUBE = [existing("kubernetes", "10.96.0.1"), existing("kube-dns", "10.96.0.10")]


def create(obj: Obj, others: list[Obj] = KUBE) -> list[str]:
    errors = rules.allocate_on_create(obj, others, random.Random(1))
    if errors:
        return [str(e) for e in errors]
    return [str(e) for e in rules.validate_service(obj)]


def test_defaults_match_the_api_server() -> None:
    obj = svc(ports=[{"port": 80}], selector={"run": "my-nginx"})
    assert create(obj) == []
    spec = obj["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert spec["internalTrafficPolicy"] == "Cluster"
    assert spec["ipFamilyPolicy"] == "SingleStack"
    assert spec["ipFamilies"] == ["IPv4"]
    assert "externalTrafficPolicy" not in spec
    assert spec["clusterIPs"] == [spec["clusterIP"]]


def test_dynamic_cluster_ip_is_above_the_static_band_and_free() -> None:
    used = {"10.96.0.1", "10.96.0.10"}
    for seed in range(50):
        ip = alloc.allocate_ip(used, random.Random(seed))
        offset = int(ip.split(".")[2]) * 256 + int(ip.split(".")[3])
        assert 256 < offset < 65535
        assert ip not in used


def test_node_port_allocated_in_range_for_nodeport_and_loadbalancer() -> None:
    for kind in ("NodePort", "LoadBalancer"):
        obj = svc(type=kind, ports=[{"port": 80}, {"port": 443, "name": "https"}])
        obj["spec"]["ports"][0]["name"] = "http"
        assert create(obj) == []
        ports = [p["nodePort"] for p in obj["spec"]["ports"]]
        assert all(30000 <= p <= 32767 for p in ports)
        assert len(set(ports)) == 2
        assert obj["spec"]["externalTrafficPolicy"] == "Cluster"
    assert obj["spec"]["allocateLoadBalancerNodePorts"] is True


def test_node_port_out_of_range() -> None:
    obj = svc("frontend", type="NodePort", ports=[{"port": 80, "nodePort": 80}])
    assert create(obj) == [
        "spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. "
        "The range of valid ports is 30000-32767"
    ]


def test_node_port_taken() -> None:
    others = [*KUBE, existing("a", "10.96.5.5", (30080,))]
    obj = svc("b", type="NodePort", ports=[{"port": 80, "nodePort": 30080}])
    assert create(obj, others) == [
        "spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated"
    ]


def test_cluster_ip_taken_and_outside_range() -> None:
    taken = svc("external-backend", clusterIP="10.96.0.10", ports=[{"port": 3000}])
    assert create(taken) == [
        'spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: failed to allocate IP '
        "10.96.0.10: provided IP is already allocated"
    ]
    outside = svc("x", clusterIP="10.0.0.5", ports=[{"port": 80}])
    assert create(outside) == [
        'spec.clusterIPs: Invalid value: []string{"10.0.0.5"}: failed to allocate IP 10.0.0.5: '
        "the provided network does not match the current range"
    ]
    inside = svc("y", clusterIP="10.96.100.200", ports=[{"port": 80}])
    assert create(inside) == []
    assert inside["spec"]["clusterIPs"] == ["10.96.100.200"]


def test_invalid_ip_string() -> None:
    obj = svc("x", clusterIP="abc", ports=[{"port": 80}])
    assert create(obj) == [
        'spec.clusterIPs[0]: Invalid value: "abc": must be a valid IP address, '
        "(e.g. 10.9.8.7 or 2001:db8::ffff)"
    ]


def test_multi_port_name_rules() -> None:
    obj = svc("webserver", ports=[{"name": "http", "port": 80}, {"port": 443}])
    assert create(obj) == ["spec.ports[1].name: Required value"]
    dup = svc("webserver", ports=[{"name": "http", "port": 80}, {"name": "http", "port": 443}])
    assert create(dup) == ['spec.ports[1].name: Duplicate value: "http"']


def test_field_validation_messages() -> None:
    assert create(svc("x", selector={"a": "b"})) == ["spec.ports: Required value"]
    assert create(svc("x", ports=[{"port": 0}])) == [
        "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
        "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
    ]
    assert create(svc("x", ports=[{"port": 80, "protocol": "HTTP"}])) == [
        'spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'
    ]
    assert create(svc("x", type="Foo", ports=[{"port": 80}])) == [
        'spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", '
        '"LoadBalancer", "NodePort"'
    ]
    assert create(svc("x", ports=[{"port": 80, "nodePort": 30001}])) == [
        "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"
    ]
    assert create(svc("x", type="NodePort", clusterIP="None", ports=[{"port": 80}])) == [
        "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort "
        "services"
    ]
    assert create(svc("x", type="LoadBalancer", clusterIP="None", ports=[{"port": 80}])) == [
        "spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for LoadBalancer "
        "services"
    ]
    assert create(svc("x", type="ExternalName")) == ["spec.externalName: Required value"]


def test_bad_name_message_has_two_spaces_before_or() -> None:
    errors = create(svc("My_Svc", ports=[{"port": 80}]))
    assert errors == [
        'metadata.name: Invalid value: "My_Svc": a DNS-1035 label must consist of lower case '
        "alphanumeric characters or '-', start with an alphabetic character, and end with an "
        "alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is "
        "'[a-z]([-a-z0-9]*[a-z0-9])?')"
    ]


def test_headless_and_external_name_get_no_cluster_ip() -> None:
    headless = svc("h", clusterIP="None", selector={"app": "x"}, ports=[{"port": 80}])
    assert create(headless) == []
    assert headless["spec"]["clusterIPs"] == ["None"]
    assert headless["spec"]["ipFamilyPolicy"] == "SingleStack"
    external = svc("e", type="ExternalName", externalName="my.database.example.com")
    assert create(external) == []
    assert "clusterIP" not in external["spec"]
    assert "ipFamilies" not in external["spec"]


def updated(old: Obj, change: Obj, others: list[Obj] = KUBE) -> tuple[Obj, list[str]]:
    import copy

    new = copy.deepcopy(old)
    new["spec"].update(change)
    rules.default_service(new)
    errors = rules.allocate_on_update(new, old, others, random.Random(2))
    if errors:
        return new, [str(e) for e in errors]
    return new, [str(e) for e in rules.validate_service_update(new, old)]


def test_cluster_ip_may_not_change() -> None:
    old = svc(ports=[{"port": 80}])
    assert create(old) == []
    _, errors = updated(old, {"clusterIP": "10.96.100.200"})
    assert errors == [
        'spec.clusterIPs[0]: Invalid value: []string{"10.96.100.200"}: may not change once set'
    ]


def test_type_change_to_loadbalancer_keeps_ip_and_allocates_node_port() -> None:
    old = svc(ports=[{"port": 80}])
    assert create(old) == []
    new, errors = updated(old, {"type": "LoadBalancer"})
    assert errors == []
    assert new["spec"]["clusterIP"] == old["spec"]["clusterIP"]
    assert 30000 <= new["spec"]["ports"][0]["nodePort"] <= 32767
    back, errors = updated(new, {"type": "ClusterIP"})
    assert errors == []
    assert "nodePort" not in back["spec"]["ports"][0]
    assert "externalTrafficPolicy" not in back["spec"]


def test_update_without_node_port_keeps_the_allocated_one() -> None:
    old = svc(type="NodePort", ports=[{"port": 80}])
    assert create(old) == []
    allocated = old["spec"]["ports"][0]["nodePort"]
    new, errors = updated(old, {"ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}]})
    assert errors == []
    assert new["spec"]["ports"][0]["nodePort"] == allocated


def test_warnings() -> None:
    obj = svc("x", externalName="a.example.com", ports=[{"port": 80}])
    assert rules.service_warnings(obj) == [
        'spec.externalName is ignored when spec.type is not "ExternalName"'
    ]


def test_aggregate_message_for_several_causes() -> None:
    obj = svc("x", ports=[{"port": 80}, {"port": 81}])
    create(obj)
    errors = rules.validate_service(obj)
    assert aggregate_message("Service", "x", errors) == (
        'Service "x" is invalid: [spec.ports[0].name: Required value, '
        "spec.ports[1].name: Required value]"
    )

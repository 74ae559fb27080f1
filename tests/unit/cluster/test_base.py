"""LabCluster.host_endpoint and the host-address annotation parser."""

from __future__ import annotations

from pathlib import Path

from kubelab.cluster.base import (
    HOST_ADDRESS_ANNOTATION,
    ClusterError,
    LabCluster,
    parse_host_addresses,
)

SERVICE = {
    "metadata": {"name": "web"},
    "spec": {"type": "NodePort", "ports": [{"name": "http", "port": 80, "nodePort": 30080}]},
}
LB = {
    "metadata": {"name": "lb"},
    "spec": {"type": "LoadBalancer", "ports": [{"port": 8080, "nodePort": 31000}]},
    "status": {"loadBalancer": {"ingress": [{"ip": "172.18.0.7"}]}},
}


def cluster(**kwargs) -> LabCluster:
    base = {
        "provider": "kind",
        "name": "kubelab",
        "kubeconfig": Path("/tmp/kc"),
        "context": "kind-kubelab",
        "namespace": "default",
    }
    return LabCluster(**{**base, **kwargs})


def test_nodeport_needs_the_capability() -> None:
    assert cluster().host_endpoint(SERVICE, 80) is None
    reachable = cluster(capabilities=frozenset({"nodeport-from-host"}), nodeport_host="127.0.0.1")
    assert reachable.host_endpoint(SERVICE, 80) == ("127.0.0.1", 30080)
    assert reachable.host_endpoint(SERVICE, "http") == ("127.0.0.1", 30080)
    assert reachable.host_endpoint(SERVICE, 81) is None


def test_nodeport_map_publishes_only_mapped_ports() -> None:
    kind = cluster(
        capabilities=frozenset({"nodeport-from-host"}),
        nodeport_host="127.0.0.1",
        nodeport_map={30080: 40080},
    )
    assert kind.host_endpoint(SERVICE, 80) == ("127.0.0.1", 40080)
    assert kind.host_endpoint(LB, 8080) is None


def test_loadbalancer_uses_the_ingress_address() -> None:
    assert cluster().host_endpoint(LB, 8080, via="loadBalancer") is None
    lb = cluster(capabilities=frozenset({"loadbalancer"}))
    assert lb.host_endpoint(LB, 8080, via="loadBalancer") == ("172.18.0.7", 8080)
    pending = {**LB, "status": {"loadBalancer": {}}}
    assert lb.host_endpoint(pending, 8080, via="loadBalancer") is None


def test_sim_annotation_wins() -> None:
    annotated = {
        **LB,
        "metadata": {"name": "lb", "annotations": {HOST_ADDRESS_ANNOTATION: "127.0.0.1:31000"}},
    }
    sim = cluster(
        provider="sim",
        capabilities=frozenset({"loadbalancer", "nodeport-from-host"}),
        nodeport_host="127.0.0.1",
        host_address_annotation=HOST_ADDRESS_ANNOTATION,
    )
    assert sim.host_endpoint(annotated, 8080) == ("127.0.0.1", 31000)


def test_parse_host_addresses_forms() -> None:
    assert parse_host_addresses("127.0.0.1:30080") == [("127.0.0.1", 30080)]
    assert parse_host_addresses("127.0.0.1:30080, 127.0.0.1:8080") == [
        ("127.0.0.1", 30080),
        ("127.0.0.1", 8080),
    ]
    assert parse_host_addresses('["127.0.0.1:1"]') == [("127.0.0.1", 1)]
    assert parse_host_addresses('[{"host": "127.0.0.1", "port": 2}]') == [("127.0.0.1", 2)]
    assert parse_host_addresses("port 30080 in use") == []


def test_missing_capabilities_say_why() -> None:
    reasons = cluster(capabilities=frozenset({"multi-node"})).missing(
        ["loadbalancer", "multi-node"]
    )
    assert reasons == ["loadbalancer: this cluster has no LoadBalancer implementation"]


def test_cluster_error_shows_the_hint() -> None:
    assert str(ClusterError("boom", hint="do x")) == "boom\nhint: do x"
    assert str(ClusterError("boom")) == "boom"

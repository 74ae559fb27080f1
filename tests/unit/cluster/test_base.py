"""LabCluster.host_endpoint, the simulator's host-port listing and the host address parser."""

from __future__ import annotations

from pathlib import Path

from kubelab.cluster.base import (
    HOST_PORTS_PATH,
    ClusterError,
    LabCluster,
    parse_host_addresses,
    served_ports,
    served_problem,
)
from kubelab.cluster.status import exposed_services

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


def sim_cluster() -> LabCluster:
    return cluster(
        provider="sim",
        capabilities=frozenset({"loadbalancer", "nodeport-from-host"}),
        nodeport_host="127.0.0.1",
        host_ports_path=HOST_PORTS_PATH,
    )


def listing(entries: list[dict]) -> dict:
    """The simulator's answer at HOST_PORTS_PATH with `entries` for the Service `lb`."""
    return {
        "kind": "HostPortList",
        "items": [
            {"namespace": "other", "name": "lb", "ports": [{"kind": "NodePort", "port": 1}]},
            {"namespace": "default", "name": "lb", "ports": entries},
        ],
    }


LB_SERVICE = {**LB, "metadata": {"name": "lb", "namespace": "default"}}


def test_sim_listing_says_where_each_port_is_served() -> None:
    served = served_ports(listing(
        [
            {"kind": "LoadBalancer", "port": 8080, "protocol": "TCP", "nodePort": 31000,
             "address": "127.0.0.1:40123"},
            {"kind": "NodePort", "port": 8080, "protocol": "TCP", "nodePort": 31000,
             "address": "127.0.0.1:31000"},
        ]
    ), "default", "lb")  # fmt: skip
    sim = sim_cluster()
    assert sim.host_endpoint(LB_SERVICE, 8080, "loadBalancer", served) == ("127.0.0.1", 40123)
    assert sim.host_endpoint(LB_SERVICE, 8080, "nodePort", served) == ("127.0.0.1", 31000)
    assert sim.host_endpoint(LB_SERVICE, 8080, "nodePort") is None  # nothing served: unreachable


def test_sim_listing_error_means_unreachable() -> None:
    answer = listing(
        [{"kind": "NodePort", "port": 8080, "nodePort": 31000, "error": "port 31000 in use"}]
    )
    served = served_ports(answer, "default", "lb")
    sim = sim_cluster()
    assert sim.host_endpoint(LB_SERVICE, 8080, "nodePort", served) is None
    assert served_problem(served, 8080, "nodePort") == "port 31000 in use"
    rows = exposed_services(sim, [LB_SERVICE], answer)
    assert [(r.type, r.port, r.address, r.note) for r in rows] == [
        ("LoadBalancer", 8080, None, "not reachable from this machine"),
        ("NodePort", 31000, None, "port 31000 in use"),
    ]


def test_exposed_services_rows() -> None:
    pending = {**LB, "status": {}}
    plain = {"metadata": {"name": "c"}, "spec": {"type": "ClusterIP", "ports": [{"port": 1}]}}
    kind = cluster(
        capabilities=frozenset({"nodeport-from-host"}),
        nodeport_host="127.0.0.1",
        nodeport_map={30080: 30080},
    )
    rows = exposed_services(kind, [SERVICE, pending, plain])
    assert [(r.name, r.type, r.port, r.address, r.note) for r in rows] == [
        ("web", "NodePort", 30080, ("127.0.0.1", 30080), ""),
        ("lb", "LoadBalancer", 8080, None, "EXTERNAL-IP <pending>"),
        ("lb", "NodePort", 31000, None, "not reachable from this machine"),
    ]


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


def test_spec_names_the_cluster_as_cluster_option() -> None:
    assert cluster().spec == "kind:kubelab"
    assert cluster(provider="sim").spec == "sim"
    assert cluster(provider="context", name="room").spec == "context:room"


def test_providers_can_explain_missing_capabilities_better() -> None:
    lab = cluster(missing_reasons={"loadbalancer": "cloud-provider-kind is not running"})
    assert lab.missing(["loadbalancer", "multi-node"]) == [
        "loadbalancer: cloud-provider-kind is not running",
        "multi-node: this cluster has a single node",
    ]

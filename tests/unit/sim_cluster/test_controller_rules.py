"""The pure rules inside the controllers: hashes, scaling, scheduling fits, backends."""

from __future__ import annotations

from typing import Any

from kubelab.sim.controllers.backends import backends, find_port
from kubelab.sim.controllers.deployment import resolve, safe_encode, template_hash
from kubelab.sim.controllers.endpoints import desired_subsets
from kubelab.sim.controllers.endpointslice import desired_slices
from kubelab.sim.controllers.endpointslice_mirroring import mirrored
from kubelab.sim.controllers.kubelet_rules import exits_at_once
from kubelab.sim.controllers.scheduler import fit_problems, tolerates
from kubelab.sim.dataplane.images import lookup

Obj = dict[str, Any]


def test_template_hash_is_stable_and_safe() -> None:
    template: Obj = {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": []}}
    first = template_hash(template)
    assert first == template_hash({**template})
    assert set(first) <= set("bcdfghjklmnpqrstvwxz2456789")
    assert 6 <= len(first) <= 10
    changed = {"metadata": {"labels": {"app": "y"}}, "spec": {"containers": []}}
    assert template_hash(changed) != first
    labelled = {"metadata": {"labels": {"app": "x", "pod-template-hash": first}}, "spec": {}}
    assert template_hash(labelled) == template_hash(
        {"metadata": {"labels": {"app": "x"}}, "spec": {}}
    )
    assert safe_encode("0123456789") == "456789bcdf"  # as in "7c5ddbdf54"


def test_resolve_percentages() -> None:
    assert resolve("25%", 3, True) == 1
    assert resolve("25%", 3, False) == 0
    assert resolve(2, 3, True) == 2
    assert resolve("bad%", 3, True) == 0


NODE: Obj = {
    "metadata": {"name": "cp", "labels": {"kubernetes.io/os": "linux"}},
    "spec": {"taints": [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]},
    "status": {"conditions": [{"type": "Ready", "status": "True"}]},
}


def test_taints_and_selectors() -> None:
    pod: Obj = {"spec": {}}
    assert fit_problems(pod, NODE) == (
        "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"
    )
    tolerant: Obj = {"spec": {"tolerations": [{"operator": "Exists"}]}}
    assert tolerates(tolerant, NODE["spec"]["taints"][0])
    assert fit_problems(tolerant, NODE) is None
    picky: Obj = {
        "spec": {"tolerations": [{"operator": "Exists"}], "nodeSelector": {"disk": "ssd"}}
    }
    assert fit_problems(picky, NODE) == "node(s) didn't match Pod's node affinity/selector"


def test_bare_shells_exit_and_servers_do_not() -> None:
    assert exits_at_once({"name": "b"}, lookup("busybox:1.37"))
    assert not exits_at_once({"name": "b", "stdin": True, "tty": True}, lookup("busybox"))
    assert not exits_at_once({"name": "b", "command": ["sleep", "3600"]}, lookup("busybox"))
    assert not exits_at_once({"name": "n"}, lookup("nginx"))
    assert not exits_at_once({"name": "x"}, lookup("example.com/unknown:1"))


def pod(name: str, ip: str, ready: bool, labels: Obj | None = None, **extra: Any) -> Obj:
    return {
        "metadata": {
            "name": name,
            "namespace": "default",
            "uid": name,
            "labels": labels or {"app": "web"},
        },
        "spec": {
            "nodeName": "kubelab-worker",
            "containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 8080}]}],
        },
        "status": {
            "phase": "Running",
            "podIP": ip,
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
        **extra,
    }


SERVICE: Obj = {
    "metadata": {"name": "web", "namespace": "default", "labels": {"tier": "front"}},
    "spec": {
        "selector": {"app": "web"},
        "ports": [{"port": 80, "targetPort": "http", "protocol": "TCP"}],
    },
}


def test_named_target_port_resolves_per_pod() -> None:
    assert find_port(pod("a", "10.244.1.2", True), SERVICE["spec"]["ports"][0]) == 8080
    assert find_port(pod("a", "10.244.1.2", True), {"port": 80, "targetPort": 9376}) == 9376
    assert find_port(pod("a", "10.244.1.2", True), {"port": 80, "targetPort": "nope"}) is None


def test_endpoints_split_ready_and_not_ready() -> None:
    pods = [
        pod("b", "10.244.2.3", True),
        pod("a", "10.244.1.2", False),
        pod("other", "10.244.1.9", True, labels={"app": "db"}),
        pod("gone", "10.244.1.7", True),
    ]
    pods[3]["metadata"]["deletionTimestamp"] = "2020-01-01T00:00:00Z"
    subsets = desired_subsets(SERVICE, pods)
    assert subsets == [
        {
            "addresses": [
                {
                    "ip": "10.244.2.3",
                    "nodeName": "kubelab-worker",
                    "targetRef": {"kind": "Pod", "namespace": "default", "name": "b", "uid": "b"},
                }
            ],
            "notReadyAddresses": [
                {
                    "ip": "10.244.1.2",
                    "nodeName": "kubelab-worker",
                    "targetRef": {"kind": "Pod", "namespace": "default", "name": "a", "uid": "a"},
                }
            ],
            "ports": [{"port": 8080, "protocol": "TCP"}],
        }
    ]
    slices = desired_slices(SERVICE, pods)
    assert len(slices) == 1
    ports, endpoints = slices[0]
    assert ports == [{"name": "", "port": 8080, "protocol": "TCP"}]
    conditions = {e["addresses"][0]: e["conditions"] for e in endpoints}
    assert conditions["10.244.1.7"] == {"ready": False, "serving": True, "terminating": True}
    assert conditions["10.244.2.3"]["ready"] is True
    assert desired_slices(SERVICE, []) == [(None, [])]


def test_mirroring_keeps_readiness() -> None:
    ep: Obj = {
        "subsets": [
            {
                "addresses": [{"ip": "192.0.2.1"}],
                "notReadyAddresses": [{"ip": "192.0.2.2"}],
                "ports": [{"port": 3000}],
            }
        ]
    }
    [(ports, endpoints)] = mirrored(ep)
    assert ports == [{"name": "", "port": 3000, "protocol": "TCP"}]
    assert [(e["addresses"], e["conditions"]["ready"]) for e in endpoints] == [
        (["192.0.2.1"], True),
        (["192.0.2.2"], False),
    ]
    assert backends(SERVICE, [], include_terminating=True) == []


def test_probes_against_the_simulated_servers() -> None:
    from kubelab.sim.controllers.probes import probe_port, run_probe

    container: Obj = {
        "name": "web",
        "image": "nginx",
        "ports": [{"name": "http", "containerPort": 80}],
    }
    nginx: Obj = {
        "metadata": {"name": "p", "namespace": "default", "uid": "u-probe"},
        "spec": {"containers": [container]},
        "status": {"podIP": "10.244.1.9", "hostIP": "172.18.0.3", "phase": "Running"},
    }
    assert probe_port(container, "http") == 80
    assert run_probe(None, nginx, container, {"httpGet": {"path": "/", "port": "http"}}) is None
    assert run_probe(None, nginx, container, {"httpGet": {"path": "/nope", "port": 80}}) == (
        "HTTP probe failed with statuscode: 404"
    )
    assert run_probe(None, nginx, container, {"tcpSocket": {"port": 8080}}) == (
        "dial tcp 10.244.1.9:8080: connect: connection refused"
    )
    assert run_probe(None, nginx, container, {"httpGet": {"port": 8080}}) == (
        'Get "http://10.244.1.9:8080/": dial tcp 10.244.1.9:8080: connect: connection refused'
    )


def test_go_durations() -> None:
    from kubelab.sim.controllers.kubelet_rules import go_duration

    assert go_duration(0.2019) == "201ms"
    assert go_duration(1.948) == "1.948s"
    assert go_duration(2.0) == "2s"
    assert go_duration(62.5) == "1m2.5s"


def test_hostname_only_for_the_pods_subdomain() -> None:
    named = pod("db-0", "10.244.1.4", True)
    named["spec"].update({"hostname": "db-0", "subdomain": "web"})
    other = pod("db-1", "10.244.1.5", True)
    other["spec"].update({"hostname": "db-1", "subdomain": "elsewhere"})
    [(_, endpoints)] = desired_slices(SERVICE, [named, other])
    hostnames = {e["addresses"][0]: e.get("hostname") for e in endpoints}
    assert hostnames == {"10.244.1.4": "db-0", "10.244.1.5": None}
    [subset] = desired_subsets(SERVICE, [named, other])
    assert [a.get("hostname") for a in subset["addresses"]] == ["db-0", None]


def test_slices_hold_at_most_100_endpoints() -> None:
    pods = [pod(f"p{i}", f"10.244.{i // 200}.{i % 200 + 2}", True) for i in range(250)]
    slices = desired_slices(SERVICE, pods)
    assert [len(endpoints) for _, endpoints in slices] == [100, 100, 50]

"""Table rows as kubectl prints them (printers.go)."""

from __future__ import annotations

from typing import Any

from kubelab.sim.kinds.deployments import deployment_row
from kubelab.sim.kinds.endpoints import format_endpoints
from kubelab.sim.kinds.endpointslices import slice_row
from kubelab.sim.kinds.nodes import node_row
from kubelab.sim.kinds.pods import pod_row
from kubelab.sim.kinds.services import service_row

Obj = dict[str, Any]


def test_service_rows() -> None:
    svc: Obj = {
        "metadata": {"name": "my-nginx"},
        "spec": {
            "type": "NodePort",
            "clusterIP": "10.96.162.149",
            "clusterIPs": ["10.96.162.149"],
            "ports": [{"port": 80, "nodePort": 31704, "protocol": "TCP"}],
            "selector": {"run": "my-nginx"},
        },
    }
    assert service_row(svc)[1:5] == ["NodePort", "10.96.162.149", "<none>", "80:31704/TCP"]
    assert service_row(svc)[6] == "run=my-nginx"
    svc["spec"]["type"] = "LoadBalancer"
    assert service_row(svc)[3] == "<pending>"
    svc["status"] = {"loadBalancer": {"ingress": [{"ip": "172.18.255.200", "ipMode": "VIP"}]}}
    assert service_row(svc)[3] == "172.18.255.200"
    headless: Obj = {
        "metadata": {"name": "h"},
        "spec": {"type": "ClusterIP", "clusterIPs": ["None"]},
    }
    assert service_row(headless)[2:5] == ["None", "<none>", "<none>"]
    ext: Obj = {"metadata": {"name": "e"}, "spec": {"type": "ExternalName", "externalName": "a.b"}}
    assert service_row(ext)[2:4] == ["<none>", "a.b"]


def test_endpoints_more_and_none() -> None:
    assert format_endpoints({"subsets": []}) == "<none>"
    ep = {
        "subsets": [
            {
                "addresses": [{"ip": f"10.244.1.{i}"} for i in range(5)],
                "ports": [{"port": 80}],
            }
        ]
    }
    assert format_endpoints(ep) == "10.244.1.0:80,10.244.1.1:80,10.244.1.2:80 + 2 more..."


def test_endpointslice_row() -> None:
    row = slice_row(
        {
            "metadata": {"name": "my-nginx-abcde"},
            "addressType": "IPv4",
            "ports": [{"port": 80, "name": ""}],
            "endpoints": [{"addresses": ["10.244.1.2"]}, {"addresses": ["10.244.2.3"]}],
        }
    )
    assert row[:4] == ["my-nginx-abcde", "IPv4", "80", "10.244.1.2,10.244.2.3"]
    assert slice_row({"metadata": {"name": "x"}, "addressType": "IPv4"})[2:4] == [
        "<unset>",
        "<unset>",
    ]


def test_pod_status_column() -> None:
    pod: Obj = {
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c"}], "nodeName": "kubelab-worker"},
        "status": {
            "phase": "Pending",
            "containerStatuses": [
                {
                    "name": "c",
                    "ready": False,
                    "restartCount": 0,
                    "state": {"waiting": {"reason": "ImagePullBackOff"}},
                }
            ],
        },
    }
    assert pod_row(pod)[:4] == ["p", "0/1", "ImagePullBackOff", "0"]
    assert pod_row(pod)[5:7] == ["<none>", "kubelab-worker"]
    pod["status"] = {
        "phase": "Running",
        "podIPs": [{"ip": "10.244.1.5"}],
        "containerStatuses": [
            {"name": "c", "ready": True, "restartCount": 0, "state": {"running": {}}}
        ],
    }
    assert pod_row(pod)[1:3] == ["1/1", "Running"]
    assert pod_row(pod)[5] == "10.244.1.5"
    pod["metadata"]["deletionTimestamp"] = "2020-01-01T00:00:00Z"
    assert pod_row(pod)[2] == "Terminating"


def test_deployment_and_node_rows() -> None:
    dep: Obj = {
        "metadata": {"name": "my-nginx"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"run": "my-nginx"}},
            "template": {"spec": {"containers": [{"name": "my-nginx", "image": "nginx"}]}},
        },
        "status": {"readyReplicas": 1, "updatedReplicas": 2, "availableReplicas": 1},
    }
    row = deployment_row(dep)
    assert row[1:4] == ["1/2", 2, 1]
    assert row[5:] == ["my-nginx", "nginx", "run=my-nginx"]
    node: Obj = {
        "metadata": {"name": "n", "labels": {"node-role.kubernetes.io/control-plane": ""}},
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}],
            "nodeInfo": {"kubeletVersion": "v1.33.1"},
            "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}],
        },
    }
    assert node_row(node)[1:3] == ["Ready", "control-plane"]
    assert node_row(node)[4:7] == ["v1.33.1", "172.18.0.2", "<none>"]

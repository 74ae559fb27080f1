"""The nodes of a fresh cluster, named and addressed like kind's (`kubelab-control-plane`,
`kubelab-worker`, `kubelab-worker2`, ... on 172.18.0.0/16, pod CIDRs 10.244.N.0/24)."""

from __future__ import annotations

import uuid

from kubelab.sim.objects import Obj

CLUSTER = "kubelab"
KUBELET_VERSION = "v1.37.0"
CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


def node_names(count: int) -> list[str]:
    names = [f"{CLUSTER}-control-plane"]
    for i in range(1, max(count, 1)):
        names.append(f"{CLUSTER}-worker" + (str(i) if i > 1 else ""))
    return names


def node_ip(index: int) -> str:
    return f"172.18.0.{index + 2}"


def pod_cidr(index: int) -> str:
    return f"10.244.{index}.0/24"


def _condition(kind: str, status: str, reason: str, message: str, stamp: str) -> Obj:
    return {
        "type": kind,
        "status": status,
        "lastHeartbeatTime": stamp,
        "lastTransitionTime": stamp,
        "reason": reason,
        "message": message,
    }


def node_object(index: int, name: str, total: int, stamp: str) -> Obj:
    control_plane = index == 0
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
    }
    if control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    spec: Obj = {
        "podCIDR": pod_cidr(index),
        "podCIDRs": [pod_cidr(index)],
        "providerID": f"kind://docker/{CLUSTER}/{name}",
    }
    if control_plane and total > 1:
        spec["taints"] = [dict(CONTROL_PLANE_TAINT)]
    resources = {
        "cpu": "4",
        "ephemeral-storage": "102625208Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": "16351064Ki",
        "pods": "110",
    }
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": labels,
            "annotations": {
                "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": spec,
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": node_ip(index)},
                {"type": "Hostname", "address": name},
            ],
            "allocatable": dict(resources),
            "capacity": dict(resources),
            "conditions": [
                _condition(
                    "MemoryPressure", "False", "KubeletHasSufficientMemory",
                    "kubelet has sufficient memory available", stamp,
                ),
                _condition(
                    "DiskPressure", "False", "KubeletHasNoDiskPressure",
                    "kubelet has no disk pressure", stamp,
                ),
                _condition(
                    "PIDPressure", "False", "KubeletHasSufficientPID",
                    "kubelet has sufficient PID available", stamp,
                ),
                _condition(
                    "Ready", "True", "KubeletReady", "kubelet is posting ready status", stamp,
                ),
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": str(uuid.uuid4()),
                "containerRuntimeVersion": "containerd://2.1.4",
                "kernelVersion": "6.8.0-79-generic",
                "kubeProxyVersion": "",
                "kubeletVersion": KUBELET_VERSION,
                "machineID": uuid.uuid4().hex,
                "operatingSystem": "linux",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "systemUUID": str(uuid.uuid4()),
            },
        },
    }  # fmt: skip


def node_lease(name: str, node_uid: str, micro_stamp: str) -> Obj:
    """The node's heartbeat Lease in kube-node-lease (as the kubelet keeps it)."""
    return {
        "metadata": {
            "name": name,
            "namespace": "kube-node-lease",
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "Node", "name": name, "uid": node_uid}
            ],
        },
        "spec": {
            "holderIdentity": name,
            "leaseDurationSeconds": 40,
            "renewTime": micro_stamp,
        },
    }
